// `metadata` of a Kubernetes object: the name (required) and the namespace. A namespaced policy
// without a namespace is placed in `default` (kubectl would use the current context's namespace,
// which a file cannot know) with warning CP4106. Cluster-wide policies ignore a namespace
// (CP4104). Labels and annotations are accepted and not used: Cilium's policy labels come from
// the Cilium rule's own `labels`, not from metadata.
#pragma once
#include <optional>
#include <string>

#include <yaml-cpp/yaml.h>

#include "frontend/k8s/yaml_fields.h"
#include "frontend/k8s/yaml_reader.h"

namespace ciliumc {

inline constexpr const char* kDefaultNamespace = "default";

struct ObjectMeta {
  std::string name;
  std::string namespaceName;  // empty for cluster-wide objects
};

// Reads `metadata` of `document`. nullopt after an error.
std::optional<ObjectMeta> readObjectMeta(YamlReader& reader, const YamlFields& document, bool namespaced,
                                         std::string_view kind);

}  // namespace ciliumc
