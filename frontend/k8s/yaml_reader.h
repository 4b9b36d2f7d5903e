// The state of one YAML import: the file, the diagnostic engine, and typed access to scalar
// values that reports CP4006 (wrong type) at the node instead of throwing. Every importer
// function takes a YamlReader& so diagnostics carry file:line:col of the offending node.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "frontend/diag/diagnostics.h"
#include "support/expected.h"

namespace ciliumc {

class YamlReader {
 public:
  YamlReader(const std::string& path, DiagnosticEngine& diags);

  const std::shared_ptr<const std::string>& file() const { return file_; }
  SourceLocation locationOf(const YAML::Node& node) const;

  // Reports at `node`, underlining its scalar text.
  void report(DiagCode code, const YAML::Node& node, std::string message, std::string hint = {});
  // Reports an Error from a small parser (labels, CIDRs, ports) whose offset is relative to the
  // scalar text of `node`.
  void reportParseError(DiagCode code, const YAML::Node& node, const Error& error,
                        std::string_view context = {});
  void reportAt(DiagCode code, SourceLocation location, std::string message, std::string hint = {},
                int length = 1);

  // Type checks. Each reports CP4006 naming `what` and the expected type when it fails.
  bool expectMap(const YAML::Node& node, std::string_view what);
  bool expectSequence(const YAML::Node& node, std::string_view what);
  std::optional<std::string> readString(const YAML::Node& node, std::string_view what);
  std::optional<bool> readBool(const YAML::Node& node, std::string_view what);

  DiagnosticEngine& diags() { return diags_; }

 private:
  std::shared_ptr<const std::string> file_;
  DiagnosticEngine& diags_;
};

// "a mapping", "a list", "a string", "null" — how a YAML node's type is named in messages.
std::string describeYamlType(const YAML::Node& node);

}  // namespace ciliumc
