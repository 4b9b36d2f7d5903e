// PolicyStore against a real etcd: documents with revisions, and a watch that hands over the
// full set after each change.
#include <gtest/gtest.h>

#include <mutex>
#include <vector>

#include "agent/policy/policy_store.h"
#include "kvstore_test_support.h"

namespace ciliumc::testing {
namespace {

using agent::PolicyDocument;
using agent::PolicySnapshot;
using agent::PolicyStore;

using PolicyStoreTest = EtcdTest;

TEST_F(PolicyStoreTest, PutGetListRemoveWithRevisions) {
  PolicyStore store(*client);
  PolicyDocument web{"web", "ciliumc", "allow web -> db tcp/5432"};
  auto first = store.put(web);
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto second = store.put(PolicyDocument{"db", "yaml", "kind: CiliumNetworkPolicy"});
  ASSERT_TRUE(second.ok());
  EXPECT_GT(*second, *first);

  auto got = store.get("web");
  ASSERT_TRUE(got.ok() && *got);
  EXPECT_EQ(**got, web);
  EXPECT_FALSE(*store.get("absent"));

  auto listing = store.list();
  ASSERT_TRUE(listing.ok());
  ASSERT_EQ(listing->documents.size(), 2u);
  EXPECT_EQ(listing->documents[0].name, "db");  // sorted by name
  EXPECT_EQ(listing->revision, *second);

  auto removed = store.remove("web");
  ASSERT_TRUE(removed.ok() && *removed);
  EXPECT_GT(**removed, *second);
  EXPECT_EQ(store.list()->revision, **removed) << "the delete's exact revision";
  auto again = store.remove("web");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again) << "not found";

  EXPECT_FALSE(store.put(PolicyDocument{"a/b", "ciliumc", ""}).ok());
  EXPECT_FALSE(store.put(PolicyDocument{"", "ciliumc", ""}).ok());
  // A value that is not a document is skipped, not fatal.
  ASSERT_TRUE(client->put(std::string(agent::kPolicyPrefix) + "broken", "{").ok());
  listing = store.list();
  ASSERT_TRUE(listing.ok());
  EXPECT_EQ(listing->documents.size(), 1u);
  ASSERT_EQ(listing->skipped.size(), 1u);
  EXPECT_FALSE(store.get("broken").ok());
}

TEST_F(PolicyStoreTest, WatchDeliversTheFullSetAfterEachChange) {
  PolicyStore writer(*client);
  ASSERT_TRUE(writer.put(PolicyDocument{"existing", "ciliumc", "x"}).ok());
  auto otherClient = connectClient();
  PolicyStore reader(*otherClient);
  std::mutex mutex;
  std::vector<PolicySnapshot> snapshots;
  auto watch = reader.watch([&](const PolicySnapshot& snapshot) {
    std::lock_guard lock(mutex);
    snapshots.push_back(snapshot);
  });
  ASSERT_TRUE(watch.ok()) << watch.error().message;
  {
    std::lock_guard lock(mutex);
    ASSERT_EQ(snapshots.size(), 1u);
    EXPECT_EQ(snapshots[0].documents.size(), 1u);
  }
  auto added = writer.put(PolicyDocument{"new", "yaml", "y"});
  auto removed = writer.remove("existing");
  ASSERT_TRUE(added.ok() && removed.ok() && *removed);
  // etcd may deliver both changes in one watch response: then one snapshot covers both.
  ASSERT_TRUE(waitFor([&] {
    std::lock_guard lock(mutex);
    return snapshots.back().revision == **removed;
  })) << [&] {
    std::lock_guard lock(mutex);
    std::string seen;
    for (const PolicySnapshot& snapshot : snapshots)
      seen += " revision " + std::to_string(snapshot.revision) + " (" + std::to_string(snapshot.documents.size()) + " documents)";
    return "snapshots:" + seen + "; put at " + std::to_string(*added) + ", removed at " + std::to_string(**removed);
  }();
  std::lock_guard lock(mutex);
  ASSERT_LE(snapshots.size(), 3u);
  if (snapshots.size() == 3) {
    EXPECT_EQ(snapshots[1].revision, *added);
    EXPECT_EQ(snapshots[1].documents.size(), 2u);
  }
  ASSERT_EQ(snapshots.back().documents.size(), 1u);
  EXPECT_EQ(snapshots.back().documents[0], (PolicyDocument{"new", "yaml", "y"}));
}

}  // namespace
}  // namespace ciliumc::testing
