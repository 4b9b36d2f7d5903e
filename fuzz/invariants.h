// Checks shared by the fuzz targets. Each one states a contract from a front-end header; a
// violation prints what was expected and what happened, then aborts, so libFuzzer stops, saves
// the input as crash-<sha1> and scripts/fuzz.sh reports it.
#pragma once
#include <string>
#include <string_view>

#include "frontend/diag/diagnostics.h"
#include "ir/policy.h"

namespace ciliumc::fuzz {

// Prints "fuzz invariant violated: <invariant>" and `details` to stderr, then aborts.
[[noreturn]] void reportViolation(std::string_view invariant, std::string_view details);

// Aborts via reportViolation when `holds` is false; `details` is only built on failure.
template <typename Details>
void require(bool holds, std::string_view invariant, Details&& details) {
  if (!holds) reportViolation(invariant, details());
}

// The diagnostics of `diags` as plain text, for violation reports.
std::string diagnosticsText(const DiagnosticEngine& diags);

// Renders every diagnostic as plain and colored text and as JSON into memory, so the caret
// code runs on every location a front end produced. The JSON must be one valid document whose
// counts agree with the engine.
void renderDiagnostics(const DiagnosticEngine& diags);

// The front-end contract "returns false if an error was reported (nothing is appended then)":
// success must agree with the engine, or a command would fail without a message (or go on
// despite an error), and a failed front end must leave its output untouched. `itemsAppended`
// counts what the front end added to its output (0 for loaders that return an optional).
void requireFrontEndContract(bool succeeded, size_t itemsAppended, const DiagnosticEngine& diags,
                             std::string_view frontEnd);

// The `convert` contract of print_policy.h: the language form of `policies` parses without
// errors into the same model (printing it again gives the same text, comments aside) and is
// already in `fmt` layout. `origin` names the producer of `policies` for the report.
void requirePrintedFormRoundTrips(const PolicySet& policies, std::string_view origin);

}  // namespace ciliumc::fuzz
