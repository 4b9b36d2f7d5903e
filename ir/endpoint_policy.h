// The policy IR: for each endpoint and direction, the rules that select it, with namespace
// scoping and requirements applied, and each rule's provenance. This is what the reference
// evaluator answers from and what the BPF back end lowers: one IR, two consumers.
#pragma once
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ir/inventory.h"
#include "ir/policy.h"

namespace ciliumc {

struct Provenance {
  SourceLocation location;
  std::string policy;  // policy name
  int ruleIndex = -1;  // entry index in its direction; -1 for implicit rules
  Direction direction = Direction::Ingress;  // the direction the entry belongs to
  // "web.policy:12:5 (policy deathstar, ingress rule 2)"; "web.policy:3:1 (policy deathstar)"
  // when ruleIndex is -1 (a whole rule, e.g. one that switched default-deny on).
  std::string toString() const;
};

struct ResolvedEntry {
  Verdict verdict = Verdict::Allow;
  // nullptr = every peer; selectors fully scoped. Immutable and shared: every endpoint that
  // resolves an entry to the same peers points at one list (a large inventory would otherwise
  // hold one copy of each selector per selected endpoint).
  std::shared_ptr<const std::vector<Peer>> peers;
  L4Match l4;
  Provenance provenance;
};

struct DirectionPolicy {
  bool enforced = false;  // default-deny in this direction
  std::vector<Provenance> enforcedBy;  // the rules that switched default-deny on
  std::vector<ResolvedEntry> entries;  // in input order: policies, then entries
};

struct EndpointPolicy {
  const EndpointInfo* endpoint = nullptr;
  DirectionPolicy ingress;
  DirectionPolicy egress;
  const DirectionPolicy& direction(Direction d) const { return d == Direction::Ingress ? ingress : egress; }
};

// Cilium's enforcement modes: default (a selecting rule with that direction), always, never.
enum class EnforcementMode { Default, Always, Never };

struct ResolveOptions {
  EnforcementMode enforcement = EnforcementMode::Default;
  bool allowLocalhost = true;  // traffic from the local host to a local endpoint is allowed
};

struct PolicyIR {
  ResolveOptions options;
  std::vector<EndpointPolicy> endpoints;  // parallel to Inventory::endpoints
  const EndpointPolicy* forEndpoint(const EndpointInfo* endpoint) const;
};

// Scoping (Cilium): a namespaced rule's subject gets `k8s:io.kubernetes.pod.namespace=<ns>`;
// each of its selector peers gets it too unless it already constrains that key or a
// `io.cilium.k8s.namespace.labels.*` key. Requirements (fromRequires) are ANDed into selector
// peers of every entry (allow and deny) of the endpoint's direction.
PolicyIR resolvePolicy(const PolicySet& policies, const Inventory& inventory, const ResolveOptions& options);

// Stable, diff-friendly text form (`--emit=policy-ir`).
void printPolicyIR(std::ostream& out, const PolicyIR& ir, const Inventory& inventory);
// One direction of one endpoint in that form: the `  ingress ...` line and its entries.
void printDirectionPolicy(std::ostream& out, const DirectionPolicy& policy, Direction direction,
                          EnforcementMode mode);

}  // namespace ciliumc
