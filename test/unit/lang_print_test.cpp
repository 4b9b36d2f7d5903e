// `ciliumc convert`: model -> language text. The output is in fmt layout and parses back to
// the same model.
#include <gtest/gtest.h>

#include "frontend/lang/format_policy.h"
#include "frontend/lang/print_policy.h"
#include "lang_test_support.h"

namespace ciliumc {
namespace {

Requirement req(std::string source, std::string key, SelectorOperator op, std::vector<std::string> values = {}) {
  return Requirement{std::move(source), std::move(key), op, std::move(values)};
}

Peer selectorPeer(std::vector<Requirement> requirements) {
  return Peer::ofSelector(LabelSelector(std::move(requirements)));
}

// The kind of model the YAML importer produces: everything the language can express.
PolicySet importedModel() {
  PolicySet set;
  PolicyRule web;
  web.name = "web";
  web.namespaceName = "shop";
  web.description = "say \"hi\"\\ and\nbye";
  web.origin = "CiliumNetworkPolicy";
  web.policyLabels = LabelSet({Label{"k8s", "team", "security"}, Label{"unspec", "flag", ""},
                               Label{"unspec", "policy", "in"}});
  web.subject = LabelSelector({req("k8s", "app", SelectorOperator::In, {"web"}),
                               req("any", "tier", SelectorOperator::In, {"a", "b"}),
                               req("any", "debug", SelectorOperator::DoesNotExist)});
  web.ingress.enablesDefaultDeny = true;
  RuleEntry fromLb;
  fromLb.peers = std::vector<Peer>{selectorPeer({req("any", "app", SelectorOperator::In, {"lb"})}),
                                   Peer::ofEntity(Entity::RemoteNode)};
  fromLb.l4.ports = {PortRange{Protocol::TCP, 80, 80}, PortRange{Protocol::UDP, 8000, 8100},
                     PortRange{Protocol::Any, 0, 65535}};
  fromLb.l4.icmps = {IcmpType{Protocol::ICMP, 8}, IcmpType{Protocol::ICMPv6, 200}};
  RuleEntry denyCidr;
  denyCidr.verdict = Verdict::Deny;
  denyCidr.index = 1;
  CidrPeer cidr;
  cidr.prefix = *IpPrefix::parse("10.0.0.0/8");
  cidr.except = {*IpPrefix::parse("10.1.0.0/16")};
  CidrPeer v6;
  v6.prefix = *IpPrefix::parse("2001:db8::/32");
  denyCidr.peers = std::vector<Peer>{Peer::ofCidr(cidr), Peer::ofCidr(v6)};
  RuleEntry nothing;  // Cilium `ingress: [{fromEndpoints: []}]`-style: an explicitly empty list
  nothing.peers = std::vector<Peer>{};
  nothing.index = 2;
  web.ingress.entries = {fromLb, denyCidr, nothing};
  web.ingress.requirements = {req("k8s", "env", SelectorOperator::In, {"prod"}),
                              req("any", "zone", SelectorOperator::NotIn, {"x", "y"})};
  web.egress.enablesDefaultDeny = true;  // `egress {}`
  set.rules.push_back(web);

  PolicyRule open;  // cluster-wide, no directions
  open.name = "select";  // a keyword: must be quoted
  open.origin = "language";
  open.subject = LabelSelector({req("reserved", "host", SelectorOperator::Exists),
                                req("any", "notin", SelectorOperator::NotIn, {"v"}),
                                req("any", "e", SelectorOperator::In, {""})});
  RuleEntry everyone;
  everyone.l4.ports = {PortRange{Protocol::TCP, 443, 443}};
  open.egress.enablesDefaultDeny = true;
  open.egress.entries = {everyone};
  set.rules.push_back(open);
  return set;
}

std::string reparsedModel(const std::string& text) {
  auto parsed = testing::parseText(text, "converted.policy");
  EXPECT_TRUE(parsed.ok) << parsed.rendered() << "\n" << text;
  for (auto& rule : parsed.policies.rules) rule.origin = "?";
  return testing::describeModel(parsed.policies);
}

std::string modelWithoutOrigin(PolicySet set) {
  for (auto& rule : set.rules) rule.origin = "?";
  return testing::describeModel(set);
}

TEST(LangPrint, ExactOutput) {
  // Selector requirements and labels come out in the model's (sorted) order.
  const std::string expected =
      "policy web {\n"
      "  description \"say \\\"hi\\\"\\\\ and\\nbye\"\n"
      "  namespace shop\n"
      "  labels { k8s:team = security, flag, \"policy\" = \"in\" }\n"
      "  select { !debug, tier in (a, b), k8s:app = web }\n"
      "  ingress {\n"
      "    allow from { app = lb }, entity remote-node on tcp/80, udp/8000-8100, any, icmp/echo-request, icmpv6/200\n"
      "    deny from cidr 10.0.0.0/8 except 10.1.0.0/16, cidr 2001:db8::/32\n"
      "    allow from none\n"
      "    require { k8s:env = prod, zone notin (x, y) }\n"
      "  }\n"
      "  egress {}\n"
      "}\n"
      "\n"
      "policy \"select\" {\n"
      "  select { e = \"\", \"notin\" != v, reserved:host }\n"
      "  egress {\n"
      "    allow on tcp/443\n"
      "  }\n"
      "}\n";
  EXPECT_EQ(printPolicyLanguage(importedModel()), expected);
}

TEST(LangPrint, OutputParsesBackToTheSameModel) {
  PolicySet model = importedModel();
  EXPECT_EQ(reparsedModel(printPolicyLanguage(model)), modelWithoutOrigin(model));
}

TEST(LangPrint, OutputIsAlreadyFormatted) {
  std::string printed = printPolicyLanguage(importedModel());
  DiagnosticEngine diags;
  EXPECT_EQ(formatPolicyLanguage("converted.policy", printed, diags).value_or("<failed>"), printed);
}

TEST(LangPrint, DirectionsThatAreAbsentStayAbsent) {
  PolicySet set;
  PolicyRule rule;
  rule.name = "quiet";
  set.rules.push_back(rule);
  EXPECT_EQ(printPolicyLanguage(set), "policy quiet {\n  select {}\n}\n");
}

TEST(LangPrint, RulesSharingANameAreRenamedWithAComment) {
  PolicySet set;
  PolicyRule rule;
  rule.name = "multi";
  rule.namespaceName = "a";
  set.rules = {rule, rule};
  set.rules.push_back(rule);
  set.rules.back().namespaceName = "b";  // another namespace: no clash
  std::string printed = printPolicyLanguage(set);
  EXPECT_NE(printed.find("# renamed from multi: names must be unique per namespace\npolicy multi-2 {"),
            std::string::npos) << printed;
  auto parsed = testing::parseText(printed);
  ASSERT_TRUE(parsed.ok) << parsed.rendered();
  ASSERT_EQ(parsed.policies.rules.size(), 3u);
  EXPECT_EQ(parsed.policies.rules[2].name, "multi");
}

TEST(LangPrint, RepositoryFilesRoundTrip) {
  // parse -> print -> parse is the identity on every valid .policy file of the repository.
  int checked = 0;
  for (const auto& entry : testing::policyFilesOfTheRepository()) {
    auto parsed = testing::parseText(entry.text, entry.name);
    if (!parsed.ok) continue;  // lit inputs with intended errors
    std::string printed = printPolicyLanguage(parsed.policies);
    EXPECT_EQ(reparsedModel(printed), modelWithoutOrigin(parsed.policies)) << entry.name << "\n" << printed;
    DiagnosticEngine diags;
    EXPECT_EQ(formatPolicyLanguage("x.policy", printed, diags).value_or("<failed>"), printed) << entry.name;
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

}  // namespace
}  // namespace ciliumc
