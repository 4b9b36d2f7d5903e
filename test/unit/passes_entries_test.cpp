// The rule analyses among the IR passes: dedupe-entries, eliminate-subsumed, deny-over-allow,
// their findings, and the peer-coverage relation they rest on (checked for soundness against
// the evaluator's peerMatches over an enumerated universe of parties).
#include <gtest/gtest.h>

#include "ir/party.h"
#include "passes/peer_coverage.h"
#include "passes_test_support.h"
#include "random_policy.h"

namespace ciliumc {
namespace {

using namespace ciliumc::testing;

Inventory pods() {
  return InventoryBuilder()
      .ns("x")
      .pod("x", "web", {"app=web"}, {"10.0.0.1"})
      .pod("x", "client", {"app=client", "env=prod"}, {"10.0.0.2"})
      .pod("x", "batch", {"app=batch", "env=dev"}, {"10.0.0.3"})
      .node("node-1", {"192.168.0.1"}, true)
      .node("node-2", {"192.168.0.2"}, false)
      .external("ext", {"203.0.113.9", "192.0.2.1"})
      .build();
}

const std::vector<std::string> kPorts = {"tcp/79", "tcp/80", "tcp/81", "tcp/443", "udp/53", "icmp/8"};

// The rule indexes (ingress) that are left in x/web's plan, in order.
std::vector<int> keptIngressRules(const PlannedWorld& w) {
  std::vector<int> kept;
  for (const LoweredEntry& entry : w.tables("x/web", Direction::Ingress).entries)
    kept.push_back(w.plan().rules.find(entry.rule)->ruleIndex);
  return kept;
}

std::vector<const Finding*> findingsOf(const PlannedWorld& w, FindingKind kind) {
  std::vector<const Finding*> found;
  for (const Finding& finding : w.result.findings)
    if (finding.kind == kind) found.push_back(&finding);
  return found;
}

PolicyRule webRule(std::vector<RuleEntry> entries) {
  RuleBuilder builder("web", sel({"app=web"}), "x");
  for (RuleEntry& entry : entries) builder.ingress(std::move(entry));
  return builder;
}

TEST(PassesDedupeTest, LaterDuplicateGoesWithAFinding) {
  PlannedWorld w(pods(), {webRule({allow({{selPeer({"app=client"}), entityPeer(Entity::Host)}}, ports({"tcp/80"}), 3),
                                   allow({{entityPeer(Entity::Host), selPeer({"app=client"})}}, ports({"tcp/80"}), 4),
                                   allow({{selPeer({"app=client"})}}, ports({"tcp/80"}), 5)})});
  EXPECT_EQ(keptIngressRules(w), (std::vector<int>{0})) << "same peers in another order are a duplicate";
  ASSERT_EQ(findingsOf(w, FindingKind::Subsumed).size(), 1u) << "fewer peers: subsumed, not a duplicate";
  EXPECT_EQ(findingsOf(w, FindingKind::Subsumed)[0]->rule.location.line, 5);
  auto duplicates = findingsOf(w, FindingKind::Duplicate);
  ASSERT_EQ(duplicates.size(), 1u);
  EXPECT_EQ(duplicates[0]->rule.location.line, 4);
  ASSERT_TRUE(duplicates[0]->other);
  EXPECT_EQ(duplicates[0]->other->location.line, 3);
  EXPECT_EQ(duplicates[0]->endpoints, 1u);
  EXPECT_EQ(w.mismatches(kPorts), "");
}

TEST(PassesDedupeTest, DifferentVerdictPortsOrPeersAreNotDuplicates) {
  PlannedWorld w(pods(), {webRule({allow({{selPeer({"app=client"})}}, ports({"tcp/80"})),
                                   deny({{selPeer({"app=client"})}}, ports({"tcp/80"})),
                                   allow({{selPeer({"app=client"})}}, ports({"tcp/81"})),
                                   allow({{selPeer({"app=batch"})}}, ports({"tcp/80"}))})},
                 {}, PassOptions{{"eliminate-subsumed", "deny-over-allow"}, {}, nullptr});
  EXPECT_EQ(keptIngressRules(w).size(), 4u);
  EXPECT_TRUE(findingsOf(w, FindingKind::Duplicate).empty());
}

TEST(PassesSubsumedTest, NarrowerEntryOfTheSameVerdictGoes) {
  PlannedWorld w(pods(), {webRule({allow({{selPeer({"app=client", "env=prod"})}}, ports({"tcp/80"}), 3),
                                   allow({{selPeer({"app=client"})}}, ports({"tcp/79-81"}), 4),
                                   allow({{selPeer({"app=batch"})}}, ports({"tcp/80"}), 5)})});
  EXPECT_EQ(keptIngressRules(w), (std::vector<int>{1, 2}));
  auto subsumed = findingsOf(w, FindingKind::Subsumed);
  ASSERT_EQ(subsumed.size(), 1u);
  EXPECT_EQ(subsumed[0]->rule.location.line, 3);
  EXPECT_EQ(subsumed[0]->other->location.line, 4) << "a later entry may cover an earlier one";
  // The cell names the covering rule, which the evaluator reports as deciding too.
  VerdictCell cell = w.cell("x/client", "x/web", "tcp/80", Direction::Ingress);
  EXPECT_EQ(cell.reason, DatapathReason::AllowedByRule);
  EXPECT_EQ(w.plan().rules.find(cell.rule)->location.line, 4);
  EXPECT_EQ(w.mismatches(kPorts), "");
}

TEST(PassesSubsumedTest, SubsumptionKeepsVerdictsAcrossVerdicts) {
  // A deny never subsumes an allow here (that is deny-over-allow's job) and an allow never a deny.
  PlannedWorld w(pods(), {webRule({deny({{selPeer({"app=client", "env=prod"})}}, ports({"tcp/80"})),
                                   allow({{selPeer({"app=client"})}}, ports({"tcp/79-81"}))})},
                 {}, PassOptions{{"deny-over-allow"}, {}, nullptr});
  EXPECT_EQ(keptIngressRules(w), (std::vector<int>{0, 1}));
  EXPECT_EQ(w.cell("x/client", "x/web", "tcp/80", Direction::Ingress).reason, DatapathReason::DeniedByRule);
  EXPECT_EQ(w.cell("x/client", "x/web", "tcp/81", Direction::Ingress).reason, DatapathReason::AllowedByRule);
  EXPECT_EQ(w.mismatches(kPorts), "");
}

TEST(PassesSubsumedTest, EqualEntriesKeepTheFirst) {
  PlannedWorld w(pods(), {webRule({allow({{entityPeer(Entity::Cluster)}}, ports({"tcp/80"})),
                                   allow({{entityPeer(Entity::Cluster)}}, ports({"tcp/80"}))})},
                 {}, PassOptions{{"dedupe-entries"}, {}, nullptr});
  EXPECT_EQ(keptIngressRules(w), (std::vector<int>{0}));
}

TEST(PassesSubsumedTest, EntityAndWildcardCoverage) {
  PlannedWorld w(pods(), {webRule({allow({{selPeer({"app=client"})}}, ports({"tcp/80"})),  // covered by cluster
                                   allow({{entityPeer(Entity::Host)}}, ports({"tcp/80"})),   // covered by cluster
                                   allow({{cidrPeer("203.0.113.0/24")}}, ports({"tcp/80"})),  // not by cluster
                                   allow({{entityPeer(Entity::Cluster)}}, ports({"tcp"}))})});
  EXPECT_EQ(keptIngressRules(w), (std::vector<int>{2, 3}));
  EXPECT_EQ(w.mismatches(kPorts), "");
}

TEST(PassesSubsumedTest, CidrExceptBlocksCoverage) {
  // 10.0.0.0/8 except 10.1.0.0/16 does not contain 10.1.2.0/24: that allow stays.
  PlannedWorld w(pods(), {webRule({allow({{cidrPeer("10.1.2.0/24")}}, ports({"tcp/80"})),
                                   allow({{cidrPeer("10.0.0.0/8", {"10.1.0.0/16"})}}, ports({"tcp/80"})),
                                   allow({{cidrPeer("10.9.0.0/16")}}, ports({"tcp/80"}))})});
  EXPECT_EQ(keptIngressRules(w), (std::vector<int>{0, 1}));
}

TEST(PassesSubsumedTest, EntriesMatchingNobodyGo) {
  PlannedWorld w(pods(), {webRule({allow({{}}, ports({"tcp/80"})),
                                   deny({{cidrPeer("10.0.0.0/24", {"10.0.0.0/16"})}}),
                                   allow({{selPeer({"app=client"})}}, ports({"tcp/81"}))})});
  EXPECT_EQ(keptIngressRules(w), (std::vector<int>{2}));
  EXPECT_EQ(findingsOf(w, FindingKind::NeverMatches).size(), 2u);
  EXPECT_EQ(w.mismatches(kPorts), "");
}

TEST(PassesDenyOverAllowTest, CoveredAllowGoesPartialOverlapStays) {
  PlannedWorld w(pods(), {webRule({allow({{selPeer({"app=client"})}}, ports({"tcp/80"}), 3),
                                   allow({{selPeer({"app=batch"})}}, ports({"tcp/79-81"}), 4),
                                   deny({{selPeer({"app=client"}), selPeer({"app=batch"})}}, ports({"tcp/80-90"}), 5)})});
  EXPECT_EQ(keptIngressRules(w), (std::vector<int>{1, 2}));
  auto shadowed = findingsOf(w, FindingKind::ShadowedByDeny);
  ASSERT_EQ(shadowed.size(), 1u);
  EXPECT_EQ(shadowed[0]->rule.location.line, 3);
  EXPECT_EQ(shadowed[0]->other->location.line, 5);
  auto conflicting = findingsOf(w, FindingKind::Conflicting);
  ASSERT_EQ(conflicting.size(), 1u);
  EXPECT_EQ(conflicting[0]->rule.location.line, 4);
  EXPECT_EQ(w.cell("x/batch", "x/web", "tcp/79", Direction::Ingress).reason, DatapathReason::AllowedByRule);
  EXPECT_EQ(w.cell("x/batch", "x/web", "tcp/80", Direction::Ingress).reason, DatapathReason::DeniedByRule);
  EXPECT_EQ(w.mismatches(kPorts), "");
}

TEST(PassesDenyOverAllowTest, ConflictsAnywhereInTheKeySpace) {
  PlannedWorld w(pods(), {webRule({allow({{selPeer({"app=client"})}}, ports({"tcp/80", "udp/53"}), 3),
                                   deny({{selPeer({"app=client"})}}, ports({"udp/53"}), 4)})});
  auto conflicting = findingsOf(w, FindingKind::Conflicting);
  ASSERT_EQ(conflicting.size(), 1u) << "the overlap is in the allow's second range";
  EXPECT_EQ(conflicting[0]->rule.location.line, 3);
  EXPECT_EQ(conflicting[0]->other->location.line, 4);
}

TEST(PassesDenyOverAllowTest, DenyOfEveryPeerShadowsEveryCoveredAllow) {
  PlannedWorld w(pods(), {webRule({allow({{entityPeer(Entity::All)}}, ports({"tcp/443"})),
                                   allow(std::nullopt, ports({"udp/53"})),
                                   deny(std::nullopt, ports({"tcp"}))})});
  EXPECT_EQ(keptIngressRules(w), (std::vector<int>{1, 2}));
  EXPECT_EQ(w.mismatches(kPorts), "");
}

TEST(PassesFindingsTest, CountedOncePerRulePairWithEndpoints) {
  Inventory inventory = InventoryBuilder()
                            .ns("x")
                            .pod("x", "web-1", {"app=web", "pod=1"}, {"10.0.0.1"})
                            .pod("x", "web-2", {"app=web", "pod=2"}, {"10.0.0.2"})
                            .pod("x", "web-3", {"app=web"}, {"10.0.0.3"})
                            .build();
  PlannedWorld w(std::move(inventory),
                 {webRule({allow({{selPeer({"app=client"})}}, ports({"tcp/80"})), allow({{selPeer({"app=client"})}}, ports({"tcp/80"}))}),
                  RuleBuilder("only-web-1", sel({"pod=1"}), "x").egress(allow(std::nullopt))});
  EXPECT_EQ(w.plan().shapes.size(), 2u);
  auto duplicates = findingsOf(w, FindingKind::Duplicate);
  ASSERT_EQ(duplicates.size(), 1u) << "seen in two shapes, reported once";
  EXPECT_EQ(duplicates[0]->endpoints, 3u);
  EXPECT_NE(duplicates[0]->toString().find("duplicates"), std::string::npos);
}

// ---- peer coverage: soundness over an enumerated universe ---------------------------------------

// Every party kind the evaluator knows: endpoints with every combination of a small label
// vocabulary, host, remote node, and world addresses of both families around the CIDRs below.
std::vector<Party> universe() {
  std::vector<Party> parties;
  InventoryBuilder builder;
  builder.ns("x");
  int n = 0;
  for (const char* app : {"app=a", "app=b", ""})
    for (const char* env : {"env=p", "env=q", ""}) {
      std::string name = "e" + std::to_string(n++);
      std::vector<const char*> labels;
      if (*app) labels.push_back(app);
      if (*env) labels.push_back(env);
      EndpointInfo endpoint;
      endpoint.name = name;
      for (const char* text : labels) endpoint.labels.add(*Label::parse(text, LabelContext::Endpoint));
      builder.inventory.endpoints.push_back(endpoint);
    }
  static Inventory inventory = builder.build();
  for (const EndpointInfo& endpoint : inventory.endpoints) parties.push_back(endpointParty(endpoint, IpAddress{}));
  IpAddress zero;
  parties.push_back(reservedParty(Party::Kind::Host, ReservedIdentity::Host, ReservedIdentity::Host, zero, "host"));
  parties.push_back(
      reservedParty(Party::Kind::RemoteNode, ReservedIdentity::RemoteNode, ReservedIdentity::RemoteNode, zero, "remote"));
  auto world = [&](const std::string& ip) {
    IpAddress address = *IpAddress::parse(ip);
    auto id = address.family == IpFamily::V4 ? ReservedIdentity::WorldIPv4 : ReservedIdentity::WorldIPv6;
    parties.push_back(reservedParty(Party::Kind::World, id, ReservedIdentity::World, address, ip));
  };
  for (int last = 0; last < 256; ++last) world("10.0.0." + std::to_string(last));
  for (const char* ip : {"10.0.1.1", "10.200.0.1", "8.8.8.8", "0.0.0.0", "2001:db8::1", "2001:db8::ff", "fd00::1", "::"})
    world(ip);
  return parties;
}

Peer randomPeer(RandomSource& random) {
  switch (random.below(4)) {
    case 0: {
      std::vector<const char*> pool = {"app=a", "app=b", "env=p", "env=q", "reserved:host", "reserved:world",
                                       "reserved:remote-node"};
      std::vector<Requirement> requirements;
      for (int i = random.between(0, 2); i > 0; --i) requirements.push_back(req(random.pick(pool)));
      return Peer::ofSelector(LabelSelector(requirements));
    }
    case 1: {
      std::vector<Entity> entities = {Entity::All, Entity::World, Entity::Cluster, Entity::Host, Entity::RemoteNode,
                                      Entity::Health};
      return Peer::ofEntity(random.pick(entities));
    }
    default: {
      if (random.chance(15)) {
        std::vector<std::string> v6 = {"2001:db8::/32", "2001:db8::/120", "::/0", "2001:db8::1/128"};
        return cidrPeer(random.pick(v6));
      }
      if (random.chance(10)) return cidrPeer(random.chance(50) ? "0.0.0.0/0" : "10.0.0.0/8");
      auto prefixIn24 = [&](int minimum) {
        int length = random.between(minimum, 32);
        int base = static_cast<int>(random.below(256)) & ~((1 << (32 - length)) - 1) & 0xff;
        return "10.0.0." + std::to_string(base) + "/" + std::to_string(length);
      };
      CidrPeer cidr;
      cidr.prefix = *IpPrefix::parse(prefixIn24(random.between(24, 30)));
      for (int i = random.between(0, 2); i > 0; --i) {
        IpPrefix hole = *IpPrefix::parse(prefixIn24(cidr.prefix.length));
        if (random.chance(80) && !cidr.prefix.contains(hole)) continue;
        cidr.except.push_back(hole);
      }
      return Peer::ofCidr(cidr);
    }
  }
}

TEST(PassesPeerCoverageTest, CoverageIsSound) {
  std::vector<Party> parties = universe();
  RandomSource random(2024);
  int proven = 0;
  for (int round = 0; round < 6000; ++round) {
    std::vector<Peer> outer;
    for (int i = random.between(1, 3); i > 0; --i) outer.push_back(randomPeer(random));
    Peer inner = random.chance(30) ? outer[random.below(outer.size())] : randomPeer(random);
    if (random.chance(20) && inner.kind == Peer::Kind::Cidr && !outer.empty() && outer[0].kind == Peer::Kind::Cidr) {
      inner.cidr.prefix = outer[0].cidr.prefix;  // same prefix, other excepts: the except rules decide
    }
    if (!peersCoverPeer(outer, inner)) continue;
    ++proven;
    for (const Party& party : parties) {
      if (!peerMatches(inner, party)) continue;
      bool covered = std::any_of(outer.begin(), outer.end(), [&](const Peer& peer) { return peerMatches(peer, party); });
      ASSERT_TRUE(covered) << inner.toString() << " is said to be covered by " << outer.front().toString()
                           << (outer.size() > 1 ? " ..." : "") << " but " << party.displayName << " is not";
    }
  }
  EXPECT_GT(proven, 1500) << "the relation proves enough to be worth checking";
}

TEST(PassesPeerCoverageTest, ProvesTheObviousCases) {
  EXPECT_TRUE(peersCoverPeer({selPeer({"app=a"})}, selPeer({"app=a", "env=p"})));
  EXPECT_FALSE(peersCoverPeer({selPeer({"app=a", "env=p"})}, selPeer({"app=a"})));
  EXPECT_TRUE(peersCoverPeer({entityPeer(Entity::Cluster)}, selPeer({"app=a"})));
  EXPECT_FALSE(peersCoverPeer({selPeer({})}, selPeer({"reserved:host"}))) << "{} never matches the host";
  EXPECT_TRUE(peersCoverPeer({entityPeer(Entity::World)}, cidrPeer("10.0.0.0/8")));
  EXPECT_TRUE(peersCoverPeer({cidrPeer("10.0.0.0/8", {"10.1.0.0/16"})}, cidrPeer("10.2.0.0/16")));
  EXPECT_TRUE(peersCoverPeer({cidrPeer("10.0.0.0/8", {"10.1.0.0/16"})}, cidrPeer("10.0.0.0/9", {"10.1.0.0/16"})));
  EXPECT_FALSE(peersCoverPeer({cidrPeer("10.0.0.0/8", {"10.1.0.0/16"})}, cidrPeer("10.1.2.0/24")));
  EXPECT_FALSE(peersCoverPeer({cidrPeer("10.0.0.0/8", {"10.1.0.0/16"})}, cidrPeer("10.0.0.0/8")));
  EXPECT_TRUE(peersCoverPeer({selPeer({"reserved:world"})}, cidrPeer("2001:db8::/32")));
  EXPECT_TRUE(peerListIsUniversal(nullptr));
  EXPECT_TRUE(peerListIsUniversal(std::make_shared<const std::vector<Peer>>(std::vector<Peer>{entityPeer(Entity::All)})));
  EXPECT_TRUE(peerListIsUniversal(std::make_shared<const std::vector<Peer>>(
      std::vector<Peer>{entityPeer(Entity::Cluster), entityPeer(Entity::World)})));
  EXPECT_FALSE(peerListIsUniversal(std::make_shared<const std::vector<Peer>>(std::vector<Peer>{entityPeer(Entity::Cluster)})));
  EXPECT_TRUE(peerListMatchesNothing(std::make_shared<const std::vector<Peer>>()));
  EXPECT_FALSE(peerListMatchesNothing(nullptr));
}

}  // namespace
}  // namespace ciliumc
