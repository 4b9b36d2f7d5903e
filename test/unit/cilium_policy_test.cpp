// CiliumNetworkPolicy / CiliumClusterwideNetworkPolicy import: every field kind, the edge cases
// of Cilium's semantics, and the warnings for what the datapath cannot enforce.
#include "k8s_import_test_util.h"

namespace ciliumc {
namespace {

using namespace ciliumc::testing;

const std::string kHeader =
    "apiVersion: cilium.io/v2\n"
    "kind: CiliumNetworkPolicy\n"
    "metadata:\n"
    "  name: cnp\n"
    "  namespace: prod\n"
    "spec:\n"
    "  endpointSelector: {matchLabels: {app: web}}\n";  // line 7; sections start on line 8

const std::string kClusterwideHeader =
    "apiVersion: cilium.io/v2\n"
    "kind: CiliumClusterwideNetworkPolicy\n"
    "metadata:\n"
    "  name: ccnp\n"
    "spec:\n"
    "  endpointSelector: {}\n";

TEST(CiliumPolicy, SubjectAndMetadata) {
  auto r = importClean(kHeader + "  description: web servers\n");
  ASSERT_EQ(r->policies.rules.size(), 1u);
  const PolicyRule& rule = r->rule();
  EXPECT_EQ(rule.name, "cnp");
  EXPECT_EQ(rule.namespaceName, "prod");
  EXPECT_EQ(rule.origin, "CiliumNetworkPolicy");
  EXPECT_EQ(rule.description, "web servers");
  EXPECT_EQ(rule.subject, LabelSelector({eq("any", "app", "web")}));
  EXPECT_EQ(rule.location.line, 2);
  EXPECT_FALSE(rule.ingress.enablesDefaultDeny);
  EXPECT_FALSE(rule.egress.enablesDefaultDeny);
}

TEST(CiliumPolicy, ClusterwideHasNoNamespace) {
  auto r = importClean(kClusterwideHeader);
  EXPECT_EQ(r->rule().namespaceName, "");
  EXPECT_EQ(r->rule().origin, "CiliumClusterwideNetworkPolicy");
  EXPECT_TRUE(r->rule().subject.isWildcard());
}

TEST(CiliumPolicy, ClusterwideNamespaceIsIgnoredWithWarning) {
  auto r = importText("apiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\n"
                      "metadata: {name: c, namespace: x}\nspec: {endpointSelector: {}}\n");
  EXPECT_TRUE(r->ok);
  EXPECT_EQ(r->count(DiagCode::CP4104), 1u) << r->dump();
  EXPECT_EQ(r->rule().namespaceName, "");
}

TEST(CiliumPolicy, SelectorKeysKeepTheirSource) {
  auto r = importClean(kClusterwideHeader +
                       "  ingress:\n  - fromEndpoints:\n"
                       "    - matchLabels: {\"k8s:app\": a, \"any:role\": b, plain: c, \"reserved:host\": \"\"}\n"
                       "      matchExpressions: [{key: \"k8s:io.kubernetes.pod.namespace\", operator: In, values: [x]}]\n");
  const Peer& peer = r->rule().ingress.entries.at(0).peers->at(0);
  LabelSelector expected;
  expected.addRequirement(eq("k8s", "app", "a"));
  expected.addRequirement(eq("any", "role", "b"));
  expected.addRequirement(eq("any", "plain", "c"));
  expected.addRequirement(eq("reserved", "host", ""));
  expected.addRequirement(req("k8s", "io.kubernetes.pod.namespace", SelectorOperator::In, {"x"}));
  EXPECT_EQ(peer.selector, expected);
}

TEST(CiliumPolicy, UnknownSourceInSelectorKey) {
  auto r = importText(kClusterwideHeader + "  ingress:\n  - fromEndpoints:\n    - matchLabels: {\"k9s:app\": a}\n");
  EXPECT_EQ(r->onlyHint(DiagCode::CP3003), "did you mean `k8s:`?");
  EXPECT_FALSE(r->ok);
}

TEST(CiliumPolicy, EmptyIngressEntryEnablesDefaultDenyWithoutEntry) {
  auto r = importClean(kHeader + "  ingress:\n  - {}\n");
  EXPECT_TRUE(r->rule().ingress.enablesDefaultDeny);
  EXPECT_TRUE(r->rule().ingress.entries.empty());
  EXPECT_FALSE(r->rule().egress.enablesDefaultDeny);
}

TEST(CiliumPolicy, EmptySectionListDoesNotEnableDefaultDeny) {
  auto r = importClean(kHeader + "  ingress: []\n  egress:\n");
  EXPECT_FALSE(r->rule().ingress.enablesDefaultDeny);
  EXPECT_FALSE(r->rule().egress.enablesDefaultDeny);
}

TEST(CiliumPolicy, DenySectionEnablesDefaultDeny) {
  auto r = importClean(kHeader + "  egressDeny:\n  - toEntities: [world]\n");
  EXPECT_TRUE(r->rule().egress.enablesDefaultDeny);
  ASSERT_EQ(r->rule().egress.entries.size(), 1u);
  EXPECT_EQ(r->rule().egress.entries[0].verdict, Verdict::Deny);
}

TEST(CiliumPolicy, EnableDefaultDenyFalse) {
  auto r = importClean(kHeader + "  enableDefaultDeny: {ingress: false}\n  ingress:\n  - fromEntities: [world]\n"
                                 "  egress:\n  - toEntities: [world]\n");
  EXPECT_FALSE(r->rule().ingress.enablesDefaultDeny);
  EXPECT_EQ(r->rule().ingress.entries.size(), 1u);
  EXPECT_TRUE(r->rule().egress.enablesDefaultDeny);
  auto bad = importText(kHeader + "  enableDefaultDeny: {ingress: no-thanks}\n");
  EXPECT_EQ(bad->count(DiagCode::CP4006), 1u) << bad->dump();
}

TEST(CiliumPolicy, AllowThenDenyEntriesAreNumberedInOneSequence) {
  auto r = importClean(kHeader +
                       "  ingressDeny:\n  - fromEntities: [world]\n"
                       "  ingress:\n  - fromEntities: [host]\n  - fromEntities: [cluster]\n");
  const auto& entries = r->rule().ingress.entries;
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].verdict, Verdict::Allow);
  EXPECT_EQ(entries[0].peers->at(0).entity, Entity::Host);
  EXPECT_EQ(entries[1].peers->at(0).entity, Entity::Cluster);
  EXPECT_EQ(entries[2].verdict, Verdict::Deny);
  EXPECT_EQ(entries[2].peers->at(0).entity, Entity::World);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(entries[i].index, i);
  EXPECT_EQ(entries[2].location.line, 9);
  EXPECT_EQ(entries[0].location.line, 11);
}

