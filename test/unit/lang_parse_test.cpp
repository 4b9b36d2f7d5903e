// The policy language front end: text -> PolicySet / TestSuite, and its diagnostics.
#include <gtest/gtest.h>

#include <chrono>
#include <random>

#include "lang_test_support.h"

namespace ciliumc {
namespace {

using testing::kDeathstarPolicy;
using testing::parseText;

TEST(LangParse, DraftExampleBuildsTheModel) {
  auto parsed = parseText(kDeathstarPolicy);
  ASSERT_TRUE(parsed.ok) << parsed.rendered();
  ASSERT_EQ(parsed.policies.rules.size(), 1u);
  const PolicyRule& rule = parsed.policies.rules[0];
  EXPECT_EQ(rule.name, "deathstar");
  EXPECT_EQ(rule.description, "only empire ships land");
  EXPECT_EQ(rule.namespaceName, "default");
  EXPECT_EQ(rule.origin, "language");
  ASSERT_EQ(rule.policyLabels.size(), 1u);
  EXPECT_EQ(rule.policyLabels.labels()[0].source, "unspec");
  EXPECT_EQ(rule.policyLabels.labels()[0].key, "team");
  EXPECT_EQ(rule.policyLabels.labels()[0].value, "security");
  ASSERT_EQ(rule.subject.requirements().size(), 2u);
  for (const auto& r : rule.subject.requirements()) {
    EXPECT_EQ(r.source, "k8s");
    EXPECT_EQ(r.op, SelectorOperator::In);
  }

  EXPECT_TRUE(rule.ingress.enablesDefaultDeny);
  ASSERT_EQ(rule.ingress.entries.size(), 3u);
  const RuleEntry& first = rule.ingress.entries[0];
  EXPECT_EQ(first.verdict, Verdict::Allow);
  ASSERT_TRUE(first.peers.has_value());
  ASSERT_EQ(first.peers->size(), 1u);
  EXPECT_EQ((*first.peers)[0].kind, Peer::Kind::Selector);
  ASSERT_EQ(first.l4.ports.size(), 2u);
  EXPECT_EQ(first.l4.ports[0].protocol, Protocol::TCP);
  EXPECT_EQ(first.l4.ports[0].first, 80);
  EXPECT_EQ(first.l4.ports[1].first, 443);
  EXPECT_EQ((*rule.ingress.entries[1].peers)[0].entity, Entity::Host);
  EXPECT_TRUE(rule.ingress.entries[1].l4.isWildcard());
  const RuleEntry& deny = rule.ingress.entries[2];
  EXPECT_EQ(deny.verdict, Verdict::Deny);
  const Peer& cidr = (*deny.peers)[0];
  ASSERT_EQ(cidr.kind, Peer::Kind::Cidr);
  EXPECT_EQ(cidr.cidr.prefix.toString(), "0.0.0.0/0");
  ASSERT_EQ(cidr.cidr.except.size(), 2u);
  EXPECT_EQ(cidr.cidr.except[1].toString(), "172.16.0.0/12");
  ASSERT_EQ(rule.ingress.requirements.size(), 1u);
  EXPECT_EQ(rule.ingress.requirements[0].key, "env");

  EXPECT_TRUE(rule.egress.enablesDefaultDeny);
  ASSERT_EQ(rule.egress.entries.size(), 6u);
  EXPECT_EQ(rule.egress.entries[2].l4.ports[0].first, 8000);
  EXPECT_EQ(rule.egress.entries[2].l4.ports[0].last, 8100);
  const L4Match& icmp = rule.egress.entries[3].l4;
  ASSERT_EQ(icmp.icmps.size(), 2u);
  EXPECT_EQ(icmp.icmps[0].protocol, Protocol::ICMP);
  EXPECT_EQ(icmp.icmps[0].type, 8);
  EXPECT_EQ(icmp.icmps[1].protocol, Protocol::ICMPv6);
  EXPECT_EQ(icmp.icmps[1].type, 128);
  const auto& peerList = *rule.egress.entries[4].peers;
  ASSERT_EQ(peerList.size(), 3u);
  EXPECT_EQ(peerList[1].entity, Entity::RemoteNode);
  EXPECT_EQ(peerList[2].kind, Peer::Kind::Selector);
  EXPECT_EQ(peerList[2].selector.requirements()[0].source, "any");
  EXPECT_FALSE(rule.egress.entries[5].peers.has_value()) << "no `to` means every peer";
  EXPECT_EQ(rule.egress.entries[5].l4.ports[0].first, 8080);
}

TEST(LangParse, EntriesCarryIndexAndLocationOfTheirKeyword) {
  auto parsed = parseText(kDeathstarPolicy, "p/deathstar.policy");
  ASSERT_TRUE(parsed.ok) << parsed.rendered();
  const PolicyRule& rule = parsed.policies.rules[0];
  EXPECT_EQ(rule.location.line, 2);
  EXPECT_EQ(rule.location.column, 1);
  EXPECT_EQ(rule.location.fileName(), "p/deathstar.policy");
  for (size_t i = 0; i < rule.egress.entries.size(); ++i) EXPECT_EQ(rule.egress.entries[i].index, int(i));
  const RuleEntry& deny = rule.ingress.entries[2];
  EXPECT_EQ(deny.location.line, 10);
  EXPECT_EQ(deny.location.column, 5);
  EXPECT_EQ((*deny.peers)[0].location.column, 16);  // the `cidr` keyword
}

TEST(LangParse, PresentDirectionBlockEnablesDefaultDenyEvenWhenEmpty) {
  auto parsed = parseText("policy p { select {} ingress {} }");
  ASSERT_TRUE(parsed.ok) << parsed.rendered();
  const PolicyRule& rule = parsed.policies.rules[0];
  EXPECT_TRUE(rule.subject.isWildcard());
  EXPECT_TRUE(rule.ingress.enablesDefaultDeny);
  EXPECT_TRUE(rule.ingress.entries.empty());
  EXPECT_FALSE(rule.egress.enablesDefaultDeny);
}

TEST(LangParse, SelectorOperators) {
  auto parsed = parseText(R"(policy p {
    select { a = x, b != y, c in (z, w, z), d notin (p), e, !f, k8s:g = h, h = "" }
  })");
  ASSERT_TRUE(parsed.ok) << parsed.rendered();
  const auto& reqs = parsed.policies.rules[0].subject.requirements();
  ASSERT_EQ(reqs.size(), 8u);
  auto find = [&](const std::string& key) {
    for (const auto& r : reqs)
      if (r.key == key) return r;
    ADD_FAILURE() << "no requirement on " << key;
    return Requirement{};
  };
  EXPECT_EQ(find("a").op, SelectorOperator::In);
  EXPECT_EQ(find("a").values, std::vector<std::string>{"x"});
  EXPECT_EQ(find("a").source, "any");
  EXPECT_EQ(find("b").op, SelectorOperator::NotIn);
  EXPECT_EQ(find("c").values, (std::vector<std::string>{"w", "z"})) << "sorted and unique";
  EXPECT_EQ(find("d").op, SelectorOperator::NotIn);
  EXPECT_EQ(find("e").op, SelectorOperator::Exists);
  EXPECT_TRUE(find("e").values.empty());
  EXPECT_EQ(find("f").op, SelectorOperator::DoesNotExist);
  EXPECT_EQ(find("g").source, "k8s");
  EXPECT_EQ(find("h").values, std::vector<std::string>{""});
}

TEST(LangParse, KeywordsAreAcceptedAsKeysValuesAndNames) {
  auto parsed = parseText(R"(policy policy {
    namespace ingress
    select { policy = in, "select" = x, namespace in (allow, deny), k8s:from = to, none }
    egress { allow to { on = on } }
  })");
  ASSERT_TRUE(parsed.ok) << parsed.rendered();
  const PolicyRule& rule = parsed.policies.rules[0];
  EXPECT_EQ(rule.name, "policy");
  EXPECT_EQ(rule.namespaceName, "ingress");
  EXPECT_EQ(rule.subject.requirements().size(), 5u);
  EXPECT_EQ((*rule.egress.entries[0].peers)[0].selector.requirements()[0].key, "on");
}

