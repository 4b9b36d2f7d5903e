// PublishedKeys: the keys this node publishes under its lease (IP cache entries, its node
// entry), kept locally as the desired state. publish/withdraw write through to etcd; when the
// NodeSession replaces a lost lease, every key is written again with the new lease. A write
// that fails (etcd unreachable) still updates the desired state, so it is re-published when
// the session gets its next lease; the Error tells the caller it is not in etcd yet. A failed
// withdraw is retried by the next publish/withdraw/republishAll (until then the key lives at
// most as long as the lease).
// Contract: thread-safe; no method throws.
#pragma once
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "agent/kvstore/node_session.h"

namespace ciliumc::agent {

class PublishedKeys {
 public:
  explicit PublishedKeys(NodeSession& session);
  ~PublishedKeys();  // unregisters from the session (does not delete the keys: the lease does)
  PublishedKeys(const PublishedKeys&) = delete;
  PublishedKeys& operator=(const PublishedKeys&) = delete;

  // Returns the revision of the write.
  Expected<int64_t> publish(const std::string& key, const std::string& value);
  // Deletes the key (the revision of the delete; the current one when it was not published).
  Expected<int64_t> withdraw(const std::string& key);
  // Writes every key again with the session's current lease (what the session does itself
  // after a lease change; callable after etcd comes back). Returns how many writes failed.
  size_t republishAll();
  std::map<std::string, std::string> published() const;

 private:
  void retryWithdrawals();  // with mutex_ held

  NodeSession& session_;
  mutable std::mutex mutex_;
  std::map<std::string, std::string> desired_;
  std::set<std::string> pendingWithdrawals_;
  int token_ = 0;
};

}  // namespace ciliumc::agent
