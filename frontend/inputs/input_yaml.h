// Reading hand-written YAML documents (inventory and test files) with precise CP5xxx
// diagnostics. (frontend/k8s has its own reader for policy YAML, with CP4xxx codes.)
// yaml-cpp's marks are 0-based; every location produced here is 1-based file:line:col.
// Contract: nothing here throws; every yaml-cpp exception becomes a CP5001 diagnostic, every
// shape problem a CP5002/CP5003/CP5004/CP5007 diagnostic, and callers just test the result.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "frontend/diag/diagnostics.h"

namespace ciliumc {

// The fields of one YAML mapping, after unknown and duplicate keys were reported.
class InputYamlFields {
 public:
  // The value of `key`, or nullptr when the key is absent.
  const YAML::Node* get(std::string_view key) const;
  // The key node itself (for locations of "missing value" problems); nullptr when absent.
  const YAML::Node* keyNode(std::string_view key) const;
  bool has(std::string_view key) const { return get(key) != nullptr; }
  // Was `key` the "did you mean" suggestion for an unknown key? Then it is not reported as
  // missing as well: one typo, one diagnostic.
  bool wasSuggested(std::string_view key) const;

 private:
  friend class InputYamlReader;
  std::vector<std::string> suggested_;
  struct Field {
    std::string name;
    YAML::Node key;
    YAML::Node value;
  };
  std::vector<Field> fields_;
};

class InputYamlReader {
 public:
  InputYamlReader(const std::string& path, DiagnosticEngine& diags);

  // Parses a whole document; CP5001 (with the parser's location) on malformed YAML.
  std::optional<YAML::Node> parse(const std::string& text);

  // 1-based location of a node's text (after the opening quote of a quoted scalar); `offset`
  // moves right inside a single-line scalar. Undefined nodes give the file, line unknown.
  SourceLocation at(const YAML::Node& node, size_t offset = 0) const;
  SourceLocation atMark(const YAML::Mark& mark) const;
  // Where to point for a field's value: the value itself, or its key when the value is empty
  // (yaml-cpp places empty values on the following line).
  SourceLocation valueLocation(const InputYamlFields& fields, std::string_view key) const;

  void report(DiagCode code, const SourceLocation& where, std::string message, std::string hint = {},
              int length = 1);

  // A mapping whose keys are all in `allowed`, each at most once. Unknown keys get CP5002 with
  // a "did you mean" hint; repeated keys CP5007. `what` names the mapping in messages
  // ("endpoint"). Returns nullopt (after CP5003) when `node` is not a mapping.
  std::optional<InputYamlFields> mapping(const YAML::Node& node, const std::vector<std::string>& allowed,
                                    std::string_view what);
  // Reports CP5004 for each of `required` that `fields` lacks, pointing at `owner`, unless the
  // key was already suggested for a misspelt one. False when any is missing.
  bool requireKeys(const InputYamlFields& fields, const YAML::Node& owner,
                   const std::vector<std::string>& required, std::string_view what);

  // A plain scalar as text (CP5003 for lists and mappings; an empty value is "").
  std::optional<std::string> scalar(const YAML::Node& node, std::string_view what);
  // `true` or `false` (case-insensitive); CP5003 otherwise.
  std::optional<bool> boolean(const YAML::Node& node, std::string_view what);
  // A sequence's elements; an empty value (`key:` with nothing) is an empty list.
  std::optional<std::vector<YAML::Node>> sequence(const YAML::Node& node, std::string_view what);

  const std::shared_ptr<const std::string>& file() const { return file_; }
  // Were errors reported since this reader was made, by it or by checks sharing its engine?
  bool hadErrors() const { return diags_.errorReports() > errorsBefore_; }

 private:
  std::shared_ptr<const std::string> file_;
  DiagnosticEngine& diags_;
  size_t errorsBefore_ = 0;
};

// "a mapping", "a list", "a string", "nothing": for CP5003 messages.
std::string describeYamlNode(const YAML::Node& node);

}  // namespace ciliumc
