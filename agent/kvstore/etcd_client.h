// EtcdClient: KvStore over etcd v3's gRPC API (the real protocol: typed messages, streaming
// watches and lease keepalives; see docs/architecture.md, "Agent: etcd client").
// - One gRPC channel to the configured endpoints; gRPC reconnects by itself with bounded
//   backoff (100 ms .. 2 s), HTTP/2 keepalive pings detect a dead connection.
// - Every unary call has the deadline KvOptions::requestTimeout and waits for the channel to be
//   ready until then: a call made while etcd is down fails at the deadline with a message that
//   names the operation, the key and the endpoints.
// - Each watchPrefix runs on its own thread with its own bidi Watch stream; after a disconnect
//   it resumes from the last delivered revision + 1; when that revision was compacted it lists
//   the prefix again (WatchBatch::resynced).
// - Leases given to keepAlive are refreshed by one keeper thread every ttl/3.
// The gRPC types stay inside kvstore/*.cpp (this header does not include them).
#pragma once
#include <memory>

#include "agent/kvstore/kv_store.h"

namespace ciliumc::agent {

namespace etcd {
struct Connection;
class LeaseKeeper;
}  // namespace etcd

class EtcdClient final : public KvStore {
 public:
  // Opens the channel and waits up to options.dialTimeout for etcd to answer; an Error names the
  // endpoints when it does not (the caller decides whether to retry or to run without etcd).
  static Expected<std::unique_ptr<EtcdClient>> connect(const KvOptions& options);
  ~EtcdClient() override;

  Expected<std::optional<KeyValue>> get(const std::string& key) override;
  Expected<RangeResult> list(const std::string& prefix) override;
  Expected<int64_t> put(const std::string& key, const std::string& value, LeaseId lease = 0) override;
  Expected<bool> createOnly(const std::string& key, const std::string& value, LeaseId lease = 0) override;
  Expected<int64_t> remove(const std::string& key) override;
  Expected<int64_t> removePrefix(const std::string& prefix) override;
  Expected<bool> removeIf(const std::string& key, int64_t modRevision, const std::string& emptyPrefix) override;

  Expected<LeaseId> grantLease(std::chrono::seconds ttl) override;
  KvStatus revokeLease(LeaseId lease) override;
  KvStatus keepAlive(LeaseId lease, std::function<void()> onLost) override;

  Expected<std::unique_ptr<WatchHandle>> watchPrefix(const std::string& prefix, int64_t fromRevision,
                                                     WatchCallback callback) override;

  ConnectionState connectionState() const override;
  std::vector<std::string> endpoints() const override;

 private:
  explicit EtcdClient(std::shared_ptr<etcd::Connection> connection);
  Expected<int64_t> deleteRange(const std::string& operation, const std::string& key, const std::string& rangeEnd);

  std::shared_ptr<etcd::Connection> connection_;
  std::unique_ptr<etcd::LeaseKeeper> leaseKeeper_;
};

}  // namespace ciliumc::agent
