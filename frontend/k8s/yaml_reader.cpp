#include "frontend/k8s/yaml_reader.h"

#include "frontend/k8s/yaml_location.h"

namespace ciliumc {

YamlReader::YamlReader(const std::string& path, DiagnosticEngine& diags)
    : file_(std::make_shared<const std::string>(path)), diags_(diags) {}

SourceLocation YamlReader::locationOf(const YAML::Node& node) const { return locationOfNode(node, file_); }

void YamlReader::report(DiagCode code, const YAML::Node& node, std::string message, std::string hint) {
  diags_.report(code, locationOf(node), std::move(message), std::move(hint), underlineLength(node));
}

void YamlReader::reportParseError(DiagCode code, const YAML::Node& node, const Error& error,
                                  std::string_view context) {
  std::string message = context.empty() ? error.message : std::string(context) + ": " + error.message;
  diags_.report(code, locationInScalar(node, file_, error.offset), std::move(message), error.hint);
}

void YamlReader::reportAt(DiagCode code, SourceLocation location, std::string message, std::string hint,
                          int length) {
  diags_.report(code, std::move(location), std::move(message), std::move(hint), length);
}

std::string describeYamlType(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Scalar: return "a scalar `" + node.Scalar() + "`";
    case YAML::NodeType::Null: return "null";
    case YAML::NodeType::Undefined: break;
  }
  return "nothing";
}

bool YamlReader::expectMap(const YAML::Node& node, std::string_view what) {
  if (node.IsMap()) return true;
  report(DiagCode::CP4006, node, std::string(what) + " must be a mapping, found " + describeYamlType(node),
         node.IsSequence() ? "remove the leading `-`: this field takes one mapping, not a list" : "");
  return false;
}

bool YamlReader::expectSequence(const YAML::Node& node, std::string_view what) {
  if (node.IsSequence()) return true;
  std::string hint;
  if (node.IsScalar()) hint = "write a list: `[" + node.Scalar() + "]` or one `- " + node.Scalar() + "` per line";
  else if (node.IsMap()) hint = "start the entry with `- ` to make it an element of a list";
  report(DiagCode::CP4006, node, std::string(what) + " must be a list, found " + describeYamlType(node),
         hint);
  return false;
}

std::optional<std::string> YamlReader::readString(const YAML::Node& node, std::string_view what) {
  if (node.IsScalar()) return node.Scalar();
  report(DiagCode::CP4006, node, std::string(what) + " must be a string, found " + describeYamlType(node));
  return std::nullopt;
}

std::optional<bool> YamlReader::readBool(const YAML::Node& node, std::string_view what) {
  if (node.IsScalar()) {
    const std::string& text = node.Scalar();
    if (text == "true" || text == "True" || text == "TRUE") return true;
    if (text == "false" || text == "False" || text == "FALSE") return false;
  }
  report(DiagCode::CP4006, node, std::string(what) + " must be `true` or `false`, found " + describeYamlType(node));
  return std::nullopt;
}

}  // namespace ciliumc
