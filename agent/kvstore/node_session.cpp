#include "agent/kvstore/node_session.h"

#include <fmt/format.h>

#include <algorithm>
#include <memory>

namespace ciliumc::agent {
namespace {

constexpr std::chrono::milliseconds kInitialBackoff{100};
constexpr std::chrono::milliseconds kMaximumBackoff{2000};

}  // namespace

// The keepalive's onLost may fire after the session is gone (the KvStore outlives it); it goes
// through this sink, which the destructor disconnects.
struct NodeSession::LostSink {
  std::mutex mutex;
  NodeSession* session = nullptr;
};

NodeSession::NodeSession(KvStore& store, std::chrono::seconds ttl)
    : store_(store), ttl_(ttl), sink_(std::make_shared<LostSink>()), thread_([this] { run(); }) {
  sink_->session = this;
}

NodeSession::~NodeSession() {
  {
    std::lock_guard lock(sink_->mutex);  // waits for an onLost in progress
    sink_->session = nullptr;
  }
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

Expected<LeaseId> NodeSession::grantAndKeep() {
  auto lease = store_.grantLease(ttl_);
  if (!lease) return lease.error();
  auto sink = sink_;
  LeaseId granted = *lease;
  auto kept = store_.keepAlive(granted, [sink, granted] {
    std::lock_guard lock(sink->mutex);
    if (sink->session) sink->session->onLeaseLost(granted);
  });
  if (!kept) return kept.error();
  return granted;
}

Expected<LeaseId> NodeSession::start() {
  auto lease = grantAndKeep();
  std::lock_guard lock(mutex_);
  if (!lease) {
    needLease_ = true;
    changed_.notify_all();
    return Error(fmt::format("node session: no lease yet (retrying in the background): {}", lease.error().message));
  }
  lease_ = *lease;
  ++generation_;
  changed_.notify_all();
  return *lease;
}

KvStatus NodeSession::revoke() {
  LeaseId lease;
  {
    std::lock_guard lock(mutex_);
    lease = lease_;
    lease_ = 0;
  }
  if (lease == 0) return true;
  return store_.revokeLease(lease);
}

void NodeSession::onLeaseLost(LeaseId lost) {
  std::lock_guard lock(mutex_);
  if (lease_ != lost) return;  // an older lease, already replaced (or revoked on purpose)
  lease_ = 0;
  needLease_ = true;
  changed_.notify_all();
}

LeaseId NodeSession::lease() const {
  std::lock_guard lock(mutex_);
  return lease_;
}

uint64_t NodeSession::generation() const {
  std::lock_guard lock(mutex_);
  return generation_;
}

bool NodeSession::waitForLease(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [this] { return lease_ != 0 || stopping_; }) && lease_ != 0;
}

int NodeSession::addRepublisher(Republisher republisher) {
  std::lock_guard lock(republishMutex_);
  int token = nextToken_++;
  republishers_[token] = std::move(republisher);
  return token;
}

void NodeSession::removeRepublisher(int token) {
  std::lock_guard lock(republishMutex_);
  republishers_.erase(token);
}

Expected<int64_t> NodeSession::putLeased(const std::string& key, const std::string& value) {
  LeaseId current = lease();
  if (current == 0) return Error(fmt::format("etcd put '{}': the node has no lease right now (will be re-published)", key));
  return store_.put(key, value, current);
}

Expected<bool> NodeSession::createOnlyLeased(const std::string& key, const std::string& value) {
  LeaseId current = lease();
  if (current == 0) return Error(fmt::format("etcd create '{}': the node has no lease right now (will be re-published)", key));
  return store_.createOnly(key, value, current);
}

void NodeSession::run() {
  auto backoff = kInitialBackoff;
  std::unique_lock lock(mutex_);
  while (true) {
    changed_.wait(lock, [this] { return stopping_ || needLease_; });
    if (stopping_) return;
    lock.unlock();
    auto lease = grantAndKeep();
    lock.lock();
    if (stopping_) return;
    if (!lease) {
      changed_.wait_for(lock, backoff, [this] { return stopping_; });
      backoff = std::min(kMaximumBackoff, backoff * 2);
      continue;
    }
    backoff = kInitialBackoff;
    lease_ = *lease;
    ++generation_;
    needLease_ = false;
    changed_.notify_all();
    lock.unlock();
    {
      std::lock_guard republishing(republishMutex_);
      for (auto& [token, republisher] : republishers_) republisher(*lease);
    }
    lock.lock();
  }
}

}  // namespace ciliumc::agent
