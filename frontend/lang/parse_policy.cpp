#include "frontend/lang/parse_policy.h"

#include "frontend/lang/model_builder.h"
#include "frontend/lang/syntax_tree.h"

namespace ciliumc {

bool parsePolicyLanguage(const std::string& path, const std::string& text, DiagnosticEngine& diags,
                         PolicySet& policies, std::vector<TestSuite>& tests) {
  if (diags.sourceText(path) == nullptr) diags.addSource(path, text);
  SourceText source(path, text);
  size_t errorsBefore = diags.errorReports();
  auto tree = parseSyntaxTree(source, diags);
  if (!tree) return false;
  PolicySet newPolicies;
  std::vector<TestSuite> newTests;
  ModelBuilder(source, diags).build(tree->root, newPolicies, newTests);
  if (diags.errorReports() > errorsBefore) return false;
  for (auto& rule : newPolicies.rules) policies.rules.push_back(std::move(rule));
  for (auto& suite : newTests) tests.push_back(std::move(suite));
  return true;
}

}  // namespace ciliumc
