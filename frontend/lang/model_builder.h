// Syntax tree -> policy model and test suites, with the structural checks (CP2002-CP2009) and
// the value checks (CP3xxx, value_checks.h). Internal to frontend/lang.
//
// The builder keeps going after an error so one run reports as many problems as possible; the
// caller discards the result when any error was reported.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "PolicyLangParser.h"
#include "frontend/diag/diagnostics.h"
#include "frontend/inputs/test_suite.h"
#include "frontend/lang/source_text.h"
#include "ir/policy.h"

namespace ciliumc {

// A name, key, value or path as written: STRING tokens unquoted, `at` on the first character
// of the content (after the opening quote), so offsets inside it map to columns.
struct WrittenWord {
  std::string text;
  SourceLocation at;
};

class ModelBuilder {
 public:
  using P = grammar::PolicyLangParser;

  ModelBuilder(const SourceText& source, DiagnosticEngine& diags) : source_(source), diags_(diags) {}

  void build(P::FileContext* file, PolicySet& policies, std::vector<TestSuite>& tests);

 private:
  // policy_builder.cpp
  std::optional<PolicyRule> buildPolicy(P::PolicyBlockContext* block);
  void buildDirection(P::DirectionClauseContext* clause, PolicyRule& rule);
  RuleEntry buildEntry(P::EntryStatementContext* statement, Direction direction, int index);
  std::vector<Peer> buildPeers(P::PeerClauseContext* clause, Direction direction);
  Peer buildPeer(P::PeerContext* peer);
  L4Match buildL4(P::PortClauseContext* clause);

  // selector_builder.cpp
  std::vector<Requirement> buildRequirements(P::SelectorContext* selector);
  Requirement buildRequirement(P::RequirementContext* requirement);
  // Source (`any` when not written) and key of a selector key or label key.
  std::pair<std::string, std::string> buildLabelKey(P::LabelKeyContext* key, bool inSelector);
  std::string buildValue(P::ValueContext* value);
  LabelSet buildLabels(P::LabelsClauseContext* clause);

  // test_block_builder.cpp
  std::optional<TestSuite> buildTest(P::TestBlockContext* block);
  std::optional<TestCase> buildExpect(P::ExpectStatementContext* statement);
  std::string resolvePath(const std::string& written) const;

  // model_builder.cpp
  SourceLocation locationOf(antlr4::Token* token) const;
  SourceLocation locationOf(antlr4::ParserRuleContext* context) const { return locationOf(context->getStart()); }
  WrittenWord wordOf(antlr4::ParserRuleContext* singleTokenRule) const;
  // CP2003 when `clause` was already seen in this block (keyed by its keyword).
  bool firstOccurrence(std::vector<std::pair<std::string, SourceLocation>>& seen,
                       antlr4::Token* keyword);

  const SourceText& source_;
  DiagnosticEngine& diags_;
};

}  // namespace ciliumc