TEST(CiliumPolicy, PeersAreTheUnionOfAllPeerKinds) {
  auto r = importClean(kHeader +
                       "  egress:\n  - toEndpoints: [{matchLabels: {app: db}}]\n"
                       "    toEntities: [kube-apiserver, remote-node]\n"
                       "    toCIDR: [192.0.2.0/24, \"2001:db8::/32\"]\n"
                       "    toCIDRSet:\n    - cidr: 10.0.0.0/8\n      except: [10.96.0.0/12]\n");
  const auto& peers = *r->rule().egress.entries.at(0).peers;
  ASSERT_EQ(peers.size(), 6u);
  EXPECT_EQ(peers[0].kind, Peer::Kind::Selector);
  EXPECT_EQ(peers[0].selector, LabelSelector({eq("any", "app", "db")}));
  EXPECT_EQ(peers[1].entity, Entity::KubeApiserver);
  EXPECT_EQ(peers[2].entity, Entity::RemoteNode);
  EXPECT_EQ(peers[3].cidr.prefix, prefix("192.0.2.0/24"));
  EXPECT_EQ(peers[4].cidr.prefix, prefix("2001:db8::/32"));
  EXPECT_EQ(peers[5].cidr.prefix, prefix("10.0.0.0/8"));
  EXPECT_EQ(peers[5].cidr.except, std::vector<IpPrefix>{prefix("10.96.0.0/12")});
  EXPECT_EQ(peers[1].location.line, 10);
  EXPECT_TRUE(r->rule().egress.entries[0].l4.isWildcard());
}

