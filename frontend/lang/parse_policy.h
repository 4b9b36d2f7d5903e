// The policy language front end (ANTLR4 grammar in PolicyLang.g4): text -> policy model.
// Syntax errors CP2xxx; semantic errors on labels/CIDRs/ports CP3xxx. Never throws.
#pragma once
#include <string>
#include <vector>

#include "frontend/diag/diagnostics.h"
#include "frontend/inputs/test_suite.h"
#include "ir/policy.h"

namespace ciliumc {

// Appends the policies and test blocks of one file. Test block paths are resolved relative to
// the file. Returns false if an error was reported (nothing is appended then).
bool parsePolicyLanguage(const std::string& path, const std::string& text, DiagnosticEngine& diags,
                         PolicySet& policies, std::vector<TestSuite>& tests);

}  // namespace ciliumc
