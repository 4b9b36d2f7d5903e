// NetworkPolicy (networking.k8s.io/v1) import: selectors, peers, ports, policyTypes, warnings.
#include "k8s_import_test_util.h"

#include "ir/identity.h"

namespace ciliumc {
namespace {

using namespace ciliumc::testing;

const std::string kHeader =
    "apiVersion: networking.k8s.io/v1\n"
    "kind: NetworkPolicy\n"
    "metadata:\n"
    "  name: np\n"
    "  namespace: prod\n";

TEST(K8sNetworkPolicy, SubjectFromPodSelectorWithK8sSource) {
  auto r = importClean(kHeader +
                       "spec:\n"
                       "  podSelector:\n"
                       "    matchLabels: {app: web}\n"
                       "    matchExpressions:\n"
                       "    - {key: tier, operator: In, values: [b, a, b]}\n"
                       "    - {key: env, operator: NotIn, values: [dev]}\n"
                       "    - {key: team, operator: Exists}\n"
                       "    - {key: legacy, operator: DoesNotExist}\n");
  ASSERT_EQ(r->policies.rules.size(), 1u);
  const PolicyRule& rule = r->rule();
  EXPECT_EQ(rule.name, "np");
  EXPECT_EQ(rule.namespaceName, "prod");
  EXPECT_EQ(rule.origin, "NetworkPolicy");
  LabelSelector expected;
  expected.addRequirement(eq("k8s", "app", "web"));
  expected.addRequirement(req("k8s", "tier", SelectorOperator::In, {"a", "b"}));
  expected.addRequirement(req("k8s", "env", SelectorOperator::NotIn, {"dev"}));
  expected.addRequirement(req("k8s", "team", SelectorOperator::Exists));
  expected.addRequirement(req("k8s", "legacy", SelectorOperator::DoesNotExist));
  EXPECT_EQ(rule.subject, expected);
  // Location of a NetworkPolicy rule: the `kind:` value (line 2, column 7).
  EXPECT_EQ(rule.location.line, 2);
  EXPECT_EQ(rule.location.column, 7);
  ASSERT_TRUE(rule.location.file);
  EXPECT_EQ(*rule.location.file, "test.yaml");
}

TEST(K8sNetworkPolicy, PolicyTypesOmittedMeansIngressOnly) {
  auto r = importClean(kHeader + "spec:\n  podSelector: {}\n");
  EXPECT_TRUE(r->rule().ingress.enablesDefaultDeny);
  EXPECT_FALSE(r->rule().egress.enablesDefaultDeny);
  EXPECT_TRUE(r->rule().ingress.entries.empty());
  EXPECT_TRUE(r->rule().subject.isWildcard());
}

TEST(K8sNetworkPolicy, PolicyTypesOmittedWithEgressRulesAddsEgress) {
  auto r = importClean(kHeader + "spec:\n  podSelector: {}\n  egress:\n  - {}\n");
  EXPECT_TRUE(r->rule().ingress.enablesDefaultDeny);
  EXPECT_TRUE(r->rule().egress.enablesDefaultDeny);
  ASSERT_EQ(r->rule().egress.entries.size(), 1u);
}

TEST(K8sNetworkPolicy, PolicyTypesOmittedWithEmptyEgressListIsIngressOnly) {
  auto r = importClean(kHeader + "spec:\n  podSelector: {}\n  egress: []\n");
  EXPECT_FALSE(r->rule().egress.enablesDefaultDeny);
}

TEST(K8sNetworkPolicy, ExplicitEgressOnly) {
  auto r = importClean(kHeader + "spec:\n  podSelector: {}\n  policyTypes: [Egress]\n");
  EXPECT_FALSE(r->rule().ingress.enablesDefaultDeny);
  EXPECT_TRUE(r->rule().egress.enablesDefaultDeny);
  EXPECT_TRUE(r->rule().egress.entries.empty());
}

TEST(K8sNetworkPolicy, RulesOutsidePolicyTypesAreIgnoredWithWarning) {
  auto r = importText(kHeader +
                      "spec:\n  podSelector: {}\n  policyTypes: [Egress]\n"
                      "  ingress:\n  - {}\n");
  EXPECT_TRUE(r->ok) << r->dump();
  EXPECT_EQ(r->count(DiagCode::CP4107), 1u) << r->dump();
  EXPECT_EQ(r->find(DiagCode::CP4107)->location.line, 9);
  EXPECT_FALSE(r->rule().ingress.enablesDefaultDeny);
  EXPECT_TRUE(r->rule().ingress.entries.empty());
}

TEST(K8sNetworkPolicy, UnknownPolicyTypeIsErrorWithHint) {
  auto r = importText(kHeader + "spec:\n  podSelector: {}\n  policyTypes: [Ingres]\n");
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->onlyHint(DiagCode::CP4008), "did you mean `Ingress`?");
  EXPECT_TRUE(r->policies.rules.empty());
}

TEST(K8sNetworkPolicy, LowercasePolicyTypeHintsTheCapitalisedName) {
  auto r = importText(kHeader + "spec:\n  podSelector: {}\n  policyTypes: [egress]\n");
  EXPECT_EQ(r->onlyHint(DiagCode::CP4008), "did you mean `Egress`?");
}

TEST(K8sNetworkPolicy, EmptyIngressRuleAllowsEverything) {
  auto r = importClean(kHeader + "spec:\n  podSelector: {}\n  ingress:\n  - {}\n");
  ASSERT_EQ(r->rule().ingress.entries.size(), 1u);
  const RuleEntry& entry = r->rule().ingress.entries[0];
  EXPECT_EQ(entry.verdict, Verdict::Allow);
  EXPECT_FALSE(entry.peers.has_value());
  EXPECT_TRUE(entry.l4.isWildcard());
  EXPECT_EQ(entry.index, 0);
  EXPECT_EQ(entry.location.line, 9);
  EXPECT_EQ(entry.location.column, 5);
}

TEST(K8sNetworkPolicy, EmptyFromListMeansAllPeers) {
  auto r = importClean(kHeader + "spec:\n  podSelector: {}\n  ingress:\n  - from: []\n    ports: []\n");
  const RuleEntry& entry = r->rule().ingress.entries.at(0);
  EXPECT_FALSE(entry.peers.has_value());
  EXPECT_TRUE(entry.l4.isWildcard());
}

TEST(K8sNetworkPolicy, PodSelectorPeerKeepsSelectorAsWritten) {
  auto r = importClean(kHeader +
                       "spec:\n  podSelector: {}\n  ingress:\n  - from:\n"
                       "    - podSelector: {matchLabels: {role: client}}\n"
                       "    - podSelector: {}\n");
  const RuleEntry& entry = r->rule().ingress.entries.at(0);
  ASSERT_TRUE(entry.peers.has_value());
  ASSERT_EQ(entry.peers->size(), 2u);
  EXPECT_EQ((*entry.peers)[0].kind, Peer::Kind::Selector);
  EXPECT_EQ((*entry.peers)[0].selector, LabelSelector({eq("k8s", "role", "client")}));
  EXPECT_EQ((*entry.peers)[0].location.line, 10);
  EXPECT_EQ((*entry.peers)[0].location.column, 7);
  EXPECT_TRUE((*entry.peers)[1].selector.isWildcard());
}

TEST(K8sNetworkPolicy, NamespaceSelectorUsesNamespaceLabels) {
  auto r = importClean(kHeader +
                       "spec:\n  podSelector: {}\n  ingress:\n  - from:\n"
                       "    - namespaceSelector:\n"
                       "        matchLabels: {team: a}\n"
                       "        matchExpressions: [{key: env, operator: In, values: [prod]}]\n");
  const Peer& peer = r->rule().ingress.entries.at(0).peers->at(0);
  LabelSelector expected;
  expected.addRequirement(eq("k8s", "io.cilium.k8s.namespace.labels.team", "a"));
  expected.addRequirement(req("k8s", "io.cilium.k8s.namespace.labels.env", SelectorOperator::In, {"prod"}));
  EXPECT_EQ(peer.selector, expected);
  EXPECT_TRUE(peer.selector.mentionsKeyPrefix("k8s", k8skey::kNamespaceLabelsPrefix));
}

TEST(K8sNetworkPolicy, EmptyNamespaceSelectorMeansEveryNamespace) {
  auto r = importClean(kHeader + "spec:\n  podSelector: {}\n  ingress:\n  - from:\n    - namespaceSelector: {}\n");
  const Peer& peer = r->rule().ingress.entries.at(0).peers->at(0);
  EXPECT_EQ(peer.selector,
            LabelSelector({req("k8s", std::string(k8skey::kPodNamespace), SelectorOperator::Exists)}));
}

TEST(K8sNetworkPolicy, PodAndNamespaceSelectorsAreMergedIntoOnePeer) {
  auto r = importClean(kHeader +
                       "spec:\n  podSelector: {}\n  egress:\n  - to:\n"
                       "    - podSelector: {matchLabels: {app: db}}\n"
                       "      namespaceSelector: {}\n");
  const auto& peers = *r->rule().egress.entries.at(0).peers;
  ASSERT_EQ(peers.size(), 1u);
  LabelSelector expected;
  expected.addRequirement(eq("k8s", "app", "db"));
  expected.addRequirement(req("k8s", std::string(k8skey::kPodNamespace), SelectorOperator::Exists));
  EXPECT_EQ(peers[0].selector, expected);

  auto labelled = importClean(kHeader +
                              "spec:\n  podSelector: {}\n  egress:\n  - to:\n"
                              "    - podSelector: {matchLabels: {app: db}}\n"
                              "      namespaceSelector: {matchLabels: {env: prod}}\n");
  LabelSelector both;
  both.addRequirement(eq("k8s", "app", "db"));
  both.addRequirement(eq("k8s", "io.cilium.k8s.namespace.labels.env", "prod"));
  EXPECT_EQ(labelled->rule().egress.entries.at(0).peers->at(0).selector, both);
}

TEST(K8sNetworkPolicy, IpBlockWithExcept) {
  auto r = importClean(kHeader +
                       "spec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to:\n"
                       "    - ipBlock:\n        cidr: 10.0.0.0/8\n        except: [10.1.0.0/16, 10.2.0.0/16]\n");
  const Peer& peer = r->rule().egress.entries.at(0).peers->at(0);
  EXPECT_EQ(peer.kind, Peer::Kind::Cidr);
  EXPECT_EQ(peer.cidr.prefix, prefix("10.0.0.0/8"));
  EXPECT_EQ(peer.cidr.except, (std::vector<IpPrefix>{prefix("10.1.0.0/16"), prefix("10.2.0.0/16")}));
}

TEST(K8sNetworkPolicy, IpBlockExceptOutsideCidrIsError) {
  auto r = importText(kHeader +
                      "spec:\n  podSelector: {}\n  ingress:\n  - from:\n"
                      "    - ipBlock: {cidr: 10.0.0.0/8, except: [192.168.0.0/16]}\n");
  EXPECT_FALSE(r->ok);
  ASSERT_EQ(r->count(DiagCode::CP3011), 1u) << r->dump();
  EXPECT_EQ(r->find(DiagCode::CP3011)->location.line, 10);
  EXPECT_EQ(r->find(DiagCode::CP3011)->location.column, 44);
}

TEST(K8sNetworkPolicy, InvalidCidrIsError) {
  auto r = importText(kHeader + "spec:\n  podSelector: {}\n  ingress:\n  - from:\n    - ipBlock: {cidr: 10.0.0.300/8}\n");
  EXPECT_EQ(r->count(DiagCode::CP3010), 1u) << r->dump();
  EXPECT_FALSE(r->ok);
}

TEST(K8sNetworkPolicy, IpBlockMissingCidr) {
  auto r = importText(kHeader + "spec:\n  podSelector: {}\n  ingress:\n  - from:\n    - ipBlock: {except: [10.0.0.0/8]}\n");
  EXPECT_EQ(r->count(DiagCode::CP4007), 1u) << r->dump();
}

TEST(K8sNetworkPolicy, IpBlockWithSelectorIsError) {
  auto r = importText(kHeader +
                      "spec:\n  podSelector: {}\n  ingress:\n  - from:\n"
                      "    - ipBlock: {cidr: 10.0.0.0/8}\n      podSelector: {}\n");
  EXPECT_EQ(r->count(DiagCode::CP4010), 1u) << r->dump();
}

TEST(K8sNetworkPolicy, EmptyPeerIsError) {
  auto r = importText(kHeader + "spec:\n  podSelector: {}\n  ingress:\n  - from:\n    - {}\n");
  EXPECT_EQ(r->count(DiagCode::CP4010), 1u) << r->dump();
  EXPECT_FALSE(r->ok);
}

TEST(K8sNetworkPolicy, PortsDefaultToTcpAndSupportRanges) {
  auto r = importClean(kHeader +
                       "spec:\n  podSelector: {}\n  ingress:\n  - ports:\n"
                       "    - port: 80\n"
                       "    - {protocol: UDP, port: 53}\n"
                       "    - {protocol: SCTP}\n"
                       "    - {port: 8000, endPort: 8100}\n"
                       "    - {port: \"443\"}\n");
  const L4Match& l4 = r->rule().ingress.entries.at(0).l4;
  EXPECT_FALSE(r->rule().ingress.entries.at(0).peers.has_value());
  std::vector<PortRange> expected = {{Protocol::TCP, 80, 80},
                                     {Protocol::UDP, 53, 53},
                                     {Protocol::SCTP, 0, 65535},
                                     {Protocol::TCP, 8000, 8100},
                                     {Protocol::TCP, 443, 443}};
  EXPECT_EQ(l4.ports, expected);
  EXPECT_TRUE(l4.icmps.empty());
}

TEST(K8sNetworkPolicy, PortErrors) {
  expectEachRejected(kHeader + "spec:\n  podSelector: {}\n  ingress:\n  - ports:\n    - ",
                     {{"{port: 70000}", DiagCode::CP3020},
                      {"{port: 0}", DiagCode::CP3020},
                      {"{port: 90, endPort: 80}", DiagCode::CP3020},
                      {"{endPort: 80}", DiagCode::CP3020},
                      {"{port: http, endPort: 80}", DiagCode::CP3020},
                      {"{port: \"80/tcp\"}", DiagCode::CP3020},
                      {"{protocol: tcp, port: 80}", DiagCode::CP3020},
                      {"{protocol: ICMP}", DiagCode::CP3020},
                      {"{port: 80, prot: TCP}", DiagCode::CP4005},
                      {"{port: [80]}", DiagCode::CP4006}});
}

TEST(K8sNetworkPolicy, LowercaseProtocolHint) {
  auto r = importText(kHeader + "spec:\n  podSelector: {}\n  ingress:\n  - ports:\n    - {protocol: udp}\n");
  EXPECT_EQ(r->onlyHint(DiagCode::CP3020), "protocol names are upper case: did you mean `UDP`?");
}

TEST(K8sNetworkPolicy, NamedPortIsDroppedWithWarning) {
  auto r = importText(kHeader +
                      "spec:\n  podSelector: {}\n  ingress:\n  - ports:\n"
                      "    - port: http\n    - port: 8080\n");
  EXPECT_TRUE(r->ok) << r->dump();
  ASSERT_EQ(r->count(DiagCode::CP4101), 1u) << r->dump();
  const Diagnostic* d = r->find(DiagCode::CP4101);
  EXPECT_EQ(d->location.line, 10);
  EXPECT_EQ(d->location.column, 13);
  EXPECT_NE(d->message.find("this port entry is dropped"), std::string::npos);
  const RuleEntry& entry = r->rule().ingress.entries.at(0);
  EXPECT_EQ(entry.l4.ports, (std::vector<PortRange>{{Protocol::TCP, 8080, 8080}}));
}

TEST(K8sNetworkPolicy, RuleWithOnlyNamedPortsIsDroppedNotWidened) {
  auto r = importText(kHeader +
                      "spec:\n  podSelector: {}\n  ingress:\n"
                      "  - ports:\n    - port: http\n"
                      "  - from:\n    - podSelector: {}\n");
  EXPECT_TRUE(r->ok) << r->dump();
  ASSERT_EQ(r->count(DiagCode::CP4101), 1u);
  EXPECT_NE(r->find(DiagCode::CP4101)->message.find("the whole rule is dropped"), std::string::npos);
  // The second rule remains, renumbered 0; default-deny is still on.
  ASSERT_EQ(r->rule().ingress.entries.size(), 1u);
  EXPECT_EQ(r->rule().ingress.entries[0].index, 0);
  EXPECT_TRUE(r->rule().ingress.entries[0].peers.has_value());
  EXPECT_TRUE(r->rule().ingress.enablesDefaultDeny);
}

TEST(K8sNetworkPolicy, EntriesAreNumberedInOrder) {
  auto r = importClean(kHeader +
                       "spec:\n  podSelector: {}\n  ingress:\n  - ports: [{port: 1}]\n  - ports: [{port: 2}]\n"
                       "  - ports: [{port: 3}]\n");
  const auto& entries = r->rule().ingress.entries;
  ASSERT_EQ(entries.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(entries[i].index, i);
    EXPECT_EQ(entries[i].l4.ports.at(0).first, i + 1);
    EXPECT_EQ(entries[i].location.line, 9 + i);
  }
}

TEST(K8sNetworkPolicy, MissingNamespaceDefaultsWithWarning) {
  auto r = importText(
      "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: np\nspec:\n  podSelector: {}\n");
  EXPECT_TRUE(r->ok);
  EXPECT_EQ(r->count(DiagCode::CP4106), 1u) << r->dump();
  EXPECT_EQ(r->rule().namespaceName, "default");
}

TEST(K8sNetworkPolicy, InvalidNamespaceName) {
  auto r = importText(
      "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: np\n  namespace: Prod_1\n"
      "spec:\n  podSelector: {}\n");
  EXPECT_EQ(r->count(DiagCode::CP3006), 1u) << r->dump();
}

TEST(K8sNetworkPolicy, MissingNameAndSpecAreErrors) {
  auto noName = importText("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {namespace: a}\n"
                           "spec:\n  podSelector: {}\n");
  EXPECT_EQ(noName->count(DiagCode::CP4007), 1u) << noName->dump();
  auto noSpec = importText(kHeader);
  EXPECT_EQ(noSpec->count(DiagCode::CP4007), 1u) << noSpec->dump();
  auto noPodSelector = importText(kHeader + "spec:\n  ingress: []\n");
  EXPECT_EQ(noPodSelector->count(DiagCode::CP4007), 1u) << noPodSelector->dump();
  EXPECT_FALSE(noPodSelector->ok);
}

TEST(K8sNetworkPolicy, UnknownFieldsWithHints) {
  auto r = importText(kHeader +
                      "spec:\n  podSelector: {}\n  ingress:\n  - form:\n    - podSelector: {}\n");
  expectOnlyDiagnostic(*r, {DiagCode::CP4005, "unknown field `form` in ingress rule", "did you mean `from`?", 9, 5, 4});

  auto meta = importText("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: a\n"
                         "  namespce: b\nspec: {podSelector: {}}\n");
  EXPECT_EQ(meta->onlyHint(DiagCode::CP4005), "did you mean `namespace`?");

  auto selector = importText(kHeader + "spec:\n  podSelector: {matchLabel: {a: b}}\n");
  EXPECT_EQ(selector->onlyHint(DiagCode::CP4005), "did you mean `matchLabels`?");
}

TEST(K8sNetworkPolicy, WrongTypes) {
  auto r = importText(kHeader + "spec:\n  podSelector: {}\n  ingress:\n    from: []\n");
  ASSERT_EQ(r->count(DiagCode::CP4006), 1u) << r->dump();
  EXPECT_NE(r->find(DiagCode::CP4006)->message.find("`ingress` must be a list"), std::string::npos);
  expectEachRejected(kHeader + "spec:\n  podSelector: ",
                     {{"{}\n  ingress:\n  - from:\n      podSelector: {}", DiagCode::CP4006},
                      {"{matchLabels: [a]}", DiagCode::CP4006}});
}

TEST(K8sNetworkPolicy, SelectorRequirementErrors) {
  expectEachRejected(kHeader + "spec:\n  podSelector:\n    matchExpressions:\n    - ",
                     {{"{key: a, operator: In}", DiagCode::CP3007},
                      {"{key: a, operator: In, values: []}", DiagCode::CP3007},
                      {"{key: a, operator: Exists, values: [x]}", DiagCode::CP3007},
                      {"{key: a, operator: Equals, values: [x]}", DiagCode::CP4008},
                      {"{key: a}", DiagCode::CP4007},
                      {"{operator: Exists}", DiagCode::CP4007},
                      {"{key: -a, operator: Exists}", DiagCode::CP3001},
                      {"{key: a, operator: In, values: [\"x y\"]}", DiagCode::CP3002}});
}

TEST(K8sNetworkPolicy, OperatorHint) {
  auto r = importText(kHeader + "spec:\n  podSelector:\n    matchExpressions:\n    - {key: a, operator: Exist}\n");
  EXPECT_EQ(r->onlyHint(DiagCode::CP4008), "did you mean `Exists`?");
}

TEST(K8sNetworkPolicy, InvalidLabelKeyAndValue) {
  auto key = importText(kHeader + "spec:\n  podSelector:\n    matchLabels: {\"k8s:app\": web}\n");
  EXPECT_EQ(key->count(DiagCode::CP3001), 1u) << key->dump();
  auto value = importText(kHeader + "spec:\n  podSelector:\n    matchLabels: {app: \"web server\"}\n");
  ASSERT_EQ(value->count(DiagCode::CP3002), 1u) << value->dump();
  // The caret points at the space inside the quoted value: the quote is at column 24.
  const Diagnostic* d = value->find(DiagCode::CP3002);
  EXPECT_EQ(d->location.line, 8);
  EXPECT_EQ(d->location.column, 28);
  auto nullValue = importText(kHeader + "spec:\n  podSelector:\n    matchLabels: {app: }\n");
  EXPECT_EQ(nullValue->count(DiagCode::CP4006), 1u) << nullValue->dump();
}

TEST(K8sNetworkPolicy, StatusIsAccepted) {
  auto r = importClean(kHeader + "spec:\n  podSelector: {}\nstatus: {}\n");
  EXPECT_EQ(r->policies.rules.size(), 1u);
}

}  // namespace
}  // namespace ciliumc
