// Resolving probe references and addresses to parties.
#include "ir/party.h"

#include <gtest/gtest.h>

#include "ir_builders.h"

namespace ciliumc {
namespace {

using namespace ciliumc::testing;

TEST(PartyTest, EndpointByQualifiedName) {
  Inventory inv = sampleInventory();
  auto party = resolveParty(inv, "x/web");
  ASSERT_TRUE(party) << party.error().message;
  EXPECT_EQ(party->kind, Party::Kind::Endpoint);
  EXPECT_EQ(party->endpoint, &inv.endpoints[0]);
  EXPECT_EQ(party->identity, inv.endpoints[0].identity);
  EXPECT_EQ(party->ip.toString(), "10.0.0.1") << "IPv4 preferred";
  EXPECT_EQ(party->displayName, "x/web");
  EXPECT_TRUE(party->labels.has(Label{"k8s", "app", "web"}));
  EXPECT_FALSE(party->labels.has(Label{"k8s", "io.kubernetes.pod.name", "web-1"})) << "identity labels only";
}

TEST(PartyTest, EndpointAddressOfRequestedFamily) {
  Inventory inv = sampleInventory();
  EXPECT_EQ(resolveParty(inv, "x/web", IpFamily::V6)->ip.toString(), "fd00::1");
  EXPECT_EQ(resolveParty(inv, "v6only")->ip.toString(), "fd00::9") << "falls back to the only address";
  auto missing = resolveParty(inv, "v6only", IpFamily::V4);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("has no IPv4 address"), std::string::npos);
  EXPECT_TRUE(resolveParty(inv, "noaddr")) << "an endpoint without addresses still has labels";
}

TEST(PartyTest, AmbiguousBareNameSuggestsQualifiedNames) {
  auto party = resolveParty(sampleInventory(), "web");
  ASSERT_FALSE(party);
  EXPECT_NE(party.error().message.find("ambiguous"), std::string::npos);
  EXPECT_NE(party.error().hint.find("`x/web`, `y/web`"), std::string::npos) << party.error().hint;
}

TEST(PartyTest, LocalNodeIsHostOtherNodesAreRemote) {
  Inventory inv = sampleInventory();
  Party host = *resolveParty(inv, "192.168.0.1");
  EXPECT_EQ(host.kind, Party::Kind::Host);
  EXPECT_EQ(host.identity, 1u);
  EXPECT_EQ(host.labels.toString(), "reserved:host");
  EXPECT_EQ(host.displayName, "host");
  Party remote = *resolveParty(inv, "node-2", IpFamily::V6);
  EXPECT_EQ(remote.kind, Party::Kind::RemoteNode);
  EXPECT_EQ(remote.identity, 6u);
  EXPECT_EQ(remote.ip.toString(), "fd00:ff::2");
  EXPECT_EQ(remote.labels.toString(), "reserved:remote-node");
}

TEST(PartyTest, ExternalsAndUnknownAddressesAreWorldByFamily) {
  Inventory inv = sampleInventory();
  Party external = *resolveParty(inv, "ext-a");
  EXPECT_EQ(external.kind, Party::Kind::World);
  EXPECT_EQ(external.identity, 9u);
  EXPECT_EQ(external.displayName, "ext-a");
  EXPECT_EQ(external.labels.toString(), "reserved:world");
  Party external6 = *resolveParty(inv, "ext-a", IpFamily::V6);
  EXPECT_EQ(external6.identity, 10u);
  EXPECT_EQ(external6.displayName, "ext-a");
  Party unknown = *resolveParty(inv, "203.0.113.7");
  EXPECT_EQ(unknown.kind, Party::Kind::World);
  EXPECT_EQ(unknown.displayName, "world(203.0.113.7)");
  EXPECT_EQ(partyForIp(inv, *IpAddress::parse("10.0.0.2")).endpoint, &inv.endpoints[1]);
}

TEST(PartyTest, UnknownReferenceSuggestsClosestName) {
  auto party = resolveParty(sampleInventory(), "x/wbe");
  ASSERT_FALSE(party);
  EXPECT_NE(party.error().message.find("unknown party `x/wbe`"), std::string::npos);
  EXPECT_EQ(party.error().hint, "did you mean `x/web`?");
  auto external = resolveParty(sampleInventory(), "ext-b");
  ASSERT_FALSE(external);
  EXPECT_EQ(external.error().hint, "did you mean `ext-a`?");
}

}  // namespace
}  // namespace ciliumc