TEST(LangParse, CommentsAndNewlinesAreInsignificant) {
  auto a = parseText("policy p { select { app = web } egress { allow to entity world on tcp/80 } }");
  auto b = parseText(R"(// leading
policy p { # trailing
  select {
    app = web,   # trailing comma is fine
  }
  egress {
    allow to entity world on tcp/80// no space needed before //
  }
})");
  ASSERT_TRUE(a.ok) << a.rendered();
  ASSERT_TRUE(b.ok) << b.rendered();
  EXPECT_EQ(testing::describeModel(a.policies), testing::describeModel(b.policies));
}

TEST(LangParse, Ipv6CidrsAndSourcePrefixedKeysLexApart) {
  auto parsed = parseText(R"(policy p {
    select { k8s:app = web }
    egress {
      allow to cidr ::/0 except 2001:db8::/32, cidr 2001:db8:1::/48, cidr fd00::10
      deny to none
    }
  })");
  ASSERT_TRUE(parsed.ok) << parsed.rendered();
  const auto& entries = parsed.policies.rules[0].egress.entries;
  const auto& peers = *entries[0].peers;
  ASSERT_EQ(peers.size(), 3u);
  EXPECT_EQ(peers[0].cidr.prefix.toString(), "::/0");
  EXPECT_EQ(peers[0].cidr.except[0].toString(), "2001:db8::/32");
  EXPECT_EQ(peers[1].cidr.prefix.length, 48);
  EXPECT_EQ(peers[2].cidr.prefix.length, 128);
  ASSERT_TRUE(entries[1].peers.has_value());
  EXPECT_TRUE(entries[1].peers->empty()) << "`to none` is an explicitly empty peer list";
}

