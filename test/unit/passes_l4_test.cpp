// The L4 side of the passes: key sets (what an L4 match covers in the datapath's key space),
// normalize-l4's canonical form, and partition-ports (ranges, classes, neighbor discovery).
#include <gtest/gtest.h>

#include "passes/l4_keys.h"
#include "passes/normalize_l4.h"
#include "passes_test_support.h"
#include "random_policy.h"

namespace ciliumc {
namespace {

using namespace ciliumc::testing;

bool covers(const KeySet& keys, Protocol protocol, uint16_t port) {
  return keySetContains(keys, {{l4KeyOf(protocol, port), l4KeyOf(protocol, port) + 1}});
}

const std::vector<Protocol> kPacketProtocols = {Protocol::TCP, Protocol::UDP, Protocol::SCTP, Protocol::ICMP,
                                                Protocol::ICMPv6};

TEST(PassesL4Test, KeysOfPacketProtocols) {
  EXPECT_EQ(l4KeyOf(Protocol::TCP, 80), l4Key(L4Kind::TCP, 80));
  EXPECT_EQ(l4KeyOf(Protocol::UDP, 53), l4Key(L4Kind::UDP, 53));
  EXPECT_EQ(l4KeyOf(Protocol::SCTP, 9), l4Key(L4Kind::SCTP, 9));
  EXPECT_EQ(l4KeyOf(Protocol::ICMP, 8), l4Key(L4Kind::ICMP, 8));
  EXPECT_EQ(l4KeyOf(Protocol::ICMPv6, 128), l4Key(L4Kind::ICMPv6, 128));
  EXPECT_EQ(l4KeyOf(Protocol::Any, 80), l4Key(L4Kind::None, 0)) << "not a packet protocol: no usable L4";
  EXPECT_EQ(kL4KeyEnd, 6u << 16);
}

TEST(PassesL4Test, WildcardCoversEverythingIncludingNone) {
  KeySet keys = keySetOf(ports({}));
  EXPECT_EQ(keys, (KeySet{{0, kL4KeyEnd}}));
  EXPECT_TRUE(keySetContains(keys, {{l4Key(L4Kind::None, 0), kL4KeyEnd}}));
}

TEST(PassesL4Test, PortEntriesNeverCoverNone) {
  for (const char* spec : {"tcp", "any", "icmp/8", "udp/0-65535"})
    EXPECT_FALSE(keySetsIntersect(keySetOf(ports({spec})), {{l4Key(L4Kind::None, 0), kL4KeyEnd}})) << spec;
}

TEST(PassesL4Test, AnyMeansTcpUdpSctp) {
  KeySet keys = keySetOf(ports({"any/53"}));
  EXPECT_EQ(keys.size(), 3u);
  for (Protocol p : {Protocol::TCP, Protocol::UDP, Protocol::SCTP}) {
    EXPECT_TRUE(covers(keys, p, 53));
    EXPECT_FALSE(covers(keys, p, 54));
  }
  EXPECT_FALSE(covers(keys, Protocol::ICMP, 53));
  EXPECT_FALSE(covers(keys, Protocol::ICMPv6, 53));
}

TEST(PassesL4Test, IcmpTypesAreSingleKeysOfTheirFamily) {
  KeySet keys = keySetOf(ports({"icmp/8", "icmpv6/128"}));
  EXPECT_TRUE(covers(keys, Protocol::ICMP, 8));
  EXPECT_FALSE(covers(keys, Protocol::ICMP, 128));
  EXPECT_TRUE(covers(keys, Protocol::ICMPv6, 128));
  EXPECT_FALSE(covers(keys, Protocol::ICMPv6, 8));
  EXPECT_FALSE(covers(keys, Protocol::TCP, 8));
}

// The key set agrees with L4Match::matches (the evaluator's) on every probe of every protocol,
// for random matches drawn from the scenario generator's vocabulary.
TEST(PassesL4Test, KeySetsAgreeWithTheEvaluator) {
  RandomSource random(7);
  for (int round = 0; round < 300; ++round) {
    L4Match l4;
    int parts = random.between(0, 4);
    for (int i = 0; i < parts; ++i) {
      if (random.chance(30)) {
        Protocol family = random.chance(50) ? Protocol::ICMP : Protocol::ICMPv6;
        l4.icmps.push_back({family, static_cast<uint8_t>(random.between(0, 255))});
      } else {
        Protocol protocol = random.pick(std::vector<Protocol>{Protocol::Any, Protocol::TCP, Protocol::UDP, Protocol::SCTP});
        int first = random.between(0, 65535);
        int last = std::min(65535, first + random.between(0, 2000));
        l4.ports.push_back({protocol, uint16_t(first), uint16_t(last)});
      }
    }
    KeySet keys = keySetOf(l4);
    for (Protocol protocol : kPacketProtocols)
      for (int probe = 0; probe < 64; ++probe) {
        uint16_t port = random.chance(50) ? uint16_t(random.between(0, 300)) : uint16_t(random.between(0, 65535));
        ASSERT_EQ(covers(keys, protocol, port), l4.matches(protocol, port))
            << l4.toString() << " on " << protocolName(protocol) << "/" << port;
      }
  }
}

TEST(PassesL4Test, ContainmentAndIntersection) {
  KeySet wide = keySetOf(ports({"tcp/80-90", "udp/53"}));
  EXPECT_TRUE(keySetContains(wide, keySetOf(ports({"tcp/85", "udp/53"}))));
  EXPECT_FALSE(keySetContains(wide, keySetOf(ports({"tcp/85-91"}))));
  EXPECT_FALSE(keySetContains(wide, keySetOf(ports({"tcp/80", "udp/54"}))));
  EXPECT_TRUE(keySetContains(wide, {}));
  EXPECT_TRUE(keySetsIntersect(wide, keySetOf(ports({"tcp/90-100"}))));
  EXPECT_FALSE(keySetsIntersect(wide, keySetOf(ports({"tcp/91-100", "udp/52"}))));
}

TEST(PassesL4Test, KeyRangeText) {
  EXPECT_EQ(keyRangeText(l4Key(L4Kind::TCP, 80), l4Key(L4Kind::TCP, 81)), "tcp/80");
  EXPECT_EQ(keyRangeText(l4Key(L4Kind::TCP, 80), l4Key(L4Kind::UDP, 10)), "tcp/80-65535, udp/0-9");
  EXPECT_EQ(keyRangeText(l4Key(L4Kind::None, 0), kL4KeyEnd), "none");
  EXPECT_EQ(keyRangeText(0, kL4KeyEnd), "everything");
  EXPECT_EQ(keyRangeText(l4Key(L4Kind::UDP, 0), l4Key(L4Kind::SCTP, 0)), "udp");
}

// ---- normalize-l4 -----------------------------------------------------------------------------

TEST(PassesNormalizeL4Test, AnyExpandsAndRangesMerge) {
  L4Match canonical = canonicalL4(ports({"tcp/91-95", "any/53", "tcp/80-90", "tcp/85", "udp/1000-2000", "udp/2002"}));
  EXPECT_EQ(canonical.toString(), "tcp/53, tcp/80-95, udp/53, udp/1000-2000, udp/2002, sctp/53");
}

TEST(PassesNormalizeL4Test, OnePortGapStaysAGap) {
  EXPECT_EQ(canonicalL4(ports({"tcp/80", "tcp/82"})).toString(), "tcp/80, tcp/82");
  EXPECT_EQ(canonicalL4(ports({"tcp/80", "tcp/81"})).toString(), "tcp/80-81");
  EXPECT_EQ(canonicalL4(ports({"tcp/65535", "tcp/0-65534"})).toString(), "tcp");
}

TEST(PassesNormalizeL4Test, IcmpSortedAndUnique) {
  L4Match canonical = canonicalL4(ports({"icmp/8", "icmpv6/128", "icmp/0", "icmp/8"}));
  EXPECT_EQ(canonical.icmps.size(), 3u);
  EXPECT_EQ(canonical.toString(), "icmp/echo-reply, icmp/echo-request, icmpv6/echo-request");
}

TEST(PassesNormalizeL4Test, WildcardStaysWildcard) {
  EXPECT_TRUE(canonicalL4(ports({})).isWildcard());
  EXPECT_FALSE(canonicalL4(ports({"icmp/8"})).isWildcard());
}

TEST(PassesNormalizeL4Test, SameMeaningIdempotent) {
  RandomSource random(11);
  for (int round = 0; round < 500; ++round) {
    L4Match l4;
    for (int i = random.between(0, 5); i > 0; --i) {
      if (random.chance(25)) {
        l4.icmps.push_back({random.chance(50) ? Protocol::ICMP : Protocol::ICMPv6, uint8_t(random.between(0, 12))});
        continue;
      }
      Protocol protocol = random.pick(std::vector<Protocol>{Protocol::Any, Protocol::TCP, Protocol::UDP});
      int first = random.between(0, 40);  // small ports: ranges touch, overlap and leave 1-port gaps
      l4.ports.push_back({protocol, uint16_t(first), uint16_t(first + random.between(0, 6))});
    }
    L4Match canonical = canonicalL4(l4);
    EXPECT_EQ(canonicalL4(canonical), canonical);
    EXPECT_EQ(keySetOf(canonical), keySetOf(l4)) << l4.toString() << " -> " << canonical.toString();
    for (const PortRange& range : canonical.ports) EXPECT_NE(range.protocol, Protocol::Any);
    for (Protocol protocol : kPacketProtocols)
      for (uint16_t port = 0; port < 50; ++port)
        ASSERT_EQ(canonical.matches(protocol, port), l4.matches(protocol, port)) << l4.toString();
  }
}

// ---- partition-ports ----------------------------------------------------------------------------

// The range starts of a direction as text, with their classes: "tcp/0-79:0 tcp/80:1 ...".
std::string rangesText(const DirectionPlan& direction) {
  std::string text;
  for (size_t i = 0; i < direction.rangeStarts.size(); ++i) {
    uint32_t end = i + 1 < direction.rangeStarts.size() ? direction.rangeStarts[i + 1] : kL4KeyEnd;
    text += (text.empty() ? "" : " | ") + keyRangeText(direction.rangeStarts[i], end) + ":" +
            std::to_string(direction.rangeClass[i]);
  }
  return text;
}

Inventory twoPods() {
  return InventoryBuilder()
      .ns("x")
      .pod("x", "web", {"app=web"}, {"10.0.0.1", "fd00::1"})
      .pod("x", "client", {"app=client"}, {"10.0.0.2", "fd00::2"})
      .node("node-1", {"192.168.0.1"}, true)
      .build();
}

TEST(PassesPartitionPortsTest, CutsAtEveryBoundary) {
  PlannedWorld w(twoPods(), {RuleBuilder("web", sel({"app=web"}), "x")
                                 .ingress(allow({{selPeer({"app=client"})}}, ports({"tcp/80-90"})))
                                 .ingress(allow({{selPeer({"app=web"})}}, ports({"tcp/85-100"})))});
  const DirectionPlan& ingress = w.tables("x/web", Direction::Ingress);
  // Everything else, tcp/80-84 (first allow), tcp/85-90 (both), tcp/91-100 (second allow).
  EXPECT_EQ(ingress.portClassOf(l4KeyOf(Protocol::TCP, 79)), ingress.portClassOf(l4KeyOf(Protocol::UDP, 80)));
  std::set<uint32_t> distinct;
  for (uint16_t port : {79, 80, 84, 85, 90, 91, 100, 101})
    distinct.insert(ingress.portClassOf(l4KeyOf(Protocol::TCP, port)));
  EXPECT_EQ(ingress.portClassOf(l4KeyOf(Protocol::TCP, 80)), ingress.portClassOf(l4KeyOf(Protocol::TCP, 84)));
  EXPECT_NE(ingress.portClassOf(l4KeyOf(Protocol::TCP, 84)), ingress.portClassOf(l4KeyOf(Protocol::TCP, 85)));
  EXPECT_EQ(ingress.portClassOf(l4KeyOf(Protocol::TCP, 79)), ingress.portClassOf(l4KeyOf(Protocol::TCP, 101)));
  EXPECT_EQ(distinct.size(), 4u) << rangesText(ingress);
  EXPECT_EQ(w.mismatches({"tcp/79", "tcp/80", "tcp/84", "tcp/85", "tcp/90", "tcp/91", "tcp/100", "tcp/101"}), "");
}

TEST(PassesPartitionPortsTest, ClassesAreDenseAndRangesCoverTheKeySpace) {
  PlannedWorld w(twoPods(), {RuleBuilder("web", sel({"app=web"}), "x")
                                 .ingress(allow({{selPeer({"app=client"})}}, ports({"tcp/443", "udp/53", "icmp/8"})))
                                 .ingress(deny({{entityPeer(Entity::World)}}, ports({"any/1000-2000"})))});
  for (Direction d : {Direction::Ingress, Direction::Egress}) {
    const DirectionPlan& plan = w.tables("x/web", d);
    ASSERT_FALSE(plan.rangeStarts.empty());
    EXPECT_EQ(plan.rangeStarts.front(), 0u);
    EXPECT_TRUE(std::is_sorted(plan.rangeStarts.begin(), plan.rangeStarts.end()));
    EXPECT_EQ(plan.rangeStarts.size(), plan.rangeClass.size());
    std::set<uint16_t> used(plan.rangeClass.begin(), plan.rangeClass.end());
    EXPECT_EQ(used.size(), plan.portClassCount);
    EXPECT_EQ(*used.rbegin(), plan.portClassCount - 1) << "dense";
    for (size_t i = 1; i < plan.rangeClass.size(); ++i)
      EXPECT_NE(plan.rangeClass[i], plan.rangeClass[i - 1]) << "adjacent ranges of one class are merged";
    for (const auto& row : plan.rows) EXPECT_EQ(row.size(), plan.portClassCount);
  }
}

TEST(PassesPartitionPortsTest, AnyExpansionSharesClassesAcrossProtocols) {
  PlannedWorld w(twoPods(), {RuleBuilder("web", sel({"app=web"}), "x")
                                 .ingress(allow({{selPeer({"app=client"})}}, ports({"any/53"})))});
  const DirectionPlan& ingress = w.tables("x/web", Direction::Ingress);
  uint32_t tcp = ingress.portClassOf(l4KeyOf(Protocol::TCP, 53));
  EXPECT_EQ(tcp, ingress.portClassOf(l4KeyOf(Protocol::UDP, 53)));
  EXPECT_EQ(tcp, ingress.portClassOf(l4KeyOf(Protocol::SCTP, 53)));
  EXPECT_NE(tcp, ingress.portClassOf(l4KeyOf(Protocol::ICMP, 53)));
  EXPECT_EQ(ingress.portClassOf(l4KeyOf(Protocol::ICMP, 53)), ingress.portClassOf(l4KeyOf(Protocol::TCP, 54)))
      << "everything no rule names shares one class, across kinds";
  EXPECT_EQ(w.mismatches({"tcp/53", "udp/53", "sctp/53", "tcp/54", "icmp/53"}), "");
}

TEST(PassesPartitionPortsTest, WildcardEntryCoversNoneAndIcmp) {
  PlannedWorld w(twoPods(), {RuleBuilder("web", sel({"app=web"}), "x")
                                 .ingress(allow({{selPeer({"app=client"})}}))
                                 .ingress(allow({{selPeer({"app=web"})}}, ports({"tcp/80"})))});
  const DirectionPlan& ingress = w.tables("x/web", Direction::Ingress);
  uint32_t none = ingress.portClassOf(l4Key(L4Kind::None, 0));
  PeerSet client = ingress.peerSetOf(w.party("x/client"));
  PeerSet web = ingress.peerSetOf(w.party("x/web"));
  auto clientRow = ingress.rowFor(client);
  auto webRow = ingress.rowFor(web);
  EXPECT_EQ(clientRow[none].reason, DatapathReason::AllowedByRule) << "an L3-only allow covers packets without L4";
  EXPECT_EQ(webRow[none].reason, DatapathReason::DefaultDeny) << "a port rule never covers packets without L4";
  EXPECT_EQ(clientRow[ingress.portClassOf(l4KeyOf(Protocol::ICMP, 8))].reason, DatapathReason::AllowedByRule);
  EXPECT_EQ(w.mismatches({"tcp/80", "icmp/8", "icmpv6/128", "udp/9"}), "");
}

TEST(PassesPartitionPortsTest, NeighborDiscoveryHasItsOwnClassThatAlwaysAllows) {
  PlannedWorld w(twoPods(), {RuleBuilder("web", sel({"app=web"}), "x").ingress(deny(std::nullopt))});
  const DirectionPlan& ingress = w.tables("x/web", Direction::Ingress);
  uint32_t nd = ingress.portClassOf(l4KeyOf(Protocol::ICMPv6, 135));
  EXPECT_EQ(nd, ingress.portClassOf(l4KeyOf(Protocol::ICMPv6, 133)));
  EXPECT_EQ(nd, ingress.portClassOf(l4KeyOf(Protocol::ICMPv6, 137)));
  EXPECT_NE(nd, ingress.portClassOf(l4KeyOf(Protocol::ICMPv6, 132)));
  EXPECT_NE(nd, ingress.portClassOf(l4KeyOf(Protocol::ICMPv6, 138)));
  for (const auto& row : ingress.rows) {
    EXPECT_EQ(row[nd].reason, DatapathReason::NeighborDiscovery);
    EXPECT_FALSE(row[nd].deny);
  }
  EXPECT_EQ(w.mismatches({"icmpv6/135", "icmpv6/128", "tcp/1"}), "");
}

// A class merges ranges only when their cells agree for every possible peer set, not just for
// the identities present: with no `app=a` pod, tcp/80 and tcp/81 still differ for a future one.
TEST(PassesPartitionPortsTest, ClassesStayValidForIdentitiesAddedLater) {
  PlannedWorld w(twoPods(), {RuleBuilder("web", sel({"app=web"}), "x")
                                 .ingress(allow({{selPeer({"app=a"})}}, ports({"tcp/80"})))
                                 .ingress(allow({{selPeer({"app=b"})}}, ports({"tcp/81"})))});
  const DirectionPlan& ingress = w.tables("x/web", Direction::Ingress);
  EXPECT_NE(ingress.portClassOf(l4KeyOf(Protocol::TCP, 80)), ingress.portClassOf(l4KeyOf(Protocol::TCP, 81)));
  // The agent classifies a new pod with app=a and gets a row that allows 80 only.
  Inventory later = InventoryBuilder().ns("x").pod("x", "a", {"app=a"}, {"10.0.0.9"}).build();
  Party newcomer = partyForIp(later, *IpAddress::parse("10.0.0.9"));
  auto row = ingress.rowFor(ingress.peerSetOf(newcomer));
  EXPECT_EQ(row[ingress.portClassOf(l4KeyOf(Protocol::TCP, 80))].reason, DatapathReason::AllowedByRule);
  EXPECT_EQ(row[ingress.portClassOf(l4KeyOf(Protocol::TCP, 81))].reason, DatapathReason::DefaultDeny);
}

// Ranges whose deciding entries are the same share a class even when other (never deciding)
// entries cover only one of them: an allow under a deny of the same peers.
TEST(PassesPartitionPortsTest, RangesDecidedAlikeShareAClass) {
  PlannedWorld w(twoPods(), {RuleBuilder("web", sel({"app=web"}), "x")
                                 .ingress(deny({{selPeer({"app=client"})}}, ports({"tcp/1-1000"})))
                                 .ingress(allow({{selPeer({"app=client"})}}, ports({"tcp/80"})))},
                 {}, PassOptions{{"deny-over-allow"}, {}, nullptr});
  const DirectionPlan& ingress = w.tables("x/web", Direction::Ingress);
  EXPECT_EQ(ingress.portClassOf(l4KeyOf(Protocol::TCP, 80)), ingress.portClassOf(l4KeyOf(Protocol::TCP, 79)));
  EXPECT_EQ(w.mismatches({"tcp/79", "tcp/80", "tcp/1001"}), "");
}

}  // namespace
}  // namespace ciliumc
