// The differential comparison between the reference evaluator's FlowVerdict and the datapath's
// answer: reasons mapped by meaning, deciding rules by provenance, NoPolicy <-> no program.
#include <gtest/gtest.h>

#include "loader/datapath_evaluator.h"
#include "test/unit/ir_builders.h"

namespace ciliumc::loader {
namespace {

Provenance provenanceAt(int line) {
  Provenance provenance;
  provenance.location = testing::at(line);
  provenance.policy = "p";
  provenance.ruleIndex = 0;
  return provenance;
}

struct Fixture {
  RuleTable rules;
  uint32_t ruleA = 0, ruleB = 0;
  Fixture() {
    ruleA = rules.idOf(provenanceAt(10));
    ruleB = rules.idOf(provenanceAt(20));
  }
};

DatapathSide side(Verdict verdict, DatapathReason reason, uint32_t rule = 0) {
  DatapathSide s;
  s.hasProgram = true;
  s.verdict = verdict;
  s.reason = reason;
  s.rule = rule;
  return s;
}

TEST(LoaderCompareTest, AgreementAndEachKindOfMismatch) {
  Fixture f;
  FlowVerdict expected;
  expected.verdict = Verdict::Deny;
  expected.egress.reason = SideVerdict::Reason::NoPolicy;
  expected.ingress = SideVerdict{Verdict::Deny, SideVerdict::Reason::DeniedByRule, {provenanceAt(10)}};

  DatapathFlowVerdict actual;
  actual.verdict = Verdict::Deny;
  actual.ingress = side(Verdict::Deny, DatapathReason::DeniedByRule, f.ruleA);
  EXPECT_EQ(compareWithEvaluator(expected, actual, f.rules), "");

  DatapathFlowVerdict wrongRule = actual;
  wrongRule.ingress.rule = f.ruleB;
  EXPECT_NE(compareWithEvaluator(expected, wrongRule, f.rules).find("deciding rule"), std::string::npos);

  DatapathFlowVerdict unknownRule = actual;
  unknownRule.ingress.rule = 99;
  EXPECT_NE(compareWithEvaluator(expected, unknownRule, f.rules).find("no known rule"), std::string::npos);

  DatapathFlowVerdict wrongReason = actual;
  wrongReason.ingress.reason = DatapathReason::DefaultDeny;
  EXPECT_NE(compareWithEvaluator(expected, wrongReason, f.rules).find("reasons differ"), std::string::npos);

  DatapathFlowVerdict wrongVerdict = actual;
  wrongVerdict.ingress = side(Verdict::Allow, DatapathReason::DeniedByRule, f.ruleA);
  wrongVerdict.verdict = Verdict::Allow;
  std::string text = compareWithEvaluator(expected, wrongVerdict, f.rules);
  EXPECT_NE(text.find("receiver ingress: verdicts differ"), std::string::npos) << text;

  DatapathFlowVerdict extraProgram = actual;
  extraProgram.egress = side(Verdict::Allow, DatapathReason::DefaultAllow);
  EXPECT_NE(compareWithEvaluator(expected, extraProgram, f.rules).find("sender egress: a program ran"), std::string::npos);

  DatapathFlowVerdict missingProgram = actual;
  missingProgram.ingress = DatapathSide{};
  missingProgram.verdict = Verdict::Allow;
  EXPECT_NE(compareWithEvaluator(expected, missingProgram, f.rules).find("no program ran"), std::string::npos);
}

TEST(LoaderCompareTest, ReasonsAreMappedByMeaning) {
  EXPECT_EQ(datapathReasonOf(SideVerdict::Reason::NeighborDiscovery), DatapathReason::NeighborDiscovery);
  EXPECT_EQ(datapathReasonOf(SideVerdict::Reason::AllowLocalhost), DatapathReason::AllowLocalhost);
  EXPECT_EQ(datapathReasonOf(SideVerdict::Reason::DefaultDeny), DatapathReason::DefaultDeny);
  Fixture f;
  FlowVerdict expected;
  expected.ingress = SideVerdict{Verdict::Allow, SideVerdict::Reason::NeighborDiscovery, {}};
  DatapathFlowVerdict actual;
  actual.ingress = side(Verdict::Allow, DatapathReason::NeighborDiscovery);
  EXPECT_EQ(compareWithEvaluator(expected, actual, f.rules), "");
  actual.ingress.reason = DatapathReason::Reply;
  EXPECT_NE(compareWithEvaluator(expected, actual, f.rules), "") << "datapath-only reasons never agree";
  EXPECT_EQ(reasonName(DatapathReason::SpoofedSource), "spoofed-source");
}

}  // namespace
}  // namespace ciliumc::loader
