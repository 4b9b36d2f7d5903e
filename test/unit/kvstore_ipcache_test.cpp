// IpCacheSync and NodeRegistry against a real etcd: two nodes publish, each sees the other's
// entries (listing first, then changes), a dead node's entries disappear. Prints the measured
// time from publish on one node to the watch callback on the other.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>

#include "agent/ipcache/ipcache_sync.h"
#include "agent/ipcache/node_registry.h"
#include "kvstore_test_support.h"

namespace ciliumc::testing {
namespace {

using agent::IpCacheSync;
using agent::NodeEntry;
using agent::NodeRegistry;
using agent::NodeSession;

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

struct Node {
  Node(std::unique_ptr<agent::EtcdClient> kv, const std::string& name, std::chrono::seconds ttl)
      : client(std::move(kv)), session(*client, ttl), ipcache(session, "default", name), nodes(session, "default") {
    EXPECT_TRUE(session.start().ok());
  }
  std::unique_ptr<agent::EtcdClient> client;
  NodeSession session;
  IpCacheSync ipcache;
  NodeRegistry nodes;
};

// What a watcher believes: ip -> (identity, node), plus a log of changes.
struct IpView {
  std::mutex mutex;
  std::condition_variable changed;
  std::map<std::string, std::pair<NumericIdentity, std::string>> entries;
  std::vector<std::string> log;

  IpCacheSync::ChangeCallback callback() {
    return [this](const IpAddress& address, NumericIdentity identity, const std::string& node, bool present) {
      std::lock_guard lock(mutex);
      if (present)
        entries[address.toString()] = {identity, node};
      else
        entries.erase(address.toString());
      log.push_back(fmt::format("{} {} {} {}", present ? "+" : "-", address.toString(), identity, node));
      changed.notify_all();
    };
  }
  bool waitUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, timeout, condition);
  }
};

class IpCacheTest : public EtcdTest {
 protected:
  std::unique_ptr<Node> node(const std::string& name, std::chrono::seconds ttl = std::chrono::seconds(10)) {
    auto kv = connectClient();
    return kv ? std::make_unique<Node>(std::move(kv), name, ttl) : nullptr;
  }
};

TEST_F(IpCacheTest, EachNodeSeesTheOthersEntries) {
  auto a = node("node-a"), b = node("node-b");
  ASSERT_TRUE(a->ipcache.publish(ip("10.0.1.5"), 300, "client").ok());
  ASSERT_TRUE(a->ipcache.publish(ip("fd00::1:5"), 300, "client").ok());

  IpView view;
  auto watch = b->ipcache.watch(view.callback());
  ASSERT_TRUE(watch.ok()) << watch.error().message;
  {
    std::lock_guard lock(view.mutex);
    ASSERT_EQ(view.entries.size(), 2u) << "the listing is delivered before watch() returns";
    EXPECT_EQ(view.entries["10.0.1.5"], std::make_pair(NumericIdentity{300}, std::string("node-a")));
    EXPECT_EQ(view.entries["fd00::1:5"].first, 300u);
  }
  ASSERT_TRUE(b->ipcache.publish(ip("10.0.2.7"), 301, "server").ok());
  ASSERT_TRUE(a->ipcache.publish(ip("10.0.1.5"), 302, "client").ok());  // identity changed
  ASSERT_TRUE(a->ipcache.withdraw(ip("fd00::1:5")).ok());
  ASSERT_TRUE(view.waitUntil([&] { return view.log.size() == 5; }));
  std::lock_guard lock(view.mutex);
  EXPECT_EQ(view.log[2], "+ 10.0.2.7 301 node-b");
  EXPECT_EQ(view.log[3], "+ 10.0.1.5 302 node-a");
  EXPECT_EQ(view.log[4], "- fd00::1:5 300 node-a") << "a delete carries the identity last seen";
  EXPECT_EQ(view.entries.size(), 2u);
}

