// Fuzz target for the policy language: parsePolicyLanguage and formatPolicyLanguage on arbitrary
// bytes. Besides "no crash, no sanitizer report", it checks the contracts of the headers:
//  - parse fails exactly when it reports an error, and then appends nothing;
//  - the policies it accepts print (`convert`) to text that parses back to the same model;
//  - `fmt` is idempotent, and the formatted text parses exactly when the input did, to the same
//    policies and tests (formatting never changes meaning);
//  - diagnostics render (text with carets, JSON) for every location reported.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "frontend/diag/diagnostics.h"
#include "frontend/inputs/test_suite.h"
#include "frontend/lang/format_policy.h"
#include "frontend/lang/parse_policy.h"
#include "frontend/lang/print_policy.h"
#include "fuzz/invariants.h"
#include "support/line_diff.h"

namespace ciliumc::fuzz {
namespace {

const std::string kPath = "fuzz.policy";

struct ParsedText {
  bool succeeded = false;
  PolicySet policies;
  std::vector<TestSuite> tests;
  std::string diagnostics;  // rendered as plain text, for violation reports
};

// What the test blocks say, locations aside: fmt must keep every expectation.
std::string describeTests(const std::vector<TestSuite>& tests) {
  std::ostringstream out;
  for (const TestSuite& suite : tests) {
    out << "test " << suite.name << " inventory=" << suite.inventoryFile << " policies=";
    for (const std::string& file : suite.policyFiles) out << file << ",";
    out << "\n";
    for (const TestCase& c : suite.cases) {
      out << "  " << c.name << " " << verdictName(c.expect) << " " << c.from << " -> " << c.to
          << " " << static_cast<int>(c.protocol) << "/" << c.port << "\n";
    }
  }
  return out.str();
}

// Parses with a fresh engine, checks the parse contract and renders the diagnostics.
ParsedText parseChecked(const std::string& text) {
  DiagnosticEngine diags;
  diags.addSource(kPath, text);
  ParsedText result;
  result.succeeded = parsePolicyLanguage(kPath, text, diags, result.policies, result.tests);
  renderDiagnostics(diags);
  requireFrontEndContract(result.succeeded, result.policies.rules.size() + result.tests.size(),
                          diags, "parsePolicyLanguage");
  result.diagnostics = diagnosticsText(diags);
  return result;
}

// Formats with a fresh engine; nullopt must come with an error.
std::optional<std::string> formatChecked(const std::string& text) {
  DiagnosticEngine diags;
  diags.addSource(kPath, text);
  std::optional<std::string> formatted = formatPolicyLanguage(kPath, text, diags);
  renderDiagnostics(diags);
  require(formatted.has_value() || diags.hasErrors(), "fmt reports why it cannot format",
          [] { return std::string("formatPolicyLanguage returned nullopt without an error"); });
  return formatted;
}

void checkFormatting(const std::string& input, const ParsedText& parsedInput) {
  const std::optional<std::string> formatted = formatChecked(input);
  if (!formatted) return;

  const std::optional<std::string> formattedTwice = formatChecked(*formatted);
  require(formattedTwice.has_value(), "fmt accepts its own output",
          [&] { return "formatted text:\n" + *formatted; });
  require(*formattedTwice == *formatted, "fmt is idempotent", [&] {
    return unifiedDiff(*formatted, *formattedTwice, "format(input)", "format(format(input))");
  });

  const ParsedText parsedFormatted = parseChecked(*formatted);
  require(parsedFormatted.succeeded == parsedInput.succeeded,
          "the formatted text parses exactly when the input does", [&] {
            return "formatted text:\n" + *formatted + "\ndiagnostics on the input:\n" +
                   parsedInput.diagnostics + "\ndiagnostics on the formatted text:\n" +
                   parsedFormatted.diagnostics;
          });
  if (!parsedInput.succeeded) return;
  const std::string before = printPolicyLanguage(parsedInput.policies);
  const std::string after = printPolicyLanguage(parsedFormatted.policies);
  require(before == after, "fmt keeps the policies", [&] {
    return unifiedDiff(before, after, "print(parse(input))", "print(parse(format(input)))");
  });
  const std::string testsBefore = describeTests(parsedInput.tests);
  const std::string testsAfter = describeTests(parsedFormatted.tests);
  require(testsBefore == testsAfter, "fmt keeps the test blocks", [&] {
    return unifiedDiff(testsBefore, testsAfter, "tests(input)", "tests(format(input))");
  });
}

}  // namespace
}  // namespace ciliumc::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ciliumc::fuzz;
  const std::string input(reinterpret_cast<const char*>(data), size);
  const ParsedText parsed = parseChecked(input);
  if (parsed.succeeded) requirePrintedFormRoundTrips(parsed.policies, "the policy language");
  checkFormatting(input, parsed);
  return 0;
}
