// Reading input files of every kind and dispatching them to the right front end.
// Kinds: `.policy` = the language; `.yaml`/`.yml`/`.json` = Kubernetes/Cilium policy, an
// inventory, or a test file, told apart by content. Directories are walked recursively in
// sorted order.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "frontend/diag/diagnostics.h"
#include "frontend/inputs/test_suite.h"
#include "ir/inventory.h"
#include "ir/policy.h"

namespace ciliumc {

enum class InputKind { PolicyLanguage, KubernetesYaml, Inventory, TestFile, Unknown };

struct LoadedInputs {
  PolicySet policies;
  std::vector<TestSuite> tests;  // test blocks and test files, in input order
  std::vector<std::string> policyFiles;    // files that contributed policies
  std::vector<std::string> inventoryFiles; // inventory files found among the inputs
};

// Reads a whole file; reports CP1001 on failure.
std::optional<std::string> readFileText(const std::string& path, DiagnosticEngine& diags);

// Expands directories, classifies and loads each file. Returns false if any error was reported.
bool loadInputs(const std::vector<std::string>& paths, DiagnosticEngine& diags, LoadedInputs& out);

// Loads policy files only (test suites' `policies:`, explain, convert). Directories expand to
// the policy files below them; a non-policy file named explicitly is an error (CP1002).
bool loadPolicyFiles(const std::vector<std::string>& paths, DiagnosticEngine& diags, PolicySet& out);

// The kind of one file, by extension and (for YAML/JSON) by its top-level keys.
InputKind classifyInput(const std::string& path, const std::string& text);

}  // namespace ciliumc
