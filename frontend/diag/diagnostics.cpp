// The diagnostic table (from codes.def) and the engine's collection and filtering. Rendering
// lives in render_text.cpp and render_json.cpp.
#include "frontend/diag/diagnostics.h"

#include <algorithm>
#include <cctype>

namespace ciliumc {

namespace {

// Indexed by DiagCode: the X-macro expands in enum order, so position == enum value.
const std::vector<DiagInfo>& diagTable() {
  static const std::vector<DiagInfo> table = {
#define DIAG(code, severity, name, title, explanation) \
  DiagInfo{#code, Severity::severity, name, title, explanation},
#include "frontend/diag/codes.def"
#undef DIAG
  };
  return table;
}

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) ==
                  std::toupper(static_cast<unsigned char>(y));
         });
}

bool isKnownWarningName(std::string_view name) {
  const auto& table = diagTable();
  return std::any_of(table.begin(), table.end(), [&](const DiagInfo& info) {
    return info.severity == Severity::Warning && info.warningName == name;
  });
}

}  // namespace

const DiagInfo& diagInfo(DiagCode code) { return diagTable()[static_cast<size_t>(code)]; }

const std::vector<DiagInfo>& allDiagnostics() { return diagTable(); }

std::optional<DiagCode> diagCodeFromString(std::string_view text) {
  const auto& table = diagTable();
  for (size_t i = 0; i < table.size(); ++i) {
    if (equalsIgnoringCase(table[i].code, text)) return static_cast<DiagCode>(i);
  }
  return std::nullopt;
}

void DiagnosticEngine::addSource(const std::string& path, std::string text) {
  sources_[path] = std::move(text);
}

const std::string* DiagnosticEngine::sourceText(const std::string& path) const {
  auto it = sources_.find(path);
  return it == sources_.end() ? nullptr : &it->second;
}

bool DiagnosticEngine::disableWarning(std::string_view name) {
  if (name == "all") {
    disableAll_ = true;
    return true;
  }
  if (!isKnownWarningName(name)) return false;
  disabled_.insert(std::string(name));
  return true;
}

void DiagnosticEngine::report(DiagCode code, SourceLocation location, std::string message,
                              std::string hint, int length) {
  const DiagInfo& info = diagInfo(code);
  Severity severity = info.severity;
  if (severity == Severity::Warning) {
    if (disableAll_ || disabled_.count(info.warningName) > 0) return;
    if (warningsAsErrors_) severity = Severity::Error;
  }
  if (severity == Severity::Error) ++errorReports_;
  // A file read twice (named on the command line and by a test suite) reports once.
  std::string identity = std::string(info.code) + '\0' + location.fileName() + '\0' +
                         std::to_string(location.line) + ':' + std::to_string(location.column) + '\0' + message;
  if (!reported_.insert(std::move(identity)).second) return;
  diagnostics_.push_back(
      Diagnostic{code, severity, std::move(location), length, std::move(message), std::move(hint)});
}

size_t DiagnosticEngine::errorCount() const {
  return std::count_if(diagnostics_.begin(), diagnostics_.end(),
                       [](const Diagnostic& d) { return d.severity == Severity::Error; });
}

size_t DiagnosticEngine::warningCount() const {
  return std::count_if(diagnostics_.begin(), diagnostics_.end(),
                       [](const Diagnostic& d) { return d.severity == Severity::Warning; });
}

}  // namespace ciliumc
