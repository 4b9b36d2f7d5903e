// resolvePolicy (scoping, requirements, enforcement, provenance) and printPolicyIR.
#include <sstream>

#include <gtest/gtest.h>

#include "ir/endpoint_policy.h"
#include "ir_builders.h"

namespace ciliumc {
namespace {

using namespace ciliumc::testing;

Inventory twoNamespaces() {
  return InventoryBuilder()
      .ns("x")
      .ns("y")
      .pod("x", "web", {"app=web"}, {"10.0.0.1"})
      .pod("y", "web", {"app=web"}, {"10.0.0.2"})
      .pod("", "vm", {"app=web"}, {"10.0.0.3"})
      .build();
}

const LabelSelector& onlySelector(const DirectionPolicy& policy) {
  EXPECT_EQ(policy.entries.size(), 1u);
  EXPECT_NE(policy.entries.at(0).peers, nullptr);
  EXPECT_EQ(policy.entries.at(0).peers->size(), 1u);
  return policy.entries.at(0).peers->at(0).selector;
}

Requirement namespaceIs(const char* ns) {
  return Requirement{"k8s", "io.kubernetes.pod.namespace", SelectorOperator::In, {ns}};
}

bool hasRequirement(const LabelSelector& selector, const Requirement& requirement) {
  const auto& all = selector.requirements();
  return std::find(all.begin(), all.end(), requirement) != all.end();
}

TEST(ResolveTest, NamespacedRuleSelectsOnlyItsNamespace) {
  World w(twoNamespaces(), {RuleBuilder("web", sel({"app=web"}), "x").ingress(allow({{selPeer({})}}))});
  ASSERT_EQ(w.ir.endpoints.size(), 3u);
  EXPECT_TRUE(w.ir.endpoints[0].ingress.enforced);
  EXPECT_EQ(w.ir.endpoints[0].ingress.entries.size(), 1u);
  EXPECT_FALSE(w.ir.endpoints[1].ingress.enforced) << "y/web";
  EXPECT_TRUE(w.ir.endpoints[1].ingress.entries.empty());
  EXPECT_FALSE(w.ir.endpoints[2].ingress.enforced) << "vm has no namespace";
}

TEST(ResolveTest, NamespacedSubjectCannotSelectAnotherNamespace) {
  // Cilium replaces the subject's namespace match label with the policy's namespace.
  // Written with the k8s source or with none (`any`, as CiliumNetworkPolicy YAML gives it).
  for (const char* written : {"k8s:io.kubernetes.pod.namespace=y", "any:io.kubernetes.pod.namespace=y"}) {
    World w(twoNamespaces(), {RuleBuilder("web", sel({written, "app=web"}), "x").ingress(allow({{selPeer({})}}))});
    EXPECT_TRUE(w.ir.endpoints[0].ingress.enforced) << "x/web, " << written;
    EXPECT_FALSE(w.ir.endpoints[1].ingress.enforced) << "y/web, " << written;
  }
}

TEST(ResolveTest, ClusterWideRuleSelectsEveryNamespaceAndNonPods) {
  World w(twoNamespaces(), {RuleBuilder("web", sel({"app=web"})).ingress(allow({{selPeer({})}}))});
  for (const auto& endpoint : w.ir.endpoints) EXPECT_TRUE(endpoint.ingress.enforced) << endpoint.endpoint->name;
  EXPECT_TRUE(onlySelector(w.ir.endpoints[0].ingress).isWildcard()) << "cluster-wide peers stay unscoped";
}

TEST(ResolveTest, NamespacedSelectorPeerGetsTheNamespace) {
  World w(twoNamespaces(), {RuleBuilder("web", sel({"app=web"}), "x").ingress(allow({{selPeer({"app=client"})}}))});
  const LabelSelector& peer = onlySelector(w.ir.endpoints[0].ingress);
  EXPECT_TRUE(hasRequirement(peer, namespaceIs("x")));
  EXPECT_TRUE(hasRequirement(peer, req("app=client")));
}

TEST(ResolveTest, PeersNamingNamespaceOrReservedLabelsStayUnscoped) {
  for (const char* text : {"k8s:io.kubernetes.pod.namespace=y", "any:io.kubernetes.pod.namespace=y",
                           "io.cilium.k8s.namespace.labels.team=a", "reserved:host"}) {
    World w(twoNamespaces(), {RuleBuilder("web", sel({"app=web"}), "x").ingress(allow({{Peer::ofSelector(sel({text}))}}))});
    const LabelSelector& peer = onlySelector(w.ir.endpoints[0].ingress);
    EXPECT_FALSE(hasRequirement(peer, namespaceIs("x"))) << text;
    EXPECT_EQ(peer.requirements().size(), 1u) << text;
  }
}

TEST(ResolveTest, EntityAndCidrPeersAreNotScoped) {
  World w(twoNamespaces(), {RuleBuilder("web", sel({"app=web"}), "x")
                                .ingress(allow({{entityPeer(Entity::World), cidrPeer("192.0.2.0/24")}}))});
  const auto& peers = *w.ir.endpoints[0].ingress.entries.at(0).peers;
  ASSERT_EQ(peers.size(), 2u);
  EXPECT_EQ(peers[0].kind, Peer::Kind::Entity);
  EXPECT_EQ(peers[1].kind, Peer::Kind::Cidr);
}

TEST(ResolveTest, RequirementsFoldIntoSelectorPeersOfEverySelectingRule) {
  World w(twoNamespaces(), {
                               RuleBuilder("req", sel({"app=web"})).require(Direction::Ingress, "env=prod"),
                               RuleBuilder("a", sel({"app=web"}))
                                   .ingress(allow({{selPeer({"app=client"}), entityPeer(Entity::World)}}))
                                   .ingress(deny({{selPeer({"app=bad"})}}))
                                   .ingress(allow(std::nullopt, ports({"tcp/80"}))),
                               RuleBuilder("out", sel({"app=web"})).egress(allow({{selPeer({"app=db"})}})),
                           });
  const DirectionPolicy& in = w.ir.endpoints[0].ingress;
  ASSERT_EQ(in.entries.size(), 3u);
  EXPECT_TRUE(hasRequirement(in.entries[0].peers->at(0).selector, req("env=prod")));
  EXPECT_EQ(in.entries[0].peers->at(1).kind, Peer::Kind::Entity);
  EXPECT_TRUE(hasRequirement(in.entries[1].peers->at(0).selector, req("env=prod"))) << "denies too";
  EXPECT_EQ(in.entries[2].peers, nullptr) << "every-peer entries stay every-peer";
  EXPECT_FALSE(hasRequirement(onlySelector(w.ir.endpoints[0].egress), req("env=prod")))
      << "ingress requirements stay in ingress";
}

TEST(ResolveTest, RequirementsOfRulesNotSelectingTheEndpointDoNotApply) {
  World w(twoNamespaces(), {
                               RuleBuilder("req", sel({"app=other"})).require(Direction::Ingress, "env=prod"),
                               RuleBuilder("a", sel({"app=web"})).ingress(allow({{selPeer({"app=client"})}})),
                           });
  EXPECT_FALSE(hasRequirement(onlySelector(w.ir.endpoints[0].ingress), req("env=prod")));
}

TEST(ResolveTest, EnforcedByListsTheRulesThatSwitchedDefaultDenyOn) {
  PolicyRule entriesWithoutDefaultDeny = RuleBuilder("audit", sel({"app=web"})).ingress(deny({{entityPeer(Entity::World)}}));
  entriesWithoutDefaultDeny.ingress.enablesDefaultDeny = false;  // Cilium enableDefaultDeny.ingress: false
  World w(twoNamespaces(), {RuleBuilder("a", sel({"app=web"})).at(3).enforce(Direction::Ingress),
                            entriesWithoutDefaultDeny,
                            RuleBuilder("b", sel({"app=web"})).at(8).ingress(allow({{selPeer({})}}))});
  const DirectionPolicy& in = w.ir.endpoints[0].ingress;
  EXPECT_TRUE(in.enforced);
  ASSERT_EQ(in.enforcedBy.size(), 2u);
  EXPECT_EQ(in.enforcedBy[0].policy, "a");
  EXPECT_EQ(in.enforcedBy[0].location.line, 3);
  EXPECT_EQ(in.enforcedBy[0].ruleIndex, -1);
  EXPECT_EQ(in.enforcedBy[1].policy, "b");
  EXPECT_EQ(in.entries.size(), 2u);

  World auditOnly(twoNamespaces(), {entriesWithoutDefaultDeny});
  EXPECT_FALSE(auditOnly.ir.endpoints[0].ingress.enforced);
  EXPECT_EQ(auditOnly.ir.endpoints[0].ingress.entries.size(), 1u);
}

TEST(ResolveTest, EnforcementModes) {
  std::vector<PolicyRule> rules = {RuleBuilder("a", sel({"app=web"}), "x").ingress(allow({{selPeer({})}}))};
  World always(twoNamespaces(), rules, ResolveOptions{EnforcementMode::Always, true});
  for (const auto& endpoint : always.ir.endpoints) {
    EXPECT_TRUE(endpoint.ingress.enforced);
    EXPECT_TRUE(endpoint.egress.enforced);
  }
  EXPECT_EQ(always.ir.endpoints[0].ingress.entries.size(), 1u);
  World never(twoNamespaces(), rules, ResolveOptions{EnforcementMode::Never, true});
  for (const auto& endpoint : never.ir.endpoints) {
    EXPECT_FALSE(endpoint.ingress.enforced);
    EXPECT_TRUE(endpoint.ingress.entries.empty());
  }
}

TEST(ResolveTest, EntriesKeepProvenanceAndInputOrder) {
  World w(twoNamespaces(), {RuleBuilder("first", sel({"app=web"})).ingress(allow({{selPeer({})}}, {}, 4))
                                .ingress(deny({{selPeer({})}}, {}, 5)),
                            RuleBuilder("second", sel({"app=web"})).ingress(allow({{selPeer({})}}, {}, 9))});
  const auto& entries = w.ir.endpoints[0].ingress.entries;
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].provenance.policy, "first");
  EXPECT_EQ(entries[0].provenance.ruleIndex, 0);
  EXPECT_EQ(entries[1].provenance.ruleIndex, 1);
  EXPECT_EQ(entries[1].verdict, Verdict::Deny);
  EXPECT_EQ(entries[2].provenance.policy, "second");
  EXPECT_EQ(entries[2].provenance.location.line, 9);
  EXPECT_EQ(entries[2].provenance.direction, Direction::Ingress);
}

