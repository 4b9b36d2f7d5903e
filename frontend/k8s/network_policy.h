// networking.k8s.io/v1 NetworkPolicy -> one PolicyRule (origin "NetworkPolicy").
//
// Translation, as Cilium does it:
//  - spec.podSelector -> subject, keys with source `k8s`; the namespace scoping is applied later
//    by the resolver because namespaceName is set.
//  - policyTypes: default-deny for each listed direction; omitted (or empty) means Ingress, plus
//    Egress when `egress` has rules — exactly Kubernetes' defaulting. Rules of a direction that
//    policyTypes leaves out are ignored by Kubernetes: warning CP4107, and they are dropped.
//  - A rule without `from`/`to` (or with an empty list) allows every peer; without `ports`,
//    every port: `ingress: [{}]` allows everything.
//  - podSelector peer: the selector as written (the resolver scopes it to the namespace).
//    namespaceSelector: requirements on `k8s:io.cilium.k8s.namespace.labels.<key>`; an empty
//    namespaceSelector `{}` becomes `k8s:io.kubernetes.pod.namespace` Exists (every namespace,
//    and the resolver will not re-scope it). Both together: one selector with both parts.
//  - ipBlock -> a CIDR peer. Upstream Kubernetes lets an ipBlock match pod IPs too; Cilium
//    matches CIDR peers against non-cluster addresses only, and we follow Cilium.
//  - Named ports are dropped with CP4101; a rule whose ports were all named is dropped whole.
#pragma once
#include <yaml-cpp/yaml.h>

#include "frontend/k8s/yaml_reader.h"
#include "ir/policy.h"

namespace ciliumc {

// Imports one object whose kind and apiVersion were checked by the caller. `kindNode` (the
// value of `kind:`) gives the rule's location. Reports errors and appends nothing on failure.
void importNetworkPolicy(YamlReader& reader, const YAML::Node& object, const YAML::Node& kindNode,
                         PolicySet& out);

}  // namespace ciliumc
