// resolvePolicy: from the policy model to the per-endpoint policy IR.
//
// Faithful to Cilium (pkg/k8s/apis/cilium.io/utils ParseToCiliumRule / getEndpointSelector,
// pkg/policy rule.go and repository.go):
//  - A namespaced rule's subject is confined to its namespace (a namespace match label the user
//    wrote on the subject is replaced, as Cilium does).
//  - Each selector peer of a namespaced rule is confined to the rule's namespace unless it
//    constrains a `reserved:` label, the namespace key `io.kubernetes.pod.namespace`, or a
//    namespace-labels key `io.cilium.k8s.namespace.labels.*` (source k8s or any). So `{}` in a
//    namespaced rule means "the same namespace". Cluster-wide rules are not scoped.
//  - Requirements (fromRequires/toRequires) of a namespaced rule are confined the same way
//    (Cilium scopes FromRequires selectors too, without the reserved exemption).
//  - The requirements of every rule that selects an endpoint in a direction are ANDed into
//    every *selector* peer of every entry of that direction. Entities, CIDRs and "every peer"
//    (no peer list) are left alone: Cilium folds requirements into FromEndpoints only, and an
//    L4-only rule becomes the plain wildcard selector.
//    Cilium keeps separate requirement lists for allow and deny sections; the policy model has
//    one list per direction, applied to both.
//  - Subjects and peers match the endpoint's identity-relevant labels: Cilium computes an
//    endpoint's policy from its security identity, whose labels are the filtered set.
#include "ir/endpoint_policy.h"

#include <array>

