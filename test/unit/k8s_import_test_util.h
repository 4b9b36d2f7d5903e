// Shared helpers of the YAML importer tests: import a text, find diagnostics by code, find rules.
#pragma once
#include <gtest/gtest.h>

#include <string>

#include "frontend/diag/diagnostics.h"
#include "frontend/k8s/import_yaml.h"

namespace ciliumc::testing {

struct ImportResult {
  bool ok = false;
  PolicySet policies;
  DiagnosticEngine diags;

  size_t count(DiagCode code) const {
    size_t n = 0;
    for (const auto& d : diags.diagnostics()) n += d.code == code;
    return n;
  }
  const Diagnostic* find(DiagCode code) const {
    for (const auto& d : diags.diagnostics())
      if (d.code == code) return &d;
    return nullptr;
  }
  // All diagnostics as "line:col CODE message" lines, for failure messages.
  std::string dump() const {
    std::string out;
    for (const auto& d : diags.diagnostics())
      out += std::to_string(d.location.line) + ":" + std::to_string(d.location.column) + " " +
             std::string(diagInfo(d.code).code) + " " + d.message + (d.hint.empty() ? "" : " [hint: " + d.hint + "]") +
             "\n";
    return out;
  }
  const PolicyRule& rule(size_t i = 0) const { return policies.rules.at(i); }
};

inline std::unique_ptr<ImportResult> importText(const std::string& text, const std::string& path = "test.yaml") {
  auto result = std::make_unique<ImportResult>();
  result->ok = importKubernetesPolicies(path, text, result->diags, result->policies);
  return result;
}

// Imports text that must be accepted without any diagnostic.
inline std::unique_ptr<ImportResult> importClean(const std::string& text) {
  auto result = importText(text);
  EXPECT_TRUE(result->ok) << result->dump();
  EXPECT_TRUE(result->diags.diagnostics().empty()) << result->dump();
  return result;
}

inline Requirement req(std::string source, std::string key, SelectorOperator op,
                       std::vector<std::string> values = {}) {
  return Requirement{std::move(source), std::move(key), op, std::move(values)};
}

inline Requirement eq(std::string source, std::string key, std::string value) {
  return req(std::move(source), std::move(key), SelectorOperator::In, {std::move(value)});
}

inline IpPrefix prefix(const std::string& text) {
  auto p = IpPrefix::parse(text);
  EXPECT_TRUE(p.ok()) << text;
  return p.ok() ? *p : IpPrefix{};
}

}  // namespace ciliumc::testing
