// `ciliumc fmt`: canonical layout, comments preserved, idempotent, meaning unchanged.
#include <gtest/gtest.h>

#include <random>

#include "frontend/lang/format_policy.h"
#include "lang_test_support.h"

namespace ciliumc {
namespace {

std::string formatOk(const std::string& text) {
  DiagnosticEngine diags;
  auto formatted = formatPolicyLanguage("fmt.policy", text, diags);
  std::ostringstream rendered;
  diags.renderText(rendered, false);
  EXPECT_TRUE(formatted.has_value()) << rendered.str();
  return formatted.value_or("");
}

TEST(LangFormat, CanonicalLayout) {
  const std::string messy =
      "policy   web{select{app=web,tier in(a,b,),!debug}   ingress{allow from{app=lb}on tcp/80,tcp/443\n"
      "deny from cidr 10.0.0.0/8 except 10.1.0.0/16,10.2.0.0/16 , entity world}}\n"
      "test t{expect allow from x/a to x/web on tcp/80\ninventory \"inv.yaml\"}";
  const std::string expected =
      "policy web {\n"
      "  select { app = web, tier in (a, b), !debug }\n"
      "  ingress {\n"
      "    allow from { app = lb } on tcp/80, tcp/443\n"
      "    deny from cidr 10.0.0.0/8 except 10.1.0.0/16, 10.2.0.0/16, entity world\n"
      "  }\n"
      "}\n"
      "\n"
      "test t {\n"
      "  inventory \"inv.yaml\"\n"
      "  expect allow from x/a to x/web on tcp/80\n"
      "}\n";
  EXPECT_EQ(formatOk(messy), expected);
}

TEST(LangFormat, ClausesAreOrderedAndDirectionsFollowThem) {
  const std::string text =
      "policy p {\n  egress { allow on udp/53 }\n  ingress {}\n  select {}\n  labels { team = a }\n"
      "  namespace shop\n  description \"d\"\n}\n";
  const std::string expected =
      "policy p {\n  description \"d\"\n  namespace shop\n  labels { team = a }\n  select {}\n"
      "  ingress {}\n  egress {\n    allow on udp/53\n  }\n}\n";
  EXPECT_EQ(formatOk(text), expected);
}

TEST(LangFormat, RulesAndTestsKeepTheirWrittenOrder) {
  const std::string text =
      "policy p {\n  select {}\n  egress {\n    deny to entity world\n    require { b }\n    allow on tcp/1\n  }\n}\n";
  EXPECT_EQ(formatOk(text), text);
}

TEST(LangFormat, CommentsStayAttachedToTheirStatements) {
  const std::string text =
      "# file header\n"
      "\n"
      "\n"
      "# about p\n"
      "policy p {   # trailing on the header\n"
      "  select {    # trailing inside a multi-line selector\n"
      "    # leading inside it\n"
      "    app = web,\n"
      "  }\n"
      "  ingress {\n"
      "    allow from entity world      # why world\n"
      "\n"
      "\n"
      "    // a second group\n"
      "    deny from cidr 10.0.0.0/8\n"
      "    # closing remark\n"
      "  }   # after the block\n"
      "  egress {\n"
      "    # only a comment\n"
      "  }\n"
      "}\n"
      "# end of file\n";
  const std::string expected =
      "# file header\n"
      "\n"
      "# about p\n"
      "policy p {  # trailing on the header\n"
      "  # trailing inside a multi-line selector\n"
      "  # leading inside it\n"
      "  select { app = web }\n"
      "  ingress {\n"
      "    allow from entity world  # why world\n"
      "\n"
      "    // a second group\n"
      "    deny from cidr 10.0.0.0/8\n"
      "    # closing remark\n"
      "  }  # after the block\n"
      "  egress {\n"
      "    # only a comment\n"
      "  }\n"
      "}\n"
      "# end of file\n";
  std::string formatted = formatOk(text);
  EXPECT_EQ(formatted, expected);
  EXPECT_EQ(formatOk(formatted), formatted);
}

TEST(LangFormat, BlankLinesCollapseAndVanishAtBlockEdges) {
  const std::string text = "\n\npolicy a {\n\n  select {}\n\n\n\n  ingress {}\n\n}\npolicy b { select {} }\n\n\n";
  EXPECT_EQ(formatOk(text), "policy a {\n  select {}\n\n  ingress {}\n}\n\npolicy b {\n  select {}\n}\n");
}

TEST(LangFormat, TokensKeepTheirWrittenForm) {
  // fmt changes layout, never spelling: quotes and keyword-looking words stay as written.
  const std::string text = "policy \"my policy\" {\n  select { \"app\" = \"web\", policy = in }\n}\n";
  EXPECT_EQ(formatOk(text), text);
}

TEST(LangFormat, EmptyFileAndCommentOnlyFile) {
  EXPECT_EQ(formatOk(""), "");
  EXPECT_EQ(formatOk("  # just a note   \n\n\n// another\n"), "# just a note\n\n// another\n");
}

TEST(LangFormat, SyntaxErrorsAreReportedAndNothingIsReturned) {
  DiagnosticEngine diags;
  auto formatted = formatPolicyLanguage("bad.policy", "policy p { select { }", diags);
  EXPECT_FALSE(formatted.has_value());
  ASSERT_EQ(diags.diagnostics().size(), 1u);
  EXPECT_EQ(diags.diagnostics()[0].code, DiagCode::CP2001);
}

TEST(LangFormat, SemanticErrorsDoNotStopFormatting) {
  // fmt is a layout tool: an unknown entity is `check`'s business, as in gofmt.
  EXPECT_EQ(formatOk("policy p { select {} egress { allow to entity wrold } }"),
            "policy p {\n  select {}\n  egress {\n    allow to entity wrold\n  }\n}\n");
}

// ---- idempotence and meaning, on the repository's files and a corpus of our own ----

const char* kOwnCorpus[] = {
    testing::kDeathstarPolicy,
    // The forms the example above leaves out.
    R"(policy extras {
  labels { team = security, k8s:tier = "", flag }
  select {}
  egress {
    allow to cidr ::/0 except 2001:db8::/32, cidr fd00::/8
    allow to entity all on icmp/echo-request, icmpv6/128, any/53, sctp/9
    deny to none
  }
}
test t { inventory "i.yaml" policies "a.policy", b.yaml
  expect allow from x/client to x/web on tcp/80 # trailing
  expect deny from x/web to fd00::10 on icmpv6/echo-request }
)",
    "policy p { select { a notin (x, y), b != z, !c, d } egress {} } # only",
    "// header only\npolicy x { select {} ingress {\n// c1\n\n// c2\n} }",
};