namespace ciliumc {

namespace {

constexpr std::array<Direction, 2> kDirections = {Direction::Ingress, Direction::Egress};

size_t directionIndex(Direction d) { return d == Direction::Ingress ? 0 : 1; }

Requirement namespaceRequirement(const std::string& namespaceName) {
  Requirement requirement;
  requirement.source = std::string(source::kK8s);
  requirement.key = std::string(k8skey::kPodNamespace);
  requirement.op = SelectorOperator::In;
  requirement.values = {namespaceName};
  return requirement;
}

bool namesNamespace(const LabelSelector& selector) {
  return selector.mentionsKey(source::kK8s, k8skey::kPodNamespace) ||
         selector.mentionsKeyPrefix(source::kK8s, k8skey::kNamespaceLabelsPrefix);
}

LabelSelector scopedPeerSelector(LabelSelector selector, const std::string& namespaceName) {
  if (namespaceName.empty() || selector.mentionsReservedSource() || namesNamespace(selector))
    return selector;
  selector.addRequirement(namespaceRequirement(namespaceName));
  return selector;
}

std::vector<Requirement> scopedRequirements(const std::vector<Requirement>& written,
                                            const std::string& namespaceName) {
  if (written.empty() || namespaceName.empty()) return written;
  if (namesNamespace(LabelSelector(written))) return written;
  std::vector<Requirement> scoped = written;
  scoped.push_back(namespaceRequirement(namespaceName));
  return scoped;
}

// A rule with namespace scoping applied, computed once and shared by every endpoint.
struct ScopedRule {
  const PolicyRule* rule = nullptr;
  LabelSelector subject;
  std::array<std::vector<ResolvedEntry>, 2> entries;       // by directionIndex
  std::array<std::vector<Requirement>, 2> requirements;    // by directionIndex
};

// Cilium's ParseToCiliumRule sets the subject's `k8s:io.kubernetes.pod.namespace` match label to
// the policy's namespace, replacing one the user wrote (a policy cannot select pods of another
// namespace). A single-value In requirement is how a match label arrives in the model; other
// requirements on the key (match expressions) stay and are ANDed, as in Cilium.
LabelSelector scopedSubject(const LabelSelector& subject, const std::string& namespaceName) {
  if (namespaceName.empty()) return subject;
  std::vector<Requirement> kept;
  for (const Requirement& requirement : subject.requirements()) {
    bool isNamespaceMatchLabel = requirement.source == source::kK8s && requirement.key == k8skey::kPodNamespace &&
                                 requirement.op == SelectorOperator::In && requirement.values.size() == 1;
    if (!isNamespaceMatchLabel) kept.push_back(requirement);
  }
  kept.push_back(namespaceRequirement(namespaceName));
  return LabelSelector(std::move(kept));
}

ScopedRule scopeRule(const PolicyRule& rule) {
  ScopedRule scoped;
  scoped.rule = &rule;
  scoped.subject = scopedSubject(rule.subject, rule.namespaceName);
  for (Direction direction : kDirections) {
    const DirectionRules& rules = rule.rules(direction);
    size_t d = directionIndex(direction);
    scoped.requirements[d] = scopedRequirements(rules.requirements, rule.namespaceName);
    for (const RuleEntry& entry : rules.entries) {
      ResolvedEntry resolved;
      resolved.verdict = entry.verdict;
      resolved.l4 = entry.l4;
      resolved.provenance = Provenance{entry.location, rule.name, entry.index, direction};
      if (entry.peers) {
        resolved.peers.emplace();
        for (Peer peer : *entry.peers) {
          if (peer.kind == Peer::Kind::Selector)
            peer.selector = scopedPeerSelector(std::move(peer.selector), rule.namespaceName);
          resolved.peers->push_back(std::move(peer));
        }
      }
      scoped.entries[d].push_back(std::move(resolved));
    }
  }
  return scoped;
}

void addRequirements(ResolvedEntry& entry, const std::vector<Requirement>& requirements) {
  if (!entry.peers) return;
  for (Peer& peer : *entry.peers) {
    if (peer.kind != Peer::Kind::Selector) continue;
    for (const Requirement& requirement : requirements) peer.selector.addRequirement(requirement);
  }
}

DirectionPolicy resolveDirection(const std::vector<const ScopedRule*>& selecting, Direction direction,
                                 EnforcementMode mode) {
  DirectionPolicy policy;
  if (mode == EnforcementMode::Never) return policy;  // no enforcement at all: nothing applies
  size_t d = directionIndex(direction);
  std::vector<Requirement> requirements;
  for (const ScopedRule* scoped : selecting) {
    const auto& own = scoped->requirements[d];
    requirements.insert(requirements.end(), own.begin(), own.end());
    if (scoped->rule->rules(direction).enablesDefaultDeny)
      policy.enforcedBy.push_back(Provenance{scoped->rule->location, scoped->rule->name, -1, direction});
  }
  for (const ScopedRule* scoped : selecting) {
    for (ResolvedEntry entry : scoped->entries[d]) {
      addRequirements(entry, requirements);
      policy.entries.push_back(std::move(entry));
    }
  }
  policy.enforced = mode == EnforcementMode::Always || !policy.enforcedBy.empty();
  return policy;
}

}  // namespace

PolicyIR resolvePolicy(const PolicySet& policies, const Inventory& inventory, const ResolveOptions& options) {
  std::vector<ScopedRule> scopedRules;
  scopedRules.reserve(policies.rules.size());
  for (const PolicyRule& rule : policies.rules) scopedRules.push_back(scopeRule(rule));

  PolicyIR ir;
  ir.options = options;
  ir.endpoints.reserve(inventory.endpoints.size());
  for (const EndpointInfo& endpoint : inventory.endpoints) {
    LabelSet identityLabels = identityRelevantLabels(endpoint.labels);
    std::vector<const ScopedRule*> selecting;
    for (const ScopedRule& scoped : scopedRules)
      if (scoped.subject.matches(identityLabels)) selecting.push_back(&scoped);
    EndpointPolicy policy;
    policy.endpoint = &endpoint;
    policy.ingress = resolveDirection(selecting, Direction::Ingress, options.enforcement);
    policy.egress = resolveDirection(selecting, Direction::Egress, options.enforcement);
    ir.endpoints.push_back(std::move(policy));
  }
  return ir;
}

const EndpointPolicy* PolicyIR::forEndpoint(const EndpointInfo* endpoint) const {
  for (const EndpointPolicy& policy : endpoints)
    if (policy.endpoint == endpoint) return &policy;
  return nullptr;
}

}  // namespace ciliumc
