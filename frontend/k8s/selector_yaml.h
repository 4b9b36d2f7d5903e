// Kubernetes label selectors in YAML ({matchLabels, matchExpressions}) -> LabelSelector.
// The dialect decides how a key is read:
//  - KubernetesPods (NetworkPolicy podSelector): plain Kubernetes keys, source `k8s`.
//  - KubernetesNamespaces (NetworkPolicy namespaceSelector): namespace labels, which Cilium
//    gives every pod as `k8s:io.cilium.k8s.namespace.labels.<key>`.
//  - Cilium (endpointSelector, fromEndpoints, fromRequires, ...): the key may carry a source
//    (`k8s:app`, `any:app`, `reserved:host`, `$host`); a plain key means `any`.
#pragma once
#include <optional>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "frontend/k8s/yaml_reader.h"
#include "ir/selector.h"

namespace ciliumc {

enum class SelectorDialect { KubernetesPods, KubernetesNamespaces, Cilium };

// Reads one selector; `what` names it in messages ("podSelector"). nullopt after an error.
// Errors: CP4005/CP4006/CP4007/CP4008 for structure, CP3001-CP3003 for keys and values, CP3007
// for In/NotIn without values (or Exists/DoesNotExist with values).
std::optional<LabelSelector> readLabelSelector(YamlReader& reader, const YAML::Node& node,
                                               SelectorDialect dialect, std::string_view what);

// The code for a Label::parse error on `text`: CP3003 for an unknown source prefix, CP3004 for
// `any` on a label, CP3002 inside the value, CP3001 otherwise.
DiagCode labelParseErrorCode(std::string_view text, const Error& error);

}  // namespace ciliumc
