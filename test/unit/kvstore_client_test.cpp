// EtcdClient against a real etcd: reads and writes, transactions, leases, watches, and etcd
// going away and coming back.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <set>
#include <mutex>
#include <thread>
#include <vector>

#include "kvstore_test_support.h"

namespace ciliumc::testing {
namespace {

using agent::ConnectionState;
using agent::WatchBatch;
using agent::WatchEvent;

// Collects every event a watch delivers (the callback runs on the watch thread).
struct EventLog {
  std::mutex mutex;
  std::vector<WatchEvent> events;
  int resyncs = 0;

  agent::WatchCallback callback() {
    return [this](const WatchBatch& batch) {
      std::lock_guard lock(mutex);
      if (batch.resynced) ++resyncs;
      for (const auto& event : batch.events) events.push_back(event);
    };
  }
  size_t size() {
    std::lock_guard lock(mutex);
    return events.size();
  }
  std::vector<WatchEvent> snapshot() {
    std::lock_guard lock(mutex);
    return events;
  }
};

using KvClientTest = EtcdTest;

TEST_F(KvClientTest, PutGetListRemove) {
  auto missing = client->get("a/x");
  ASSERT_TRUE(missing.ok()) << missing.error().message;
  EXPECT_FALSE(*missing);

  auto first = client->put("a/x", "1");
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto second = client->put("a/y", std::string("two\0bytes", 9));
  ASSERT_TRUE(second.ok());
  EXPECT_GT(*second, *first);
  ASSERT_TRUE(client->put("b/z", "other prefix").ok());

  auto value = client->get("a/y");
  ASSERT_TRUE(value.ok() && *value);
  EXPECT_EQ((*value)->value, std::string("two\0bytes", 9));
  EXPECT_EQ((*value)->modRevision, *second);
  EXPECT_EQ((*value)->createRevision, *second);

  auto listing = client->list("a/");
  ASSERT_TRUE(listing.ok());
  ASSERT_EQ(listing->kvs.size(), 2u);
  EXPECT_EQ(listing->kvs[0].key, "a/x");
  EXPECT_EQ(listing->kvs[1].key, "a/y");
  EXPECT_GE(listing->revision, *second);

  auto removed = client->remove("a/x");
  ASSERT_TRUE(removed.ok());
  EXPECT_GT(*removed, *second);
  EXPECT_FALSE(*client->get("a/x"));

  ASSERT_TRUE(client->removePrefix("a/").ok());
  EXPECT_TRUE(client->list("a/")->kvs.empty());
  EXPECT_EQ(client->list("b/")->kvs.size(), 1u);
  EXPECT_EQ(client->connectionState(), ConnectionState::Connected);
  ASSERT_EQ(client->endpoints().size(), 1u);
  EXPECT_EQ(client->endpoints()[0], etcd.endpoint());
}

TEST_F(KvClientTest, CreateOnlyHasExactlyOneWinner) {
  constexpr int kThreads = 4, kKeys = 20;
  std::atomic<int> wins[kKeys] = {};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < kKeys; ++k) {
        auto created = client->createOnly("race/" + std::to_string(k), "thread " + std::to_string(t));
        if (!created)
          ++failures;
        else if (*created)
          ++wins[k];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures, 0);
  for (int k = 0; k < kKeys; ++k) EXPECT_EQ(wins[k], 1) << "key " << k;
  auto again = client->createOnly("race/0", "late");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  EXPECT_NE((*client->get("race/0"))->value, "late");
}

TEST_F(KvClientTest, RemoveIfComparesRevisionAndEmptyPrefix) {
  ASSERT_TRUE(client->put("id/300", "labels").ok());
  auto key = *client->get("id/300");
  ASSERT_TRUE(key);
  ASSERT_TRUE(client->put("value/labels/node1", "300").ok());

  // A reference exists: not deleted.
  auto blocked = client->removeIf("id/300", key->modRevision, "value/labels/");
  ASSERT_TRUE(blocked.ok()) << blocked.error().message;
  EXPECT_FALSE(*blocked);
  ASSERT_TRUE(client->remove("value/labels/node1").ok());

  // Changed since we looked: not deleted.
  auto stale = client->removeIf("id/300", key->modRevision - 1, "value/labels/");
  ASSERT_TRUE(stale.ok());
  EXPECT_FALSE(*stale);
  EXPECT_TRUE(*client->get("id/300"));

  // Unchanged and unreferenced: deleted.
  auto deleted = client->removeIf("id/300", key->modRevision, "value/labels/");
  ASSERT_TRUE(deleted.ok());
  EXPECT_TRUE(*deleted);
  EXPECT_FALSE(*client->get("id/300"));

  // Without the prefix condition.
  ASSERT_TRUE(client->put("plain", "x").ok());
  auto plain = *client->get("plain");
  EXPECT_TRUE(*client->removeIf("plain", plain->modRevision, ""));
}

TEST_F(KvClientTest, LeaseExpiryRemovesLeasedKeys) {
  auto lease = client->grantLease(std::chrono::seconds(1));
  ASSERT_TRUE(lease.ok()) << lease.error().message;
  ASSERT_TRUE(client->put("leased/a", "1", *lease).ok());
  ASSERT_TRUE(client->put("unleased/a", "1").ok());
  EXPECT_EQ((*client->get("leased/a"))->lease, *lease);
  // etcd expires a 1 s lease within a few seconds (its minimum TTL is election-timeout based).
  EXPECT_TRUE(waitFor([&] { auto v = client->get("leased/a"); return v.ok() && !*v; }, std::chrono::seconds(8)));
  EXPECT_TRUE(*client->get("unleased/a"));
  // A lost lease cannot be kept alive.
  auto kept = client->keepAlive(*lease, [] {});
  ASSERT_FALSE(kept.ok());
  EXPECT_NE(kept.error().message.find("does not exist"), std::string::npos) << kept.error().message;
}

TEST_F(KvClientTest, KeepAliveKeepsLeasedKeysAndRevokeRemovesThem) {
  auto lease = client->grantLease(std::chrono::seconds(2));
  ASSERT_TRUE(lease.ok());
  ASSERT_TRUE(client->put("kept/a", "1", *lease).ok());
  std::atomic<int> lost{0};
  ASSERT_TRUE(client->keepAlive(*lease, [&] { ++lost; }).ok());
  std::this_thread::sleep_for(std::chrono::seconds(5));  // 2.5 TTLs
  EXPECT_TRUE(*client->get("kept/a"));
  EXPECT_EQ(lost, 0);
  ASSERT_TRUE(client->revokeLease(*lease).ok());
  EXPECT_FALSE(*client->get("kept/a"));
}

TEST_F(KvClientTest, KeepAliveReportsALeaseRevokedBehindItsBack) {
  auto other = connectClient();
  auto lease = client->grantLease(std::chrono::seconds(3));
  ASSERT_TRUE(lease.ok());
  std::atomic<int> lost{0};
  ASSERT_TRUE(client->keepAlive(*lease, [&] { ++lost; }).ok());
  ASSERT_TRUE(other->revokeLease(*lease).ok());
  EXPECT_TRUE(waitFor([&] { return lost == 1; }, std::chrono::seconds(5)));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(lost, 1) << "onLost runs once";
}

TEST_F(KvClientTest, WatchDeliversPutsAndDeletesInOrder) {
  ASSERT_TRUE(client->put("w/before", "old").ok());
  EventLog log;
  auto watch = client->watchPrefix("w/", 0, log.callback());
  ASSERT_TRUE(watch.ok()) << watch.error().message;
  auto writer = connectClient();
  std::vector<int64_t> revisions;
  for (int i = 0; i < 10; ++i) revisions.push_back(*writer->put("w/k" + std::to_string(i), std::to_string(i)));
  revisions.push_back(*writer->remove("w/k3"));
  ASSERT_TRUE(writer->put("x/elsewhere", "ignored").ok());
  revisions.push_back(*writer->remove("w/before"));

  ASSERT_TRUE(waitFor([&] { return log.size() >= 12; }));
  auto events = log.snapshot();
  ASSERT_EQ(events.size(), 12u) << "no event before the watch started, none outside the prefix";
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(events[i].type, WatchEvent::Type::Put);
    EXPECT_EQ(events[i].kv.key, "w/k" + std::to_string(i));
    EXPECT_EQ(events[i].kv.value, std::to_string(i));
    EXPECT_EQ(events[i].kv.modRevision, revisions[i]);
  }
  EXPECT_EQ(events[10].type, WatchEvent::Type::Delete);
  EXPECT_EQ(events[10].kv.key, "w/k3");
  EXPECT_EQ(events[11].kv.key, "w/before");
  EXPECT_EQ(events[11].kv.modRevision, revisions[11]);
}

