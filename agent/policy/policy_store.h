// PolicyStore: the cluster's policy documents in etcd, one key per document:
//   ciliumc/state/policies/v1/<name> = {"name","format","text"}   (no lease: policy outlives nodes)
// The policy revision is etcd's revision of the last change (put/remove return it), so
// "policy wait REV" compares against the revision a watch has delivered.
// Contract: no method throws; etcd failures come back as Errors naming the policy. Documents
// that are not valid JSON of that shape are skipped by list() and watch() (reported in
// PolicySnapshot::skipped) rather than failing the whole set.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/kvstore/kv_store.h"
#include "agent/policy/policy_repository.h"  // PolicyDocument

namespace ciliumc::agent {

inline constexpr const char* kPolicyPrefix = "ciliumc/state/policies/v1/";

struct PolicySnapshot {
  std::vector<PolicyDocument> documents;  // sorted by name
  int64_t revision = 0;                   // etcd revision this set is current at
  std::vector<std::string> skipped;       // keys whose value is not a policy document
};

class PolicyStore {
 public:
  explicit PolicyStore(KvStore& store) : store_(store) {}

  // Writes (creates or replaces) the document; returns the revision of the write. The name
  // must be non-empty and free of '/' and control characters (the API validates it further).
  Expected<int64_t> put(const PolicyDocument& document);
  // Deletes the document; the revision of the delete, or nullopt when no such policy exists.
  Expected<std::optional<int64_t>> remove(const std::string& name);
  Expected<std::optional<PolicyDocument>> get(const std::string& name);
  Expected<PolicySnapshot> list();

  // Calls `onChange` with the full current set: once before watch() returns (on the caller's
  // thread), then on the watch thread after every watch response, with the revision of its last
  // change (changes etcd delivers together are one snapshot).
  using ChangeCallback = std::function<void(const PolicySnapshot&)>;
  Expected<std::unique_ptr<WatchHandle>> watch(ChangeCallback onChange);

 private:
  KvStore& store_;
};

// The JSON value stored for a document, and back (nullopt: not a policy document).
std::string encodePolicyDocument(const PolicyDocument& document);
std::optional<PolicyDocument> decodePolicyDocument(const std::string& value);

}  // namespace ciliumc::agent
