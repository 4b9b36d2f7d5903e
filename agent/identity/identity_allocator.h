// IdentityAllocator: cluster identities (256..65535) per identity-relevant label set, shared by
// every node through etcd, in Cilium's layout (docs/agent.md, "etcd layout"):
//   ciliumc/state/identities/v1/id/<id>                   = <identity key>   (no lease, create-only)
//   ciliumc/state/identities/v1/value/<identity key>/<node> = <id>           (the node's lease)
// - allocate(): local reference count per label set; the first local reference finds the id
//   (an existing id/ key holding this identity key, else the lowest free id claimed with a
//   create-only transaction, moving on to the next free id when another node wins it) and
//   writes the node's value key, which is its reference in etcd. Further local references
//   touch nothing in etcd.
// - release(): drops a local reference; the last one deletes the node's value key.
// - collectGarbage(): deletes every id/ key whose identity has no value key left, in one
//   transaction per id that also checks the id key did not change (safe against a concurrent
//   allocation of the same labels).
// - When the node's lease is replaced (NodeSession), every held reference is written again
//   and its id/ key re-created if garbage collection removed it meanwhile.
// - watch() mirrors every cluster identity into a local cache that lookup() reads.
// Contract: thread-safe (allocations of different label sets run concurrently); no method
// throws; etcd failures are Errors naming the labels.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "agent/kvstore/node_session.h"
#include "ir/identity.h"
#include "ir/labels.h"

namespace ciliumc::agent {

inline constexpr const char* kIdentityPrefix = "ciliumc/state/identities/v1/";
inline constexpr const char* kIdentityIdPrefix = "ciliumc/state/identities/v1/id/";
inline constexpr const char* kIdentityValuePrefix = "ciliumc/state/identities/v1/value/";

// The identity key (ir/identity.h identityKey) back into labels; nullopt when malformed.
std::optional<LabelSet> parseIdentityKey(const std::string& identityKey);

class IdentityAllocator {
 public:
  IdentityAllocator(NodeSession& session, std::string nodeName);
  ~IdentityAllocator();  // unregisters from the session; references stay until the lease ends
  IdentityAllocator(const IdentityAllocator&) = delete;
  IdentityAllocator& operator=(const IdentityAllocator&) = delete;

  // The identity of `identityLabels` (already filtered to the identity-relevant labels). A set
  // that is exactly one `reserved:<name>` label answers the fixed reserved number, no etcd.
  Expected<NumericIdentity> allocate(const LabelSet& identityLabels);
  // Drops one local reference; true when it was the last (the node's value key is deleted).
  // An Error when these labels hold no reference, or when etcd failed (the reference is
  // dropped locally either way; a failed delete is retried by collectGarbage()).
  Expected<bool> release(const LabelSet& identityLabels);
  // Local references held for these labels (0 when none).
  size_t references(const LabelSet& identityLabels) const;

  // Labels of a cluster identity: the watch cache, else etcd (nullopt: unknown or unreachable).
  std::optional<LabelSet> lookup(NumericIdentity id);
  // Every cluster identity in the cache (filled by watch()).
  std::map<NumericIdentity, LabelSet> identities() const;

  // Mirrors id/ into the cache and calls `onChange` for every identity that appears
  // (added=true) or disappears (added=false): first for every existing one, on the caller's
  // thread before watch() returns, then on the watch thread.
  using ChangeCallback = std::function<void(NumericIdentity, const LabelSet&, bool added)>;
  Expected<std::unique_ptr<WatchHandle>> watch(ChangeCallback onChange);

  // Deletes unreferenced id/ keys (from any node); how many were deleted.
  Expected<size_t> collectGarbage();

  // Writes every held reference again with the current lease (what the session's republisher
  // does); how many failed.
  size_t republish();

 private:
  struct Held {
    std::mutex mutex;  // serializes allocate/release of one label set
    size_t references = 0;
    NumericIdentity id = 0;
  };
  std::shared_ptr<Held> heldFor(const std::string& identityKey);
  Expected<NumericIdentity> allocateInEtcd(const std::string& identityKey);
  // Writes the node's value key for (key, id) and makes sure id/<id> holds `key`. false: the
  // id belongs to other labels (the value key is taken back).
  Expected<bool> claim(const std::string& identityKey, NumericIdentity id);
  std::string valueKey(const std::string& identityKey) const;
  std::optional<NumericIdentity> cachedIdOf(const std::string& identityKey) const;

  NodeSession& session_;
  KvStore& store_;
  const std::string nodeName_;
  int republishToken_ = 0;

  mutable std::mutex heldMutex_;
  std::map<std::string, std::shared_ptr<Held>> held_;  // identity key -> local references
  std::set<std::string> pendingReleases_;  // identity keys whose value-key delete failed (GC retries)

  mutable std::mutex cacheMutex_;
  std::map<NumericIdentity, LabelSet> cache_;
  std::map<std::string, NumericIdentity> cacheByKey_;
};

}  // namespace ciliumc::agent
