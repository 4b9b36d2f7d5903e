// NodeRegistry: the cluster's nodes in etcd, each published by the node itself under its lease
// (so a dead node's entry disappears with its lease):
//   ciliumc/state/nodes/v1/<cluster>/<node> = {"name","ipv4_cidr","ipv6_cidr","addresses":[..]}
// Same mechanics as IpCacheSync (PublishedKeys; listing then watch). Thread-safe; no throws.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/kvstore/published_keys.h"

namespace ciliumc::agent {

inline constexpr const char* kNodesPrefix = "ciliumc/state/nodes/v1/";

struct NodeEntry {
  std::string name;
  std::string ipv4Cidr;  // the node's pod CIDRs ("" when none)
  std::string ipv6Cidr;
  std::vector<std::string> addresses;  // the node's own addresses
  bool operator==(const NodeEntry&) const = default;
};

std::string encodeNodeEntry(const NodeEntry& entry);
std::optional<NodeEntry> decodeNodeEntry(const std::string& value);

class NodeRegistry {
 public:
  NodeRegistry(NodeSession& session, std::string cluster);

  Expected<int64_t> publish(const NodeEntry& self);
  Expected<int64_t> withdraw(const std::string& nodeName);

  // Listing first (caller's thread), then changes (watch thread); present=false: the node's
  // entry is gone (withdrawn or its lease expired), `entry` as last seen.
  using ChangeCallback = std::function<void(const NodeEntry& entry, bool present)>;
  Expected<std::unique_ptr<WatchHandle>> watch(ChangeCallback onChange);

  std::string prefix() const { return prefix_; }

 private:
  NodeSession& session_;
  const std::string prefix_;
  PublishedKeys published_;
};

}  // namespace ciliumc::agent