TEST(LangParse, AppendsToExistingModel) {
  PolicySet policies;
  std::vector<TestSuite> tests;
  DiagnosticEngine diags;
  ASSERT_TRUE(parsePolicyLanguage("a.policy", "policy a { select {} }", diags, policies, tests));
  ASSERT_TRUE(parsePolicyLanguage("b.policy", "policy a { select {} }", diags, policies, tests))
      << "names only need to be unique within one file";
  EXPECT_EQ(policies.rules.size(), 2u);
  EXPECT_FALSE(parsePolicyLanguage("c.policy", "policy c { }", diags, policies, tests));
  EXPECT_EQ(policies.rules.size(), 2u) << "nothing is appended on error";
}

// ---- structure errors (CP2xxx) ----

TEST(LangParse, MissingSelectIsAnError) {
  auto parsed = parseText("policy web {\n  ingress {}\n}\n");
  EXPECT_FALSE(parsed.ok);
  EXPECT_TRUE(parsed.policies.rules.empty());
  ASSERT_EQ(parsed.codes(), std::vector<std::string>{"CP2002"});
  const Diagnostic& d = parsed.diags.diagnostics()[0];
  EXPECT_EQ(d.location.line, 1);
  EXPECT_EQ(d.location.column, 8);
  EXPECT_NE(d.hint.find("select {}"), std::string::npos);
}

TEST(LangParse, ClauseGivenTwice) {
  auto parsed = parseText("policy p {\n select {}\n ingress {}\n ingress {}\n}");
  EXPECT_FALSE(parsed.ok);
  ASSERT_EQ(parsed.codes(), std::vector<std::string>{"CP2003"});
  EXPECT_EQ(parsed.diags.diagnostics()[0].location.line, 4);
  EXPECT_NE(parsed.diags.diagnostics()[0].message.find("line 3"), std::string::npos);
}

TEST(LangParse, PeerKeywordMustMatchDirection) {
  auto parsed = parseText("policy p { select {}\n ingress { allow to entity world }\n egress { deny from {} } }");
  EXPECT_FALSE(parsed.ok);
  ASSERT_EQ(parsed.codes(), (std::vector<std::string>{"CP2004", "CP2004"}));
  EXPECT_EQ(parsed.diags.diagnostics()[0].location.line, 2);
  EXPECT_EQ(parsed.diags.diagnostics()[0].location.column, 18);
  EXPECT_NE(parsed.diags.diagnostics()[0].hint.find("`from`"), std::string::npos);
  EXPECT_NE(parsed.diags.diagnostics()[1].hint.find("`to`"), std::string::npos);
}

