// Security identities: reserved numbers, identity-relevant labels, derived Kubernetes labels.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "ir/labels.h"

namespace ciliumc {

using NumericIdentity = uint32_t;

// Fixed numbers, identical to Cilium's.
enum class ReservedIdentity : NumericIdentity {
  Unknown = 0,
  Host = 1,
  World = 2,
  Unmanaged = 3,
  Health = 4,
  Init = 5,
  RemoteNode = 6,
  KubeApiserver = 7,
  Ingress = 8,
  WorldIPv4 = 9,
  WorldIPv6 = 10,
};

inline constexpr NumericIdentity kMinClusterIdentity = 256;
inline constexpr NumericIdentity kMaxClusterIdentity = 65535;
inline constexpr NumericIdentity kLocalIdentityFlag = 1u << 24;  // node-local (CIDR) identities

// "host", "world", "world-ipv4", ... <-> number. The label of a reserved identity is
// `reserved:<name>`.
std::string reservedIdentityName(ReservedIdentity id);
std::optional<ReservedIdentity> reservedIdentityFromName(std::string_view name);
Label reservedIdentityLabel(ReservedIdentity id);

// Keys of derived Kubernetes labels.
namespace k8skey {
inline constexpr std::string_view kPodNamespace = "io.kubernetes.pod.namespace";
inline constexpr std::string_view kNamespaceLabelsPrefix = "io.cilium.k8s.namespace.labels.";
inline constexpr std::string_view kPolicyCluster = "io.cilium.k8s.policy.cluster";
inline constexpr std::string_view kServiceAccount = "io.cilium.k8s.policy.serviceaccount";
}  // namespace k8skey

// The labels Cilium derives for a pod: namespace, each namespace label, cluster, and service
// account when non-empty. All with source `k8s`.
LabelSet derivedPodLabels(std::string_view namespaceName,
                          const std::map<std::string, std::string>& namespaceLabels,
                          std::string_view cluster, std::string_view serviceAccount = "");

// The identity-relevant subset (Cilium's default label filter): drops io.kubernetes*,
// kubernetes.io*, pod-template-hash, controller-revision-hash, controller-uid,
// pod-template-generation, annotation.*, statefulset.kubernetes.io/pod-name; always keeps
// reserved:*, io.kubernetes.pod.namespace, io.cilium.k8s.namespace.labels.*,
// app.kubernetes.io*, io.cilium.k8s.policy.cluster. The longer matching pattern wins.
bool isIdentityRelevant(const Label& label);
LabelSet identityRelevantLabels(const LabelSet& labels);

// The key under which an identity is stored: sorted `source:key=value;` for every label.
std::string identityKey(const LabelSet& identityLabels);

}  // namespace ciliumc
