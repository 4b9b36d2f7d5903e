// NodeSession: the node's lease in etcd. Everything a node writes "while it lives" (its
// identity references, IP cache entries, node entry) is attached to this lease, so etcd deletes
// it when the node stops refreshing it (crash, partition longer than the TTL).
// - start() grants the lease and keeps it alive (KvStore::keepAlive, every ttl/3).
// - When the lease is lost (expired while etcd was unreachable, revoked, etcd's data replaced),
//   the session's own thread grants a new lease (retrying with backoff 100 ms .. 2 s while etcd
//   is unreachable) and then calls every registered republisher with the new lease: each
//   re-writes all of its keys. Writers therefore keep their desired state locally and treat a
//   failed leased write as "will be re-published".
// Contract: no method throws. Republishers run on the session thread, one at a time, never
// while the NodeSession is being destroyed. The NodeSession must outlive its KvStore users that
// registered republishers (they unregister in their destructors).
#pragma once
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "agent/kvstore/kv_store.h"

namespace ciliumc::agent {

class NodeSession {
 public:
  NodeSession(KvStore& store, std::chrono::seconds ttl);
  ~NodeSession();  // stops the thread; does not revoke (a restarted agent adopts its keys until the TTL)
  NodeSession(const NodeSession&) = delete;
  NodeSession& operator=(const NodeSession&) = delete;

  // Grants the first lease (one attempt, bounded by the request timeout). On failure the
  // session keeps trying in the background (republishers run once it succeeds) and the Error
  // says why, for the caller to log.
  Expected<LeaseId> start();
  // Revokes the lease now (deleting every key attached to it): a clean "node leaves".
  KvStatus revoke();

  // The current lease; 0 before the first grant succeeded or while a lost lease is replaced.
  LeaseId lease() const;
  // Incremented each time a new lease is in place (1 after the first grant).
  uint64_t generation() const;
  // Blocks until a lease is in place or `timeout` passed; true when there is one.
  bool waitForLease(std::chrono::milliseconds timeout) const;

  using Republisher = std::function<void(LeaseId newLease)>;
  // Runs `republisher` after every lease the session thread puts in place: the replacement of
  // a lost lease, or the first one when start() failed. Returns a token for removeRepublisher.
  int addRepublisher(Republisher republisher);
  // After it returns, the republisher is not running and will not run again.
  void removeRepublisher(int token);

  // Writes with the current lease (an Error when there is none right now).
  Expected<int64_t> putLeased(const std::string& key, const std::string& value);
  Expected<bool> createOnlyLeased(const std::string& key, const std::string& value);

  KvStore& store() { return store_; }

 private:
  Expected<LeaseId> grantAndKeep();
  void onLeaseLost(LeaseId lost);
  void run();

  struct LostSink;

  KvStore& store_;
  const std::chrono::seconds ttl_;
  std::shared_ptr<LostSink> sink_;

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  LeaseId lease_ = 0;
  uint64_t generation_ = 0;
  bool needLease_ = false;  // the thread must grant a new lease
  bool stopping_ = false;

  std::mutex republishMutex_;  // held while republishers run and while one is removed
  std::map<int, Republisher> republishers_;
  int nextToken_ = 1;

  std::thread thread_;
};

}  // namespace ciliumc::agent