TEST_F(KvClientTest, WatchFromRevisionReplaysHistory) {
  auto first = client->put("h/a", "1");
  ASSERT_TRUE(client->put("h/b", "2").ok());
  EventLog log;
  auto watch = client->watchPrefix("h/", *first, log.callback());
  ASSERT_TRUE(watch.ok());
  ASSERT_TRUE(waitFor([&] { return log.size() >= 2; }));
  EXPECT_EQ(log.snapshot()[0].kv.key, "h/a");
  EXPECT_EQ(log.snapshot()[1].kv.key, "h/b");
}

TEST_F(KvClientTest, WatchSurvivesEtcdRestartAndDeliversWhatChangedMeanwhile) {
  EventLog log;
  auto watch = client->watchPrefix("r/", 0, log.callback());
  ASSERT_TRUE(watch.ok());
  ASSERT_TRUE(client->put("r/1", "before").ok());
  ASSERT_TRUE(waitFor([&] { return log.size() == 1; }));

  etcd.stop();
  EXPECT_TRUE(waitFor([&] { return client->connectionState() == ConnectionState::Disconnected; },
                      std::chrono::seconds(5)));
  ASSERT_TRUE(etcd.start().ok());
  // A second client writes right after the restart, before the watcher necessarily reconnected.
  auto writer = connectClient();
  ASSERT_TRUE(writer);
  ASSERT_TRUE(writer->put("r/2", "while away").ok());
  ASSERT_TRUE(writer->remove("r/1").ok());
  ASSERT_TRUE(waitFor([&] { return log.size() >= 3; }));
  auto events = log.snapshot();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[1].kv.key, "r/2");
  EXPECT_EQ(events[2].type, WatchEvent::Type::Delete);
  EXPECT_EQ(events[2].kv.key, "r/1");
  EXPECT_TRUE(waitFor([&] { return client->connectionState() == ConnectionState::Connected; }));
  EXPECT_EQ(log.resyncs, 0);
}

