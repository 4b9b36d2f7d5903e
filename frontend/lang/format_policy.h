// `ciliumc fmt`: the canonical layout of a policy file, comments preserved. Idempotent:
// format(format(x)) == format(x), and the formatted text parses to the same model.
#pragma once
#include <optional>
#include <string>

#include "frontend/diag/diagnostics.h"

namespace ciliumc {

// nullopt when the text does not parse (diagnostics reported).
std::optional<std::string> formatPolicyLanguage(const std::string& path, const std::string& text,
                                                DiagnosticEngine& diags);

}  // namespace ciliumc