TEST(LangParse, DuplicatePolicyNames) {
  auto same = parseText("policy a { select {} }\npolicy a { select {} }");
  EXPECT_FALSE(same.ok);
  ASSERT_EQ(same.codes(), std::vector<std::string>{"CP2005"});
  EXPECT_EQ(same.diags.diagnostics()[0].location.line, 2);
  auto otherNamespace = parseText("policy a { select {} }\npolicy a { namespace x select {} }");
  EXPECT_TRUE(otherNamespace.ok) << otherNamespace.rendered();
}

// ---- test blocks ----

TEST(LangParse, TestBlockBecomesATestSuite) {
  auto parsed = parseText(R"(policy p { select {} }
test landing {
  inventory "inventory.yaml"
  policies "extra.policy", "../np.yaml", "/abs/x.yaml"
  expect allow from x/client to x/web on tcp/80
  expect deny  from x/web to 192.0.2.10 on icmp/8
  expect deny  from web to fd00::10 on icmpv6/echo-request
  expect allow from a to b on udp/53
}
)", "suites/dir/landing.policy");
  ASSERT_TRUE(parsed.ok) << parsed.rendered();
  ASSERT_EQ(parsed.tests.size(), 1u);
  const TestSuite& suite = parsed.tests[0];
  EXPECT_EQ(suite.name, "landing");
  EXPECT_EQ(suite.inventoryFile, "suites/dir/inventory.yaml");
  EXPECT_EQ(suite.policyFiles, (std::vector<std::string>{"suites/dir/landing.policy", "suites/dir/extra.policy",
                                                          "suites/np.yaml", "/abs/x.yaml"}));
  EXPECT_EQ(suite.location.line, 2);
  ASSERT_EQ(suite.cases.size(), 4u);
  EXPECT_EQ(suite.cases[0].name, "allow x/client -> x/web tcp/80");
  EXPECT_EQ(suite.cases[0].from, "x/client");
  EXPECT_EQ(suite.cases[0].to, "x/web");
  EXPECT_EQ(suite.cases[0].protocol, Protocol::TCP);
  EXPECT_EQ(suite.cases[0].port, 80);
  EXPECT_EQ(suite.cases[0].expect, Verdict::Allow);
  EXPECT_EQ(suite.cases[0].location.line, 5);
  EXPECT_EQ(suite.cases[1].to, "192.0.2.10");
  EXPECT_EQ(suite.cases[1].protocol, Protocol::ICMP);
  EXPECT_EQ(suite.cases[1].port, 8);
  EXPECT_EQ(suite.cases[1].expect, Verdict::Deny);
  EXPECT_EQ(suite.cases[2].to, "fd00::10");
  EXPECT_EQ(suite.cases[2].protocol, Protocol::ICMPv6);
  EXPECT_EQ(suite.cases[2].port, 128);
  EXPECT_EQ(suite.cases[3].protocol, Protocol::UDP);
  EXPECT_EQ(suite.cases[3].port, 53);
}

TEST(LangParse, TestBlockWithoutDirectoryResolvesToBareNames) {
  auto parsed = parseText("test t { inventory inv.yaml expect allow from a to b on tcp/1 }", "t.policy");
  ASSERT_TRUE(parsed.ok) << parsed.rendered();
  EXPECT_EQ(parsed.tests[0].inventoryFile, "inv.yaml");
  EXPECT_EQ(parsed.tests[0].policyFiles, std::vector<std::string>{"t.policy"});
}

TEST(LangParse, TestBlockNeedsInventory) {
  auto parsed = parseText("test t {\n  expect allow from a to b on tcp/80\n}");
  EXPECT_FALSE(parsed.ok);
  EXPECT_EQ(parsed.codes(), std::vector<std::string>{"CP2006"});
}