TEST_F(IpCacheTest, ADeadNodesEntriesDisappear) {
  auto a = node("node-a");
  auto b = node("node-b", std::chrono::seconds(1));
  ASSERT_TRUE(b->ipcache.publish(ip("10.0.9.9"), 400, "doomed").ok());
  ASSERT_TRUE(b->nodes.publish(NodeEntry{"node-b", "10.0.9.0/24", "", {"192.168.0.2"}}).ok());
  IpView view;
  auto watch = a->ipcache.watch(view.callback());
  ASSERT_TRUE(watch.ok());
  std::mutex mutex;
  std::map<std::string, NodeEntry> nodes;
  auto nodeWatch = a->nodes.watch([&](const NodeEntry& entry, bool present) {
    std::lock_guard lock(mutex);
    if (present) nodes[entry.name] = entry; else nodes.erase(entry.name);
  });
  ASSERT_TRUE(nodeWatch.ok());
  {
    std::lock_guard lock(mutex);
    ASSERT_EQ(nodes.size(), 1u);
    EXPECT_EQ(nodes["node-b"], (NodeEntry{"node-b", "10.0.9.0/24", "", {"192.168.0.2"}}));
  }
  b.reset();  // killed: no withdraw, no keepalive
  EXPECT_TRUE(view.waitUntil([&] { return view.entries.empty(); }, std::chrono::seconds(8)));
  EXPECT_TRUE(waitFor([&] { std::lock_guard lock(mutex); return nodes.empty(); }, std::chrono::seconds(8)));
}

TEST_F(IpCacheTest, EntriesComeBackWithANewLease) {
  auto a = node("node-a", std::chrono::seconds(2));
  ASSERT_TRUE(a->ipcache.publish(ip("10.0.3.3"), 500, "web").ok());
  ASSERT_TRUE(a->nodes.publish(NodeEntry{"node-a", "10.0.3.0/24", "fd00:3::/64", {}}).ok());
  ASSERT_TRUE(client->revokeLease(a->session.lease()).ok());
  EXPECT_TRUE(client->list(agent::kIpCachePrefix)->kvs.empty());
  EXPECT_TRUE(waitFor([&] {
    return client->list(agent::kIpCachePrefix)->kvs.size() == 1 && client->list(agent::kNodesPrefix)->kvs.size() == 1;
  }, std::chrono::seconds(5)));
}

TEST_F(IpCacheTest, PublishToWatchLatency) {
  auto a = node("node-a"), b = node("node-b");
  IpView view;
  auto watch = b->ipcache.watch(view.callback());
  ASSERT_TRUE(watch.ok());
  constexpr int kSamples = 100;
  std::vector<double> samples;
  for (int i = 0; i < kSamples; ++i) {
    std::string address = fmt::format("10.1.{}.{}", i / 200, i % 200 + 1);
    auto start = std::chrono::steady_clock::now();
    ASSERT_TRUE(a->ipcache.publish(ip(address.c_str()), 1000 + i, "ep").ok());
    ASSERT_TRUE(view.waitUntil([&] { return view.entries.count(address) > 0; }));
    samples.push_back(millisecondsSince(start));
  }
  std::sort(samples.begin(), samples.end());
  std::printf("ipcache publish on node A -> watch callback on node B: p50 %.2f ms, p99 %.2f ms, max %.2f ms over %d\n",
              samples[kSamples / 2], samples[kSamples * 99 / 100], samples.back(), kSamples);
  EXPECT_LT(samples[kSamples / 2], 100.0);
}

TEST(IpCacheEntry, DecodeRejectsWhatIsNotAnEntry) {
  agent::IpCacheEntry entry{ip("10.0.0.1"), 256, "n", "e"};
  auto decoded = agent::decodeIpCacheEntry(agent::encodeIpCacheEntry(entry));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->ip, entry.ip);
  EXPECT_EQ(decoded->identity, 256u);
  EXPECT_EQ(decoded->node, "n");
  EXPECT_FALSE(agent::decodeIpCacheEntry("not json"));
  EXPECT_FALSE(agent::decodeIpCacheEntry(R"({"ip":"10.0.0.300","identity":1})"));
  EXPECT_FALSE(agent::decodeIpCacheEntry(R"({"ip":"10.0.0.1","identity":-1})"));
  EXPECT_FALSE(agent::decodeNodeEntry(R"({"ipv4_cidr":"x"})"));
}

}  // namespace
}  // namespace ciliumc::testing
