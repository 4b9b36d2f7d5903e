// Shared helpers of the YAML importer tests: import a text, find diagnostics by code, find rules.
#pragma once
#include <gtest/gtest.h>

#include <string>
#include <vector>

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
  // The hint of the only diagnostic with `code`; records a failure (and gives "") unless there
  // is exactly one.
  std::string onlyHint(DiagCode code) const {
    if (count(code) != 1) {
      ADD_FAILURE() << count(code) << " diagnostics " << diagInfo(code).code << ", expected one:\n" << dump();
      return "";
    }
    return find(code)->hint;
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

// Everything one diagnostic must show: its code, words, hint and the span it underlines.
struct ExpectedDiagnostic {
  DiagCode code;
  std::string message;
  std::string hint;
  int line;
  int column;
  int length;
};

// There is exactly one diagnostic with `expected.code`, and it shows exactly `expected`.
inline void expectOnlyDiagnostic(const ImportResult& r, const ExpectedDiagnostic& expected) {
  ASSERT_EQ(r.count(expected.code), 1u) << r.dump();
  const Diagnostic& d = *r.find(expected.code);
  EXPECT_EQ(d.message, expected.message);
  EXPECT_EQ(d.hint, expected.hint);
  EXPECT_EQ(d.location.line, expected.line);
  EXPECT_EQ(d.location.column, expected.column);
  EXPECT_EQ(d.length, expected.length);
}

// One input that must be rejected, and the diagnostic it must get.
struct RejectedCase {
  std::string text;  // appended to the common document start
  DiagCode code;
};

// Each `documentStart + c.text + "\n"` must fail to import with exactly one `c.code`.
inline void expectEachRejected(const std::string& documentStart, const std::vector<RejectedCase>& cases) {
  for (const RejectedCase& c : cases) {
    auto r = importText(documentStart + c.text + "\n");
    EXPECT_FALSE(r->ok) << c.text;
    EXPECT_EQ(r->count(c.code), 1u) << c.text << "\n" << r->dump();
  }
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
