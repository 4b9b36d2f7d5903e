// Machine-readable diagnostics for `--format json`: one JSON object on one line. The shape is
// versioned by "format_version"; add keys freely, but bump the version to rename or remove one.
// Key types never vary: "file" is "" and line/column are 0 when unknown.
#include <nlohmann/json.hpp>
#include <ostream>

#include "frontend/diag/diagnostics.h"
#include "frontend/diag/severity_name.h"

namespace ciliumc {

namespace {

nlohmann::ordered_json diagnosticJson(const Diagnostic& diagnostic) {
  const DiagInfo& info = diagInfo(diagnostic.code);
  const SourceLocation& location = diagnostic.location;
  nlohmann::ordered_json entry = {
      {"code", info.code},
      {"severity", severityName(diagnostic.severity)},
      {"file", location.file ? *location.file : std::string()},
      {"line", location.line},
      {"column", location.column},
      {"message", diagnostic.message},
  };
  if (!diagnostic.hint.empty()) entry["hint"] = diagnostic.hint;
  // Kept for warnings promoted by -Werror too: it is the name that -Wno- would take.
  if (!info.warningName.empty()) entry["warning_name"] = info.warningName;
  return entry;
}

}  // namespace

void DiagnosticEngine::renderJson(std::ostream& out) const {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const Diagnostic& diagnostic : diagnostics_) list.push_back(diagnosticJson(diagnostic));
  nlohmann::ordered_json document = {
      {"format_version", 1},
      {"diagnostics", std::move(list)},
      {"errors", errorCount()},
      {"warnings", warningCount()},
  };
  // Invalid UTF-8 in a message (quoted from a binary file) must not throw: replace it.
  out << document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

}  // namespace ciliumc
