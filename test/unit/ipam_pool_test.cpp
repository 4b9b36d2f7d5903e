// Ipam: allocation order, exhaustion, release and reuse, restore from the state file, concurrent
// allocation, corrupt and mismatched state files, IPv6 pools (capped, never materialised).
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "agent/ipam/ipam.h"
#include "test/support/temporary_directory.h"

namespace ciliumc {
namespace {

using testing::TemporaryDirectory;

IpPrefix prefix(const char* text) {
  auto parsed = IpPrefix::parse(text);
  EXPECT_TRUE(parsed.ok()) << text;
  return *parsed;
}

IpAddress ip(const char* text) {
  auto parsed = IpAddress::parse(text);
  EXPECT_TRUE(parsed.ok()) << text;
  return *parsed;
}

std::unique_ptr<Ipam> openOrDie(std::optional<IpPrefix> v4, std::optional<IpPrefix> v6,
                                std::filesystem::path path = {}) {
  auto ipam = Ipam::open(v4, v6, path);
  EXPECT_TRUE(ipam.ok()) << (ipam.ok() ? "" : ipam.error().message);
  return ipam.ok() ? std::move(*ipam) : nullptr;
}

std::string allocated(Ipam& ipam, IpFamily family, const std::string& owner) {
  auto address = ipam.allocate(family, owner);
  EXPECT_TRUE(address.ok()) << (address.ok() ? "" : address.error().message);
  return address.ok() ? address->toString() : "";
}


std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void writeFile(const std::filesystem::path& path, const std::string& text) { std::ofstream(path) << text; }

TEST(IpamPool, RouterIsFirstUsableAndAllocationIsLowestFirst) {
  auto ipam = openOrDie(prefix("10.0.0.0/24"), std::nullopt);
  ASSERT_TRUE(ipam);
  ASSERT_TRUE(ipam->router(IpFamily::V4));
  EXPECT_EQ(ipam->router(IpFamily::V4)->toString(), "10.0.0.1");
  EXPECT_FALSE(ipam->router(IpFamily::V6));
  EXPECT_EQ(allocated(*ipam, IpFamily::V4, "ep1"), "10.0.0.2");
  EXPECT_EQ(allocated(*ipam, IpFamily::V4, "ep2"), "10.0.0.3");
  EXPECT_EQ(allocated(*ipam, IpFamily::V4, "ep3"), "10.0.0.4");
  auto list = ipam->allocations(IpFamily::V4);
  ASSERT_EQ(list.size(), 4u);
  EXPECT_EQ(list[0].ip.toString(), "10.0.0.1");
  EXPECT_EQ(list[0].owner, "router");
  EXPECT_EQ(list[3].ip.toString(), "10.0.0.4");
  EXPECT_EQ(list[3].owner, "ep3");
}

TEST(IpamPool, NoPoolForAFamilyIsAClearError) {
  auto ipam = openOrDie(prefix("10.0.0.0/24"), std::nullopt);
  auto v6 = ipam->allocate(IpFamily::V6, "ep");
  ASSERT_FALSE(v6.ok());
  EXPECT_NE(v6.error().message.find("no IPv6 pool"), std::string::npos) << v6.error().message;
}

TEST(IpamPool, ExhaustionNamesThePoolAndNeverHandsOutBroadcast) {
  auto ipam = openOrDie(prefix("192.168.5.0/29"), std::nullopt);  // .0 net, .1 router, .7 broadcast
  std::set<std::string> seen;
  for (int i = 0; i < 5; ++i) seen.insert(allocated(*ipam, IpFamily::V4, "ep" + std::to_string(i)));
  EXPECT_EQ(seen, (std::set<std::string>{"192.168.5.2", "192.168.5.3", "192.168.5.4", "192.168.5.5", "192.168.5.6"}));
  auto next = ipam->allocate(IpFamily::V4, "one-too-many");
  ASSERT_FALSE(next.ok());
  EXPECT_NE(next.error().message.find("192.168.5.0/29"), std::string::npos) << next.error().message;
  EXPECT_NE(next.error().message.find("exhausted"), std::string::npos) << next.error().message;
  // Network and broadcast addresses cannot be taken explicitly either.
  EXPECT_FALSE(ipam->allocateSpecific(ip("192.168.5.7"), "x").ok());
  EXPECT_FALSE(ipam->allocateSpecific(ip("192.168.5.0"), "x").ok());
}

TEST(IpamPool, TooSmallPrefixIsRejected) {
  EXPECT_FALSE(Ipam::open(prefix("10.0.0.0/31"), std::nullopt, {}).ok());
  EXPECT_FALSE(Ipam::open(std::nullopt, prefix("fd00::/127"), {}).ok());
  EXPECT_TRUE(Ipam::open(prefix("10.0.0.0/30"), prefix("fd00::/126"), {}).ok());
  EXPECT_FALSE(Ipam::open(prefix("fd00::/64"), std::nullopt, {}).ok());  // wrong family for the IPv4 pool
}

TEST(IpamPool, ReleaseMakesTheLowestAddressAvailableAgain) {
  auto ipam = openOrDie(prefix("10.0.0.0/24"), std::nullopt);
  for (int i = 0; i < 4; ++i) allocated(*ipam, IpFamily::V4, "ep" + std::to_string(i));  // .2 .. .5
  ASSERT_TRUE(ipam->release(ip("10.0.0.4")).ok());
  ASSERT_TRUE(ipam->release(ip("10.0.0.3")).ok());
  EXPECT_EQ(allocated(*ipam, IpFamily::V4, "a"), "10.0.0.3");
  EXPECT_EQ(allocated(*ipam, IpFamily::V4, "b"), "10.0.0.4");
  EXPECT_EQ(allocated(*ipam, IpFamily::V4, "c"), "10.0.0.6");
  // Releasing twice, releasing the router, releasing outside the pool: errors.
  EXPECT_FALSE(ipam->release(ip("10.0.0.100")).ok());
  EXPECT_FALSE(ipam->release(ip("10.0.0.1")).ok());
  EXPECT_FALSE(ipam->release(ip("10.9.0.2")).ok());
}

TEST(IpamPool, ReleaseOwnerFreesBothFamilies) {
  auto ipam = openOrDie(prefix("10.0.0.0/24"), prefix("fd00:1::/112"));
  allocated(*ipam, IpFamily::V4, "web");
  allocated(*ipam, IpFamily::V6, "web");
  allocated(*ipam, IpFamily::V4, "db");
  EXPECT_EQ(ipam->ownedBy("web").size(), 2u);
  auto released = ipam->releaseOwner("web");
  ASSERT_TRUE(released.ok());
  EXPECT_EQ(*released, 2u);
  EXPECT_TRUE(ipam->ownedBy("web").empty());
  EXPECT_EQ(ipam->ownedBy("db").size(), 1u);
  EXPECT_FALSE(ipam->releaseOwner("router").ok());
}

TEST(IpamPool, AllocateSpecificConflictsAndIsIdempotentForTheSameOwner) {
  auto ipam = openOrDie(prefix("10.0.0.0/24"), std::nullopt);
  ASSERT_TRUE(ipam->allocateSpecific(ip("10.0.0.50"), "ep1").ok());
  EXPECT_TRUE(ipam->allocateSpecific(ip("10.0.0.50"), "ep1").ok());
  auto conflict = ipam->allocateSpecific(ip("10.0.0.50"), "ep2");
  ASSERT_FALSE(conflict.ok());
  EXPECT_NE(conflict.error().message.find("ep1"), std::string::npos) << conflict.error().message;
  EXPECT_FALSE(ipam->allocateSpecific(ip("10.0.0.1"), "ep2").ok());  // the router's
  EXPECT_FALSE(ipam->allocate(IpFamily::V4, "router").ok());          // reserved owner
  EXPECT_FALSE(ipam->allocate(IpFamily::V4, "").ok());
  // The explicit allocation is skipped by the lowest-first scan.
  EXPECT_EQ(allocated(*ipam, IpFamily::V4, "x"), "10.0.0.2");
}

TEST(IpamPool, Ipv6PoolIsCappedAndNotMaterialised) {
  // A /64 has 2^64 addresses; the pool tracks the first 65536 only.
  auto ipam = openOrDie(std::nullopt, prefix("fd00:10:1:2::/64"));
  EXPECT_EQ(ipam->router(IpFamily::V6)->toString(), "fd00:10:1:2::1");
  EXPECT_EQ(allocated(*ipam, IpFamily::V6, "a"), "fd00:10:1:2::2");
  EXPECT_EQ(allocated(*ipam, IpFamily::V6, "b"), "fd00:10:1:2::3");
  ASSERT_TRUE(ipam->allocateSpecific(ip("fd00:10:1:2::ffff"), "last").ok());  // offset 65535: inside the cap
  auto beyond = ipam->allocateSpecific(ip("fd00:10:1:2::1:0"), "c");           // offset 65536
  ASSERT_FALSE(beyond.ok());
  EXPECT_NE(beyond.error().message.find("65536"), std::string::npos) << beyond.error().message;
  EXPECT_FALSE(ipam->allocateSpecific(ip("fd00:10:1:3::5"), "c").ok());  // other prefix
  EXPECT_FALSE(ipam->allocateSpecific(ip("10.0.0.5"), "c").ok());       // no IPv4 pool
}

TEST(IpamPool, SmallIpv6PoolUsesItsLastAddressAndCarriesAcrossBytes) {
  auto ipam = openOrDie(std::nullopt, prefix("fd00::100/120"));  // ::100 .. ::1ff, no broadcast in IPv6
  for (int i = 2; i < 256; ++i) allocated(*ipam, IpFamily::V6, "ep" + std::to_string(i));
  auto list = ipam->allocations(IpFamily::V6);
  ASSERT_EQ(list.size(), 255u);
  EXPECT_EQ(list.back().ip.toString(), "fd00::1ff");
  EXPECT_FALSE(ipam->allocate(IpFamily::V6, "full").ok());
}

TEST(IpamPool, Ipv4LargePoolCrossesOctets) {
  auto ipam = openOrDie(prefix("10.1.0.0/16"), std::nullopt);
  for (int i = 0; i < 254; ++i) allocated(*ipam, IpFamily::V4, "ep" + std::to_string(i));  // .0.2 .. .0.255
  EXPECT_EQ(allocated(*ipam, IpFamily::V4, "next"), "10.1.1.0");
}

TEST(IpamPersistence, RestoresAllocationsFromTheStateFile) {
  TemporaryDirectory dir("ipam-test");
  auto path = dir.file("ipam.json");
  {
    auto ipam = openOrDie(prefix("10.0.0.0/24"), prefix("fd00::/112"), path);
    allocated(*ipam, IpFamily::V4, "ep1");  // .2
    allocated(*ipam, IpFamily::V4, "ep2");  // .3
    allocated(*ipam, IpFamily::V6, "ep1");  // ::2
    ASSERT_TRUE(ipam->release(ip("10.0.0.2")).ok());
  }
  EXPECT_NE(readFile(path).find("\"10.0.0.3\""), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(path.string() + ".tmp"));
  auto ipam = openOrDie(prefix("10.0.0.0/24"), prefix("fd00::/112"), path);
  ASSERT_TRUE(ipam);
  auto v4 = ipam->allocations(IpFamily::V4);
  ASSERT_EQ(v4.size(), 2u);
  EXPECT_EQ(v4[1], (IpamAllocation{ip("10.0.0.3"), "ep2"}));
  EXPECT_EQ(ipam->allocations(IpFamily::V6).size(), 2u);
  // Restore by the owner that already holds it is accepted; the freed .2 is handed out next.
  EXPECT_TRUE(ipam->allocateSpecific(ip("10.0.0.3"), "ep2").ok());
  EXPECT_EQ(allocated(*ipam, IpFamily::V4, "ep3"), "10.0.0.2");
  EXPECT_EQ(allocated(*ipam, IpFamily::V4, "ep4"), "10.0.0.4");
}

TEST(IpamPersistence, PrefixChangeAgainstTheSavedStateIsAnError) {
  TemporaryDirectory dir("ipam-test");
  auto path = dir.file("ipam.json");
  { openOrDie(prefix("10.0.0.0/24"), std::nullopt, path); }
  auto changed = Ipam::open(prefix("10.0.1.0/24"), std::nullopt, path);
  ASSERT_FALSE(changed.ok());
  EXPECT_NE(changed.error().message.find("10.0.0.0/24"), std::string::npos) << changed.error().message;
  EXPECT_NE(changed.error().message.find("10.0.1.0/24"), std::string::npos) << changed.error().message;
  EXPECT_NE(changed.error().message.find(path.string()), std::string::npos) << changed.error().message;
  EXPECT_FALSE(Ipam::open(std::nullopt, prefix("fd00::/112"), path).ok());  // IPv4 pool dropped
  // Adding a family that was not configured before is fine.
  EXPECT_TRUE(Ipam::open(prefix("10.0.0.0/24"), prefix("fd00::/112"), path).ok());
}

TEST(IpamPersistence, CorruptStateFilesAreClearErrors) {
  TemporaryDirectory dir("ipam-test");
  auto path = dir.file("ipam.json");
  const std::pair<std::string, std::string> cases[] = {
      {"{not json", "not valid JSON"},
      {"[]", "object"},
      {R"({"version": 7})", "version"},
      {R"({"version": 1, "ipv4": {"cidr": "10.0.0.0/24", "allocations": [{"ip": "10.0.0.300", "owner": "a"}]}})",
       "allocations[0]"},
      {R"({"version": 1, "ipv4": {"cidr": "10.0.0.0/24", "allocations": [{"ip": "10.0.0.9", "owner": ""}]}})",
       "owner"},
      {R"({"version": 1, "ipv4": {"cidr": "10.0.0.0/24", "allocations": [{"ip": "10.0.1.9", "owner": "a"}]}})",
       "outside"},
      {R"({"version": 1, "ipv4": {"cidr": "10.0.0.0/24", "allocations": [{"ip": "10.0.0.9", "owner": "a"},
                                                                         {"ip": "10.0.0.9", "owner": "b"}]}})",
       "twice"},
      {R"({"version": 1, "ipv4": {"cidr": "10.0.0.0/24", "allocations": [{"ip": "10.0.0.1", "owner": "a"}]}})",
       "router"},
  };
  for (const auto& [text, expected] : cases) {
    writeFile(path, text);
    auto opened = Ipam::open(prefix("10.0.0.0/24"), std::nullopt, path);
    ASSERT_FALSE(opened.ok()) << text;
    EXPECT_NE(opened.error().message.find("corrupt IPAM state file"), std::string::npos) << opened.error().message;
    EXPECT_NE(opened.error().message.find(expected), std::string::npos) << opened.error().message;
  }
}