TEST(LangParse, ProbePortMustBeOnePortOfOneProtocol) {
  for (const char* port : {"tcp", "tcp/80-90", "any/53", "tcp/0"}) {
    auto parsed = parseText(std::string("test t { inventory i.yaml\n expect allow from a to b on ") + port + " }");
    EXPECT_FALSE(parsed.ok) << port;
    EXPECT_EQ(parsed.codes(), std::vector<std::string>{"CP2007"}) << port;
    EXPECT_EQ(parsed.diags.diagnostics()[0].location.column, 30) << port;
  }
}

TEST(LangParse, DuplicateAndEmptyTests) {
  auto duplicate = parseText("test t { inventory i expect allow from a to b on tcp/1 }\n"
                             "test t { inventory i expect allow from a to b on tcp/1 }");
  EXPECT_FALSE(duplicate.ok);
  EXPECT_EQ(duplicate.codes(), std::vector<std::string>{"CP2008"});
  auto empty = parseText("test t { inventory i }");
  EXPECT_TRUE(empty.ok) << "an empty test is only a warning";
  EXPECT_EQ(empty.codes(), std::vector<std::string>{"CP2009"});
  EXPECT_EQ(empty.diags.diagnostics()[0].severity, Severity::Warning);
}

// ---- syntax errors (CP2001) ----

const Diagnostic& onlyError(const testing::ParsedText& parsed) {
  EXPECT_FALSE(parsed.ok);
  EXPECT_EQ(parsed.diags.diagnostics().size(), 1u) << parsed.rendered();
  return parsed.diags.diagnostics().at(0);
}

TEST(LangSyntax, MissingBraceAfterPolicyName) {
  auto parsed = parseText("policy web\n  select {}\n}\n");
  const Diagnostic& d = onlyError(parsed);
  EXPECT_EQ(d.code, DiagCode::CP2001);
  EXPECT_EQ(d.message, "expected `{` after the policy name, found `select`");
  EXPECT_EQ(d.location.line, 1);
  EXPECT_EQ(d.location.column, 11) << "the caret goes right after the name, as clang does";
}

TEST(LangSyntax, MisspeltKeywordGetsAHint) {
  auto parsed = parseText("policy web {\n  select {}\n  ingress {\n    alow from {}\n  }\n}\n");
  ASSERT_FALSE(parsed.ok);
  const Diagnostic& d = parsed.diags.diagnostics().at(0);
  EXPECT_EQ(d.code, DiagCode::CP2001);
  EXPECT_EQ(d.location.line, 4);
  EXPECT_EQ(d.location.column, 5);
  EXPECT_NE(d.message.find("`alow`"), std::string::npos) << d.message;
  EXPECT_NE(d.message.find("`allow`"), std::string::npos) << d.message;
  EXPECT_EQ(d.hint, "did you mean `allow`?");
  EXPECT_EQ(parsed.diags.diagnostics().size(), 1u) << "recovery echoes are not reported:\n" << parsed.rendered();
  auto clause = parseText("policy web {\n  selct {}\n}\n");
  ASSERT_FALSE(clause.ok);
  EXPECT_EQ(clause.diags.diagnostics().at(0).hint, "did you mean `select`?");
}

TEST(LangSyntax, MessagesNameWhatWasExpected) {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"policy { }", "expected a policy name, found `{`"},
      {"policy p { select { app = } }", "expected a label value, found `}`"},
      {"policy p { select {} ingress { allow on } }", "expected a port such as `tcp/80`, found `}`"},
      {"policy p { select {} ingress { allow from cidr } }", "expected a CIDR such as `10.0.0.0/8`, found `}`"},
      {"policy p { select {} egress { allow to entity } }", "expected an entity name such as `world`, found `}`"},
      {"policy p { select {", "expected a label key, `}` or `!`, found end of file"},
      {"hello", "expected `policy`, `test` or end of file, found `hello`"},
  };
  for (const Case& c : cases) {
    auto parsed = parseText(c.text);
    ASSERT_FALSE(parsed.ok) << c.text;
    EXPECT_EQ(parsed.diags.diagnostics().at(0).message, c.message) << c.text;
    EXPECT_EQ(parsed.diags.diagnostics().at(0).code, DiagCode::CP2001) << c.text;
  }
}

