#include "ir/identity.h"

#include <algorithm>
#include <array>
#include <utility>

#include "support/strings.h"

namespace ciliumc {

namespace {

struct ReservedName {
  ReservedIdentity id;
  std::string_view name;
};

constexpr std::array<ReservedName, 11> kReservedNames = {{
    {ReservedIdentity::Unknown, "unknown"},
    {ReservedIdentity::Host, "host"},
    {ReservedIdentity::World, "world"},
    {ReservedIdentity::Unmanaged, "unmanaged"},
    {ReservedIdentity::Health, "health"},
    {ReservedIdentity::Init, "init"},
    {ReservedIdentity::RemoteNode, "remote-node"},
    {ReservedIdentity::KubeApiserver, "kube-apiserver"},
    {ReservedIdentity::Ingress, "ingress"},
    {ReservedIdentity::WorldIPv4, "world-ipv4"},
    {ReservedIdentity::WorldIPv6, "world-ipv6"},
}};

// Cilium's default label filter (pkg/labelsfilter), as key prefixes. For each label the longest
// matching keep pattern and the longest matching drop pattern are compared: the label is kept
// when no drop pattern matches, or when a keep pattern matches with a longer match.
struct LabelPattern {
  std::string_view keyPrefix;
  bool keep;
};

constexpr std::array<LabelPattern, 12> kDefaultLabelFilter = {{
    {k8skey::kPodNamespace, true},
    {"io.cilium.k8s.namespace.labels", true},
    {"app.kubernetes.io", true},
    {k8skey::kPolicyCluster, true},
    {"io.kubernetes", false},
    {"kubernetes.io", false},
    {"statefulset.kubernetes.io/pod-name", false},
    {"pod-template-generation", false},
    {"pod-template-hash", false},
    {"controller-revision-hash", false},
    {"controller-uid", false},
    {"annotation", false},  // Cilium's regex `annotation.*`
}};

Label k8sLabel(std::string key, std::string value) {
  return Label{std::string(source::kK8s), std::move(key), std::move(value)};
}

}  // namespace

std::string reservedIdentityName(ReservedIdentity id) {
  for (const auto& entry : kReservedNames)
    if (entry.id == id) return std::string(entry.name);
  return "reserved-" + std::to_string(static_cast<NumericIdentity>(id));
}

std::optional<ReservedIdentity> reservedIdentityFromName(std::string_view name) {
  for (const auto& entry : kReservedNames)
    if (entry.name == name) return entry.id;
  return std::nullopt;
}

Label reservedIdentityLabel(ReservedIdentity id) {
  return Label{std::string(source::kReserved), reservedIdentityName(id), ""};
}

LabelSet derivedPodLabels(std::string_view namespaceName,
                          const std::map<std::string, std::string>& namespaceLabels,
                          std::string_view cluster, std::string_view serviceAccount) {
  LabelSet labels;
  labels.add(k8sLabel(std::string(k8skey::kPodNamespace), std::string(namespaceName)));
  for (const auto& [key, value] : namespaceLabels)
    labels.add(k8sLabel(std::string(k8skey::kNamespaceLabelsPrefix) + key, value));
  if (!cluster.empty()) labels.add(k8sLabel(std::string(k8skey::kPolicyCluster), std::string(cluster)));
  if (!serviceAccount.empty())
    labels.add(k8sLabel(std::string(k8skey::kServiceAccount), std::string(serviceAccount)));
  return labels;
}

bool isIdentityRelevant(const Label& label) {
  if (label.source == source::kReserved) return true;
  size_t keepLength = 0;
  size_t dropLength = 0;
  for (const auto& pattern : kDefaultLabelFilter) {
    if (!startsWith(label.key, pattern.keyPrefix)) continue;
    size_t& best = pattern.keep ? keepLength : dropLength;
    best = std::max(best, pattern.keyPrefix.size());
  }
  return dropLength == 0 || keepLength > dropLength;
}

LabelSet identityRelevantLabels(const LabelSet& labels) {
  LabelSet relevant;
  for (const auto& label : labels.labels())
    if (isIdentityRelevant(label)) relevant.add(label);
  return relevant;
}

std::string identityKey(const LabelSet& identityLabels) {
  // Cilium sorts by key (its label maps are keyed by key); the source breaks ties here because
  // a LabelSet may hold the same key under two sources.
  std::vector<const Label*> sorted;
  for (const auto& label : identityLabels.labels()) sorted.push_back(&label);
  std::sort(sorted.begin(), sorted.end(), [](const Label* a, const Label* b) {
    return a->key != b->key ? a->key < b->key : a->source < b->source;
  });
  std::string key;
  for (const Label* label : sorted) key += label->toIdentityString() + ";";
  return key;
}

}  // namespace ciliumc
