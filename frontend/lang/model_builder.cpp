#include "frontend/lang/model_builder.h"

#include <map>

#include <fmt/format.h>

#include "ir/language_words.h"

namespace ciliumc {

SourceLocation ModelBuilder::locationOf(antlr4::Token* token) const {
  return source_.locationOfCodePoint(token->getStartIndex());
}

WrittenWord ModelBuilder::wordOf(antlr4::ParserRuleContext* singleTokenRule) const {
  antlr4::Token* token = singleTokenRule->getStart();
  if (token->getType() == P::STRING) {
    return {unquoteString(token->getText()), source_.locationOfCodePoint(token->getStartIndex() + 1)};
  }
  return {token->getText(), locationOf(token)};
}

bool ModelBuilder::firstOccurrence(std::vector<std::pair<std::string, SourceLocation>>& seen,
                                   antlr4::Token* keyword) {
  std::string name = keyword->getText();
  for (const auto& [seenName, seenAt] : seen) {
    if (seenName != name) continue;
    diags_.report(DiagCode::CP2003, locationOf(keyword),
                  fmt::format("`{}` is given twice in this block (first at line {})", name, seenAt.line),
                  fmt::format("merge the two `{}` clauses into one", name),
                  static_cast<int>(name.size()));
    return false;
  }
  seen.emplace_back(name, locationOf(keyword));
  return true;
}

void ModelBuilder::build(P::FileContext* file, PolicySet& policies, std::vector<TestSuite>& tests) {
  // Names must be unique per file: policies per namespace (as Kubernetes names are), tests
  // outright. The value is the line of the first definition. Maps, not lists: a generated
  // file may hold thousands of policies, and a scan per policy would be quadratic.
  std::map<std::pair<std::string, std::string>, int> policyNames;
  std::map<std::string, int> testNames;
  for (auto* block : file->topBlock()) {
    if (auto* policyBlock = block->policyBlock()) {
      auto rule = buildPolicy(policyBlock);
      if (!rule) continue;
      auto previous = policyNames.find(std::make_pair(rule->namespaceName, rule->name));
      if (previous != policyNames.end()) {
        diags_.report(DiagCode::CP2005, locationOf(policyBlock->name()),
                      fmt::format("policy `{}` is already defined at line {}", rule->name, previous->second),
                      "policy names must be unique within a file (per namespace)",
                      static_cast<int>(policyBlock->name()->getText().size()));
        continue;
      }
      policyNames.emplace(std::make_pair(rule->namespaceName, rule->name), rule->location.line);
      policies.rules.push_back(std::move(*rule));
    } else if (auto* testBlock = block->testBlock()) {
      auto suite = buildTest(testBlock);
      if (!suite) continue;
      auto previous = testNames.find(suite->name);
      if (previous != testNames.end()) {
        diags_.report(DiagCode::CP2008, locationOf(testBlock->name()),
                      fmt::format("test `{}` is already defined at line {}", suite->name, previous->second),
                      "", static_cast<int>(testBlock->name()->getText().size()));
        continue;
      }
      testNames.emplace(suite->name, suite->location.line);
      tests.push_back(std::move(*suite));
    }
  }
}

}  // namespace ciliumc
