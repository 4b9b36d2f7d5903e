// KvStore: what the agent needs from etcd v3 — reads, leased writes, create-only and
// compare-and-delete transactions, leases kept alive, and prefix watches that resume from a
// revision. EtcdClient (etcd_client.h) implements it over etcd's gRPC API.
// Contract: no method throws; every failure (etcd unreachable, deadline exceeded, compare
// failed is NOT a failure but a `false` result) comes back as an Error naming the operation and
// key. Calls are thread-safe. Every call has a deadline (KvOptions::requestTimeout), so an
// unreachable etcd never blocks a caller for longer than that.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/expected.h"

namespace ciliumc::agent {

using KvStatus = Expected<bool>;  // the codebase's "nothing or an Error"
using LeaseId = int64_t;

struct KeyValue {
  std::string key;
  std::string value;
  int64_t createRevision = 0;
  int64_t modRevision = 0;
  LeaseId lease = 0;
};

struct RangeResult {
  std::vector<KeyValue> kvs;
  int64_t revision = 0;  // the store's revision when it answered (resume watches from revision + 1)
};

struct WatchEvent {
  enum class Type { Put, Delete };
  Type type = Type::Put;
  KeyValue kv;  // for Delete: key and modRevision only
};

// Called on the watch thread, in revision order. `resynced` true: the revision the watch
// needed was compacted, so this batch is a fresh full listing instead of the missed events:
// a Delete for every key delivered earlier that no longer exists, then a Put for every key
// present (see watchPrefix). A plain reconnect resumes from the last revision + 1 and delivers
// the missed events themselves (resynced false).
struct WatchBatch {
  std::vector<WatchEvent> events;
  int64_t revision = 0;
  bool resynced = false;
};
using WatchCallback = std::function<void(const WatchBatch&)>;

// Handle of a running watch; destroying it cancels the watch and joins its thread (so it must
// not be destroyed from inside its own callback).
class WatchHandle {
 public:
  virtual ~WatchHandle() = default;
};

enum class ConnectionState { Connected, Disconnected };

class KvStore {
 public:
  virtual ~KvStore() = default;

  virtual Expected<std::optional<KeyValue>> get(const std::string& key) = 0;
  virtual Expected<RangeResult> list(const std::string& prefix) = 0;
  // Put; lease 0 = no lease. Returns the revision of the write.
  virtual Expected<int64_t> put(const std::string& key, const std::string& value, LeaseId lease = 0) = 0;
  // Creates the key only if it does not exist. true = created; false = it existed (nothing written).
  virtual Expected<bool> createOnly(const std::string& key, const std::string& value, LeaseId lease = 0) = 0;
  // Deletes the key; returns the revision of the delete (or the current one when nothing existed).
  virtual Expected<int64_t> remove(const std::string& key) = 0;
  virtual Expected<int64_t> removePrefix(const std::string& prefix) = 0;
  // Deletes `key` only if its mod revision is still `modRevision` and no key under
  // `emptyPrefix` exists (empty string: no such condition). true = deleted.
  virtual Expected<bool> removeIf(const std::string& key, int64_t modRevision, const std::string& emptyPrefix) = 0;

  virtual Expected<LeaseId> grantLease(std::chrono::seconds ttl) = 0;
  virtual KvStatus revokeLease(LeaseId lease) = 0;
  // Keeps `lease` alive in the background (refresh every ttl/3) until the KvStore is destroyed
  // or revokeLease. `onLost` runs (once, on the keepalive thread) when etcd reports the lease
  // expired — the caller must then grant a new lease and re-publish its leased keys.
  virtual KvStatus keepAlive(LeaseId lease, std::function<void()> onLost) = 0;

  // Watches every key under `prefix` from `fromRevision` (0 = now). On disconnect the watch
  // retries with backoff; if the revision it needs was compacted, it lists the prefix again and
  // delivers that listing as Put events of one batch after a Delete for every key it had
  // delivered that no longer exists. The callback never runs concurrently with itself.
  virtual Expected<std::unique_ptr<WatchHandle>> watchPrefix(const std::string& prefix, int64_t fromRevision,
                                                             WatchCallback callback) = 0;

  virtual ConnectionState connectionState() const = 0;
  virtual std::vector<std::string> endpoints() const = 0;
};

// TLS towards etcd (etcd's --cert-file/--key-file, and --client-cert-auth with
// --trusted-ca-file). PEM files. With a CA file the server's certificate must chain to it and be
// valid for the first endpoint's host (gRPC checks the channel's authority); without one, the
// system's roots are used. A client certificate and its key come together.
struct EtcdTlsFiles {
  std::string caFile;
  std::string certFile;
  std::string keyFile;
  bool any() const { return !caFile.empty() || !certFile.empty() || !keyFile.empty(); }
};

struct KvOptions {
  // "127.0.0.1:2379", "http://127.0.0.1:2379" or "https://127.0.0.1:2379". TLS is used when the
  // endpoints say https:// or TLS files are given; http:// with TLS files, or a mix of http://
  // and https://, is an error.
  std::vector<std::string> endpoints;
  EtcdTlsFiles tls;
  std::chrono::milliseconds requestTimeout{2000};
  std::chrono::milliseconds dialTimeout{2000};
};

}  // namespace ciliumc::agent
