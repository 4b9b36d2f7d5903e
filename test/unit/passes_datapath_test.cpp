// THE differential test of the passes: a C++ emulation of the datapath over the plan (IP cache,
// class map, CIDR trie, port classes, verdict matrix) must give, for every probe and both sides,
// the reference evaluator's verdict, reason and one of its deciding rules — on random scenarios
// (test/support/random_policy.h) with every optional pass on and with each one disabled, under
// every resolve option, on the conformance scenarios and the examples; and the plan's answers
// must not depend on policy order (the evaluator's do not).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "frontend/diag/diagnostics.h"
#include "frontend/inputs/input_files.h"
#include "frontend/inputs/inventory_loader.h"
#include "ir/party.h"
#include "passes_test_support.h"
#include "random_policy.h"

namespace ciliumc {
namespace {

using namespace ciliumc::testing;

constexpr uint64_t kSeeds = 500;
constexpr int kMaxReportedMismatches = 5;

std::vector<std::string> optionalPasses() {
  std::vector<std::string> names;
  for (const PassDescription& pass : listPasses())
    if (pass.optional) names.push_back(pass.name);
  return names;
}

// Plans one scenario and checks every probe; returns the number of probes checked.
size_t checkScenario(const RandomScenario& scenario, const PassOptions& passes, const ResolveOptions& resolve,
                     int& mismatches) {
  PolicyIR ir = resolvePolicy(scenario.policies, scenario.inventory, resolve);
  PlanResult result = planOrFail(ir, scenario.inventory, passes);
  size_t checked = 0;
  for (const ProbeSpec& spec : scenario.probes) {
    auto probe = resolveProbe(scenario.inventory, spec);
    if (!probe) {
      ADD_FAILURE() << spec.toString() << ": " << probe.error().message;
      continue;
    }
    ++checked;
    std::string problems = compareProbe(ir, result.plan, *probe);
    if (problems.empty() || ++mismatches > kMaxReportedMismatches) continue;
    std::ostringstream plan;
    printPlan(plan, result.plan);
    ADD_FAILURE() << "seed " << scenario.seed << ", probe " << spec.toString() << "\n"
                  << problems << describe(scenario) << "\n# plan\n" << plan.str();
  }
  return checked;
}

void checkSeeds(const PassOptions& passes, const ResolveOptions& resolve = {}, uint64_t seeds = kSeeds,
                const GeneratorOptions& generator = {}) {
  int mismatches = 0;
  size_t probes = 0;
  for (uint64_t seed = 0; seed < seeds && mismatches <= kMaxReportedMismatches; ++seed)
    probes += checkScenario(generateScenario(seed, generator), passes, resolve, mismatches);
  EXPECT_EQ(mismatches, 0);
  EXPECT_GE(probes, seeds * generator.probes * 3 / 4) << "most generated probes must resolve";
}

TEST(PassesDatapathTest, RandomScenariosWithEveryPass) { checkSeeds({}); }

class WithoutPass : public ::testing::TestWithParam<std::string> {};

TEST_P(WithoutPass, RandomScenarios) {
  PassOptions options;
  options.disabled = {GetParam()};
  checkSeeds(options);
}

INSTANTIATE_TEST_SUITE_P(EachOptionalPass, WithoutPass, ::testing::ValuesIn(optionalPasses()),
                         [](const auto& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(PassesDatapathTest, EveryOptionalPassDisabledAtOnce) {
  PassOptions options;
  options.disabled = optionalPasses();
  checkSeeds(options, {}, 200);
}

// Larger scenarios: more policies, entries and endpoints share each shape's tables.
TEST(PassesDatapathTest, LargerRandomScenarios) {
  GeneratorOptions large;
  large.maxPolicies = 30;
  large.maxEntriesPerDirection = 8;
  large.endpoints = 25;
  large.externals = 4;
  large.probes = 400;
  checkSeeds({}, {}, 40, large);
}

TEST(PassesDatapathTest, ResolveOptions) {
  ResolveOptions noLocalhost;
  noLocalhost.allowLocalhost = false;
  checkSeeds({}, noLocalhost, 200);
  ResolveOptions always;
  always.enforcement = EnforcementMode::Always;
  checkSeeds({}, always, 200);
  ResolveOptions never;
  never.enforcement = EnforcementMode::Never;
  checkSeeds({}, never, 50);
}

// Denser probing than the generator's: every pair of inventory parties (each address) and a
// few world addresses, on every port edge the scenario's rules use.
std::vector<Party> partiesOf(const Inventory& inventory) {
  std::vector<Party> parties;
  auto addAddress = [&](const IpAddress& ip) { parties.push_back(partyForIp(inventory, ip)); };
  for (const auto& e : inventory.endpoints) std::for_each(e.ips.begin(), e.ips.end(), addAddress);
  for (const auto& n : inventory.nodes) std::for_each(n.ips.begin(), n.ips.end(), addAddress);
  for (const auto& x : inventory.externals) std::for_each(x.ips.begin(), x.ips.end(), addAddress);
  for (const char* world : {"203.0.113.7", "8.8.8.8", "2001:db8:1::7", "2606:4700::1111"})
    addAddress(*IpAddress::parse(world));
  return parties;
}

std::vector<std::pair<Protocol, uint16_t>> edgePorts(const PolicyIR& ir) {
  std::set<std::pair<Protocol, uint16_t>> ports;
  auto add = [&](Protocol protocol, int port) {
    if (port < 0 || port > 65535) return;
    if (protocol == Protocol::Any) {
      for (Protocol p : {Protocol::TCP, Protocol::UDP, Protocol::SCTP}) ports.insert({p, uint16_t(port)});
    } else {
      ports.insert({protocol, uint16_t(port)});
    }
  };
  for (const EndpointPolicy& endpoint : ir.endpoints)
    for (const DirectionPolicy* direction : {&endpoint.ingress, &endpoint.egress})
      for (const ResolvedEntry& entry : direction->entries) {
        for (const PortRange& range : entry.l4.ports)
          for (int port : {range.first - 1, int(range.first), int(range.last), range.last + 1}) add(range.protocol, port);
        for (const IcmpType& icmp : entry.l4.icmps)
          for (int type : {icmp.type - 1, int(icmp.type), icmp.type + 1}) add(icmp.protocol, type);
      }
  for (Protocol protocol : {Protocol::TCP, Protocol::UDP, Protocol::SCTP}) add(protocol, 0), add(protocol, 65535);
  for (int type : {0, 8, 128, 133, 137, 138, 255}) add(Protocol::ICMP, type), add(Protocol::ICMPv6, type);
  return {ports.begin(), ports.end()};
}

// Checks every party pair on every edge port; returns the number of probes.
size_t checkDense(const PolicyIR& ir, const Inventory& inventory, const PlanResult& result, const std::string& context,
                  int& mismatches) {
  std::vector<Party> parties = partiesOf(inventory);
  size_t probes = 0;
  for (const auto& [protocol, port] : edgePorts(ir))
    for (const Party& from : parties)
      for (const Party& to : parties) {
        if (from.ip.family != to.ip.family) continue;
        Probe probe{from, to, protocol, port};
        ++probes;
        std::string problems = compareProbe(ir, result.plan, probe);
        if (!problems.empty() && ++mismatches <= kMaxReportedMismatches)
          ADD_FAILURE() << context << "\nprobe " << probeText(probe) << "\n" << problems;
      }
  return probes;
}

TEST(PassesDatapathTest, RandomScenariosDenseProbes) {
  int mismatches = 0;
  size_t probes = 0;
  for (uint64_t seed = 0; seed < 60 && mismatches <= kMaxReportedMismatches; ++seed) {
    RandomScenario scenario = generateScenario(seed);
    PolicyIR ir = resolvePolicy(scenario.policies, scenario.inventory, {});
    PlanResult result = planOrFail(ir, scenario.inventory);
    probes += checkDense(ir, scenario.inventory, result, "seed " + std::to_string(seed) + "\n" + describe(scenario),
                         mismatches);
  }
  EXPECT_EQ(mismatches, 0);
  EXPECT_GT(probes, 100000u);
}

// ---- conformance scenarios and examples ------------------------------------------------------

struct LoadedSuite {
  PolicySet policies;
  Inventory inventory;
};

std::optional<LoadedSuite> loadSuite(const TestSuite& suite) {
  DiagnosticEngine diags;
  LoadedSuite loaded;
  if (!loadPolicyFiles(suite.policyFiles, diags, loaded.policies)) return std::nullopt;
  if (suite.inlineInventory) {
    loaded.inventory = *suite.inlineInventory;
  } else {
    auto inventory = loadInventoryFile(suite.inventoryFile, diags);
    if (!inventory) return std::nullopt;
    loaded.inventory = std::move(*inventory);
  }
  return loaded;
}

// The suite's own cases as probes (family as `ciliumc test` picks it).
std::vector<Probe> caseProbes(const Inventory& inventory, const TestSuite& suite) {
  std::vector<Probe> probes;
  for (const TestCase& c : suite.cases) {
    std::optional<IpFamily> family;
    if (auto ip = IpAddress::parse(c.from)) family = ip->family;
    else if (auto ipTo = IpAddress::parse(c.to)) family = ipTo->family;
    else if (c.protocol == Protocol::ICMPv6) family = IpFamily::V6;
    auto source = resolveParty(inventory, c.from, family);
    if (!source) continue;
    auto destination = resolveParty(inventory, c.to, source->ip.family);
    if (!destination) continue;
    probes.push_back(Probe{*source, *destination, c.protocol, c.port});
  }
  return probes;
}

void checkSuitesUnder(const std::filesystem::path& root, size_t minimumSuites) {
  DiagnosticEngine diags;
  LoadedInputs inputs;
  ASSERT_TRUE(loadInputs({root.string()}, diags, inputs)) << root;
  size_t suites = 0, caseCount = 0, dense = 0;
  int mismatches = 0;
  for (const TestSuite& suite : inputs.tests) {
    auto loaded = loadSuite(suite);
    ASSERT_TRUE(loaded) << suite.name;
    ++suites;
    for (const ResolveOptions& options : {ResolveOptions{}, ResolveOptions{EnforcementMode::Default, false}}) {
      PolicyIR ir = resolvePolicy(loaded->policies, loaded->inventory, options);
      PlanResult result = planOrFail(ir, loaded->inventory);
      for (const Probe& probe : caseProbes(loaded->inventory, suite)) {
        ++caseCount;
        std::string problems = compareProbe(ir, result.plan, probe);
        if (!problems.empty() && ++mismatches <= kMaxReportedMismatches)
          ADD_FAILURE() << suite.name << ": probe " << probeText(probe) << "\n" << problems;
      }
      dense += checkDense(ir, loaded->inventory, result, suite.name, mismatches);
    }
  }
  EXPECT_EQ(mismatches, 0);
  EXPECT_GE(suites, minimumSuites);
  EXPECT_GT(caseCount, suites);
  EXPECT_GT(dense, caseCount);
}

TEST(PassesDatapathTest, ConformanceScenarios) {
  checkSuitesUnder(std::filesystem::path(CILIUMC_SOURCE_DIR) / "test" / "conformance", 90);
}

TEST(PassesDatapathTest, Examples) { checkSuitesUnder(std::filesystem::path(CILIUMC_SOURCE_DIR) / "examples", 3); }

// ---- metamorphic: order ------------------------------------------------------------------------

// Reversing the policies reverses entry order in every endpoint's IR. The evaluator's verdicts,
// reasons and deciding sets do not depend on it, so neither may the plan's answers; shapes
// (which endpoints share one) do not either.
TEST(PassesDatapathTest, PlanIndependentOfPolicyOrder) {
  int mismatches = 0;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    RandomScenario scenario = generateScenario(seed);
    RandomScenario reversed = scenario;
    std::reverse(reversed.policies.rules.begin(), reversed.policies.rules.end());
    PolicyIR ir = resolvePolicy(scenario.policies, scenario.inventory, {});
    PolicyIR reversedIR = resolvePolicy(reversed.policies, reversed.inventory, {});
    PlanResult plan = planOrFail(ir, scenario.inventory);
    PlanResult reversedPlan = planOrFail(reversedIR, reversed.inventory);
    ASSERT_EQ(plan.plan.shapes.size(), reversedPlan.plan.shapes.size()) << "seed " << seed;
    for (size_t e = 0; e < plan.plan.endpoints.size(); ++e)
      for (size_t f = 0; f < plan.plan.endpoints.size(); ++f) {
        bool shared = plan.plan.endpoints[e].shape == plan.plan.endpoints[f].shape;
        bool sharedReversed = reversedPlan.plan.endpoints[e].shape == reversedPlan.plan.endpoints[f].shape;
        EXPECT_EQ(shared, sharedReversed) << "seed " << seed;
      }
    for (const ProbeSpec& spec : scenario.probes) {
      auto probe = resolveProbe(scenario.inventory, spec);
      auto reversedProbe = resolveProbe(reversed.inventory, spec);
      if (!probe || !reversedProbe) continue;
      std::string problems = compareProbe(reversedIR, reversedPlan.plan, *reversedProbe);
      for (auto [d, self, peer] : {std::tuple{Direction::Egress, &Probe::source, &Probe::destination},
                                   std::tuple{Direction::Ingress, &Probe::destination, &Probe::source}}) {
        auto original = emulateSide(plan.plan, (*probe).*self, d, (*probe).*peer, probe->protocol, probe->port);
        auto turned = emulateSide(reversedPlan.plan, (*reversedProbe).*self, d, (*reversedProbe).*peer,
                                  probe->protocol, probe->port);
        if (original.cell.deny != turned.cell.deny || original.cell.reason != turned.cell.reason)
          problems += directionName(d) + ": " + verdictCellText(original.cell) + " vs reversed " +
                      verdictCellText(turned.cell) + "\n";
      }
      if (!problems.empty() && ++mismatches <= kMaxReportedMismatches)
        ADD_FAILURE() << "seed " << seed << ", probe " << spec.toString() << "\n" << problems << describe(scenario);
    }
  }
  EXPECT_EQ(mismatches, 0);
}

}  // namespace
}  // namespace ciliumc
