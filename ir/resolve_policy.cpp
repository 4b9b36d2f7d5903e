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

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <unordered_map>

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
// the policy's namespace, replacing one the user wrote (with source k8s, or none = any) (a policy cannot select pods of another
// namespace). A single-value In requirement is how a match label arrives in the model; other
// requirements on the key (match expressions) stay and are ANDed, as in Cilium.
LabelSelector scopedSubject(const LabelSelector& subject, const std::string& namespaceName) {
  if (namespaceName.empty()) return subject;
  std::vector<Requirement> kept;
  for (const Requirement& requirement : subject.requirements()) {
    bool isNamespaceMatchLabel = (requirement.source == source::kK8s || requirement.source == source::kAny) &&
                                 requirement.key == k8skey::kPodNamespace &&
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
        auto peers = std::make_shared<std::vector<Peer>>();
        peers->reserve(entry.peers->size());
        for (Peer peer : *entry.peers) {
          if (peer.kind == Peer::Kind::Selector)
            peer.selector = scopedPeerSelector(std::move(peer.selector), rule.namespaceName);
          peers->push_back(std::move(peer));
        }
        resolved.peers = std::move(peers);
      }
      scoped.entries[d].push_back(std::move(resolved));
    }
  }
  return scoped;
}

// The requirements ANDed into an endpoint's selector peers in one direction depend only on
// which of its selecting rules carry requirements there, in input order. Endpoints with the
// same such rules share a group, which resolves each scoped entry's peers once for all of them.
struct RequirementGroup {
  std::vector<Requirement> requirements;
  std::unordered_map<const ResolvedEntry*, std::shared_ptr<const std::vector<Peer>>> peersByEntry;
};

using RequirementGroups = std::map<std::vector<const ScopedRule*>, RequirementGroup>;

bool hasSelectorPeer(const std::vector<Peer>& peers) {
  return std::any_of(peers.begin(), peers.end(),
                     [](const Peer& peer) { return peer.kind == Peer::Kind::Selector; });
}

// `scopedEntry`'s peers with the group's requirements ANDed into every selector peer.
// Entities, CIDRs and "every peer" are left alone, so such lists stay shared as they are.
std::shared_ptr<const std::vector<Peer>> peersWithRequirements(const ResolvedEntry& scopedEntry,
                                                               RequirementGroup& group) {
  if (!scopedEntry.peers || group.requirements.empty() || !hasSelectorPeer(*scopedEntry.peers))
    return scopedEntry.peers;
  auto [found, inserted] = group.peersByEntry.try_emplace(&scopedEntry);
  if (!inserted) return found->second;
  auto peers = std::make_shared<std::vector<Peer>>(*scopedEntry.peers);
  for (Peer& peer : *peers) {
    if (peer.kind != Peer::Kind::Selector) continue;
    for (const Requirement& requirement : group.requirements) peer.selector.addRequirement(requirement);
  }
  found->second = std::move(peers);
  return found->second;
}

DirectionPolicy resolveDirection(const std::vector<const ScopedRule*>& selecting, Direction direction,
                                 EnforcementMode mode, RequirementGroups& groups) {
  DirectionPolicy policy;
  if (mode == EnforcementMode::Never) return policy;  // no enforcement at all: nothing applies
  size_t d = directionIndex(direction);
  std::vector<const ScopedRule*> requiring;
  size_t entryCount = 0;
  for (const ScopedRule* scoped : selecting) {
    if (!scoped->requirements[d].empty()) requiring.push_back(scoped);
    entryCount += scoped->entries[d].size();
    if (scoped->rule->rules(direction).enablesDefaultDeny)
      policy.enforcedBy.push_back(Provenance{scoped->rule->location, scoped->rule->name, -1, direction});
  }
  auto [group, isNew] = groups.try_emplace(std::move(requiring));
  if (isNew) {
    for (const ScopedRule* scoped : group->first) {
      const auto& own = scoped->requirements[d];
      group->second.requirements.insert(group->second.requirements.end(), own.begin(), own.end());
    }
  }
  policy.entries.reserve(entryCount);
  for (const ScopedRule* scoped : selecting) {
    for (const ResolvedEntry& scopedEntry : scoped->entries[d]) {
      ResolvedEntry& entry = policy.entries.emplace_back();
      entry.verdict = scopedEntry.verdict;
      entry.peers = peersWithRequirements(scopedEntry, group->second);
      entry.l4 = scopedEntry.l4;
      entry.provenance = scopedEntry.provenance;
    }
  }
  policy.enforced = mode == EnforcementMode::Always || !policy.enforcedBy.empty();
  return policy;
}

