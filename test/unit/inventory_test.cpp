// Inventory lookups and identity assignment.
#include "ir/inventory.h"

#include <gtest/gtest.h>

#include "ir_builders.h"

namespace ciliumc {
namespace {

using namespace ciliumc::testing;

TEST(InventoryTest, QualifiedName) {
  Inventory inv = sampleInventory();
  EXPECT_EQ(inv.endpoints[0].qualifiedName(), "x/web");
  EXPECT_EQ(inv.endpoints[3].qualifiedName(), "vm");
}

TEST(InventoryTest, FindEndpointByQualifiedOrUniqueBareName) {
  Inventory inv = sampleInventory();
  EXPECT_EQ(inv.findEndpoint("y/web"), &inv.endpoints[1]);
  EXPECT_EQ(inv.findEndpoint("client"), &inv.endpoints[2]);
  EXPECT_EQ(inv.findEndpoint("vm"), &inv.endpoints[3]);
  EXPECT_EQ(inv.findEndpoint("web"), nullptr) << "ambiguous bare name";
  EXPECT_EQ(inv.findEndpoint("z/web"), nullptr);
  EXPECT_EQ(inv.findEndpoint("x/vm"), nullptr);
}

TEST(InventoryTest, LookupsByAddressAndName) {
  Inventory inv = sampleInventory();
  EXPECT_EQ(inv.endpointByIp(*IpAddress::parse("fd00::1")), &inv.endpoints[0]);
  EXPECT_EQ(inv.endpointByIp(*IpAddress::parse("192.168.0.1")), nullptr);
  EXPECT_EQ(inv.nodeByIp(*IpAddress::parse("192.168.0.1")), &inv.nodes[0]);
  EXPECT_EQ(inv.externalByIp(*IpAddress::parse("192.0.2.10")), &inv.externals[0]);
  EXPECT_EQ(inv.findExternal("ext-a"), &inv.externals[0]);
  EXPECT_EQ(inv.findExternal("ext-b"), nullptr);
  EXPECT_EQ(inv.findNode("node-1"), &inv.nodes[0]);
  EXPECT_EQ(inv.findNode("ext-a"), nullptr);
}

TEST(InventoryTest, IdentitiesStartAt256AndFollowIdentityKeyOrder) {
  Inventory inv = sampleInventory();
  std::vector<std::pair<std::string, NumericIdentity>> byKey;
  for (const auto& endpoint : inv.endpoints) {
    EXPECT_GE(endpoint.identity, kMinClusterIdentity);
    byKey.emplace_back(identityKey(identityRelevantLabels(endpoint.labels)), endpoint.identity);
  }
  std::sort(byKey.begin(), byKey.end());
  EXPECT_EQ(byKey.front().second, kMinClusterIdentity);
  for (size_t i = 1; i < byKey.size(); ++i) EXPECT_EQ(byKey[i].second, byKey[i - 1].second + 1);
}

TEST(InventoryTest, SameIdentityLabelsShareAnIdentity) {
  Inventory inv = InventoryBuilder()
                      .ns("x")
                      .pod("x", "a", {"app=web", "pod-template-hash=abc"}, {})
                      .pod("x", "b", {"app=web", "pod-template-hash=def"}, {})
                      .pod("x", "c", {"app=web", "tier=fe"}, {})
                      .build();
  EXPECT_EQ(inv.endpoints[0].identity, inv.endpoints[1].identity) << "pod-template-hash is not identity-relevant";
  EXPECT_NE(inv.endpoints[0].identity, inv.endpoints[2].identity);
}

TEST(InventoryTest, IdentitiesDoNotDependOnInputOrder) {
  Inventory forward = InventoryBuilder().pod("", "a", {"app=a"}, {}).pod("", "b", {"app=b"}, {}).build();
  Inventory backward = InventoryBuilder().pod("", "b", {"app=b"}, {}).pod("", "a", {"app=a"}, {}).build();
  EXPECT_EQ(forward.findEndpoint("a")->identity, backward.findEndpoint("a")->identity);
  EXPECT_EQ(forward.findEndpoint("b")->identity, backward.findEndpoint("b")->identity);
  EXPECT_NE(forward.findEndpoint("a")->identity, forward.findEndpoint("b")->identity);
}

TEST(InventoryTest, NamespaceIsPartOfTheIdentity) {
  Inventory inv = sampleInventory();
  EXPECT_NE(inv.endpoints[0].identity, inv.endpoints[1].identity) << "x/web and y/web";
}

}  // namespace
}  // namespace ciliumc
