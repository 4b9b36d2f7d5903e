// Shapes, peer interning and peer classes: group-shapes, intern-peers, classify-peers and
// build-verdict-matrix, plus the plan's endpoint constants and IP cache.
#include <gtest/gtest.h>

#include "passes_test_support.h"

namespace ciliumc {
namespace {

using namespace ciliumc::testing;

Inventory shop() {
  return InventoryBuilder()
      .ns("x")
      .pod("x", "web-1", {"app=web", "io.kubernetes.pod.name=web-1"}, {"10.0.0.1", "fd00::1"})
      .pod("x", "web-2", {"app=web", "io.kubernetes.pod.name=web-2"}, {"10.0.0.2"})
      .pod("x", "api", {"app=api"}, {"10.0.0.3"})
      .pod("x", "db", {"app=db"}, {"10.0.0.4"})
      .pod("x", "client", {"app=client"}, {"10.0.0.5"})
      .node("node-1", {"192.168.0.1"}, true)
      .node("node-2", {"192.168.0.2"}, false)
      .external("ext", {"203.0.113.9"})
      .build();
}

std::vector<PolicyRule> shopRules() {
  return {RuleBuilder("web", sel({"app=web"}), "x")
              .ingress(allow({{selPeer({"app=client"})}}, ports({"tcp/443"})))
              .ingress(allow({{selPeer({"app=api"}), entityPeer(Entity::Host)}}, ports({"tcp/80"}))),
          RuleBuilder("api", sel({"app=api"}), "x").ingress(allow({{selPeer({"app=web"})}}, ports({"tcp/8080"}))),
          RuleBuilder("db", sel({"app=db"}), "x").ingress(allow({{selPeer({"app=api"})}}, ports({"tcp/5432"})))};
}

const std::vector<std::string> kPorts = {"tcp/80", "tcp/443", "tcp/8080", "tcp/5432", "udp/53", "icmp/8"};

TEST(PassesShapesTest, IdenticalEndpointsShareOneShape) {
  PlannedWorld w(shop(), shopRules());
  const CompilePlan& plan = w.plan();
  EXPECT_EQ(plan.shapes.size(), 4u) << "web-1 and web-2 share; api, db, client each their own";
  EXPECT_EQ(&w.shapeOf("x/web-1"), &w.shapeOf("x/web-2"));
  EXPECT_NE(&w.shapeOf("x/web-1"), &w.shapeOf("x/api"));
  EXPECT_EQ(plan.endpoints[0].shape, 0u) << "shapes are numbered in inventory order";
  std::set<std::string> keys;
  for (const ShapePlan& shape : plan.shapes) keys.insert(shape.key);
  EXPECT_EQ(keys.size(), plan.shapes.size());
  for (const std::string& key : keys) EXPECT_EQ(key.size(), 16u);
  EXPECT_EQ(w.mismatches(kPorts), "");
}

TEST(PassesShapesTest, KeysAreStableContentHashes) {
  PlannedWorld first(shop(), shopRules());
  PlannedWorld second(shop(), shopRules());
  for (size_t s = 0; s < first.plan().shapes.size(); ++s)
    EXPECT_EQ(first.plan().shapes[s].key, second.plan().shapes[s].key);
  // Another line number is another provenance: another shape key.
  auto moved = shopRules();
  moved[0].ingress.entries[0].location.line = 42;
  PlannedWorld third(shop(), moved);
  EXPECT_NE(third.shapeOf("x/web-1").key, first.shapeOf("x/web-1").key);
  EXPECT_EQ(third.shapeOf("x/api").key, first.shapeOf("x/api").key);
  ResolveOptions noLocalhost;
  noLocalhost.allowLocalhost = false;
  PlannedWorld fourth(shop(), shopRules(), noLocalhost);
  EXPECT_NE(fourth.shapeOf("x/api").key, first.shapeOf("x/api").key) << "the option changes the verdicts";
}

// Pod a is selected by a second policy whose only entry duplicates the first's: after
// dedupe-entries a's IR equals b's (same remaining entry, same provenance), so they share a shape.
TEST(PassesShapesTest, ShapesMadeEqualByThePassesMerge) {
  Inventory inventory = InventoryBuilder()
                            .ns("x")
                            .pod("x", "a", {"app=a", "extra=1"}, {"10.0.0.1"})
                            .pod("x", "b", {"app=a"}, {"10.0.0.2"})
                            .build();
  RuleEntry shared = allow({{selPeer({"app=client"})}}, ports({"tcp/80"}), 7);
  RuleEntry again = shared;
  PolicyRule both = RuleBuilder("both", sel({"app=a"}), "x").ingress(shared);
  PolicyRule extra = RuleBuilder("extra", sel({"extra=1"}), "x").ingress(again);
  extra.ingress.entries[0].location.line = 8;
  PlannedWorld merged(std::move(inventory), {both, extra});
  EXPECT_EQ(merged.plan().shapes.size(), 1u);
  Inventory inventory2 = InventoryBuilder()
                             .ns("x")
                             .pod("x", "a", {"app=a", "extra=1"}, {"10.0.0.1"})
                             .pod("x", "b", {"app=a"}, {"10.0.0.2"})
                             .build();
  PlannedWorld apart(std::move(inventory2), {both, extra}, {}, PassOptions{{"dedupe-entries", "eliminate-subsumed"}, {}, nullptr});
  EXPECT_EQ(apart.plan().shapes.size(), 2u);
}

TEST(PassesShapesTest, EndpointConstantsAndIpcache) {
  PlannedWorld w(shop(), shopRules());
  const CompilePlan& plan = w.plan();
  ASSERT_EQ(plan.endpoints.size(), w.inventory.endpoints.size());
  for (size_t i = 0; i < plan.endpoints.size(); ++i) {
    EXPECT_EQ(plan.endpoints[i].endpoint, &w.inventory.endpoints[i]);
    EXPECT_EQ(plan.endpoints[i].endpointId, i + 1);
    EXPECT_EQ(plan.endpoints[i].identity, w.inventory.endpoints[i].identity);
  }
  EXPECT_EQ(plan.endpoints[0].ipv4->toString(), "10.0.0.1");
  EXPECT_EQ(plan.endpoints[0].ipv6->toString(), "fd00::1");
  EXPECT_FALSE(plan.endpoints[1].ipv6);
  std::map<std::string, NumericIdentity> ipcache;
  for (const IpcacheEntry& entry : plan.ipcache) ipcache[entry.ip.toString()] = entry.identity;
  EXPECT_EQ(ipcache.size(), 8u) << "six endpoint addresses, two node addresses, no externals";
  EXPECT_EQ(ipcache["10.0.0.3"], w.inventory.endpoints[2].identity);
  EXPECT_EQ(ipcache["192.168.0.1"], 1u) << "local node = host";
  EXPECT_EQ(ipcache["192.168.0.2"], 6u) << "other nodes = remote-node";
  EXPECT_FALSE(ipcache.count("203.0.113.9"));
}

TEST(PassesShapesTest, IpcacheFirstOwnerWinsAsPartyForIpDoes) {
  Inventory inventory = InventoryBuilder()
                            .ns("x")
                            .pod("x", "a", {"app=a"}, {"10.0.0.1"})
                            .pod("x", "b", {"app=b"}, {"10.0.0.1"})
                            .node("node-1", {"10.0.0.1", "192.168.0.1"}, true)
                            .build();
  PlannedWorld w(std::move(inventory), {});
  ASSERT_EQ(w.plan().ipcache.size(), 2u);
  EXPECT_EQ(w.plan().ipcache[0].identity, partyForIp(w.inventory, *IpAddress::parse("10.0.0.1")).identity);
}

TEST(PassesInternPeersTest, OnePeerPerDistinctValue) {
  Peer client = selPeer({"app=client"});
  Peer clientElsewhere = client;
  clientElsewhere.location = at(99, 9);
  PlannedWorld w(shop(), {RuleBuilder("web", sel({"app=web"}), "x")
                              .ingress(allow({{client, entityPeer(Entity::Host)}}, ports({"tcp/443"})))
                              .ingress(allow({{clientElsewhere}}, ports({"tcp/80"})))
                              .ingress(deny({{entityPeer(Entity::Host), cidrPeer("10.0.0.0/8")}}, ports({"tcp/22"})))
                              .ingress(allow({{cidrPeer("10.0.0.0/8", {"10.1.0.0/16"})}}, ports({"tcp/23"})))});
  const DirectionPlan& ingress = w.tables("x/web-1", Direction::Ingress);
  EXPECT_EQ(ingress.peers.size(), 4u) << "client selector, host, 10/8, 10/8 except 10.1/16";
  ASSERT_EQ(ingress.entries.size(), 4u);
  EXPECT_EQ(ingress.entries[0].peers->size(), 2u);
  EXPECT_TRUE(std::includes(ingress.entries[0].peers->begin(), ingress.entries[0].peers->end(),
                            ingress.entries[1].peers->begin(), ingress.entries[1].peers->end()))
      << "the same selector written twice is one interned peer";
  for (const LoweredEntry& entry : ingress.entries) EXPECT_TRUE(std::is_sorted(entry.peers->begin(), entry.peers->end()));
  EXPECT_TRUE(w.tables("x/web-1", Direction::Egress).peers.empty());
  EXPECT_EQ(w.mismatches({"tcp/22", "tcp/23", "tcp/80", "tcp/443"}), "");
}

TEST(PassesInternPeersTest, RuleIdsNameTheProvenance) {
  PlannedWorld w(shop(), shopRules());
  std::set<uint32_t> ids;
  for (const ShapePlan& shape : w.plan().shapes)
    for (const DirectionPlan& direction : shape.directions)
      for (const LoweredEntry& entry : direction.entries) {
        const Provenance* rule = w.plan().rules.find(entry.rule);
        ASSERT_NE(rule, nullptr);
        ids.insert(entry.rule);
      }
  EXPECT_EQ(ids.size(), w.plan().rules.rules.size()) << "every rule in the table is used";
  EXPECT_EQ(w.plan().rules.find(0), nullptr);
  EXPECT_EQ(w.plan().rules.find(static_cast<uint32_t>(w.plan().rules.rules.size() + 1)), nullptr);
}

TEST(PassesClassesTest, RowZeroIsTheEmptyPeerSet) {
  PlannedWorld w(shop(), shopRules());
  for (const ShapePlan& shape : w.plan().shapes)
    for (const DirectionPlan& direction : shape.directions) {
      ASSERT_FALSE(direction.rows.empty());
      EXPECT_EQ(direction.rows[0], direction.rowFor(PeerSet{})) << shape.key << " " << directionName(direction.direction);
    }
  // An identity nobody classified gets class 0: for web's ingress, a default deny.
  const DirectionPlan& ingress = w.tables("x/web-1", Direction::Ingress);
  EXPECT_EQ(ingress.rows[0][ingress.portClassOf(l4KeyOf(Protocol::TCP, 443))].reason, DatapathReason::DefaultDeny);
  Party unknown;
  unknown.kind = Party::Kind::Endpoint;
  unknown.identity = 60000;
  EXPECT_EQ(w.shapeOf("x/web-1").classOf(unknown, Direction::Ingress), 0u);
}

TEST(PassesClassesTest, RowsAreDistinctAndIdentitiesWithEqualRowsShareAClass) {
  PlannedWorld w(shop(), shopRules());
  const ShapePlan& web = w.shapeOf("x/web-1");
  for (const DirectionPlan& direction : web.directions) {
    std::set<std::vector<VerdictCell>> distinct(direction.rows.begin(), direction.rows.end());
    EXPECT_EQ(distinct.size(), direction.rows.size());
  }
  auto cls = [&](const std::string& who) { return web.classOf(w.party(who), Direction::Ingress); };
  EXPECT_EQ(cls("x/db"), cls("192.168.0.2")) << "db and a remote node match no peer of web's ingress: one class";
  EXPECT_EQ(cls("x/db"), 0u);
  EXPECT_NE(cls("x/client"), cls("x/api"));
  EXPECT_NE(cls("x/api"), 0u);
  // The host matches the same peer as api (entity host), but allow-localhost allows it everywhere.
  EXPECT_NE(cls("192.168.0.1"), cls("x/api"));
  EXPECT_EQ(w.mismatches(kPorts), "");
}

TEST(PassesClassesTest, EveryKnownIdentityIsClassified) {
  PlannedWorld w(shop(), shopRules());
  for (const ShapePlan& shape : w.plan().shapes) {
    for (NumericIdentity reserved : {1u, 2u, 6u, 9u, 10u}) EXPECT_TRUE(shape.identityClasses.count(reserved)) << reserved;
    for (const EndpointInfo& endpoint : w.inventory.endpoints) EXPECT_TRUE(shape.identityClasses.count(endpoint.identity));
    for (const auto& [identity, classes] : shape.identityClasses)
      for (size_t d = 0; d < 2; ++d) EXPECT_LT(classes[d], shape.directions[d].rows.size());
  }
}

// classify-peers against the plan's own peerSetOf/rowFor (what the agent uses for a new
// identity): the class of every inventory party has the row of its peer set.
TEST(PassesClassesTest, ClassRowsAreTheRowsOfThePeerSets) {
  PlannedWorld w(shop(), shopRules());
  std::vector<std::string> parties = {"x/web-1", "x/web-2", "x/api", "x/db", "x/client", "192.168.0.1", "192.168.0.2"};
  for (const ShapePlan& shape : w.plan().shapes)
    for (Direction d : {Direction::Ingress, Direction::Egress})
      for (const std::string& who : parties) {
        Party party = w.party(who);
        const DirectionPlan& direction = shape.direction(d);
        EXPECT_EQ(direction.rows[shape.classOf(party, d)], direction.rowFor(direction.peerSetOf(party))) << who;
      }
}

TEST(PassesClassesTest, LocalHostMattersOnlyAtIngressWithAllowLocalhost) {
  std::vector<PolicyRule> rules = {RuleBuilder("web", sel({"app=web"}), "x")
                                       .ingress(allow({{selPeer({"app=client"})}}, ports({"tcp/443"})))
                                       .egress(allow({{selPeer({"app=client"})}}, ports({"tcp/443"})))};
  PlannedWorld on(shop(), rules);
  const ShapePlan& shape = on.shapeOf("x/web-1");
  Party host = on.party("192.168.0.1");
  EXPECT_TRUE(shape.direction(Direction::Ingress).peerSetOf(host).localHost);
  EXPECT_FALSE(shape.direction(Direction::Egress).peerSetOf(host).localHost);
  EXPECT_EQ(on.cell("192.168.0.1", "x/web-1", "tcp/22", Direction::Ingress).reason, DatapathReason::AllowLocalhost);
  EXPECT_EQ(on.cell("x/web-1", "192.168.0.1", "tcp/22", Direction::Egress).reason, DatapathReason::DefaultDeny);
  ResolveOptions off;
  off.allowLocalhost = false;
  PlannedWorld without(shop(), rules, off);
  EXPECT_FALSE(without.shapeOf("x/web-1").direction(Direction::Ingress).peerSetOf(without.party("192.168.0.1")).localHost);
  EXPECT_EQ(without.cell("192.168.0.1", "x/web-1", "tcp/22", Direction::Ingress).reason, DatapathReason::DefaultDeny);
  EXPECT_EQ(on.mismatches(kPorts), "");
  EXPECT_EQ(without.mismatches(kPorts), "");
  // The flag and rowFor honour the contract even for a hand-made peer set.
  EXPECT_TRUE(shape.direction(Direction::Ingress).allowLocalhost);
  EXPECT_FALSE(shape.direction(Direction::Egress).allowLocalhost) << "ingress only";
  PeerSet localHostOnly{{}, true};
  uint32_t ssh = shape.direction(Direction::Egress).portClassOf(l4KeyOf(Protocol::TCP, 22));
  EXPECT_EQ(shape.direction(Direction::Egress).rowFor(localHostOnly)[ssh].reason, DatapathReason::DefaultDeny);
  EXPECT_EQ(shape.direction(Direction::Ingress).rowFor(localHostOnly)[ssh].reason, DatapathReason::AllowLocalhost);
}

TEST(PassesClassesTest, UnenforcedDirectionsAllowByDefault) {
  PlannedWorld w(shop(), {RuleBuilder("web", sel({"app=web"}), "x").ingress(deny({{selPeer({"app=db"})}}, ports({"tcp/80"})))});
  const DirectionPlan& egress = w.tables("x/web-1", Direction::Egress);
  EXPECT_FALSE(egress.enforced);
  ASSERT_EQ(egress.rows.size(), 1u);
  for (const VerdictCell& cell : egress.rows[0])
    EXPECT_TRUE(cell.reason == DatapathReason::DefaultAllow || cell.reason == DatapathReason::NeighborDiscovery);
  EXPECT_EQ(w.mismatches(kPorts), "");
}

}  // namespace
}  // namespace ciliumc