TEST(CiliumPolicy, PortsOnlyEntryMeansEveryPeer) {
  auto r = importClean(kHeader +
                       "  ingress:\n  - toPorts:\n    - ports:\n"
                       "      - {port: \"80\", protocol: TCP}\n"
                       "      - {port: 53}\n"
                       "      - {port: \"8000\", endPort: 8100, protocol: UDP}\n"
                       "      - {port: \"0\", protocol: SCTP}\n");
  const RuleEntry& entry = r->rule().ingress.entries.at(0);
  EXPECT_FALSE(entry.peers.has_value());
  std::vector<PortRange> expected = {{Protocol::TCP, 80, 80},
                                     {Protocol::Any, 53, 53},
                                     {Protocol::UDP, 8000, 8100},
                                     {Protocol::SCTP, 0, 65535}};
  EXPECT_EQ(entry.l4.ports, expected);
}

TEST(CiliumPolicy, ExplicitlyEmptyPeerListSelectsNothing) {
  auto r = importClean(kHeader + "  ingress:\n  - fromEndpoints: []\n    toPorts: [{ports: [{port: \"80\"}]}]\n");
  const RuleEntry& entry = r->rule().ingress.entries.at(0);
  ASSERT_TRUE(entry.peers.has_value());
  EXPECT_TRUE(entry.peers->empty());
}

TEST(CiliumPolicy, EmptyEndpointSelectorPeerIsWildcard) {
  auto r = importClean(kHeader + "  ingress:\n  - fromEndpoints: [{}]\n");
  const RuleEntry& entry = r->rule().ingress.entries.at(0);
  ASSERT_EQ(entry.peers->size(), 1u);
  EXPECT_TRUE(entry.peers->at(0).selector.isWildcard());
}

TEST(CiliumPolicy, IcmpTypesByNumberAndName) {
  auto r = importClean(kHeader +
                       "  egress:\n  - icmps:\n    - fields:\n"
                       "      - {type: 8}\n"
                       "      - {type: EchoRequest, family: IPv6}\n"
                       "      - {type: \"0\", family: IPv4}\n");
  const RuleEntry& entry = r->rule().egress.entries.at(0);
  EXPECT_FALSE(entry.peers.has_value());
  std::vector<IcmpType> expected = {{Protocol::ICMP, 8}, {Protocol::ICMPv6, 128}, {Protocol::ICMP, 0}};
  EXPECT_EQ(entry.l4.icmps, expected);
  EXPECT_TRUE(entry.l4.ports.empty());
}

TEST(CiliumPolicy, IcmpErrors) {
  auto family = importText(kHeader + "  egress:\n  - icmps: [{fields: [{type: 8, family: ipv4}]}]\n");
  EXPECT_EQ(family->onlyHint(DiagCode::CP4008), "did you mean `IPv4`?");
  expectEachRejected(kHeader + "  egress:\n  - icmps: [{fields: ",
                     {{"[{type: EchoRequets}]}]", DiagCode::CP3021},
                      {"[{type: 256}]}]", DiagCode::CP3021},
                      {"[{family: IPv4}]}]", DiagCode::CP4007}});
}

TEST(CiliumPolicy, PortsAndIcmpsInOneRuleAreRejected) {
  auto r = importText(kHeader + "  egress:\n  - toPorts: [{ports: [{port: \"53\"}]}]\n    icmps: [{fields: [{type: 8}]}]\n");
  EXPECT_EQ(r->count(DiagCode::CP4008), 1u) << r->dump();
  EXPECT_FALSE(r->ok);
}

