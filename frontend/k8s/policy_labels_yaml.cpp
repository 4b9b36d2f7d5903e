#include "frontend/k8s/policy_labels_yaml.h"

#include <algorithm>

#include "frontend/k8s/selector_yaml.h"
#include "frontend/k8s/yaml_fields.h"

namespace ciliumc {

namespace {

const std::vector<std::string> kLabelFields = {"key", "value", "source"};

std::optional<Label> parseLabelAt(YamlReader& reader, const YAML::Node& node, const std::string& text) {
  auto label = Label::parse(text, LabelContext::Endpoint);
  if (!label) {
    reader.reportParseError(labelParseErrorCode(text, label.error()), node, label.error(), "invalid policy label");
    return std::nullopt;
  }
  return *label;
}

std::optional<Label> readLabelMapping(YamlReader& reader, const YAML::Node& node) {
  YamlFields fields(reader, node, "policy label", kLabelFields);
  if (!fields.isMapping()) return std::nullopt;
  auto keyNode = fields.require(reader, "key");
  if (!keyNode) return std::nullopt;
  auto key = reader.readString(*keyNode, "label `key`");
  if (!key) return std::nullopt;
  auto label = parseLabelAt(reader, *keyNode, *key);
  if (!label) return std::nullopt;
  if (!label->value.empty()) {
    reader.report(DiagCode::CP3001, *keyNode, "label key `" + *key + "` contains `=`", "put the value in `value:`");
    return std::nullopt;
  }
  if (auto sourceNode = fields.get("source")) {
    auto source = reader.readString(*sourceNode, "label `source`");
    if (!source) return std::nullopt;
    const auto& known = knownLabelSources();
    if (*source == source::kAny) {
      reader.report(DiagCode::CP3004, *sourceNode, "a policy label cannot have source `any`");
      return std::nullopt;
    }
    if (std::find(known.begin(), known.end(), *source) == known.end()) {
      reader.report(DiagCode::CP3003, *sourceNode, "unknown label source `" + *source + "`");
      return std::nullopt;
    }
    label->source = *source;
  }
  if (auto valueNode = fields.get("value")) {
    auto value = reader.readString(*valueNode, "label `value`");
    if (!value) return std::nullopt;
    if (auto ok = validateLabelValue(*value); !ok) {
      reader.reportParseError(DiagCode::CP3002, *valueNode, ok.error(), "invalid label value");
      return std::nullopt;
    }
    label->value = *value;
  }
  return label;
}

}  // namespace

std::optional<LabelSet> readPolicyLabels(YamlReader& reader, const YAML::Node& list) {
  if (!reader.expectSequence(list, "`labels`")) return std::nullopt;
  LabelSet labels;
  bool ok = true;
  for (const auto& item : list) {
    std::optional<Label> label =
        item.IsScalar() ? parseLabelAt(reader, item, item.Scalar()) : readLabelMapping(reader, item);
    if (label) labels.add(std::move(*label));
    else ok = false;
  }
  if (!ok) return std::nullopt;
  return labels;
}

}  // namespace ciliumc
