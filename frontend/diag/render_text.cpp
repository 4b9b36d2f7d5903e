// Human-readable diagnostics, modelled on clang:
//   policy.cp:3:25: error[CP2001]: unknown protocol `tpc`
//      3 |   allow from { k8s:app = web } on tpc/80
//        |                                   ^~~
//     = hint: did you mean `tcp`?
//   1 error generated.
// Columns count Unicode code points (what the ANTLR lexer reports), and each character is
// assumed to be one cell wide; tabs are copied into the caret padding so the caret stays aligned
// whatever the terminal's tab width.
#include <algorithm>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "frontend/diag/diagnostics.h"
#include "frontend/diag/severity_name.h"

namespace ciliumc {

namespace {

// ANSI escapes, or empty strings when color is off so the layout code never branches on color.
struct Palette {
  std::string_view bold, red, magenta, green, reset;
};

constexpr Palette kColor{"\x1b[1m", "\x1b[1;31m", "\x1b[1;35m", "\x1b[1;32m", "\x1b[0m"};
constexpr Palette kPlain{"", "", "", "", ""};

bool isUtf8Continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

size_t countCodePoints(std::string_view text) {
  return std::count_if(text.begin(), text.end(), [](char c) { return !isUtf8Continuation(c); });
}

// The 1-based `line` of `text` without its line terminator; nullopt past the last line. A final
// newline ends the last line rather than starting an empty one.
std::optional<std::string_view> sourceLine(std::string_view text, int line) {
  size_t start = 0;
  for (int current = 1; current < line; ++current) {
    size_t newline = text.find('\n', start);
    if (newline == std::string_view::npos) return std::nullopt;
    start = newline + 1;
  }
  if (start >= text.size() && line > 1) return std::nullopt;
  size_t end = text.find('\n', start);
  std::string_view result = text.substr(start, end == std::string_view::npos ? end : end - start);
  if (!result.empty() && result.back() == '\r') result.remove_suffix(1);
  return result;
}

// "path:line:col", "path:line", "path", or "ciliumc" when there is no file at all.
std::string positionText(const SourceLocation& location) {
  if (!location.file || location.file->empty()) return "ciliumc";
  std::string text = *location.file;
  if (location.line > 0) {
    text += ":" + std::to_string(location.line);
    if (location.column > 0) text += ":" + std::to_string(location.column);
  }
  return text;
}

// " [-Wname]" for warnings, " [-Werror,-Wname]" for warnings promoted by -Werror, like clang.
std::string warningFlagText(const Diagnostic& diagnostic) {
  std::string_view name = diagInfo(diagnostic.code).warningName;
  if (name.empty()) return "";
  std::string prefix = diagnostic.severity == Severity::Error ? "-Werror," : "";
  return " [" + prefix + "-W" + std::string(name) + "]";
}

void renderHeader(std::ostream& out, const Diagnostic& diagnostic, const Palette& p) {
  std::string_view severityColor = diagnostic.severity == Severity::Warning ? p.magenta : p.red;
  out << p.bold << positionText(diagnostic.location) << ":" << p.reset << " " << severityColor
      << severityName(diagnostic.severity) << "[" << diagInfo(diagnostic.code).code
      << "]:" << p.reset << " " << p.bold << diagnostic.message << warningFlagText(diagnostic)
      << p.reset << "\n";
}

// The quoted line and, when the column is known, a caret under it. The caret is clipped to the
// line: a column past the end points just after the last character, and the underline never runs
// beyond the line.
void renderSourceExcerpt(std::ostream& out, std::string_view lineText, const Diagnostic& diagnostic,
                         const Palette& p) {
  const std::string number = std::to_string(diagnostic.location.line);
  const std::string gutterPad(number.size(), ' ');
  out << "  " << number << " | " << lineText << "\n";
  if (diagnostic.location.column <= 0) return;

  const size_t lineChars = countCodePoints(lineText);
  const size_t caretColumn = std::min<size_t>(diagnostic.location.column, lineChars + 1);
  std::string padding;
  size_t seen = 0;
  for (size_t i = 0; i < lineText.size() && seen + 1 < caretColumn; ++i) {
    if (isUtf8Continuation(lineText[i])) continue;
    padding += lineText[i] == '\t' ? '\t' : ' ';
    ++seen;
  }
  const size_t available = lineChars - (caretColumn - 1);
  const size_t underline =
      std::max<size_t>(1, std::min<size_t>(std::max(1, diagnostic.length), available));
  out << "  " << gutterPad << " | " << padding << p.green << "^" << std::string(underline - 1, '~')
      << p.reset << "\n";
}

void renderDiagnostic(std::ostream& out, const Diagnostic& diagnostic, const std::string* source,
                      const Palette& p) {
  renderHeader(out, diagnostic, p);
  if (source && diagnostic.location.line > 0) {
    if (auto lineText = sourceLine(*source, diagnostic.location.line)) {
      renderSourceExcerpt(out, *lineText, diagnostic, p);
    }
  }
  if (!diagnostic.hint.empty())
    out << "  " << p.bold << "= hint:" << p.reset << " " << diagnostic.hint << "\n";
}

std::string countText(size_t count, std::string_view noun) {
  return std::to_string(count) + " " + std::string(noun) + (count == 1 ? "" : "s");
}

// "1 error generated.", "2 errors and 1 warning generated.", "3 warnings generated.".
std::string summaryText(size_t errors, size_t warnings) {
  std::string text;
  if (errors > 0) text = countText(errors, "error");
  if (warnings > 0) text += (text.empty() ? "" : " and ") + countText(warnings, "warning");
  return text + " generated.";
}

}  // namespace

void DiagnosticEngine::renderText(std::ostream& out, bool color) const {
  const Palette& palette = color ? kColor : kPlain;
  for (const Diagnostic& diagnostic : diagnostics_) {
    const std::string* source =
        diagnostic.location.file ? sourceText(*diagnostic.location.file) : nullptr;
    renderDiagnostic(out, diagnostic, source, palette);
  }
  const size_t errors = errorCount(), warnings = warningCount();
  if (errors + warnings > 0) out << summaryText(errors, warnings) << "\n";
}

}  // namespace ciliumc
