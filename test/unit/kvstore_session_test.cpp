// NodeSession and PublishedKeys against a real etcd: the node's lease, its replacement when
// lost, and re-publication of the node's keys under the new lease.
#include <gtest/gtest.h>

#include <atomic>

#include "agent/kvstore/list_and_watch.h"
#include "agent/kvstore/node_session.h"
#include "agent/kvstore/published_keys.h"
#include "kvstore_test_support.h"

namespace ciliumc::testing {
namespace {

using agent::NodeSession;
using agent::PublishedKeys;

using NodeSessionTest = EtcdTest;

TEST_F(NodeSessionTest, StartGrantsALeaseThatKeysUse) {
  NodeSession session(*client, std::chrono::seconds(5));
  EXPECT_EQ(session.lease(), 0);
  auto lease = session.start();
  ASSERT_TRUE(lease.ok()) << lease.error().message;
  EXPECT_NE(*lease, 0);
  EXPECT_EQ(session.lease(), *lease);
  EXPECT_EQ(session.generation(), 1u);
  ASSERT_TRUE(session.putLeased("s/a", "1").ok());
  EXPECT_EQ((*client->get("s/a"))->lease, *lease);
  ASSERT_TRUE(session.revoke().ok());
  EXPECT_FALSE(*client->get("s/a"));
  EXPECT_EQ(session.lease(), 0);
  EXPECT_FALSE(session.putLeased("s/b", "1").ok());
}

TEST_F(NodeSessionTest, ALostLeaseIsReplacedAndKeysAreRepublished) {
  NodeSession session(*client, std::chrono::seconds(2));
  PublishedKeys keys(session);
  std::atomic<int> republished{0};
  int token = session.addRepublisher([&](agent::LeaseId) { ++republished; });
  auto first = session.start();
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(keys.publish("p/a", "A").ok());
  ASSERT_TRUE(keys.publish("p/b", "B").ok());
  ASSERT_TRUE(keys.withdraw("p/b").ok());

  // Another client revokes the node's lease: etcd deletes its keys at once.
  auto other = connectClient();
  ASSERT_TRUE(other->revokeLease(*first).ok());
  EXPECT_FALSE(*other->get("p/a"));

  // The keeper notices (within ttl/3), the session grants a new lease and re-publishes.
  ASSERT_TRUE(waitFor([&] { auto v = other->get("p/a"); return v.ok() && *v; }, std::chrono::seconds(5)));
  auto value = *other->get("p/a");
  EXPECT_EQ(value->value, "A");
  EXPECT_NE(value->lease, *first);
  EXPECT_EQ(value->lease, session.lease());
  EXPECT_EQ(session.generation(), 2u);
  EXPECT_EQ(republished, 1);
  EXPECT_FALSE(*other->get("p/b")) << "a withdrawn key is not re-published";
  session.removeRepublisher(token);
}

TEST_F(NodeSessionTest, StartWithoutEtcdRetriesInTheBackground) {
  auto shortClient = connectClient(std::chrono::milliseconds(300));
  etcd.stop();
  NodeSession session(*shortClient, std::chrono::seconds(5));
  PublishedKeys keys(session);
  auto lease = session.start();
  ASSERT_FALSE(lease.ok());
  EXPECT_NE(lease.error().message.find("retrying"), std::string::npos) << lease.error().message;
  EXPECT_FALSE(keys.publish("q/a", "kept locally").ok());
  ASSERT_TRUE(etcd.start().ok());
  EXPECT_TRUE(session.waitForLease(std::chrono::seconds(10)));
  EXPECT_TRUE(waitFor([&] { auto v = client->get("q/a"); return v.ok() && *v; }, std::chrono::seconds(5)));
}

TEST_F(NodeSessionTest, KeysOfADeadNodeExpire) {
  auto nodeClient = connectClient();
  {
    NodeSession session(*nodeClient, std::chrono::seconds(1));
    ASSERT_TRUE(session.start().ok());
    ASSERT_TRUE(session.putLeased("dead/a", "1").ok());
  }
  nodeClient.reset();  // no keepalive any more: the "node" is gone
  EXPECT_TRUE(*client->get("dead/a"));
  EXPECT_TRUE(waitFor([&] { auto v = client->get("dead/a"); return v.ok() && !*v; }, std::chrono::seconds(8)));
}

TEST_F(NodeSessionTest, ListAndWatchStartsWithTheListing) {
  ASSERT_TRUE(client->put("lw/a", "1").ok());
  ASSERT_TRUE(client->put("lw/b", "2").ok());
  std::mutex mutex;
  std::vector<std::string> seen;
  int batches = 0;
  auto watch = agent::listAndWatch(*client, "lw/", [&](const agent::WatchBatch& batch) {
    std::lock_guard lock(mutex);
    ++batches;
    for (const auto& event : batch.events) seen.push_back(event.kv.key);
  });
  ASSERT_TRUE(watch.ok());
  {
    std::lock_guard lock(mutex);
    EXPECT_EQ(batches, 1) << "the listing arrives before listAndWatch returns";
    EXPECT_EQ(seen, (std::vector<std::string>{"lw/a", "lw/b"}));
  }
  ASSERT_TRUE(client->put("lw/c", "3").ok());
  ASSERT_TRUE(waitFor([&] { std::lock_guard lock(mutex); return seen.size() == 3; }));
  std::lock_guard lock(mutex);
  EXPECT_EQ(seen.back(), "lw/c");
}

}  // namespace
}  // namespace ciliumc::testing