TEST(CiliumPolicy, PortErrors) {
  expectEachRejected(kHeader + "  ingress:\n  - toPorts:\n    - ports:\n      - ",
                     {{"{port: \"65536\"}", DiagCode::CP3020},
                      {"{port: \"80\", protocol: tcp}", DiagCode::CP3020},
                      {"{port: \"80\", protocol: ICMP}", DiagCode::CP3020},
                      {"{port: \"80\", endPort: 79}", DiagCode::CP3020},
                      {"{port: \"80-90\"}", DiagCode::CP3020},
                      {"{port: \"80\", protcol: TCP}", DiagCode::CP4005}});
  auto noPorts = importText(kHeader + "  ingress:\n  - toPorts:\n    - rules: {http: [{}]}\n");
  EXPECT_EQ(noPorts->count(DiagCode::CP4007), 1u) << noPorts->dump();
}

TEST(CiliumPolicy, NamedPortsAreDroppedAndAnAllNamedRuleIsDropped) {
  auto r = importText(kHeader +
                      "  ingress:\n"
                      "  - toPorts: [{ports: [{port: http}, {port: \"443\"}]}]\n"
                      "  - fromEntities: [world]\n    toPorts: [{ports: [{port: https}]}]\n");
  EXPECT_TRUE(r->ok) << r->dump();
  EXPECT_EQ(r->count(DiagCode::CP4101), 2u) << r->dump();
  const auto& entries = r->rule().ingress.entries;
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].l4.ports, (std::vector<PortRange>{{Protocol::Any, 443, 443}}));
  EXPECT_TRUE(r->rule().ingress.enablesDefaultDeny);
}

TEST(CiliumPolicy, NamedPortInDenyWarnsThatTrafficIsNotDenied) {
  auto r = importText(kHeader + "  ingressDeny:\n  - fromEntities: [world]\n    toPorts: [{ports: [{port: ssh}]}]\n");
  ASSERT_EQ(r->count(DiagCode::CP4101), 1u) << r->dump();
  EXPECT_NE(r->find(DiagCode::CP4101)->message.find("NOT denied"), std::string::npos);
  EXPECT_TRUE(r->rule().ingress.entries.empty());
}

TEST(CiliumPolicy, L7RulesWarnAndKeepL4) {
  auto r = importText(kHeader +
                      "  ingress:\n  - fromEndpoints: [{}]\n    toPorts:\n    - ports: [{port: \"80\", protocol: TCP}]\n"
                      "      rules:\n        http: [{method: GET, path: /}]\n");
  EXPECT_TRUE(r->ok) << r->dump();
  ASSERT_EQ(r->count(DiagCode::CP4102), 1u) << r->dump();
  const Diagnostic* d = r->find(DiagCode::CP4102);
  EXPECT_EQ(d->location.line, 12);
  EXPECT_EQ(d->location.column, 7);
  EXPECT_NE(d->message.find("L3/L4 only"), std::string::npos);
  EXPECT_EQ(r->rule().ingress.entries.at(0).l4.ports, (std::vector<PortRange>{{Protocol::TCP, 80, 80}}));
}

TEST(CiliumPolicy, TlsAndListenerFieldsWarnToo) {
  auto r = importText(kHeader +
                      "  egress:\n  - toPorts:\n    - ports: [{port: \"443\"}]\n"
                      "      serverNames: [example.com]\n      terminatingTLS: {secret: {name: s}}\n");
  EXPECT_EQ(r->count(DiagCode::CP4102), 2u) << r->dump();
  EXPECT_TRUE(r->ok);
}

TEST(CiliumPolicy, DenySectionsHaveNoL7Rules) {
  auto r = importText(kHeader + "  egressDeny:\n  - toPorts:\n    - ports: [{port: \"80\"}]\n      rules: {http: []}\n");
  EXPECT_EQ(r->count(DiagCode::CP4005), 1u) << r->dump();
  EXPECT_FALSE(r->ok);
}

