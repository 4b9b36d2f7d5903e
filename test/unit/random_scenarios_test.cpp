// Metamorphic properties of the front end and the reference evaluator over random scenarios
// (test/support/random_policy.h): round-tripping through the language, monotonicity of adding
// rules, order independence, and the enforcement modes. A failure prints the seed and a
// reproducer.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "frontend/diag/diagnostics.h"
#include "frontend/lang/parse_policy.h"
#include "frontend/lang/print_policy.h"
#include "random_policy.h"

namespace ciliumc {

// Lets GoogleTest print verdicts by name in failure messages.
void PrintTo(Verdict verdict, std::ostream* out) { *out << verdictName(verdict); }

namespace {

using namespace ciliumc::testing;

constexpr uint64_t kSeeds = 300;

std::vector<Probe> resolveProbes(const RandomScenario& scenario) {
  std::vector<Probe> probes;
  for (const ProbeSpec& spec : scenario.probes) {
    auto probe = resolveProbe(scenario.inventory, spec);
    if (probe) probes.push_back(*probe);
    else ADD_FAILURE() << spec.toString() << ": " << probe.error().message;
  }
  return probes;
}

std::vector<Verdict> verdicts(const PolicySet& policies, const Inventory& inventory, const std::vector<Probe>& probes,
                              ResolveOptions options = {}) {
  PolicyIR ir = resolvePolicy(policies, inventory, options);
  std::vector<Verdict> out;
  for (const Probe& probe : probes) out.push_back(evaluateFlow(ir, probe).verdict);
  return out;
}

std::string reproducer(const RandomScenario& scenario, size_t probeIndex) {
  return "seed " + std::to_string(scenario.seed) + ", probe " + scenario.probes[probeIndex].toString() + "\n" +
         describe(scenario);
}

// Scenario plus its resolved probes and default-mode verdicts: what every property starts from.
struct Baseline {
  RandomScenario scenario;
  std::vector<Probe> probes;
  std::vector<Verdict> verdicts;
};

Baseline baseline(uint64_t seed, const GeneratorOptions& options = {}) {
  Baseline b{generateScenario(seed, options), {}, {}};
  b.probes = resolveProbes(b.scenario);
  b.verdicts = verdicts(b.scenario.policies, b.scenario.inventory, b.probes);
  return b;
}

TEST(RandomScenarioTest, SameSeedSameScenario) {
  for (uint64_t seed = 0; seed < 20; ++seed)
    EXPECT_EQ(describe(generateScenario(seed, {})), describe(generateScenario(seed, {}))) << "seed " << seed;
  EXPECT_NE(describe(generateScenario(1, {})), describe(generateScenario(2, {})));
}

TEST(RandomScenarioTest, OptionsBoundSizes) {
  GeneratorOptions options;
  options.maxPolicies = 2;
  options.endpoints = 3;
  options.probes = 5;
  for (uint64_t seed = 0; seed < 50; ++seed) {
    RandomScenario s = generateScenario(seed, options);
    EXPECT_LE(s.policies.rules.size(), 2u);
    EXPECT_EQ(s.inventory.endpoints.size(), 3u);
    EXPECT_EQ(s.probes.size(), 5u);
  }
}

// The generator must exercise every kind of field, and the probes must land on both verdicts —
// otherwise the properties below hold vacuously.
TEST(RandomScenarioTest, CoversEveryFieldKindAndBothVerdicts) {
  std::map<std::string, int> seen;
  auto countSelector = [&](const LabelSelector& selector) {
    for (const Requirement& r : selector.requirements()) {
      seen["op" + std::to_string(static_cast<int>(r.op))]++;
      seen["source:" + r.source]++;
      if (r.values.size() == 1 && r.values[0].empty()) seen["value-less"]++;
    }
  };
  for (uint64_t seed = 0; seed < kSeeds; ++seed) {
    Baseline b = baseline(seed);
    for (Verdict v : b.verdicts) seen[verdictName(v)]++;
    for (const Probe& p : b.probes) seen["protocol" + std::to_string(static_cast<int>(p.protocol))]++;
    for (const PolicyRule& rule : b.scenario.policies.rules) {
      seen[rule.namespaceName.empty() ? "cluster-wide" : "namespaced"]++;
      countSelector(rule.subject);
      for (Direction d : {Direction::Ingress, Direction::Egress}) {
        const DirectionRules& rules = rule.rules(d);
        if (rules.enablesDefaultDeny && rules.entries.empty()) seen["default-deny only"]++;
        if (!rules.enablesDefaultDeny && !rules.entries.empty()) seen["non-enforcing entries"]++;
        if (!rules.requirements.empty()) seen["requirements"]++;
        for (const RuleEntry& entry : rules.entries) {
          seen[verdictName(entry.verdict) + " entry"]++;
          if (entry.l4.isWildcard()) seen["L3-only"]++;
          for (const PortRange& range : entry.l4.ports) seen["port " + protocolName(range.protocol)]++;
          for (const IcmpType& icmp : entry.l4.icmps) seen["type " + protocolName(icmp.protocol)]++;
          if (!entry.peers) seen["missing peers"]++;
          else if (entry.peers->empty()) seen["empty peers"]++;
          for (const Peer& peer : entry.peers.value_or(std::vector<Peer>{})) {
            if (peer.kind == Peer::Kind::Selector) countSelector(peer.selector);
            if (peer.kind == Peer::Kind::Entity) seen["entity " + entityName(peer.entity)]++;
            if (peer.kind == Peer::Kind::Cidr) {
              std::string family = peer.cidr.prefix.address.family == IpFamily::V4 ? "v4" : "v6";
              seen["cidr " + family]++;
              if (peer.cidr.except.size() > 1) seen["cidr multiple except " + family]++;
            }
          }
        }
      }
    }
  }
  std::vector<std::string> expected{"allow", "deny", "cluster-wide", "namespaced", "default-deny only",
                                    "non-enforcing entries", "requirements", "allow entry", "deny entry", "L3-only",
                                    "port any", "port tcp", "port udp", "port sctp", "type icmp", "type icmpv6",
                                    "missing peers", "empty peers", "cidr v4", "cidr v6", "cidr multiple except v4",
                                    "cidr multiple except v6", "value-less", "source:k8s", "source:any",
                                    "source:reserved", "op0", "op1", "op2", "op3"};
  for (const std::string& entity : entityNames()) expected.push_back("entity " + entity);
  for (Protocol p : {Protocol::TCP, Protocol::UDP, Protocol::SCTP, Protocol::ICMP, Protocol::ICMPv6})
    expected.push_back("protocol" + std::to_string(static_cast<int>(p)));
  for (const std::string& kind : expected) EXPECT_GT(seen[kind], 0) << kind << " never generated";
  // Neither verdict may dominate so much that the properties test little.
  EXPECT_GT(seen["deny"] * 10, seen["allow"]);
  EXPECT_GT(seen["allow"] * 10, seen["deny"]);
}

// (1) The language printer and parser preserve meaning.
TEST(RandomScenarioTest, PrintedPoliciesParseBackToTheSameVerdicts) {
  GeneratorOptions options;
  options.nonEnforcingDirections = false;  // not expressible in the language
  for (uint64_t seed = 0; seed < kSeeds && !HasFailure(); ++seed) {
    Baseline b = baseline(seed, options);
    std::string text = printPolicyLanguage(b.scenario.policies);
    DiagnosticEngine diags;
    PolicySet reparsed;
    std::vector<TestSuite> tests;
    bool parsed = parsePolicyLanguage("random.policy", text, diags, reparsed, tests);
    std::string messages;
    for (const Diagnostic& d : diags.diagnostics()) messages += d.message + "\n";
    ASSERT_TRUE(parsed) << "seed " << seed << ":\n" << messages << describe(b.scenario);
    ASSERT_EQ(reparsed.rules.size(), b.scenario.policies.rules.size()) << describe(b.scenario);
    std::vector<Verdict> after = verdicts(reparsed, b.scenario.inventory, b.probes);
    for (size_t i = 0; i < after.size() && !HasFailure(); ++i)
      EXPECT_EQ(after[i], b.verdicts[i]) << reproducer(b.scenario, i);
  }
}

// Adds `entry` to a random direction of a random rule (a new non-enforcing rule when there is
// none), leaving default-deny as it was.
void insertEntry(RandomSource& random, PolicySet& policies, RuleEntry entry) {
  if (policies.rules.empty()) {
    PolicyRule rule;
    rule.name = "added";
    policies.rules.push_back(rule);
  }
  PolicyRule& rule = policies.rules[random.below(policies.rules.size())];
  auto& entries = rule.rules(random.chance(50) ? Direction::Ingress : Direction::Egress).entries;
  entry.index = static_cast<int>(entries.size());
  entries.insert(entries.begin() + static_cast<std::ptrdiff_t>(random.below(entries.size() + 1)), std::move(entry));
}

// (2) Deny entries only take away, allow entries only add. Also checks that the added entries
// change some verdicts, so the property is not vacuous.
TEST(RandomScenarioTest, AddingEntriesIsMonotone) {
  int changed[2] = {0, 0};
  for (uint64_t seed = 0; seed < kSeeds && !HasFailure(); ++seed) {
    Baseline b = baseline(seed);
    for (Verdict added : {Verdict::Deny, Verdict::Allow}) {
      RandomSource random(seed * 2 + (added == Verdict::Allow ? 1 : 0) + 0x5eed);
      RandomScenario mutated = b.scenario;
      insertEntry(random, mutated.policies, generateRuleEntry(random, mutated.inventory, added));
      std::vector<Verdict> after = verdicts(mutated.policies, b.scenario.inventory, b.probes);
      for (size_t i = 0; i < after.size() && !HasFailure(); ++i) {
        if (after[i] != b.verdicts[i]) changed[static_cast<int>(added)]++;
        EXPECT_FALSE(after[i] != b.verdicts[i] && after[i] != added)
            << "adding a " << verdictName(added) << " entry turned a flow " << verdictName(after[i]) << "\n"
            << reproducer(mutated, i);
      }
    }
  }
  EXPECT_GT(changed[static_cast<int>(Verdict::Deny)], 0);
  EXPECT_GT(changed[static_cast<int>(Verdict::Allow)], 0);
}

// (3) Verdicts do not depend on the order of policies.
TEST(RandomScenarioTest, PolicyOrderDoesNotMatter) {
  for (uint64_t seed = 0; seed < kSeeds && !HasFailure(); ++seed) {
    Baseline b = baseline(seed);
    PolicySet reversed = b.scenario.policies;
    std::reverse(reversed.rules.begin(), reversed.rules.end());
    std::vector<Verdict> after = verdicts(reversed, b.scenario.inventory, b.probes);
    for (size_t i = 0; i < after.size() && !HasFailure(); ++i)
      EXPECT_EQ(after[i], b.verdicts[i]) << reproducer(b.scenario, i);
  }
}

// (4) `never` enforces nothing; `always` only takes away from the default mode, and does so
// for some flows.
TEST(RandomScenarioTest, EnforcementModesBoundTheDefault) {
  int tightened = 0;
  for (uint64_t seed = 0; seed < kSeeds && !HasFailure(); ++seed) {
    Baseline b = baseline(seed);
    ResolveOptions never;
    never.enforcement = EnforcementMode::Never;
    ResolveOptions always;
    always.enforcement = EnforcementMode::Always;
    std::vector<Verdict> open = verdicts(b.scenario.policies, b.scenario.inventory, b.probes, never);
    std::vector<Verdict> strict = verdicts(b.scenario.policies, b.scenario.inventory, b.probes, always);
    for (size_t i = 0; i < b.probes.size() && !HasFailure(); ++i) {
      EXPECT_EQ(open[i], Verdict::Allow) << "mode never\n" << reproducer(b.scenario, i);
      EXPECT_FALSE(strict[i] == Verdict::Allow && b.verdicts[i] == Verdict::Deny)
          << "mode always allows more than default\n" << reproducer(b.scenario, i);
      if (strict[i] != b.verdicts[i]) ++tightened;
    }
  }
  EXPECT_GT(tightened, 0);
}

// (5) Deny wins: a cluster-wide catch-all deny in one direction denies every flow through an
// endpoint in that direction, whatever else allows it (allow-localhost included).
TEST(RandomScenarioTest, CatchAllDenyWinsOverEverything) {
  for (uint64_t seed = 0; seed < kSeeds && !HasFailure(); ++seed) {
    Baseline b = baseline(seed);
    Direction direction = seed % 2 == 0 ? Direction::Ingress : Direction::Egress;
    RandomScenario mutated = b.scenario;
    PolicyRule denyAll;
    denyAll.name = "deny-all";
    denyAll.rules(direction).enablesDefaultDeny = seed % 4 < 2;
    denyAll.rules(direction).entries.push_back(RuleEntry{Verdict::Deny, std::nullopt, {}, {}, 0});
    auto& rules = mutated.policies.rules;
    rules.insert(rules.begin() + static_cast<std::ptrdiff_t>(seed % (rules.size() + 1)), denyAll);
    std::vector<Verdict> after = verdicts(mutated.policies, b.scenario.inventory, b.probes);
    for (size_t i = 0; i < after.size() && !HasFailure(); ++i) {
      const Party& guarded = direction == Direction::Ingress ? b.probes[i].destination : b.probes[i].source;
      Verdict expected = guarded.isEndpoint() ? Verdict::Deny : b.verdicts[i];
      EXPECT_EQ(after[i], expected) << "deny-all " << directionName(direction) << "\n" << reproducer(mutated, i);
    }
  }
}

}  // namespace
}  // namespace ciliumc
