#include "agent/kvstore/published_keys.h"

namespace ciliumc::agent {

PublishedKeys::PublishedKeys(NodeSession& session) : session_(session) {
  token_ = session_.addRepublisher([this](LeaseId) { republishAll(); });
}

PublishedKeys::~PublishedKeys() { session_.removeRepublisher(token_); }

void PublishedKeys::retryWithdrawals() {
  // Stops at the first failure: while etcd is down one timeout is enough.
  while (!pendingWithdrawals_.empty()) {
    if (!session_.store().remove(*pendingWithdrawals_.begin())) return;
    pendingWithdrawals_.erase(pendingWithdrawals_.begin());
  }
}

Expected<int64_t> PublishedKeys::publish(const std::string& key, const std::string& value) {
  // The lock also orders writes of one key: two publishes never reach etcd out of order.
  std::lock_guard lock(mutex_);
  pendingWithdrawals_.erase(key);
  retryWithdrawals();
  desired_[key] = value;
  return session_.putLeased(key, value);
}

Expected<int64_t> PublishedKeys::withdraw(const std::string& key) {
  std::lock_guard lock(mutex_);
  desired_.erase(key);
  retryWithdrawals();
  auto removed = session_.store().remove(key);
  if (!removed) pendingWithdrawals_.insert(key);
  return removed;
}

size_t PublishedKeys::republishAll() {
  std::lock_guard lock(mutex_);
  retryWithdrawals();
  size_t failed = pendingWithdrawals_.size();
  for (const auto& [key, value] : desired_)
    if (!session_.putLeased(key, value)) ++failed;
  return failed;
}

std::map<std::string, std::string> PublishedKeys::published() const {
  std::lock_guard lock(mutex_);
  return desired_;
}

}  // namespace ciliumc::agent