TEST(CiliumPolicy, FqdnOnlyEntryIsDroppedNotWidened) {
  auto r = importText(kHeader +
                      "  egress:\n  - toFQDNs: [{matchName: example.com}]\n    toPorts: [{ports: [{port: \"443\"}]}]\n"
                      "  - toEntities: [world]\n");
  EXPECT_TRUE(r->ok) << r->dump();
  ASSERT_EQ(r->count(DiagCode::CP4103), 1u) << r->dump();
  const Diagnostic* d = r->find(DiagCode::CP4103);
  EXPECT_EQ(d->location.line, 9);
  EXPECT_NE(d->message.find("dropped"), std::string::npos);
  const auto& entries = r->rule().egress.entries;
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].peers->at(0).entity, Entity::World);
  EXPECT_TRUE(r->rule().egress.enablesDefaultDeny);
}

TEST(CiliumPolicy, UnsupportedPeerNextToSupportedOnesKeepsTheOthers) {
  auto r = importText(kHeader + "  egress:\n  - toServices: [{k8sService: {serviceName: a}}]\n    toEntities: [world]\n");
  EXPECT_EQ(r->count(DiagCode::CP4103), 1u) << r->dump();
  const auto& peers = *r->rule().egress.entries.at(0).peers;
  ASSERT_EQ(peers.size(), 1u);
  EXPECT_EQ(peers[0].entity, Entity::World);
}

TEST(CiliumPolicy, EveryUnsupportedPeerKindWarns) {
  for (std::string field : {"fromNodes: [{}]", "fromGroups: [{aws: {}}]", "fromCIDRSet: [{cidrGroupRef: g}]",
                            "fromCIDRSet: [{cidrGroupSelector: {}}]"}) {
    auto r = importText(kHeader + "  ingress:\n  - " + field + "\n");
    EXPECT_TRUE(r->ok) << field << r->dump();
    EXPECT_EQ(r->count(DiagCode::CP4103), 1u) << field << r->dump();
    EXPECT_TRUE(r->rule().ingress.entries.empty()) << field;
  }
  for (std::string field : {"toNodes: [{}]", "toGroups: [{aws: {}}]", "toServices: [{}]", "toFQDNs: [{matchName: a}]"}) {
    auto r = importText(kHeader + "  egress:\n  - " + field + "\n");
    EXPECT_EQ(r->count(DiagCode::CP4103), 1u) << field << r->dump();
    EXPECT_TRUE(r->rule().egress.entries.empty()) << field;
  }
}

TEST(CiliumPolicy, CidrGroupAndCidrTogetherIsError) {
  auto r = importText(kHeader + "  ingress:\n  - fromCIDRSet: [{cidr: 10.0.0.0/8, cidrGroupRef: g}]\n");
  EXPECT_EQ(r->count(DiagCode::CP4008), 1u) << r->dump();
}

TEST(CiliumPolicy, FqdnInDenyIsUnknownField) {
  auto r = importText(kHeader + "  egressDeny:\n  - toFQDNs: [{matchName: a}]\n");
  EXPECT_EQ(r->count(DiagCode::CP4005), 1u) << r->dump();
}

TEST(CiliumPolicy, AuthenticationIsIgnoredWithWarning) {
  auto r = importText(kHeader + "  ingress:\n  - fromEndpoints: [{}]\n    authentication: {mode: required}\n");
  EXPECT_TRUE(r->ok);
  EXPECT_EQ(r->count(DiagCode::CP4104), 1u) << r->dump();
  EXPECT_EQ(r->rule().ingress.entries.size(), 1u);
}

