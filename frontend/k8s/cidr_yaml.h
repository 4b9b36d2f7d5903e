// CIDR peers in YAML: NetworkPolicy `ipBlock: {cidr, except}`, Cilium `fromCIDR: [..]` and
// `fromCIDRSet: [{cidr, except}]`. Invalid prefixes are CP3010, an except outside its CIDR CP3011.
#pragma once
#include <optional>

#include <yaml-cpp/yaml.h>

#include "frontend/k8s/yaml_reader.h"
#include "ir/policy.h"

namespace ciliumc {

// One prefix from a scalar node.
std::optional<IpPrefix> readCidrPrefix(YamlReader& reader, const YAML::Node& node);

// A CIDR and its optional `except` list (a YAML list of prefixes, each inside the CIDR).
// `exceptNode` may be undefined (no except).
std::optional<CidrPeer> readCidrWithExcept(YamlReader& reader, const YAML::Node& cidrNode,
                                           const std::optional<YAML::Node>& exceptNode);

}  // namespace ciliumc
