// Preparing and evaluating policy unit tests (test files and `test` blocks) with the reference
// evaluator. The BPF executor (issue #3) will evaluate the same prepared suites.
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "frontend/diag/diagnostics.h"
#include "frontend/inputs/test_suite.h"
#include "ir/endpoint_policy.h"
#include "ir/evaluator.h"
#include "support/expected.h"

namespace ciliumc::cli {

// A suite's inputs loaded and resolved. Non-movable: the IR points into the inventory.
struct PreparedSuite {
  PolicySet policies;
  Inventory inventory;
  PolicyIR ir;
  PreparedSuite() = default;
  PreparedSuite(const PreparedSuite&) = delete;
  PreparedSuite& operator=(const PreparedSuite&) = delete;
};

std::unique_ptr<PreparedSuite> prepareSuite(const TestSuite& suite, DiagnosticEngine& diags,
                                            const ResolveOptions& options);

// Loads an inventory file (reporting errors) — shared by explain and check.
std::optional<Inventory> loadInventoryOrReport(const std::string& path, DiagnosticEngine& diags);

// Builds a probe from textual references. The address family follows an IP written on either
// side; otherwise IPv4 when the source has one.
Expected<Probe> makeProbe(const Inventory& inventory, const std::string& from, const std::string& to,
                          Protocol protocol, uint16_t portOrType);

}  // namespace ciliumc::cli
