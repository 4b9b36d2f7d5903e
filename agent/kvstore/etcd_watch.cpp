#include "agent/kvstore/etcd_watch.h"

#include <algorithm>
#include <set>

#include "agent/kvstore/etcd_grpc.h"

namespace ciliumc::agent::etcd {
namespace {

constexpr std::chrono::milliseconds kInitialBackoff{100};
constexpr std::chrono::milliseconds kMaximumBackoff{2000};

WatchEvent toWatchEvent(const mvccpb::Event& event) {
  WatchEvent out;
  out.type = event.type() == mvccpb::Event::DELETE ? WatchEvent::Type::Delete : WatchEvent::Type::Put;
  out.kv = toKeyValue(event.kv());
  return out;
}

}  // namespace

PrefixWatch::PrefixWatch(std::shared_ptr<Connection> connection, std::string prefix, int64_t fromRevision,
                         WatchCallback callback)
    : connection_(std::move(connection)),
      prefix_(std::move(prefix)),
      callback_(std::move(callback)),
      nextRevision_(fromRevision),
      thread_([this] { run(); }) {}

PrefixWatch::~PrefixWatch() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    if (activeContext_) activeContext_->TryCancel();
  }
  wake_.notify_all();
  thread_.join();
}

bool PrefixWatch::sleepUnlessStopping(std::chrono::milliseconds pause) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, pause, [this] { return stopping_; });
  return !stopping_;
}

void PrefixWatch::run() {
  auto backoff = kInitialBackoff;
  bool needResync = false;
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    const int64_t revisionBefore = nextRevision_;
    bool progressed;
    if (needResync) {
      progressed = resync();
      needResync = !progressed;
    } else {
      needResync = watchOnce();
      progressed = nextRevision_ != revisionBefore;
    }
    if (needResync) continue;  // list right away: the stream told us the history is gone
    backoff = progressed ? kInitialBackoff : std::min(kMaximumBackoff, backoff * 2);
    if (!sleepUnlessStopping(backoff)) return;
  }
}

bool PrefixWatch::watchOnce() {
  grpc::ClientContext context;
  context.set_wait_for_ready(true);        // wait (cancellably) for etcd rather than spin
  context.AddMetadata("hasleader", "true");  // etcd cancels the watch when it loses its leader
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return false;
    activeContext_ = &context;
  }
  auto stream = connection_->watch->Watch(&context);

  etcdserverpb::WatchRequest request;
  auto* create = request.mutable_create_request();
  create->set_key(prefix_);
  create->set_range_end(prefixRangeEnd(prefix_));
  create->set_start_revision(nextRevision_);
  create->set_progress_notify(true);

  bool compacted = false;
  if (stream->Write(request)) {
    etcdserverpb::WatchResponse response;
    WatchBatch batch;
    while (stream->Read(&response)) {
      connection_->lastCallSucceeded = true;
      if (response.compact_revision() > 0) {
        compacted = true;
        break;
      }
      if (response.canceled()) break;  // e.g. no leader: open a new stream
      if (response.created() && nextRevision_ == 0) nextRevision_ = response.header().revision() + 1;
      for (const auto& event : response.events()) batch.events.push_back(toWatchEvent(event));
      if (response.fragment()) continue;  // the rest of this revision follows
      if (!batch.events.empty()) {
        batch.revision = batch.events.back().kv.modRevision;
        nextRevision_ = batch.revision + 1;
        deliver(batch);
        batch = WatchBatch{};
      } else if (!response.created() && response.header().revision() >= nextRevision_) {
        // Progress notification: every later event has a higher revision than the header's.
        nextRevision_ = response.header().revision() + 1;
      }
    }
  }
  {
    std::lock_guard lock(mutex_);
    activeContext_ = nullptr;
  }
  context.TryCancel();
  grpc::Status status = stream->Finish();
  if (!compacted) noteOutcome(*connection_, status);
  return compacted;
}

bool PrefixWatch::resync() {
  auto listing = range(*connection_, "watch resync", prefix_, prefixRangeEnd(prefix_));
  if (!listing) return false;
  WatchBatch batch;
  batch.resynced = true;
  batch.revision = listing->revision;
  std::set<std::string> present;
  for (const auto& kv : listing->kvs) present.insert(kv.key);
  for (const auto& key : delivered_) {
    if (present.count(key)) continue;
    WatchEvent gone;
    gone.type = WatchEvent::Type::Delete;
    gone.kv.key = key;
    gone.kv.modRevision = listing->revision;
    batch.events.push_back(std::move(gone));
  }
  for (const auto& kv : listing->kvs) batch.events.push_back(WatchEvent{WatchEvent::Type::Put, kv});
  nextRevision_ = listing->revision + 1;
  deliver(batch);
  return true;
}

void PrefixWatch::deliver(WatchBatch& batch) {
  for (const auto& event : batch.events) {
    if (event.type == WatchEvent::Type::Put)
      delivered_.insert(event.kv.key);
    else
      delivered_.erase(event.kv.key);
  }
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
  }
  callback_(batch);
}

}  // namespace ciliumc::agent::etcd
