#include "frontend/k8s/yaml_fields.h"

#include <algorithm>

#include "support/strings.h"

namespace ciliumc {

namespace {

std::string unknownFieldHint(const std::string& name, const std::vector<std::string>& knownFields) {
  if (std::string guess = closestMatch(name, knownFields); !guess.empty())
    return "did you mean `" + guess + "`?";
  std::string list;
  for (const auto& field : knownFields) list += (list.empty() ? "`" : ", `") + field + "`";
  return "known fields: " + list;
}

}  // namespace

YamlFields::YamlFields(YamlReader& reader, const YAML::Node& node, std::string what,
                       const std::vector<std::string>& knownFields)
    : node_(node), what_(std::move(what)) {
  if (!reader.expectMap(node, what_)) return;
  isMapping_ = true;
  for (const auto& pair : node) {
    const YAML::Node& key = pair.first;
    if (!key.IsScalar()) {
      reader.report(DiagCode::CP4005, key, "a key of " + what_ + " must be a plain name, found " +
                                               describeYamlType(key));
      continue;
    }
    const std::string& name = key.Scalar();
    if (std::find(knownFields.begin(), knownFields.end(), name) == knownFields.end()) {
      reader.report(DiagCode::CP4005, key, "unknown field `" + name + "` in " + what_,
                    unknownFieldHint(name, knownFields));
      continue;
    }
    if (const Field* first = find(name)) {
      reader.report(DiagCode::CP4009, key,
                    "field `" + name + "` appears twice in " + what_ + " (first at line " +
                        std::to_string(reader.locationOf(first->key).line) + ")",
                    "merge the two into one field");
      continue;
    }
    fields_.push_back(Field{name, key, pair.second});
  }
}

const YamlFields::Field* YamlFields::find(std::string_view field) const {
  for (const auto& f : fields_)
    if (f.name == field) return &f;
  return nullptr;
}

std::optional<YAML::Node> YamlFields::get(std::string_view field) const {
  const Field* f = find(field);
  if (!f || f->value.IsNull()) return std::nullopt;
  return f->value;
}

YAML::Node YamlFields::keyNode(std::string_view field) const {
  const Field* f = find(field);
  return f ? f->key : node_;
}

std::optional<YAML::Node> YamlFields::require(YamlReader& reader, std::string_view field) const {
  auto value = get(field);
  if (!value && isMapping_)
    reader.report(DiagCode::CP4007, find(field) ? find(field)->key : node_,
                  what_ + " needs field `" + std::string(field) + "`");
  return value;
}

}  // namespace ciliumc
