// Loads a YAML test file (keys: policies, inventory, cases) into a TestSuite, resolving paths
// relative to the test file. Diagnostics CP5xxx.
#pragma once
#include <optional>
#include <string>

#include "frontend/diag/diagnostics.h"
#include "frontend/inputs/test_suite.h"

namespace ciliumc {

std::optional<TestSuite> loadTestFile(const std::string& path, const std::string& text,
                                      DiagnosticEngine& diags);

}  // namespace ciliumc
