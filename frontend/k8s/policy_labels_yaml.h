// The `labels` of a Cilium rule (labels of the policy itself, not a selector): a list whose
// elements are either `{key, value, source}` mappings (Cilium's JSON form; source defaults to
// the one written in the key, else `unspec`) or strings `source:key=value`.
#pragma once
#include <optional>

#include <yaml-cpp/yaml.h>

#include "frontend/k8s/yaml_reader.h"
#include "ir/labels.h"

namespace ciliumc {

std::optional<LabelSet> readPolicyLabels(YamlReader& reader, const YAML::Node& list);

}  // namespace ciliumc
