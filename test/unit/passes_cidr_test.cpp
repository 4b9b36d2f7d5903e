// World addresses: the CIDR trie of a shape (every CIDR and except prefix), classes by
// containment, ShapePlan::classOf's longest match, and aggregate-cidrs' contract (the
// longest-match answer for every address is unchanged).
#include <gtest/gtest.h>

#include "passes/aggregate_cidrs.h"
#include "passes_test_support.h"
#include "random_policy.h"

namespace ciliumc {
namespace {

using namespace ciliumc::testing;
using ClassPair = std::array<uint16_t, 2>;

Inventory withExternals() {
  return InventoryBuilder()
      .ns("x")
      .pod("x", "web", {"app=web"}, {"10.200.0.1", "fd00::1"})
      .node("node-1", {"192.168.0.1"}, true)
      .external("inside", {"10.2.3.4", "2001:db8::1"})
      .external("excepted", {"10.1.2.3"})
      .external("outside", {"11.0.0.1", "2001:db9::1"})
      .build();
}

std::vector<PolicyRule> cidrRules() {
  return {RuleBuilder("web", sel({"app=web"}), "x")
              .ingress(allow({{cidrPeer("10.0.0.0/8", {"10.1.0.0/16", "10.1.2.0/24"})}}, ports({"tcp/80"})))
              .ingress(allow({{cidrPeer("2001:db8::/32")}}, ports({"tcp/80"})))
              .ingress(deny({{entityPeer(Entity::World)}}, ports({"tcp/22"})))
              .egress(allow({{cidrPeer("10.1.0.0/16")}}))};
}

const std::vector<std::string> kPorts = {"tcp/22", "tcp/80", "tcp/81", "icmp/8"};

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

TEST(PassesCidrTest, TrieHoldsEveryPrefixAndExceptOfBothDirections) {
  PlannedWorld w(withExternals(), cidrRules(), {}, PassOptions{{"aggregate-cidrs"}, {}, nullptr});
  std::set<std::string> prefixes;
  for (const CidrClassEntry& entry : w.shapeOf("x/web").cidr) prefixes.insert(entry.prefix.toString());
  EXPECT_EQ(prefixes, (std::set<std::string>{"10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "2001:db8::/32"}));
  EXPECT_EQ(w.mismatches(kPorts), "");
}

TEST(PassesCidrTest, ExceptsAreHolesAndWorldEntitiesMatchEveryPrefix) {
  for (bool aggregate : {true, false}) {
    PassOptions options;
    if (!aggregate) options.disabled = {"aggregate-cidrs"};
    PlannedWorld w(withExternals(), cidrRules(), {}, options);
    EXPECT_EQ(w.cell("inside", "x/web", "tcp/80", Direction::Ingress).reason, DatapathReason::AllowedByRule);
    EXPECT_EQ(w.cell("excepted", "x/web", "tcp/80", Direction::Ingress).reason, DatapathReason::DefaultDeny);
    EXPECT_EQ(w.cell("outside", "x/web", "tcp/80", Direction::Ingress).reason, DatapathReason::DefaultDeny);
    EXPECT_EQ(w.cell("2001:db8::1", "x/web", "tcp/80", Direction::Ingress).reason, DatapathReason::AllowedByRule);
    for (const char* world : {"10.2.3.4", "10.1.2.3", "11.0.0.1", "2001:db8::1", "2001:db9::1"})
      EXPECT_EQ(w.cell(world, "x/web", "tcp/22", Direction::Ingress).reason, DatapathReason::DeniedByRule) << world;
    EXPECT_EQ(w.cell("x/web", "10.1.2.3", "tcp/1", Direction::Egress).reason, DatapathReason::AllowedByRule)
        << "an except of one direction's peer is in the trie, but the other direction's peer still matches";
    EXPECT_EQ(w.mismatches(kPorts), "");
    // The class the trie gives a world address has the row of the address's own peer set.
    const ShapePlan& shape = w.shapeOf("x/web");
    for (const char* world : {"10.2.3.4", "10.1.2.3", "10.1.3.1", "11.0.0.1", "2001:db8::1", "2001:db9::1", "0.0.0.0"})
      for (Direction d : {Direction::Ingress, Direction::Egress}) {
        Party party = w.party(world);
        EXPECT_EQ(shape.direction(d).rows[shape.classOf(party, d)], shape.direction(d).rowFor(shape.direction(d).peerSetOf(party)))
            << world << " " << directionName(d);
      }
  }
}

TEST(PassesCidrTest, ClassOfTakesTheLongestMatchElseTheWorldClassOfTheFamily) {
  ShapePlan shape;
  shape.identityClasses[9] = {1, 1};
  shape.identityClasses[10] = {2, 2};
  shape.cidr = {{*IpPrefix::parse("10.0.0.0/8"), {3, 4}}, {*IpPrefix::parse("10.1.0.0/16"), {5, 6}}};
  auto world = [](const char* text) {
    IpAddress address = ip(text);
    auto id = address.family == IpFamily::V4 ? ReservedIdentity::WorldIPv4 : ReservedIdentity::WorldIPv6;
    return reservedParty(Party::Kind::World, id, ReservedIdentity::World, address, text);
  };
  EXPECT_EQ(shape.classOf(world("10.1.2.3"), Direction::Ingress), 5u);
  EXPECT_EQ(shape.classOf(world("10.1.2.3"), Direction::Egress), 6u);
  EXPECT_EQ(shape.classOf(world("10.2.0.1"), Direction::Egress), 4u);
  EXPECT_EQ(shape.classOf(world("11.0.0.1"), Direction::Ingress), 1u);
  EXPECT_EQ(shape.classOf(world("2001:db8::1"), Direction::Ingress), 2u);
}

TEST(PassesCidrTest, NoCidrPeersNoTrie) {
  PlannedWorld w(withExternals(), {RuleBuilder("web", sel({"app=web"}), "x").ingress(allow({{entityPeer(Entity::World)}}))});
  EXPECT_TRUE(w.shapeOf("x/web").cidr.empty());
  EXPECT_EQ(w.shapeOf("x/web").budget.cidrEntries, 0u);
  EXPECT_EQ(w.mismatches(kPorts), "");
}

// ---- aggregate-cidrs ------------------------------------------------------------------------------

// The answer the LPM map plus the world fallback gives for an address.
ClassPair answer(const std::vector<CidrClassEntry>& entries, const std::array<ClassPair, 2>& world, const IpAddress& address) {
  const CidrClassEntry* longest = nullptr;
  for (const CidrClassEntry& entry : entries)
    if (entry.prefix.contains(address) && (!longest || entry.prefix.length > longest->prefix.length)) longest = &entry;
  return longest ? longest->cls : world[address.family == IpFamily::V4 ? 0 : 1];
}

CidrClassEntry entry(const char* prefix, ClassPair classes) { return {*IpPrefix::parse(prefix), classes}; }

const std::array<ClassPair, 2> kWorld = {ClassPair{1, 1}, ClassPair{2, 2}};

TEST(PassesAggregateCidrsTest, EqualSiblingsBecomeTheirParent) {
  auto aggregated = aggregateCidrEntries({entry("10.0.0.0/25", {3, 0}), entry("10.0.0.128/25", {3, 0})}, kWorld);
  ASSERT_EQ(aggregated.size(), 1u);
  EXPECT_EQ(aggregated[0].prefix.toString(), "10.0.0.0/24");
}

TEST(PassesAggregateCidrsTest, DifferentSiblingsStay) {
  auto aggregated = aggregateCidrEntries({entry("10.0.0.0/25", {3, 0}), entry("10.0.0.128/25", {4, 0})}, kWorld);
  EXPECT_EQ(aggregated.size(), 2u);
}

TEST(PassesAggregateCidrsTest, PrefixesAnsweringLikeTheirAncestorOrWorldGo) {
  auto aggregated = aggregateCidrEntries({entry("10.0.0.0/8", {3, 3}), entry("10.1.0.0/16", {3, 3}),
                                          entry("10.1.2.0/24", {1, 1}), entry("11.0.0.0/8", {1, 1}),
                                          entry("2001:db8::/32", {2, 2}), entry("2001:db9::/32", {1, 1})},
                                         kWorld);
  std::set<std::string> left;
  for (const CidrClassEntry& e : aggregated) left.insert(e.prefix.toString());
  EXPECT_EQ(left, (std::set<std::string>{"10.0.0.0/8", "10.1.2.0/24", "2001:db9::/32"}))
      << "an IPv6 prefix falls back to the world-ipv6 classes, an IPv4 one to world-ipv4's";
}

TEST(PassesAggregateCidrsTest, HiddenParentsGo) {
  auto aggregated = aggregateCidrEntries(
      {entry("10.0.0.0/24", {5, 5}), entry("10.0.0.0/25", {3, 0}), entry("10.0.0.128/25", {4, 0})}, kWorld);
  EXPECT_EQ(aggregated.size(), 2u);
}

TEST(PassesAggregateCidrsTest, LongestMatchAnswerIsUnchanged) {
  RandomSource random(99);
  size_t before = 0, after = 0;
  for (int round = 0; round < 400; ++round) {
    std::map<IpPrefix, ClassPair> trie;
    auto randomClass = [&] { return ClassPair{uint16_t(random.below(3)), uint16_t(random.below(2))}; };
    for (int i = random.between(1, 24); i > 0; --i) {
      if (random.chance(10)) {
        trie[*IpPrefix::parse(random.chance(50) ? "2001:db8::/32" : "2001:db8::/33")] = randomClass();
        continue;
      }
      int length = random.chance(10) ? random.between(0, 23) : random.between(24, 32);
      uint32_t address = (10u << 24) | uint32_t(random.below(256));
      address &= static_cast<uint32_t>(~((uint64_t{1} << (32 - length)) - 1));
      std::string text = std::to_string(address >> 24) + "." + std::to_string((address >> 16) & 255) + "." +
                         std::to_string((address >> 8) & 255) + "." + std::to_string(address & 255) + "/" +
                         std::to_string(length);
      trie[*IpPrefix::parse(text)] = randomClass();
    }
    std::vector<CidrClassEntry> entries;
    for (const auto& [prefix, classes] : trie) entries.push_back({prefix, classes});
    std::array<ClassPair, 2> world = {randomClass(), randomClass()};
    auto aggregated = aggregateCidrEntries(entries, world);
    before += entries.size();
    after += aggregated.size();
    EXPECT_LE(aggregated.size(), entries.size());
    std::vector<IpAddress> probes;
    for (int last = 0; last < 256; ++last) probes.push_back(ip(("10.0.0." + std::to_string(last)).c_str()));
    for (const char* other : {"10.0.1.0", "10.128.0.0", "11.0.0.0", "0.0.0.0", "2001:db8::1", "2001:db8:8000::1", "fd00::1"})
      probes.push_back(ip(other));
    for (const IpAddress& address : probes)
      ASSERT_EQ(answer(aggregated, world, address), answer(entries, world, address))
          << "round " << round << ", address " << address.toString();
  }
  EXPECT_LT(after, before) << "aggregation does shrink tries";
}

}  // namespace
}  // namespace ciliumc
