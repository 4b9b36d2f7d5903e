// Private to kvstore/: PrefixWatch, the thread behind EtcdClient::watchPrefix. It keeps one bidi
// Watch stream open on the prefix and delivers its events in revision order. When the stream
// breaks it opens a new one (bounded backoff 100 ms .. 2 s; the stream waits for the channel to
// be ready) starting at the last delivered revision + 1, so nothing changed meanwhile is lost.
// When etcd answers that this revision was compacted, it lists the prefix and delivers the
// difference to what it had delivered as one `resynced` batch, then watches on from the listing.
#pragma once
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "agent/kvstore/kv_store.h"

namespace grpc {
class ClientContext;
}

namespace ciliumc::agent::etcd {

struct Connection;

class PrefixWatch final : public WatchHandle {
 public:
  PrefixWatch(std::shared_ptr<Connection> connection, std::string prefix, int64_t fromRevision,
              WatchCallback callback);
  ~PrefixWatch() override;  // cancels the stream and joins the thread

 private:
  void run();
  // One stream's life: true = it ended because the start revision was compacted.
  bool watchOnce();
  // Lists the prefix and delivers the difference to `delivered_` as one resynced batch.
  bool resync();
  void deliver(WatchBatch& batch);
  bool sleepUnlessStopping(std::chrono::milliseconds pause);

  std::shared_ptr<Connection> connection_;
  const std::string prefix_;
  WatchCallback callback_;
  int64_t nextRevision_ = 0;       // 0 = "now" (only before the first stream is created)
  std::set<std::string> delivered_;  // keys present as far as the callback knows

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  grpc::ClientContext* activeContext_ = nullptr;  // the open stream's context, for TryCancel
  std::thread thread_;
};

}  // namespace ciliumc::agent::etcd
