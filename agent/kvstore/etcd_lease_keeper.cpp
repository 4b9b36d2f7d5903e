#include "agent/kvstore/etcd_lease_keeper.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "agent/kvstore/etcd_grpc.h"

namespace ciliumc::agent::etcd {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kRetryInterval{1000};
constexpr std::chrono::milliseconds kMinimumInterval{300};

std::chrono::milliseconds refreshInterval(int64_t ttlSeconds) {
  return std::max(kMinimumInterval, std::chrono::milliseconds(ttlSeconds * 1000 / 3));
}

}  // namespace

LeaseKeeper::LeaseKeeper(std::shared_ptr<Connection> connection)
    : connection_(std::move(connection)), thread_([this] { run(); }) {}

LeaseKeeper::~LeaseKeeper() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

Expected<int64_t> LeaseKeeper::refresh(LeaseId lease) {
  grpc::ClientContext context;
  prepareUnaryContext(context, connection_->options);
  auto stream = connection_->lease->LeaseKeepAlive(&context);
  etcdserverpb::LeaseKeepAliveRequest request;
  request.set_id(lease);
  etcdserverpb::LeaseKeepAliveResponse response;
  bool answered = stream->Write(request) && stream->Read(&response);
  stream->WritesDone();
  grpc::Status status = stream->Finish();
  std::string leaseText = fmt::format("lease {:x}", lease);
  if (!answered) {
    connection_->lastCallSucceeded = false;
    if (status.ok()) status = grpc::Status(grpc::StatusCode::UNAVAILABLE, "keepalive stream closed");
    return callError(*connection_, "keepalive", leaseText, status);
  }
  connection_->lastCallSucceeded = true;
  return response.ttl();
}

KvStatus LeaseKeeper::keep(LeaseId lease, std::function<void()> onLost) {
  auto ttl = refresh(lease);
  if (!ttl) return ttl.error();
  if (*ttl <= 0) return Error(fmt::format("etcd keepalive 'lease {:x}': the lease does not exist (expired or revoked)", lease));
  {
    std::lock_guard lock(mutex_);
    Kept& kept = kept_[lease];
    kept.interval = refreshInterval(*ttl);
    kept.due = Clock::now() + kept.interval;
    kept.onLost = std::move(onLost);
  }
  wake_.notify_all();
  return true;
}

void LeaseKeeper::forget(LeaseId lease) {
  std::lock_guard lock(mutex_);
  kept_.erase(lease);
}

void LeaseKeeper::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    auto earliest = Clock::time_point::max();
    for (auto& [lease, kept] : kept_) earliest = std::min(earliest, kept.due);
    if (earliest == Clock::time_point::max())
      wake_.wait(lock);
    else
      wake_.wait_until(lock, earliest);
    if (stopping_) break;

    std::vector<LeaseId> due;
    for (auto& [lease, kept] : kept_)
      if (kept.due <= Clock::now()) due.push_back(lease);
    for (LeaseId lease : due) {
      lock.unlock();
      auto ttl = refresh(lease);
      lock.lock();
      if (stopping_) break;
      auto it = kept_.find(lease);
      if (it == kept_.end()) continue;  // forgotten (revoked) meanwhile
      if (!ttl) {
        it->second.due = Clock::now() + std::min(kRetryInterval, it->second.interval);
      } else if (*ttl > 0) {
        it->second.interval = refreshInterval(*ttl);
        it->second.due = Clock::now() + it->second.interval;
      } else {
        auto onLost = std::move(it->second.onLost);
        kept_.erase(it);
        lock.unlock();
        if (onLost) onLost();
        lock.lock();
      }
    }
  }
}

}  // namespace ciliumc::agent::etcd