TEST(LangSyntax, EachBlockReportsItsOwnFirstError) {
  auto parsed = parseText("policy a { select { x = } }\npolicy b { selct {} }\npolicy c { select {} }");
  ASSERT_EQ(parsed.codes(), (std::vector<std::string>{"CP2001", "CP2001"})) << parsed.rendered();
  EXPECT_EQ(parsed.diags.diagnostics()[0].location.line, 1);
  EXPECT_EQ(parsed.diags.diagnostics()[1].location.line, 2);
}

TEST(LangSyntax, LexerErrors) {
  auto string = parseText("policy p {\n  description \"unterminated\n}");
  EXPECT_EQ(onlyError(string).message, "unterminated string");
  EXPECT_EQ(onlyError(string).location.line, 2);
  EXPECT_EQ(onlyError(string).location.column, 15);
  auto character = parseText("policy p { select { app = w@b } }");
  EXPECT_EQ(onlyError(character).message, "unexpected character `@`");
  EXPECT_EQ(onlyError(character).location.column, 28);
  auto reserved = parseText("policy p { select { $host } }");
  EXPECT_NE(onlyError(reserved).hint.find("reserved:host"), std::string::npos);
}

TEST(LangSyntax, ColumnsCountBytesAfterNonAsciiText) {
  auto parsed = parseText("policy p { description \"h\xC3\xA9llo\" select { a = @ } }");
  const Diagnostic& d = onlyError(parsed);
  EXPECT_EQ(d.location.column, 46);  // "é" is two bytes
  auto bom = parseText("\xEF\xBB\xBFpolicy p { select { a = @ } }");
  EXPECT_EQ(onlyError(bom).location.column, 28);
}

TEST(LangSyntax, InvalidUtf8AndBinaryInputAreReportedNotCrashing) {
  auto invalid = parseText("policy p { description \"\xFF\" select {} }");
  EXPECT_EQ(onlyError(invalid).code, DiagCode::CP2001);
  EXPECT_EQ(onlyError(invalid).location.column, 25);
  std::string binary(4096, '\0');
  std::mt19937 random(7);
  for (char& c : binary) c = static_cast<char>(random() % 256);
  auto garbage = parseText(binary);
  EXPECT_FALSE(garbage.ok);
  EXPECT_GE(garbage.diags.errorCount(), 1u);
}

TEST(LangSyntax, StopsAfterTenErrors) {
  std::string text;
  for (int i = 0; i < 50; ++i) text += "@ ";
  auto parsed = parseText(text);
  auto codes = parsed.codes();
  EXPECT_EQ(std::count(codes.begin(), codes.end(), "CP2001"), 10);
  EXPECT_EQ(std::count(codes.begin(), codes.end(), "CP2010"), 1);
  std::string parserErrors;
  for (int i = 0; i < 50; ++i) parserErrors += "policy { } ";
  auto many = parseText(parserErrors);
  auto manyCodes = many.codes();
  EXPECT_LE(std::count(manyCodes.begin(), manyCodes.end(), "CP2001"), 10);
  EXPECT_EQ(std::count(manyCodes.begin(), manyCodes.end(), "CP2010"), 1);
}

// Mutations of a valid file must produce a result or diagnostics, never a crash or a hang.
TEST(LangSyntax, RandomMutationsNeverCrash) {
  std::mt19937 random(42);
  const std::string base = kDeathstarPolicy;
  const std::string alphabet = "{}(),:=!\"#/ \nabc01.-@";
  for (int round = 0; round < 300; ++round) {
    std::string text = base;
    int edits = 1 + static_cast<int>(random() % 4);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      size_t at = random() % text.size();
      switch (random() % 3) {
        case 0: text.erase(at, 1 + random() % 8); break;
        case 1: text.insert(at, 1, alphabet[random() % alphabet.size()]); break;
        default: text[at] = alphabet[random() % alphabet.size()];
      }
    }
    auto parsed = parseText(text);
    EXPECT_EQ(parsed.ok, parsed.diags.errorCount() == 0) << text;
  }
}