TEST(IpamPersistence, UnwritableStateDirectoryIsReportedAtOpen) {
  auto opened = Ipam::open(prefix("10.0.0.0/24"), std::nullopt, "/nonexistent-dir-for-ipam-test/ipam.json");
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().message.find("/nonexistent-dir-for-ipam-test"), std::string::npos)
      << opened.error().message;
}

TEST(IpamConcurrency, ThreadsGetDistinctAddresses) {
  TemporaryDirectory dir("ipam-test");
  auto ipam = openOrDie(prefix("10.0.0.0/22"), prefix("fd00::/112"), dir.file("ipam.json"));
  constexpr int kThreads = 8, kPerThread = 20;
  std::vector<std::vector<std::string>> results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string owner = "t" + std::to_string(t) + "-" + std::to_string(i);
        IpFamily family = i % 2 ? IpFamily::V6 : IpFamily::V4;
        auto address = ipam->allocate(family, owner);
        if (address.ok()) results[t].push_back(address->toString());
        if (i % 5 == 4) (void)ipam->releaseOwner("t" + std::to_string(t) + "-" + std::to_string(i - 1));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<std::string> distinct;
  size_t total = 0;
  for (const auto& list : results) {
    total += list.size();
    distinct.insert(list.begin(), list.end());
  }
  EXPECT_EQ(total, size_t{kThreads * kPerThread});
  // Addresses released mid-run may be handed out again, so compare the live set instead.
  auto live4 = ipam->allocations(IpFamily::V4), live6 = ipam->allocations(IpFamily::V6);
  std::set<IpAddress> live;
  for (const auto& a : live4) live.insert(a.ip);
  for (const auto& a : live6) live.insert(a.ip);
  EXPECT_EQ(live.size(), live4.size() + live6.size());
  EXPECT_EQ(live.size(), size_t{kThreads * kPerThread} - kThreads * (kPerThread / 5) + 2);  // + 2 routers
  // And the state file agrees with memory.
  auto reopened = openOrDie(prefix("10.0.0.0/22"), prefix("fd00::/112"), dir.file("ipam.json"));
  EXPECT_EQ(reopened->allocations(IpFamily::V4), live4);
  EXPECT_EQ(reopened->allocations(IpFamily::V6), live6);
}

TEST(IpamConcurrency, NoReleaseMeansAllDistinct) {
  auto ipam = openOrDie(prefix("10.0.0.0/20"), std::nullopt);
  constexpr int kThreads = 8, kPerThread = 300;
  std::vector<std::vector<IpAddress>> results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i)
        if (auto a = ipam->allocate(IpFamily::V4, "t" + std::to_string(t)); a.ok()) results[t].push_back(*a);
    });
  for (auto& thread : threads) thread.join();
  std::set<IpAddress> distinct;
  for (const auto& list : results) {
    EXPECT_EQ(list.size(), size_t{kPerThread});
    distinct.insert(list.begin(), list.end());
  }
  EXPECT_EQ(distinct.size(), size_t{kThreads * kPerThread});
  // Lowest first: exactly offsets 2 .. 2 + N - 1.
  EXPECT_EQ(distinct.begin()->toString(), "10.0.0.2");
  EXPECT_EQ(distinct.rbegin()->toString(), "10.0.9.97");  // 2 + 2399 = 2401 = 9*256 + 97
}

}  // namespace
}  // namespace ciliumc