struct Outcome {
  bool ok;
  std::vector<std::string> codes;
  std::string model;
  std::string tests;
};

Outcome outcomeOf(const std::string& path, const std::string& text) {
  auto parsed = testing::parseText(text, path);
  return {parsed.ok, parsed.codes(), testing::describeModel(parsed.policies), testing::describeTests(parsed.tests)};
}

bool hasSyntaxError(const Outcome& outcome) {
  return std::find(outcome.codes.begin(), outcome.codes.end(), "CP2001") != outcome.codes.end();
}

// fmt must succeed exactly when the text is syntactically valid, be idempotent, and yield a
// text with the same model, test suites and diagnostics.
void expectFormatPreservesMeaning(const std::string& path, const std::string& text) {
  Outcome before = outcomeOf(path, text);
  DiagnosticEngine diags;
  auto formatted = formatPolicyLanguage(path, text, diags);
  ASSERT_EQ(formatted.has_value(), !hasSyntaxError(before)) << path;
  if (!formatted) return;
  Outcome after = outcomeOf(path, *formatted);
  EXPECT_EQ(after.ok, before.ok) << path << "\n" << *formatted;
  EXPECT_EQ(after.codes, before.codes) << path;
  EXPECT_EQ(after.model, before.model) << path << "\n" << *formatted;
  EXPECT_EQ(after.tests, before.tests) << path;
  DiagnosticEngine again;
  EXPECT_EQ(formatPolicyLanguage(path, *formatted, again).value_or("<failed>"), *formatted)
      << "fmt is not idempotent on " << path;
}

TEST(LangFormatCorpus, RepositoryPolicyFiles) {
  auto corpus = testing::policyFilesOfTheRepository();
  EXPECT_FALSE(corpus.empty()) << "no .policy files under " << CILIUMC_SOURCE_DIR;
  for (const auto& entry : corpus) expectFormatPreservesMeaning(entry.name, entry.text);
}

TEST(LangFormatCorpus, OwnCorpus) {
  for (const char* text : kOwnCorpus) expectFormatPreservesMeaning("corpus/own.policy", text);
}

// Random edits of valid files: whatever still parses must format stably and keep its meaning.
TEST(LangFormatCorpus, RandomMutations) {
  std::mt19937 random(1234);
  const std::string alphabet = "{}(),:=!\"#/ \n\nab01.-";
  int formattedCount = 0;
  for (int round = 0; round < 400; ++round) {
    std::string text = kOwnCorpus[round % std::size(kOwnCorpus)];
    int edits = 1 + static_cast<int>(random() % 3);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      size_t at = random() % text.size();
      switch (random() % 3) {
        case 0: text.erase(at, 1 + random() % 4); break;
        case 1: text.insert(at, 1, alphabet[random() % alphabet.size()]); break;
        default: text[at] = alphabet[random() % alphabet.size()];
      }
    }
    DiagnosticEngine diags;
    if (formatPolicyLanguage("m.policy", text, diags)) ++formattedCount;
    expectFormatPreservesMeaning("m.policy", text);
    if (::testing::Test::HasFailure()) {
      ADD_FAILURE() << "input was:\n" << text;
      return;
    }
  }
  EXPECT_GT(formattedCount, 30) << "the mutations should leave many files parseable";
}

}  // namespace
}  // namespace ciliumc