TEST(LangSyntax, LargeInputParsesQuickly) {
  std::string text;
  for (int i = 0; i < 2000; ++i)
    text += "policy p" + std::to_string(i) +
            " { select { app = a } ingress { allow from { app = b, tier in (x, y) } on tcp/80, udp/53 } }\n";
  auto start = std::chrono::steady_clock::now();
  auto parsed = parseText(text);
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(parsed.ok) << parsed.rendered();
  EXPECT_EQ(parsed.policies.rules.size(), 2000u);
  EXPECT_LT(seconds, 10.0);
}

// ---- value checks (CP3xxx) ----

struct ValueCase {
  const char* text;      // a policy; the faulty value is on line 2
  const char* code;
  int column;
  const char* hintPart;  // "" = no hint required
};

class LangValueCheck : public ::testing::TestWithParam<ValueCase> {};

TEST_P(LangValueCheck, ReportsCodeAtExactColumn) {
  const ValueCase& c = GetParam();
  auto parsed = parseText(std::string("policy p {\n") + c.text + "\n}");
  EXPECT_FALSE(parsed.ok) << c.text;
  ASSERT_FALSE(parsed.diags.diagnostics().empty()) << c.text;
  const Diagnostic& d = parsed.diags.diagnostics()[0];
  EXPECT_EQ(diagInfo(d.code).code, c.code) << c.text << "\n" << parsed.rendered();
  EXPECT_EQ(d.location.line, 2) << c.text;
  EXPECT_EQ(d.location.column, c.column) << c.text << "\n" << parsed.rendered();
  EXPECT_NE(d.hint.find(c.hintPart), std::string::npos) << c.text << ": hint was " << d.hint;
}

INSTANTIATE_TEST_SUITE_P(
    Codes, LangValueCheck,
    ::testing::Values(
        ValueCase{R"(select { "bad key" = x })", "CP3001", 14, "spaces"},
        ValueCase{R"(select { app = "we b" })", "CP3002", 19, ""},
        ValueCase{"select { k8z:app = web }", "CP3003", 10, "k8s"},
        ValueCase{"select {} labels { any:team = x }", "CP3004", 20, ""},
        ValueCase{"select {} namespace Default", "CP3006", 21, "default"},
        ValueCase{"select { app in () }", "CP3007", 17, ""},
        ValueCase{"select {} egress { allow to cidr 10.0.0.300/8 }", "CP3010", 41, ""},
        ValueCase{"select {} egress { allow to cidr 10.1.2.3/8 }", "CP3010", 34, "10.0.0.0/8"},
        ValueCase{"select {} egress { allow to cidr 10.0.0.0/8 except 11.0.0.0/16 }", "CP3011", 52, ""},
        ValueCase{"select {} egress { allow on tpc/80 }", "CP3020", 29, "tcp"},
        ValueCase{"select {} egress { allow on tcp/99999 }", "CP3020", 33, ""},
        ValueCase{"select {} egress { allow on icmp/echo-requets }", "CP3021", 34, "echo-request"},
        ValueCase{"select {} egress { allow to entity wrold }", "CP3030", 36, "world"}));

TEST(LangValueCheck, DuplicateLabelIsAWarning) {
  auto parsed = parseText("policy p { select {} labels { team = a, team = b } }");
  EXPECT_TRUE(parsed.ok) << parsed.rendered();
  EXPECT_EQ(parsed.codes(), std::vector<std::string>{"CP3005"});
  EXPECT_EQ(parsed.policies.rules[0].policyLabels.labels()[0].value, "b") << "the last value wins";
}

TEST(LangValueCheck, ManyErrorsAreReportedInOneRun) {
  auto parsed = parseText("policy p {\n select { k8z:a = b }\n egress { allow to entity wrold on tpc/1 }\n}");
  EXPECT_EQ(parsed.codes(), (std::vector<std::string>{"CP3003", "CP3030", "CP3020"}));
}

}  // namespace
}  // namespace ciliumc