TEST_F(KvClientTest, WatchResyncsWhenItsRevisionWasCompacted) {
  ASSERT_TRUE(client->put("c/keep", "1").ok());
  ASSERT_TRUE(client->put("c/gone", "1").ok());
  EventLog log;
  auto watch = client->watchPrefix("c/", 0, log.callback());
  ASSERT_TRUE(watch.ok());
  ASSERT_TRUE(client->put("c/seen", "1").ok());
  ASSERT_TRUE(waitFor([&] { return log.size() == 1; }));

  etcd.stop();
  ASSERT_TRUE(etcd.start().ok());
  // While the watcher is away: changes, then compaction of that history.
  auto writer = connectClient();
  ASSERT_TRUE(writer->remove("c/seen").ok());
  ASSERT_TRUE(writer->put("c/new", "1").ok());
  auto last = writer->put("unrelated", "x");
  ASSERT_TRUE(last.ok());
  std::string compact = "ETCDCTL_API=3 /usr/bin/etcdctl --endpoints=" + etcd.endpoint() + " compact " +
                        std::to_string(*last) + " >/dev/null 2>&1";
  // The watcher may already have caught up before the compaction; that is fine too, so only
  // the final state is asserted: what the callback believes present equals etcd's listing.
  ASSERT_EQ(std::system(compact.c_str()), 0);
  ASSERT_TRUE(waitFor([&] {
    std::set<std::string> present;
    for (const auto& event : log.snapshot()) {
      if (event.type == WatchEvent::Type::Put) present.insert(event.kv.key);
      else present.erase(event.kv.key);
    }
    return present.count("c/new") && !present.count("c/seen");
  }));
}

