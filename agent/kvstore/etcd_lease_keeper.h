// Private to kvstore/: LeaseKeeper refreshes the leases EtcdClient::keepAlive was given, on one
// thread, each every ttl/3 (sooner, every second, while refreshes fail). A refresh that etcd
// answers with TTL <= 0 means the lease is gone (expired or revoked): its onLost callback runs
// once, on the keeper thread, and the lease is forgotten. While etcd is unreachable nothing is
// reported: the lease may still be alive when etcd answers again (etcd extends leases on a
// leader change); if it is not, the first answered refresh reports the loss.
#pragma once
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "agent/kvstore/kv_store.h"

namespace ciliumc::agent::etcd {

struct Connection;

class LeaseKeeper {
 public:
  explicit LeaseKeeper(std::shared_ptr<Connection> connection);
  ~LeaseKeeper();  // stops and joins the thread (no callback runs after it returns)

  // Refreshes `lease` once now (so an unknown or expired lease is an Error here), then keeps it.
  KvStatus keep(LeaseId lease, std::function<void()> onLost);
  void forget(LeaseId lease);

 private:
  struct Kept {
    std::chrono::milliseconds interval{1000};
    std::chrono::steady_clock::time_point due;
    std::function<void()> onLost;
  };
  // One keepalive round trip; the TTL etcd answered (<= 0: lease gone) or an Error.
  Expected<int64_t> refresh(LeaseId lease);
  void run();

  std::shared_ptr<Connection> connection_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::map<LeaseId, Kept> kept_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace ciliumc::agent::etcd
