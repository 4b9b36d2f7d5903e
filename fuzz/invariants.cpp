#include "fuzz/invariants.h"

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "frontend/inputs/test_suite.h"
#include "frontend/lang/format_policy.h"
#include "frontend/lang/parse_policy.h"
#include "frontend/lang/print_policy.h"
#include "support/line_diff.h"

namespace ciliumc::fuzz {

namespace {

// `text` without its comment-only lines. The printer explains some choices in comments (a
// policy renamed because its name was taken); the parser drops comments, so they are the one
// part of printed text that cannot survive a round trip. A `#` inside a quoted string never
// starts a line: strings cannot span lines.
std::string withoutCommentLines(const std::string& text) {
  std::string result;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    end = end == std::string::npos ? text.size() : end + 1;
    const std::string_view line(text.data() + start, end - start);
    const size_t first = line.find_first_not_of(" \t");
    const bool comment = first != std::string_view::npos &&
                         (line.substr(first, 1) == "#" || line.substr(first, 2) == "//");
    if (!comment) result += line;
    start = end;
  }
  return result;
}

}  // namespace

std::string diagnosticsText(const DiagnosticEngine& diags) {
  std::ostringstream out;
  diags.renderText(out, false);
  return out.str();
}

void reportViolation(std::string_view invariant, std::string_view details) {
  std::fprintf(stderr, "\nfuzz invariant violated: %.*s\n%.*s\n", static_cast<int>(invariant.size()),
               invariant.data(), static_cast<int>(details.size()), details.data());
  std::fflush(stderr);
  std::abort();
}

void renderDiagnostics(const DiagnosticEngine& diags) {
  for (bool color : {false, true}) {
    std::ostringstream text;
    diags.renderText(text, color);
  }
  std::ostringstream json;
  diags.renderJson(json);
  const nlohmann::json document = nlohmann::json::parse(json.str(), nullptr, /*allow_exceptions=*/false);
  require(!document.is_discarded(), "renderJson writes one valid JSON document",
          [&] { return "output:\n" + json.str(); });
  require(document.contains("diagnostics") &&
              document["diagnostics"].size() == diags.diagnostics().size() &&
              document.value("errors", size_t{0}) == diags.errorCount() &&
              document.value("warnings", size_t{0}) == diags.warningCount(),
          "renderJson lists every diagnostic and the engine's counts",
          [&] { return "output:\n" + json.str(); });
}

void requireFrontEndContract(bool succeeded, size_t itemsAppended, const DiagnosticEngine& diags,
                             std::string_view frontEnd) {
  require(succeeded != diags.hasErrors(), "a front end fails exactly when it reported an error",
          [&] {
            return std::string(frontEnd) + (succeeded ? " succeeded" : " failed") +
                   ", diagnostics:\n" + diagnosticsText(diags);
          });
  require(succeeded || itemsAppended == 0, "a failed front end appends nothing", [&] {
    return std::string(frontEnd) + " failed but appended " + std::to_string(itemsAppended) +
           " items";
  });
}

void requirePrintedFormRoundTrips(const PolicySet& policies, std::string_view origin) {
  const std::string printed = printPolicyLanguage(policies);
  const std::string path = "printed.policy";

  DiagnosticEngine parseDiags;
  parseDiags.addSource(path, printed);
  PolicySet reparsed;
  std::vector<TestSuite> tests;
  const bool parsed = parsePolicyLanguage(path, printed, parseDiags, reparsed, tests);
  renderDiagnostics(parseDiags);
  require(parsed && !parseDiags.hasErrors(), "printed policies parse without errors", [&] {
    return "policies from " + std::string(origin) + " printed as:\n" + printed +
           "\ndiagnostics:\n" + diagnosticsText(parseDiags);
  });

  const std::string reprinted = printPolicyLanguage(reparsed);
  require(withoutCommentLines(reprinted) == withoutCommentLines(printed),
          "printed policies parse to the same model", [&] {
    return "policies from " + std::string(origin) + ", print(parse(print(model))) differs:\n" +
           unifiedDiff(printed, reprinted, "printed", "reprinted");
  });

  DiagnosticEngine formatDiags;
  formatDiags.addSource(path, printed);
  const std::optional<std::string> formatted = formatPolicyLanguage(path, printed, formatDiags);
  renderDiagnostics(formatDiags);
  require(formatted.has_value(), "printed policies can be formatted", [&] {
    return "policies from " + std::string(origin) + " printed as:\n" + printed +
           "\ndiagnostics:\n" + diagnosticsText(formatDiags);
  });
  require(*formatted == printed, "printed policies are already in fmt layout", [&] {
    return "policies from " + std::string(origin) + ":\n" +
           unifiedDiff(printed, *formatted, "printed", "formatted");
  });
}

}  // namespace ciliumc::fuzz
