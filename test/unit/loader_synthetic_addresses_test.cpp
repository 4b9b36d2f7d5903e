// Synthetic probe addresses for parties without an address of the probe's family.
#include <gtest/gtest.h>

#include "loader/synthetic_addresses.h"
#include "test/unit/ir_builders.h"

namespace ciliumc::loader {
namespace {

using namespace ciliumc::testing;

IpAddress parse(const char* text) { return *IpAddress::parse(text); }

TEST(LoaderSyntheticAddressesTest, KeepsKnownAddressesAndInventsStableOnes) {
  Inventory inventory = sampleInventory();
  CompilePlan plan;
  const EndpointInfo& web = inventory.endpoints[0];
  plan.ipcache = {IpcacheEntry{parse("10.0.0.1"), web.identity}, IpcacheEntry{parse("100.64.0.1"), 4242}};
  SyntheticAddresses addresses(plan);

  Party webParty = *resolveParty(inventory, "x/web");
  auto own = addresses.addressFor(webParty, IpFamily::V4);
  EXPECT_FALSE(own.synthetic);
  EXPECT_EQ(own.address, parse("10.0.0.1"));

  Party noaddr = *resolveParty(inventory, "x/noaddr");
  auto v4 = addresses.addressFor(noaddr, IpFamily::V4);
  EXPECT_TRUE(v4.synthetic);
  EXPECT_TRUE(v4.fresh);
  EXPECT_EQ(v4.address.family, IpFamily::V4);
  EXPECT_NE(v4.address, parse("100.64.0.1")) << "taken by the ipcache";
  EXPECT_TRUE(IpPrefix::parse("100.64.0.0/10")->contains(v4.address));
  auto again = addresses.addressFor(noaddr, IpFamily::V4);
  EXPECT_EQ(again.address, v4.address) << "stable per party";
  EXPECT_FALSE(again.fresh);
  auto v6 = addresses.addressFor(noaddr, IpFamily::V6);
  EXPECT_TRUE(IpPrefix::parse("fd00:c111::/32")->contains(v6.address));
  EXPECT_TRUE(addresses.isSynthetic(v6.address));

  // An endpoint whose address the ipcache maps to another identity is not trusted with it.
  Party client = *resolveParty(inventory, "x/client");
  EXPECT_TRUE(addresses.addressFor(client, IpFamily::V4).synthetic);
  Party other = *resolveParty(inventory, "x/v6only");
  auto different = addresses.addressFor(other, IpFamily::V4);
  EXPECT_NE(different.address, v4.address);

  // World parties keep their address, and it is never handed out later.
  Party world = partyForIp(inventory, parse("100.64.0.9"));
  EXPECT_EQ(addresses.addressFor(world, IpFamily::V4).address, parse("100.64.0.9"));
  for (int i = 0; i < 20; ++i) {
    Party host = partyForIp(inventory, parse("192.168.0.1"));
    host.identity = 1000 + i;  // distinct parties
    EXPECT_NE(addresses.addressFor(host, IpFamily::V4).address, parse("100.64.0.9"));
  }
}

}  // namespace
}  // namespace ciliumc::loader