// Finds the rules whose scoped subject selects an endpoint without trying every subject: a
// subject with an `In` requirement can select only endpoints that carry one of its values under
// that key, so each such rule is filed under those (key, value) pairs and only the rules filed
// under an endpoint's labels (plus the rules with no `In` requirement) are matched in full.
class SubjectIndex {
 public:
  explicit SubjectIndex(const std::vector<ScopedRule>& rules) : rules_(rules) {
    for (size_t position = 0; position < rules.size(); ++position) {
      const Requirement* anchor = narrowestIn(rules[position].subject);
      if (!anchor) {
        unanchored_.push_back(position);
        continue;
      }
      for (const std::string& value : anchor->values) byKeyValue_[{anchor->key, value}].push_back(position);
    }
  }

  // The selecting rules in input order. Subjects see identity labels only, so endpoints of
  // one identity share the answer (cached by identity key).
  const std::vector<const ScopedRule*>& selecting(const LabelSet& identityLabels) {
    auto [found, inserted] = byIdentity_.try_emplace(identityKey(identityLabels));
    if (!inserted) return found->second;
    std::vector<size_t> candidates = unanchored_;
    for (const Label& label : identityLabels.labels()) {
      auto filed = byKeyValue_.find({label.key, label.value});
      if (filed != byKeyValue_.end()) candidates.insert(candidates.end(), filed->second.begin(), filed->second.end());
    }
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    for (size_t position : candidates)
      if (rules_[position].subject.matches(identityLabels)) found->second.push_back(&rules_[position]);
    return found->second;
  }

 private:
  // The `In` requirement with the fewest values (the one that narrows the candidates most).
  static const Requirement* narrowestIn(const LabelSelector& subject) {
    const Requirement* best = nullptr;
    for (const Requirement& requirement : subject.requirements())
      if (requirement.op == SelectorOperator::In && (!best || requirement.values.size() < best->values.size()))
        best = &requirement;
    return best;
  }

  const std::vector<ScopedRule>& rules_;
  std::map<std::pair<std::string, std::string>, std::vector<size_t>> byKeyValue_;
  std::vector<size_t> unanchored_;  // rules without an `In` requirement: always matched in full
  std::map<std::string, std::vector<const ScopedRule*>> byIdentity_;
};

}  // namespace

PolicyIR resolvePolicy(const PolicySet& policies, const Inventory& inventory, const ResolveOptions& options) {
  std::vector<ScopedRule> scopedRules;
  scopedRules.reserve(policies.rules.size());
  for (const PolicyRule& rule : policies.rules) scopedRules.push_back(scopeRule(rule));

  SubjectIndex subjects(scopedRules);
  std::array<RequirementGroups, 2> requirementGroups;  // by directionIndex
  PolicyIR ir;
  ir.options = options;
  ir.endpoints.reserve(inventory.endpoints.size());
  for (const EndpointInfo& endpoint : inventory.endpoints) {
    const auto& selecting = subjects.selecting(identityRelevantLabels(endpoint.labels));
    EndpointPolicy policy;
    policy.endpoint = &endpoint;
    for (Direction direction : kDirections) {
      DirectionPolicy& resolved = direction == Direction::Ingress ? policy.ingress : policy.egress;
      resolved = resolveDirection(selecting, direction, options.enforcement,
                                  requirementGroups[directionIndex(direction)]);
    }
    ir.endpoints.push_back(std::move(policy));
  }
  return ir;
}

const EndpointPolicy* PolicyIR::forEndpoint(const EndpointInfo* endpoint) const {
  // `endpoints` is parallel to Inventory::endpoints, so the position of `endpoint` in the
  // inventory's array is where its policy is; integer arithmetic, because `endpoint` may not
  // belong to that array at all. The scan below covers a PolicyIR built some other way.
  if (!endpoints.empty() && endpoint != nullptr) {
    auto first = reinterpret_cast<std::uintptr_t>(endpoints.front().endpoint);
    auto wanted = reinterpret_cast<std::uintptr_t>(endpoint);
    if (wanted >= first && (wanted - first) % sizeof(EndpointInfo) == 0) {
      size_t index = (wanted - first) / sizeof(EndpointInfo);
      if (index < endpoints.size() && endpoints[index].endpoint == endpoint) return &endpoints[index];
    }
  }
  for (const EndpointPolicy& policy : endpoints)
    if (policy.endpoint == endpoint) return &policy;
  return nullptr;
}

}  // namespace ciliumc
