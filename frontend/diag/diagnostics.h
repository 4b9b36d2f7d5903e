// Diagnostics: one engine collects errors and warnings from every stage and renders them as
//   file:line:col: error[CP2001]: message
//      12 |   allow from { k8s:app = web } on tpc/80
//         |                                   ^
//   hint: did you mean `tcp`?
// or as JSON (`--format json`). Codes and their explanations live in codes.def.
#pragma once
#include <iosfwd>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "ir/source_location.h"

namespace ciliumc {

enum class DiagCode {
#define DIAG(code, severity, name, title, explanation) code,
#include "frontend/diag/codes.def"
#undef DIAG
};

enum class Severity { Note, Warning, Error };

struct DiagInfo {
  std::string_view code;         // "CP2001"
  Severity severity;             // the default severity
  std::string_view warningName;  // "" for errors
  std::string_view title;
  std::string_view explanation;
};

const DiagInfo& diagInfo(DiagCode code);
std::optional<DiagCode> diagCodeFromString(std::string_view text);  // "CP2001" / "cp2001"
const std::vector<DiagInfo>& allDiagnostics();

struct Diagnostic {
  DiagCode code;
  Severity severity;  // after -Werror / -Wno- processing
  SourceLocation location;
  int length = 1;     // columns to underline
  std::string message;
  std::string hint;   // optional
};

class DiagnosticEngine {
 public:
  // Registers file text so diagnostics can quote the source line.
  void addSource(const std::string& path, std::string text);
  const std::string* sourceText(const std::string& path) const;

  void setWarningsAsErrors(bool on) { warningsAsErrors_ = on; }
  // Accepts a warning name ("unsupported-field") or "all"; false when unknown.
  bool disableWarning(std::string_view name);

  // Reports a diagnostic; warnings may be dropped or promoted per the options above. A
  // diagnostic identical to an earlier one (code, place, message) is dropped.
  void report(DiagCode code, SourceLocation location, std::string message, std::string hint = {},
              int length = 1);

  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }
  size_t errorCount() const;
  size_t warningCount() const;
  bool hasErrors() const { return errorCount() > 0; }
  // Every error ever reported, duplicates included: a front end compares it before and after
  // its own work to learn whether that work failed, even when its errors repeat earlier ones.
  size_t errorReports() const { return errorReports_; }

  // Human form, to stderr normally. `color` adds ANSI colors.
  void renderText(std::ostream& out, bool color) const;
  // {"format_version":1,"diagnostics":[{"code","severity","file","line","column","message","hint"}]}
  void renderJson(std::ostream& out) const;

 private:
  std::map<std::string, std::string> sources_;
  std::set<std::string, std::less<>> disabled_;
  bool disableAll_ = false;
  bool warningsAsErrors_ = false;
  std::vector<Diagnostic> diagnostics_;
  std::set<std::string> reported_;
  size_t errorReports_ = 0;
};

}  // namespace ciliumc