TEST(CiliumPolicy, RequiresGoToTheDirectionAndGrantNothing) {
  auto r = importClean(kHeader +
                       "  ingress:\n  - fromRequires: [{matchLabels: {env: prod}}]\n"
                       "  - fromEndpoints: [{matchLabels: {app: a}}]\n"
                       "    fromRequires: [{matchExpressions: [{key: \"k8s:tier\", operator: NotIn, values: [x]}]}]\n"
                       "  egress:\n  - toRequires: [{matchLabels: {zone: a}}]\n    toPorts: [{ports: [{port: \"80\"}]}]\n");
  const DirectionRules& ingress = r->rule().ingress;
  EXPECT_EQ(ingress.requirements,
            (std::vector<Requirement>{eq("any", "env", "prod"), req("k8s", "tier", SelectorOperator::NotIn, {"x"})}));
  ASSERT_EQ(ingress.entries.size(), 1u);
  EXPECT_EQ(ingress.entries[0].peers->at(0).selector, LabelSelector({eq("any", "app", "a")}));
  EXPECT_TRUE(ingress.enablesDefaultDeny);
  EXPECT_EQ(r->rule().egress.requirements, std::vector<Requirement>{eq("any", "zone", "a")});
  EXPECT_TRUE(r->rule().egress.entries.empty());
}

TEST(CiliumPolicy, PolicyLabels) {
  auto r = importClean(kHeader +
                       "  labels:\n  - {key: team, value: sec}\n  - {key: owner, value: bob, source: k8s}\n"
                       "  - \"k8s:tier=gold\"\n");
  LabelSet expected({Label{"unspec", "team", "sec"}, Label{"k8s", "owner", "bob"}, Label{"k8s", "tier", "gold"}});
  EXPECT_EQ(r->rule().policyLabels, expected);
  auto any = importText(kHeader + "  labels: [{key: a, source: any}]\n");
  EXPECT_EQ(any->count(DiagCode::CP3004), 1u) << any->dump();
  auto unknown = importText(kHeader + "  labels: [{key: a, source: k9s}]\n");
  EXPECT_EQ(unknown->count(DiagCode::CP3003), 1u) << unknown->dump();
  auto badValue = importText(kHeader + "  labels: [\"k8s:a=b c\"]\n");
  EXPECT_EQ(badValue->count(DiagCode::CP3002), 1u) << badValue->dump();
}

TEST(CiliumPolicy, SpecsListMakesOneRuleEach) {
  auto r = importClean(
      "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: multi, namespace: a}\n"
      "specs:\n"
      "- endpointSelector: {matchLabels: {app: x}}\n  ingress: [{}]\n"
      "- endpointSelector: {matchLabels: {app: y}}\n  egress: [{}]\n");
  ASSERT_EQ(r->policies.rules.size(), 2u);
  EXPECT_EQ(r->rule(0).location.line, 5);
  EXPECT_EQ(r->rule(0).location.column, 3);
  EXPECT_EQ(r->rule(1).location.line, 7);
  EXPECT_EQ(r->rule(1).name, "multi");
  EXPECT_TRUE(r->rule(0).ingress.enablesDefaultDeny);
  EXPECT_TRUE(r->rule(1).egress.enablesDefaultDeny);
  EXPECT_EQ(r->rule(1).subject, LabelSelector({eq("any", "app", "y")}));
}

TEST(CiliumPolicy, SpecAndSpecsTogether) {
  auto r = importClean(
      "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: m, namespace: a}\n"
      "spec: {endpointSelector: {}}\nspecs:\n- endpointSelector: {}\n");
  EXPECT_EQ(r->policies.rules.size(), 2u);
}

TEST(CiliumPolicy, MissingSpecOrSelectorIsError) {
  auto noSpec = importText("apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: m, namespace: a}\n");
  EXPECT_EQ(noSpec->count(DiagCode::CP4007), 1u) << noSpec->dump();
  auto noSelector = importText("apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: m, namespace: a}\n"
                               "spec:\n  ingress: [{}]\n");
  ASSERT_EQ(noSelector->count(DiagCode::CP4007), 1u) << noSelector->dump();
  EXPECT_NE(noSelector->find(DiagCode::CP4007)->message.find("endpointSelector"), std::string::npos);
  EXPECT_FALSE(noSelector->ok);
}

