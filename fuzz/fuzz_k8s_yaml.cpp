// Fuzz target for every YAML reader: the Kubernetes/Cilium policy importer, the inventory loader
// and the test-file loader, each on the same bytes with a fresh DiagnosticEngine. Besides "no
// crash, no sanitizer report", it checks the contracts of the headers:
//  - each reader fails exactly when it reports an error (and the importer then appends nothing);
//  - imported policies print (`convert`) to language text that parses back to the same model;
//  - diagnostics render (text with carets, JSON) for every location reported.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <yaml-cpp/yaml.h>

#include "frontend/diag/diagnostics.h"
#include "frontend/inputs/inventory_loader.h"
#include "frontend/inputs/test_file_loader.h"
#include "frontend/k8s/import_yaml.h"
#include "fuzz/invariants.h"

namespace ciliumc::fuzz {
namespace {

const std::string kPath = "fuzz.yaml";

void importPolicies(const std::string& text) {
  DiagnosticEngine diags;
  diags.addSource(kPath, text);
  PolicySet policies;
  const bool imported = importKubernetesPolicies(kPath, text, diags, policies);
  renderDiagnostics(diags);
  requireFrontEndContract(imported, policies.rules.size(), diags, "importKubernetesPolicies");
  if (imported) requirePrintedFormRoundTrips(policies, "Kubernetes YAML");
}

// inventoryFromYaml takes a parsed document: malformed YAML is the caller's problem (the
// file loader reports it as CP5001), so it is skipped here.
void loadInventory(const std::string& text) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception&) {
    return;
  }
  DiagnosticEngine diags;
  diags.addSource(kPath, text);
  const std::optional<Inventory> inventory = inventoryFromYaml(root, kPath, diags);
  renderDiagnostics(diags);
  requireFrontEndContract(inventory.has_value(), 0, diags, "inventoryFromYaml");
}

void loadTests(const std::string& text) {
  DiagnosticEngine diags;
  diags.addSource(kPath, text);
  const std::optional<TestSuite> suite = loadTestFile(kPath, text, diags);
  renderDiagnostics(diags);
  requireFrontEndContract(suite.has_value(), 0, diags, "loadTestFile");
}

}  // namespace
}  // namespace ciliumc::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ciliumc::fuzz;
  const std::string input(reinterpret_cast<const char*>(data), size);
  importPolicies(input);
  loadInventory(input);
  loadTests(input);
  return 0;
}