TEST_F(KvClientTest, WatchFromACompactedRevisionDeliversAFullListing) {
  auto first = client->put("l/a", "1");
  ASSERT_TRUE(client->put("l/b", "2").ok());
  ASSERT_TRUE(client->remove("l/a").ok());
  auto last = client->put("l/c", "3");
  std::string compact = "ETCDCTL_API=3 /usr/bin/etcdctl --endpoints=" + etcd.endpoint() + " compact " +
                        std::to_string(*last) + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(compact.c_str()), 0);
  EventLog log;
  auto watch = client->watchPrefix("l/", *first, log.callback());
  ASSERT_TRUE(watch.ok());
  ASSERT_TRUE(waitFor([&] { return log.size() >= 2; }));
  auto events = log.snapshot();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(log.resyncs, 1);
  EXPECT_EQ(events[0].kv.key, "l/b");
  EXPECT_EQ(events[1].kv.key, "l/c");
  // And it watches on from the listing.
  ASSERT_TRUE(client->put("l/d", "4").ok());
  ASSERT_TRUE(waitFor([&] { return log.size() >= 3; }));
  EXPECT_EQ(log.snapshot()[2].kv.key, "l/d");
}

TEST_F(KvClientTest, CallsFailWithinTheTimeoutWhenEtcdIsDown) {
  auto shortClient = connectClient(std::chrono::milliseconds(500));
  ASSERT_TRUE(shortClient);
  etcd.stop();
  auto start = std::chrono::steady_clock::now();
  auto value = shortClient->get("any/key");
  double elapsed = millisecondsSince(start);
  ASSERT_FALSE(value.ok());
  EXPECT_LT(elapsed, 1500.0);
  EXPECT_NE(value.error().message.find("any/key"), std::string::npos) << value.error().message;
  EXPECT_NE(value.error().message.find(etcd.endpoint()), std::string::npos) << value.error().message;
  auto put = shortClient->put("k", "v");
  ASSERT_FALSE(put.ok());
  EXPECT_NE(put.error().message.find("etcd put 'k'"), std::string::npos) << put.error().message;
  EXPECT_EQ(shortClient->connectionState(), ConnectionState::Disconnected);

  // And back: the same client works again without being recreated.
  ASSERT_TRUE(etcd.start().ok());
  EXPECT_TRUE(waitFor([&] { return shortClient->put("k", "v").ok(); }, std::chrono::seconds(5)));
  EXPECT_EQ(shortClient->connectionState(), ConnectionState::Connected);
}

TEST(KvClientConnect, FailsClearlyWithoutEtcd) {
  EtcdServer neverStarted;  // its port is free: nothing listens there
  agent::KvOptions options;
  options.endpoints = {neverStarted.endpoint()};
  options.dialTimeout = std::chrono::milliseconds(300);
  auto start = std::chrono::steady_clock::now();
  auto client = agent::EtcdClient::connect(options);
  ASSERT_FALSE(client.ok());
  EXPECT_LT(millisecondsSince(start), 1500.0);
  EXPECT_NE(client.error().message.find(neverStarted.endpoint()), std::string::npos) << client.error().message;
  options.endpoints = {};
  EXPECT_FALSE(agent::EtcdClient::connect(options).ok());
  options.endpoints = {"https://127.0.0.1:1"};
  auto tls = agent::EtcdClient::connect(options);
  ASSERT_FALSE(tls.ok());
  EXPECT_NE(tls.error().message.find("TLS"), std::string::npos);
}

}  // namespace
}  // namespace ciliumc::testing
