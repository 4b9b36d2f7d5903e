#include "agent/policy/policy_repository.h"

#include <sstream>

#include "frontend/diag/diagnostics.h"
#include "frontend/inputs/test_suite.h"
#include "frontend/k8s/import_yaml.h"
#include "frontend/lang/parse_policy.h"

namespace ciliumc::agent {

namespace {

// Parses one document into `out`; the diagnostics name the document as `<name>.policy` or
// `<name>.yaml` so positions read like a file's.
bool parseDocument(const PolicyDocument& document, DiagnosticEngine& diags, PolicySet& out) {
  if (document.format == "ciliumc") {
    std::vector<TestSuite> tests;
    return parsePolicyLanguage(document.name + ".policy", document.text, diags, out, tests);
  }
  return importKubernetesPolicies(document.name + ".yaml", document.text, diags, out);
}

}  // namespace

Expected<bool> validatePolicyName(const std::string& name) {
  if (name.empty()) return Error{"policy name is empty"};
  if (name.size() > 253) return Error{"policy name is longer than 253 characters"};
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool edge = i == 0 || i + 1 == name.size();
    if (!(alnum(c) || (!edge && (c == '-' || c == '.'))))
      return Error{"policy name `" + name + "`: character " + std::to_string(i + 1) +
                       " is not allowed (lower-case letters, digits, '-' and '.' inside)", i};
  }
  return true;
}

ValidationResult validatePolicyDocument(const PolicyDocument& document) {
  ValidationResult result;
  if (auto named = validatePolicyName(document.name); !named) {
    result.diagnosticsText = named.error().message;
    return result;
  }
  if (document.format != "ciliumc" && document.format != "yaml") {
    result.diagnosticsText = "format `" + document.format + "` is not one of: ciliumc, yaml";
    return result;
  }
  DiagnosticEngine diags;
  PolicySet policies;
  bool parsed = parseDocument(document, diags, policies);
  std::ostringstream text, json;
  diags.renderText(text, false);
  diags.renderJson(json);
  result.diagnosticsText = text.str();
  result.diagnosticsJson = json.str();
  result.valid = parsed && !diags.hasErrors();
  result.rules = policies.rules.size();
  if (result.valid && policies.rules.empty()) {
    result.valid = false;
    result.diagnosticsText += document.name + ": the document holds no policy rules\n";
  }
  return result;
}

void PolicyRepository::replace(std::vector<PolicyDocument> documents, int64_t revision) {
  documents_ = std::move(documents);
  revision_ = revision;
}

PolicySet PolicyRepository::policySet(std::vector<std::string>* skipped) const {
  PolicySet all;
  for (const PolicyDocument& document : documents_) {
    DiagnosticEngine diags;
    PolicySet one;
    if (!parseDocument(document, diags, one) || diags.hasErrors()) {
      if (skipped) skipped->push_back(document.name);
      continue;
    }
    for (PolicyRule& rule : one.rules) all.rules.push_back(std::move(rule));
  }
  return all;
}

}  // namespace ciliumc::agent
