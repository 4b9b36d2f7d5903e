// One YAML mapping read against the field names its schema allows. This is where typos such as
// `fromEndpoint` are caught: the Kubernetes API server drops unknown fields, which would leave a
// rule that silently does something else.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "frontend/k8s/yaml_reader.h"

namespace ciliumc {

class YamlFields {
 public:
  // Reports CP4006 when `node` is not a mapping, CP4005 for each key not in `knownFields` (with
  // a "did you mean" hint), CP4009 for a key given twice. `what` names the mapping in messages
  // ("ingress rule"). The known fields stay readable after errors on others, so one pass
  // reports every problem.
  YamlFields(YamlReader& reader, const YAML::Node& node, std::string what,
             const std::vector<std::string>& knownFields);

  bool isMapping() const { return isMapping_; }
  // The value of a field, or nullopt when it is absent or null (Kubernetes treats an explicit
  // null as omitted).
  std::optional<YAML::Node> get(std::string_view field) const;
  bool has(std::string_view field) const { return get(field).has_value(); }
  // The key node of a field, for diagnostics about the field as a whole; the mapping itself
  // when the field is absent.
  YAML::Node keyNode(std::string_view field) const;
  const YAML::Node& node() const { return node_; }
  const std::string& what() const { return what_; }

  // Reports CP4007 at the mapping when `field` is absent; returns its value otherwise.
  std::optional<YAML::Node> require(YamlReader& reader, std::string_view field) const;

 private:
  struct Field {
    std::string name;
    YAML::Node key;
    YAML::Node value;
  };
  const Field* find(std::string_view field) const;

  YAML::Node node_;
  std::string what_;
  bool isMapping_ = false;
  std::vector<Field> fields_;
};

}  // namespace ciliumc
