#include "frontend/k8s/selector_yaml.h"

#include <algorithm>
#include <set>

#include "frontend/k8s/yaml_fields.h"
#include "ir/identity.h"
#include "support/strings.h"

namespace ciliumc {

namespace {

const std::vector<std::string> kSelectorFields = {"matchLabels", "matchExpressions"};
const std::vector<std::string> kRequirementFields = {"key", "operator", "values"};
const std::vector<std::string> kOperatorNames = {"In", "NotIn", "Exists", "DoesNotExist"};

struct SelectorKey {
  std::string source;
  std::string key;
};

std::optional<SelectorKey> readSelectorKey(YamlReader& reader, const YAML::Node& node, SelectorDialect dialect) {
  auto text = reader.readString(node, "a selector key");
  if (!text) return std::nullopt;
  if (dialect == SelectorDialect::Cilium) {
    auto label = Label::parse(*text, LabelContext::Selector);
    if (!label) {
      reader.reportParseError(labelParseErrorCode(*text, label.error()), node, label.error(),
                              "invalid selector key");
      return std::nullopt;
    }
    if (!label->value.empty()) {
      reader.report(DiagCode::CP3001, node, "selector key `" + *text + "` contains `=`",
                    "write the value as the mapping value: `" + label->key + ": " + label->value + "`");
      return std::nullopt;
    }
    return SelectorKey{label->source, label->key};
  }
  if (auto ok = validateLabelKey(*text); !ok) {
    reader.reportParseError(DiagCode::CP3001, node, ok.error(), "invalid label key");
    return std::nullopt;
  }
  if (dialect == SelectorDialect::KubernetesNamespaces)
    return SelectorKey{std::string(source::kK8s), std::string(k8skey::kNamespaceLabelsPrefix) + *text};
  return SelectorKey{std::string(source::kK8s), *text};
}

std::optional<std::string> readSelectorValue(YamlReader& reader, const YAML::Node& node) {
  auto value = reader.readString(node, "a selector value");
  if (!value) return std::nullopt;
  if (auto ok = validateLabelValue(*value); !ok) {
    reader.reportParseError(DiagCode::CP3002, node, ok.error(), "invalid label value");
    return std::nullopt;
  }
  return value;
}

std::optional<SelectorOperator> readOperator(YamlReader& reader, const YAML::Node& node) {
  auto text = reader.readString(node, "`operator`");
  if (!text) return std::nullopt;
  static const SelectorOperator kOperators[] = {SelectorOperator::In, SelectorOperator::NotIn,
                                                SelectorOperator::Exists, SelectorOperator::DoesNotExist};
  for (size_t i = 0; i < kOperatorNames.size(); ++i)
    if (*text == kOperatorNames[i]) return kOperators[i];
  std::string guess = closestMatch(*text, kOperatorNames);
  reader.report(DiagCode::CP4008, node, "unknown selector operator `" + *text + "`",
                guess.empty() ? "operators are In, NotIn, Exists and DoesNotExist" : "did you mean `" + guess + "`?");
  return std::nullopt;
}

bool readMatchLabels(YamlReader& reader, const YAML::Node& node, SelectorDialect dialect,
                     LabelSelector& selector) {
  if (!reader.expectMap(node, "matchLabels")) return false;
  bool ok = true;
  std::set<std::string> seen;
  for (const auto& pair : node) {
    // A repeated key would AND two values of one label: a selector that can never match.
    if (pair.first.IsScalar() && !seen.insert(pair.first.Scalar()).second) {
      reader.report(DiagCode::CP4009, pair.first, "label `" + pair.first.Scalar() + "` appears twice in matchLabels",
                    "a label has one value; use matchExpressions with `In` for several");
      ok = false;
      continue;
    }
    auto key = readSelectorKey(reader, pair.first, dialect);
    auto value = readSelectorValue(reader, pair.second);
    if (!key || !value) {
      ok = false;
      continue;
    }
    selector.addRequirement(Requirement{key->source, key->key, SelectorOperator::In, {*value}});
  }
  return ok;
}

bool readRequirement(YamlReader& reader, const YAML::Node& node, SelectorDialect dialect,
                     LabelSelector& selector) {
  YamlFields fields(reader, node, "matchExpressions entry", kRequirementFields);
  if (!fields.isMapping()) return false;
  auto keyNode = fields.require(reader, "key");
  auto operatorNode = fields.require(reader, "operator");
  if (!keyNode || !operatorNode) return false;
  auto key = readSelectorKey(reader, *keyNode, dialect);
  auto op = readOperator(reader, *operatorNode);
  if (!key || !op) return false;

  Requirement requirement{key->source, key->key, *op, {}};
  auto valuesNode = fields.get("values");
  if (valuesNode) {
    if (!reader.expectSequence(*valuesNode, "`values`")) return false;
    for (const auto& valueNode : *valuesNode) {
      auto value = readSelectorValue(reader, valueNode);
      if (!value) return false;
      requirement.values.push_back(*value);
    }
  }
  bool takesValues = *op == SelectorOperator::In || *op == SelectorOperator::NotIn;
  if (takesValues && requirement.values.empty()) {
    reader.report(DiagCode::CP3007, *operatorNode, "operator `" + operatorNode->Scalar() + "` needs a non-empty `values` list",
                  "use `Exists` to match any value");
    return false;
  }
  if (!takesValues && !requirement.values.empty()) {
    reader.report(DiagCode::CP3007, fields.keyNode("values"),
                  "operator `" + operatorNode->Scalar() + "` takes no `values`", "remove `values`");
    return false;
  }
  std::sort(requirement.values.begin(), requirement.values.end());
  requirement.values.erase(std::unique(requirement.values.begin(), requirement.values.end()),
                           requirement.values.end());
  selector.addRequirement(std::move(requirement));
  return true;
}

}  // namespace

DiagCode labelParseErrorCode(std::string_view text, const Error& error) {
  size_t colon = text.find(':');
  size_t equals = text.find('=');
  bool inSource = colon != std::string_view::npos && colon < equals && error.offset < colon;
  if (inSource) return text.substr(0, colon) == source::kAny ? DiagCode::CP3004 : DiagCode::CP3003;
  return equals != std::string_view::npos && error.offset > equals ? DiagCode::CP3002 : DiagCode::CP3001;
}

std::optional<LabelSelector> readLabelSelector(YamlReader& reader, const YAML::Node& node,
                                               SelectorDialect dialect, std::string_view what) {
  YamlFields fields(reader, node, std::string(what), kSelectorFields);
  if (!fields.isMapping()) return std::nullopt;
  LabelSelector selector;
  bool ok = true;
  if (auto labels = fields.get("matchLabels")) ok = readMatchLabels(reader, *labels, dialect, selector) && ok;
  if (auto expressions = fields.get("matchExpressions")) {
    if (reader.expectSequence(*expressions, "matchExpressions")) {
      for (const auto& entry : *expressions) ok = readRequirement(reader, entry, dialect, selector) && ok;
    } else {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return selector;
}

}  // namespace ciliumc