TEST(ResolveTest, ForEndpointFindsTheEndpointsPolicy) {
  World w(twoNamespaces(), {});
  const EndpointInfo* second = &w.inventory.endpoints[1];
  ASSERT_NE(w.ir.forEndpoint(second), nullptr);
  EXPECT_EQ(w.ir.forEndpoint(second)->endpoint, second);
  EndpointInfo stranger;
  EXPECT_EQ(w.ir.forEndpoint(&stranger), nullptr);
}

TEST(ResolveTest, ProvenanceToString) {
  Provenance entry{at(12, 5), "deathstar", 2, Direction::Ingress};
  EXPECT_EQ(entry.toString(), "test.policy:12:5 (policy deathstar, ingress rule 2)");
  Provenance rule{at(3, 1), "deathstar", -1, Direction::Egress};
  EXPECT_EQ(rule.toString(), "test.policy:3:1 (policy deathstar)");
  Provenance unnamed{at(3, 1), "", 0, Direction::Egress};
  EXPECT_EQ(unnamed.toString(), "test.policy:3:1 (unnamed policy, egress rule 0)");
}

std::string printed(const World& w) {
  std::ostringstream out;
  printPolicyIR(out, w.ir, w.inventory);
  return out.str();
}

TEST(ResolveTest, PrintPolicyIR) {
  World w(twoNamespaces(), {RuleBuilder("web", sel({"app=web"}), "x")
                                .at(3)
                                .ingress(allow({{selPeer({"app=client"})}}, ports({"tcp/80"}), 5))
                                .ingress(deny({{entityPeer(Entity::World), cidrPeer("10.0.0.0/8", {"10.1.0.0/16"})}}, {}, 6))
                                .ingress(allow(std::nullopt, ports({"udp/53"}), 7))
                                .ingress(allow(std::nullopt, {}, 8))
                                .ingress(allow(std::vector<Peer>{}, {}, 9))});
  std::string text = printed(w);
  std::string identity = std::to_string(w.inventory.endpoints[0].identity);
  EXPECT_EQ(text.substr(0, text.find('\n')), "policy-ir enforcement=default allow-localhost=on");
  EXPECT_NE(text.find("endpoint x/web identity " + identity +
                      " labels k8s:app=web, k8s:io.cilium.k8s.policy.cluster=default, "
                      "k8s:io.kubernetes.pod.namespace=x\n"
                      "  ingress enforced by test.policy:3:1 (policy web)\n"
                      "    allow from { app = client, k8s:io.kubernetes.pod.namespace = x } on tcp/80"
                      "  # test.policy:5:5 (policy web, ingress rule 0)\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("    deny from entity world, cidr 10.0.0.0/8 except 10.1.0.0/16  # test.policy:6:5"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("    allow on udp/53  # "), std::string::npos) << text;
  EXPECT_NE(text.find("    allow everything  # test.policy:8:5"), std::string::npos) << text;
  EXPECT_NE(text.find("    allow from nothing  # test.policy:9:5"), std::string::npos) << text;
  EXPECT_NE(text.find("endpoint y/web identity"), std::string::npos);
  EXPECT_NE(text.find("  ingress default-allow\n  egress default-allow\nendpoint vm identity"), std::string::npos) << text;
  EXPECT_EQ(text, printed(w)) << "deterministic";
}

// resolvePolicy files subjects under one of their `In` requirements and matches only the rules
// filed under an endpoint's labels; every other subject shape must still be matched in full.
TEST(ResolveTest, SelectsExactlyTheRulesWhoseSubjectMatchesWhateverTheSubjectShape) {
  auto requirement = [](const char* key, SelectorOperator op, std::vector<std::string> values) {
    return Requirement{"any", key, op, std::move(values)};
  };
  std::vector<LabelSelector> subjects = {
      LabelSelector{},                                                           // every endpoint
      LabelSelector({requirement("app", SelectorOperator::In, {"db", "web"})}),  // two values
      LabelSelector({requirement("canary", SelectorOperator::DoesNotExist, {})}),
      LabelSelector({requirement("tier", SelectorOperator::Exists, {})}),
      LabelSelector({requirement("app", SelectorOperator::NotIn, {"web"})}),
      LabelSelector({requirement("app", SelectorOperator::In, {})}),  // selects nothing
      sel({"k8s:app=web"}),
      sel({"app=web", "tier=front"}),
      sel({"k8s:io.kubernetes.pod.namespace=y"}),
  };
  std::vector<PolicyRule> rules;
  for (size_t i = 0; i < subjects.size(); ++i)
    rules.push_back(RuleBuilder("r" + std::to_string(i), subjects[i]).ingress(allow({{selPeer({})}})));
  Inventory inventory = InventoryBuilder()
                            .ns("x")
                            .ns("y")
                            .pod("x", "web", {"app=web", "tier=front"}, {"10.0.0.1"})
                            .pod("y", "web-canary", {"app=web", "canary"}, {"10.0.0.2"})
                            .pod("y", "db", {"app=db", "tier=back"}, {"10.0.0.3"})
                            .pod("x", "other", {"role=x"}, {"10.0.0.4"})
                            .pod("", "vm", {"app=web"}, {"10.0.0.5"})
                            .build();
  World w(std::move(inventory), rules);
  size_t selections = 0;
  for (const EndpointPolicy& endpoint : w.ir.endpoints) {
    LabelSet labels = identityRelevantLabels(endpoint.endpoint->labels);
    std::vector<std::string> expected, actual;
    for (size_t i = 0; i < subjects.size(); ++i)
      if (subjects[i].matches(labels)) expected.push_back("r" + std::to_string(i));
    for (const ResolvedEntry& entry : endpoint.ingress.entries) actual.push_back(entry.provenance.policy);
    EXPECT_EQ(actual, expected) << endpoint.endpoint->name;
    selections += actual.size();
  }
  EXPECT_GT(selections, 10u) << "the subjects should select something";
}

TEST(ResolveTest, EndpointsWithTheSameRequirementsShareResolvedPeers) {
  World w(InventoryBuilder()
              .pod("", "a", {"app=web"}, {"10.0.0.1"})
              .pod("", "b", {"app=web", "role=x"}, {"10.0.0.2"})
              .pod("", "c", {"app=web", "tier=front"}, {"10.0.0.3"})
              .build(),
          {RuleBuilder("req", sel({"tier=front"})).require(Direction::Ingress, "env=prod"),
           RuleBuilder("a", sel({"app=web"})).ingress(allow({{selPeer({"app=client"})}}))});
  const auto& a = w.ir.endpoints[0].ingress.entries;
  const auto& b = w.ir.endpoints[1].ingress.entries;
  const auto& c = w.ir.endpoints[2].ingress.entries;
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(a[0].peers, b[0].peers) << "same requirements (none): one shared list";
  EXPECT_NE(a[0].peers, c[0].peers) << "c's peers carry the requirement";
  EXPECT_FALSE(hasRequirement(a[0].peers->at(0).selector, req("env=prod")));
  EXPECT_TRUE(hasRequirement(c[0].peers->at(0).selector, req("env=prod")));
}

TEST(ResolveTest, ForEndpointFindsEveryEndpointsOwnPolicy) {
  World w(twoNamespaces(), {});
  for (const EndpointInfo& endpoint : w.inventory.endpoints) {
    const EndpointPolicy* policy = w.ir.forEndpoint(&endpoint);
    ASSERT_NE(policy, nullptr) << endpoint.name;
    EXPECT_EQ(policy->endpoint, &endpoint);
  }
  EXPECT_EQ(w.ir.forEndpoint(nullptr), nullptr);
}

TEST(ResolveTest, PrintPolicyIRShowsEnforcementModes) {
  World always(twoNamespaces(), {}, ResolveOptions{EnforcementMode::Always, false});
  std::string a = printed(always);
  EXPECT_NE(a.find("policy-ir enforcement=always allow-localhost=off"), std::string::npos);
  EXPECT_NE(a.find("  ingress enforced (policy-enforcement=always)"), std::string::npos);
  World never(twoNamespaces(), {}, ResolveOptions{EnforcementMode::Never, true});
  EXPECT_NE(printed(never).find("  egress not enforced (policy-enforcement=never)"), std::string::npos);
}

}  // namespace
}  // namespace ciliumc