TEST(CiliumPolicy, NodeSelectorIsSkippedWithWarning) {
  auto r = importText("apiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\nmetadata: {name: host}\n"
                      "specs:\n- nodeSelector: {}\n  ingress: [{}]\n- endpointSelector: {}\n");
  EXPECT_TRUE(r->ok) << r->dump();
  EXPECT_EQ(r->count(DiagCode::CP4105), 1u) << r->dump();
  ASSERT_EQ(r->policies.rules.size(), 1u);
  EXPECT_EQ(r->rule().location.line, 7);
  auto both = importText("apiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\nmetadata: {name: host}\n"
                         "spec: {nodeSelector: {}, endpointSelector: {}}\n");
  EXPECT_EQ(both->count(DiagCode::CP4008), 1u) << both->dump();
}

TEST(CiliumPolicy, UnknownFieldInRuleWithHint) {
  auto r = importText(kHeader + "  ingress:\n  - fromEndpoint: [{}]\n");
  expectOnlyDiagnostic(*r, {DiagCode::CP4005, "unknown field `fromEndpoint` in ingress rule",
                            "did you mean `fromEndpoints`?", 9, 5, 12});
  EXPECT_FALSE(r->ok);
  EXPECT_TRUE(r->policies.rules.empty());

  auto egress = importText(kHeader + "  egress:\n  - fromEndpoints: [{}]\n");
  EXPECT_EQ(egress->onlyHint(DiagCode::CP4005), "did you mean `toEndpoints`?");

  auto spec = importText(kHeader + "  ingres: []\n");
  EXPECT_EQ(spec->onlyHint(DiagCode::CP4005), "did you mean `ingress`?");
}

TEST(CiliumPolicy, WrongTypes) {
  auto cidr = importText(kHeader + "  ingress:\n  - fromCIDR: 10.0.0.0/8\n");
  ASSERT_EQ(cidr->count(DiagCode::CP4006), 1u) << cidr->dump();
  EXPECT_NE(cidr->find(DiagCode::CP4006)->message.find("`fromCIDR` must be a list"), std::string::npos);
  EXPECT_EQ(cidr->find(DiagCode::CP4006)->hint, "write a list: `[10.0.0.0/8]` or one `- 10.0.0.0/8` per line");
  expectEachRejected(kHeader, {{"  ingress: {fromEntities: [world]}", DiagCode::CP4006},
                                {"  ingress:\n  - fromEndpoints: [app]", DiagCode::CP4006},
                                {"  description: [a]", DiagCode::CP4006}});
}

TEST(CiliumPolicy, UnknownEntityWithHint) {
  auto r = importText(kHeader + "  ingress:\n  - fromEntities: [wrold]\n");
  EXPECT_EQ(r->onlyHint(DiagCode::CP3030), "did you mean `world`?");
}

TEST(CiliumPolicy, CidrErrors) {
  expectEachRejected(kHeader + "  ingress:\n  - ",
                     {{"fromCIDR: [10.0.0.1/8]", DiagCode::CP3010},
                      {"fromCIDRSet: [{cidr: 10.0.0.0/16, except: [10.1.0.0/24]}]", DiagCode::CP3011},
                      {"fromCIDRSet: [{except: [10.1.0.0/24]}]", DiagCode::CP4007}});
}

TEST(CiliumPolicy, DuplicateKeyIsError) {
  auto r = importText(kHeader + "  ingress:\n  - fromEntities: [world]\n    fromEntities: [host]\n");
  ASSERT_EQ(r->count(DiagCode::CP4009), 1u) << r->dump();
  EXPECT_EQ(r->find(DiagCode::CP4009)->location.line, 10);
}

TEST(CiliumPolicy, DuplicateMatchLabelsKeyIsError) {
  auto r = importText(kHeader + "  ingress:\n  - fromEndpoints: [{matchLabels: {app: a, app: b}}]\n");
  ASSERT_EQ(r->count(DiagCode::CP4009), 1u) << r->dump();
  EXPECT_EQ(r->find(DiagCode::CP4009)->location.column, 44);
  EXPECT_FALSE(r->ok);
}

}  // namespace
}  // namespace ciliumc
