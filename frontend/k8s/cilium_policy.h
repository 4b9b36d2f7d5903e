// cilium.io/v2 CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy -> one PolicyRule per
// element of `spec` and `specs` (origin "CiliumNetworkPolicy" / "CiliumClusterwideNetworkPolicy").
//
// - endpointSelector is the subject (keys may carry a source; a plain key means `any`).
//   A rule with `nodeSelector` is a host policy: warning CP4105 and the rule is skipped.
// - A non-empty ingress or ingressDeny list switches default-deny on for ingress (egress
//   likewise), unless `enableDefaultDeny: {ingress: false}` says otherwise.
// - Entries: the allow section's first, then the deny section's, numbered in one sequence per
//   direction (RuleEntry::index = position in DirectionRules::entries; dropped entries take no
//   number). Entry semantics: see cilium_rule_entry.h.
// - `labels` -> PolicyRule::policyLabels, `description` -> PolicyRule::description.
// - CiliumNetworkPolicy is namespaced (namespaceName = metadata.namespace, default `default`);
//   the cluster-wide kind has an empty namespaceName. Selectors are stored as written: the
//   resolver adds the namespace scoping.
#pragma once
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "frontend/k8s/yaml_reader.h"
#include "ir/policy.h"

namespace ciliumc {

// Imports one object whose kind (`CiliumNetworkPolicy` or `CiliumClusterwideNetworkPolicy`) and
// apiVersion were checked by the caller. `kindNode` (the value of `kind:`) locates a rule from
// `spec`; rules from `specs` are located at their list element.
void importCiliumPolicy(YamlReader& reader, const YAML::Node& object, const YAML::Node& kindNode,
                        std::string_view kind, PolicySet& out);

}  // namespace ciliumc
