#include "frontend/inputs/input_yaml.h"

#include "frontend/k8s/yaml_documents.h"

#include <algorithm>
#include <cctype>

#include "support/strings.h"

namespace ciliumc {

namespace {

std::string lowercase(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string joinQuoted(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& word : words) out += (out.empty() ? "`" : ", `") + word + "`";
  return out;
}

}  // namespace

std::string describeYamlNode(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (node.IsMap()) return "a mapping";
  if (node.IsSequence()) return "a list";
  return "`" + node.Scalar() + "`";
}

const YAML::Node* InputYamlFields::get(std::string_view key) const {
  for (const auto& field : fields_)
    if (field.name == key) return &field.value;
  return nullptr;
}

bool InputYamlFields::wasSuggested(std::string_view key) const {
  return std::find(suggested_.begin(), suggested_.end(), key) != suggested_.end();
}

const YAML::Node* InputYamlFields::keyNode(std::string_view key) const {
  for (const auto& field : fields_)
    if (field.name == key) return &field.key;
  return nullptr;
}

InputYamlReader::InputYamlReader(const std::string& path, DiagnosticEngine& diags)
    : file_(std::make_shared<const std::string>(path)), diags_(diags), errorsBefore_(diags.errorReports()) {}

std::optional<YAML::Node> InputYamlReader::parse(const std::string& text) {
  try {
    requireUtf8(text);
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    report(DiagCode::CP5001, atMark(e.mark), "invalid YAML: " + e.msg);
  }
  return std::nullopt;
}

SourceLocation InputYamlReader::atMark(const YAML::Mark& mark) const {
  if (mark.is_null() || mark.line < 0) return SourceLocation{file_};
  return SourceLocation{file_, mark.line + 1, mark.column + 1};
}

SourceLocation InputYamlReader::at(const YAML::Node& node, size_t offset) const {
  if (!node.IsDefined()) return SourceLocation{file_};
  SourceLocation location = atMark(node.Mark());
  if (location.line == 0) return location;
  // yaml-cpp tags quoted scalars "!" and marks them at the opening quote; point at the text.
  bool quoted = node.IsScalar() && node.Tag() == "!";
  location.column += static_cast<int>(offset) + (quoted ? 1 : 0);
  return location;
}

SourceLocation InputYamlReader::valueLocation(const InputYamlFields& fields, std::string_view key) const {
  const YAML::Node* value = fields.get(key);
  if (value && !value->IsNull()) return at(*value);
  const YAML::Node* keyNode = fields.keyNode(key);
  return keyNode ? at(*keyNode) : SourceLocation{file_};
}

void InputYamlReader::report(DiagCode code, const SourceLocation& where, std::string message,
                        std::string hint, int length) {
  diags_.report(code, where, std::move(message), std::move(hint), length);
}

std::optional<InputYamlFields> InputYamlReader::mapping(const YAML::Node& node,
                                              const std::vector<std::string>& allowed,
                                              std::string_view what) {
  InputYamlFields fields;
  if (node.IsNull()) return fields;  // `key:` with nothing, or an empty document
  if (!node.IsMap()) {
    report(DiagCode::CP5003, at(node),
           std::string(what) + " must be a mapping, found " + describeYamlNode(node),
           "expected keys: " + joinQuoted(allowed));
    return std::nullopt;
  }
  for (const auto& entry : node) {
    const YAML::Node& key = entry.first;
    if (!key.IsScalar()) {
      report(DiagCode::CP5003, at(key), "keys of " + std::string(what) + " must be plain words");
      continue;
    }
    const std::string& name = key.Scalar();
    int length = static_cast<int>(std::max<size_t>(1, name.size()));
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      std::string guess = closestMatch(name, allowed);
      if (!guess.empty()) fields.suggested_.push_back(guess);
      report(DiagCode::CP5002, at(key), "unknown key `" + name + "` in " + std::string(what),
             guess.empty() ? "expected one of " + joinQuoted(allowed) : "did you mean `" + guess + "`?",
             length);
      continue;
    }
    if (const YAML::Node* first = fields.keyNode(name)) {
      report(DiagCode::CP5007, at(key), "key `" + name + "` appears twice in " + std::string(what),
             "the first one is at " + at(*first).toString(), length);
      continue;
    }
    fields.fields_.push_back(InputYamlFields::Field{name, key, entry.second});
  }
  return fields;
}

bool InputYamlReader::requireKeys(const InputYamlFields& fields, const YAML::Node& owner,
                             const std::vector<std::string>& required, std::string_view what) {
  bool ok = true;
  for (const auto& key : required) {
    if (fields.has(key)) continue;
    ok = false;
    if (!fields.wasSuggested(key)) report(DiagCode::CP5004, at(owner), std::string(what) + " has no `" + key + "`");
  }
  return ok;
}

std::optional<std::string> InputYamlReader::scalar(const YAML::Node& node, std::string_view what) {
  if (node.IsNull()) return std::string();
  if (node.IsScalar()) return node.Scalar();
  report(DiagCode::CP5003, at(node), std::string(what) + " must be a single value, found " +
                                         describeYamlNode(node));
  return std::nullopt;
}

std::optional<bool> InputYamlReader::boolean(const YAML::Node& node, std::string_view what) {
  if (node.IsScalar()) {
    std::string word = lowercase(node.Scalar());
    if (word == "true") return true;
    if (word == "false") return false;
  }
  report(DiagCode::CP5003, at(node),
         std::string(what) + " must be `true` or `false`, found " + describeYamlNode(node));
  return std::nullopt;
}

std::optional<std::vector<YAML::Node>> InputYamlReader::sequence(const YAML::Node& node,
                                                            std::string_view what) {
  std::vector<YAML::Node> items;
  if (node.IsNull()) return items;
  if (!node.IsSequence()) {
    report(DiagCode::CP5003, at(node), std::string(what) + " must be a list, found " +
                                           describeYamlNode(node),
           "write one item per line, each starting with `- `");
    return std::nullopt;
  }
  for (const auto& item : node) items.push_back(item);
  return items;
}

}  // namespace ciliumc
