// IdentityAllocator against a real etcd: two "nodes" (each its own client, lease and
// allocator) allocating concurrently, references, garbage collection, lease expiry, the watch
// cache. Prints the measured allocation latency.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "agent/identity/identity_allocator.h"
#include "kvstore_test_support.h"

namespace ciliumc::testing {
namespace {

using agent::IdentityAllocator;
using agent::NodeSession;

LabelSet appLabels(const std::string& app, const std::string& extra = "") {
  std::vector<Label> labels = {Label{"k8s", "app", app}, Label{"k8s", "io.kubernetes.pod.namespace", "default"}};
  if (!extra.empty()) labels.push_back(Label{"k8s", "tier", extra});
  return LabelSet(labels);
}

// A node: its own client, lease and allocator on the shared etcd.
struct Node {
  Node(std::unique_ptr<agent::EtcdClient> kv, const std::string& name, std::chrono::seconds ttl = std::chrono::seconds(10))
      : client(std::move(kv)), session(*client, ttl), allocator(session, name) {
    auto lease = session.start();
    EXPECT_TRUE(lease.ok()) << lease.error().message;
  }
  std::unique_ptr<agent::EtcdClient> client;
  NodeSession session;
  IdentityAllocator allocator;
};

class IdentityTest : public EtcdTest {
 protected:
  std::unique_ptr<Node> node(const std::string& name, std::chrono::seconds ttl = std::chrono::seconds(10)) {
    auto kv = connectClient();
    if (!kv) return nullptr;
    return std::make_unique<Node>(std::move(kv), name, ttl);
  }
  bool idKeyExists(NumericIdentity id) {
    auto value = client->get(agent::kIdentityIdPrefix + std::to_string(id));
    return value.ok() && value->has_value();
  }
};

TEST(IdentityKey, ParsesBackIntoTheSameLabels) {
  LabelSet labels({Label{"k8s", "app", "web"}, Label{"k8s", "app.kubernetes.io/name", "x"},
                   Label{"container", "flag", ""}, Label{"k8s", "io.kubernetes.pod.namespace", "prod"}});
  auto parsed = agent::parseIdentityKey(identityKey(labels));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, labels);
  EXPECT_EQ(agent::parseIdentityKey(""), LabelSet());
  EXPECT_FALSE(agent::parseIdentityKey("k8s:app=web"));           // no terminating ';'
  EXPECT_FALSE(agent::parseIdentityKey("k8s:b=1;k8s:a=1;"));      // not sorted: not canonical
  EXPECT_FALSE(agent::parseIdentityKey("k8s:bad key=1;"));
}

TEST_F(IdentityTest, ConcurrentAllocationOnTwoNodesAgrees) {
  auto a = node("node-a"), b = node("node-b");
  ASSERT_TRUE(a && b);
  constexpr int kLabelSets = 12, kThreadsPerNode = 3;
  std::mutex mutex;
  std::map<std::string, std::set<NumericIdentity>> idsByLabels;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (IdentityAllocator* allocator : {&a->allocator, &b->allocator}) {
    for (int t = 0; t < kThreadsPerNode; ++t) {
      threads.emplace_back([&, allocator, t] {
        for (int i = 0; i < kLabelSets; ++i) {
          int set = (i + t * 5) % kLabelSets;  // threads start at different sets
          LabelSet labels = appLabels("app" + std::to_string(set));
          auto id = allocator->allocate(labels);
          if (!id) {
            ++failures;
            ADD_FAILURE() << id.error().message;
            continue;
          }
          std::lock_guard lock(mutex);
          idsByLabels[identityKey(labels)].insert(*id);
        }
      });
    }
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures, 0);
  ASSERT_EQ(idsByLabels.size(), static_cast<size_t>(kLabelSets));
  std::set<NumericIdentity> distinct;
  for (const auto& [key, ids] : idsByLabels) {
    ASSERT_EQ(ids.size(), 1u) << key << " got several ids";
    NumericIdentity id = *ids.begin();
    EXPECT_GE(id, kMinClusterIdentity);
    EXPECT_LE(id, kMaxClusterIdentity);
    distinct.insert(id);
  }
  EXPECT_EQ(distinct.size(), static_cast<size_t>(kLabelSets)) << "different labels, different ids";
  // Each node holds one local reference per allocation and one value key per label set.
  EXPECT_EQ(a->allocator.references(appLabels("app0")), static_cast<size_t>(kThreadsPerNode));
  auto values = client->list(agent::kIdentityValuePrefix);
  ASSERT_TRUE(values.ok());
  EXPECT_EQ(values->kvs.size(), static_cast<size_t>(2 * kLabelSets));
  // Lowest free ids first: exactly 256..256+N-1.
  EXPECT_EQ(*distinct.begin(), kMinClusterIdentity);
  EXPECT_EQ(*distinct.rbegin(), kMinClusterIdentity + kLabelSets - 1);
}

TEST_F(IdentityTest, ReleaseThenGarbageCollectionRemovesTheIdentity) {
  auto a = node("node-a");
  auto id = a->allocator.allocate(appLabels("web"));
  ASSERT_TRUE(id.ok()) << id.error().message;
  ASSERT_TRUE(a->allocator.allocate(appLabels("web")).ok());  // second local reference
  auto gc = a->allocator.collectGarbage();
  ASSERT_TRUE(gc.ok());
  EXPECT_EQ(*gc, 0u);

  EXPECT_FALSE(*a->allocator.release(appLabels("web"))) << "one reference left";
  EXPECT_TRUE(idKeyExists(*id));
  EXPECT_TRUE(*a->allocator.release(appLabels("web")));
  EXPECT_FALSE(a->allocator.release(appLabels("web")).ok()) << "no reference left to release";
  gc = a->allocator.collectGarbage();
  ASSERT_TRUE(gc.ok());
  EXPECT_EQ(*gc, 1u);
  EXPECT_FALSE(idKeyExists(*id));
  EXPECT_FALSE(a->allocator.lookup(*id));
}

TEST_F(IdentityTest, GarbageCollectionKeepsIdentitiesAnotherNodeUses) {
  auto a = node("node-a"), b = node("node-b");
  auto idA = a->allocator.allocate(appLabels("db"));
  auto idB = b->allocator.allocate(appLabels("db"));
  ASSERT_TRUE(idA.ok() && idB.ok());
  EXPECT_EQ(*idA, *idB);
  ASSERT_TRUE(a->allocator.release(appLabels("db")).ok());
  EXPECT_EQ(*a->allocator.collectGarbage(), 0u);
  EXPECT_TRUE(idKeyExists(*idA));
  auto labels = a->allocator.lookup(*idA);  // from etcd (no watch running)
  ASSERT_TRUE(labels);
  EXPECT_EQ(*labels, appLabels("db"));
  ASSERT_TRUE(b->allocator.release(appLabels("db")).ok());
  EXPECT_EQ(*a->allocator.collectGarbage(), 1u);
  EXPECT_FALSE(idKeyExists(*idA));
  // Allocated again after collection: a fresh id/ key (the lowest free id again).
  auto again = b->allocator.allocate(appLabels("db"));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(idKeyExists(*again));
}

TEST_F(IdentityTest, LeaseExpiryOfANodeFreesItsReferences) {
  auto a = node("node-a");
  auto b = node("node-b", std::chrono::seconds(1));
  auto id = b->allocator.allocate(appLabels("batch"));
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(a->allocator.allocate(appLabels("shared")).ok());
  ASSERT_TRUE(b->allocator.allocate(appLabels("shared")).ok());
  b.reset();  // node B dies without releasing anything
  EXPECT_EQ(*a->allocator.collectGarbage(), 0u) << "B's lease is still alive";
  ASSERT_TRUE(waitFor([&] {
    auto refs = client->list(std::string(agent::kIdentityValuePrefix) + identityKey(appLabels("batch")) + "/");
    return refs.ok() && refs->kvs.empty();
  }, std::chrono::seconds(8)));
  auto gc = a->allocator.collectGarbage();
  ASSERT_TRUE(gc.ok());
  EXPECT_EQ(*gc, 1u) << "only B's identity; 'shared' is still A's";
  EXPECT_FALSE(idKeyExists(*id));
}

TEST_F(IdentityTest, ReferencesAreRepublishedWhenTheLeaseIsReplaced) {
  auto a = node("node-a", std::chrono::seconds(2));
  auto id = a->allocator.allocate(appLabels("api"));
  ASSERT_TRUE(id.ok());
  agent::LeaseId first = a->session.lease();
  ASSERT_TRUE(client->revokeLease(first).ok());  // the value key goes with it
  ASSERT_TRUE(*a->allocator.collectGarbage() == 1u);  // and a GC removes the id meanwhile
  EXPECT_FALSE(idKeyExists(*id));
  // The session replaces the lease; the allocator writes its reference and the id key again.
  ASSERT_TRUE(waitFor([&] { return idKeyExists(*id); }, std::chrono::seconds(5)));
  auto reference = client->get(std::string(agent::kIdentityValuePrefix) + identityKey(appLabels("api")) + "/node-a");
  ASSERT_TRUE(reference.ok() && *reference);
  EXPECT_EQ((*reference)->value, std::to_string(*id));
  EXPECT_NE((*reference)->lease, first);
}

TEST_F(IdentityTest, WatchMirrorsEveryClusterIdentity) {
  auto a = node("node-a"), b = node("node-b");
  auto before = b->allocator.allocate(appLabels("existing"));
  ASSERT_TRUE(before.ok());
  std::mutex mutex;
  std::vector<std::tuple<NumericIdentity, std::string, bool>> changes;
  auto watch = a->allocator.watch([&](NumericIdentity id, const LabelSet& labels, bool added) {
    std::lock_guard lock(mutex);
    changes.emplace_back(id, identityKey(labels), added);
  });
  ASSERT_TRUE(watch.ok()) << watch.error().message;
  {
    std::lock_guard lock(mutex);
    ASSERT_EQ(changes.size(), 1u) << "existing identities are delivered before watch() returns";
    EXPECT_EQ(changes[0], std::make_tuple(*before, identityKey(appLabels("existing")), true));
  }
  auto id = b->allocator.allocate(appLabels("new"));
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(waitFor([&] { std::lock_guard lock(mutex); return changes.size() == 2; }));
  EXPECT_EQ(a->allocator.identities().size(), 2u);
  EXPECT_EQ(*a->allocator.lookup(*id), appLabels("new"));
  ASSERT_TRUE(b->allocator.release(appLabels("new")).ok());
  ASSERT_TRUE(b->allocator.collectGarbage().ok());
  ASSERT_TRUE(waitFor([&] { std::lock_guard lock(mutex); return changes.size() == 3; }));
  std::lock_guard lock(mutex);
  EXPECT_EQ(changes[2], std::make_tuple(*id, identityKey(appLabels("new")), false));
}

TEST_F(IdentityTest, ReservedAndEmptyLabelSets) {
  auto a = node("node-a");
  auto host = a->allocator.allocate(LabelSet({Label{"reserved", "host", ""}}));
  ASSERT_TRUE(host.ok());
  EXPECT_EQ(*host, static_cast<NumericIdentity>(ReservedIdentity::Host));
  EXPECT_TRUE(client->list(agent::kIdentityPrefix)->kvs.empty()) << "reserved identities are not stored";
  EXPECT_FALSE(a->allocator.allocate(LabelSet()).ok());
}

TEST_F(IdentityTest, AllocationLatency) {
  auto a = node("node-a"), b = node("node-b");
  constexpr int kCount = 100;
  std::vector<double> fresh, existing;
  for (int i = 0; i < kCount; ++i) {
    auto start = std::chrono::steady_clock::now();
    ASSERT_TRUE(a->allocator.allocate(appLabels("lat" + std::to_string(i))).ok());
    fresh.push_back(millisecondsSince(start));
  }
  for (int i = 0; i < kCount; ++i) {  // the same labels on the other node: reuse the id
    auto start = std::chrono::steady_clock::now();
    ASSERT_TRUE(b->allocator.allocate(appLabels("lat" + std::to_string(i))).ok());
    existing.push_back(millisecondsSince(start));
  }
  auto report = [](const char* what, std::vector<double> samples) {
    std::sort(samples.begin(), samples.end());
    std::printf("identity allocation (%s): p50 %.2f ms, p99 %.2f ms, max %.2f ms over %zu\n", what,
                samples[samples.size() / 2], samples[samples.size() * 99 / 100], samples.back(), samples.size());
    return samples[samples.size() / 2];
  };
  EXPECT_LT(report("new labels, 0..100 ids in use", fresh), 100.0);
  EXPECT_LT(report("labels another node allocated", existing), 100.0);
}

}  // namespace
}  // namespace ciliumc::testing
