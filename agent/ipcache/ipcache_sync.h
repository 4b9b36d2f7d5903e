// IpCacheSync: the cluster's IP -> identity mappings in etcd. Each node publishes its
// endpoints' addresses under its lease and watches everyone's (its own included):
//   ciliumc/state/ip/v1/<cluster>/<ip> = {"ip","identity","node","endpoint"}
// An IP address is owned by one node (IPAM pools do not overlap), so the key has no node part.
// publish/withdraw go through PublishedKeys: kept as desired state, re-published when the
// node's lease is replaced. Contract: thread-safe; no method throws.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "agent/kvstore/published_keys.h"
#include "ir/identity.h"
#include "ir/ip.h"

namespace ciliumc::agent {

inline constexpr const char* kIpCachePrefix = "ciliumc/state/ip/v1/";

struct IpCacheEntry {
  IpAddress ip;
  NumericIdentity identity = 0;
  std::string node;
  std::string endpoint;  // the endpoint's name on its node (informational)
};

std::string encodeIpCacheEntry(const IpCacheEntry& entry);
std::optional<IpCacheEntry> decodeIpCacheEntry(const std::string& value);

class IpCacheSync {
 public:
  IpCacheSync(NodeSession& session, std::string cluster, std::string nodeName);

  // Returns the revision of the write (an Error when etcd failed: kept, re-published later).
  Expected<int64_t> publish(const IpAddress& ip, NumericIdentity identity, const std::string& endpointName);
  Expected<int64_t> withdraw(const IpAddress& ip);

  // Every node's entries: first the full listing (on the caller's thread, before watch()
  // returns), then each upsert (present=true) and delete (present=false; identity and node as
  // last seen) on the watch thread.
  using ChangeCallback =
      std::function<void(const IpAddress& ip, NumericIdentity identity, const std::string& node, bool present)>;
  Expected<std::unique_ptr<WatchHandle>> watch(ChangeCallback onChange);

  std::string prefix() const { return prefix_; }  // "ciliumc/state/ip/v1/<cluster>/"

 private:
  NodeSession& session_;
  const std::string prefix_;
  const std::string nodeName_;
  PublishedKeys published_;
};

}  // namespace ciliumc::agent
