// The reference evaluator: verdicts for probes against resolved policy, one behaviour per test.
#include "ir/evaluator.h"

#include <gtest/gtest.h>

#include "ir_builders.h"

namespace ciliumc {
namespace {

using namespace ciliumc::testing;
using Reason = SideVerdict::Reason;

constexpr Direction In = Direction::Ingress;
constexpr Direction Out = Direction::Egress;

// Two namespaces with a client and a web pod each, two nodes, one external host.
Inventory cluster() {
  return InventoryBuilder()
      .ns("x", {{"team", "a"}})
      .ns("y", {{"team", "b"}})
      .pod("x", "client", {"app=client"}, {"10.0.1.1", "fd00::1:1"})
      .pod("x", "web", {"app=web", "env=prod"}, {"10.0.1.2", "fd00::1:2"})
      .pod("y", "client", {"app=client"}, {"10.0.2.1"})
      .pod("y", "web", {"app=web"}, {"10.0.2.2"})
      .node("node-1", {"192.168.0.1"}, true)
      .node("node-2", {"192.168.0.2"}, false)
      .external("ext-a", {"192.0.2.10", "2001:db8::10"})
      .build();
}

TEST(EvaluatorTest, NoPolicyAllowsEverything) {
  World w(cluster(), {});
  auto flow = w.flow("x/client", "x/web", "tcp/80");
  EXPECT_EQ(flow.verdict, Verdict::Allow);
  EXPECT_EQ(flow.egress.reason, Reason::DefaultAllow);
  EXPECT_EQ(flow.ingress.reason, Reason::DefaultAllow);
  auto toWorld = w.flow("x/client", "192.0.2.99", "udp/53");
  EXPECT_EQ(toWorld.verdict, Verdict::Allow);
  EXPECT_EQ(toWorld.ingress.reason, Reason::NoPolicy);
}

TEST(EvaluatorTest, IngressRuleAllowsOnlyItsPeerAndPort) {
  World w(cluster(), {RuleBuilder("web", sel({"app=web"})).ingress(allow({{selPeer({"app=client"})}}, ports({"tcp/80"}), 5))});
  auto flow = w.flow("x/client", "x/web", "tcp/80");
  EXPECT_EQ(flow.verdict, Verdict::Allow);
  EXPECT_EQ(flow.ingress.reason, Reason::AllowedByRule);
  ASSERT_EQ(flow.ingress.deciding.size(), 1u);
  EXPECT_EQ(flow.ingress.deciding[0].location.line, 5);
  EXPECT_EQ(flow.ingress.deciding[0].policy, "web");

  auto wrongPort = w.flow("x/client", "x/web", "tcp/81");
  EXPECT_EQ(wrongPort.verdict, Verdict::Deny);
  EXPECT_EQ(wrongPort.ingress.reason, Reason::DefaultDeny);
  EXPECT_TRUE(wrongPort.ingress.deciding.empty());
  EXPECT_FALSE(w.allowed("x/web", "y/web", "tcp/80")) << "web is not a client";
}

TEST(EvaluatorTest, DefaultDenyIsPerDirection) {
  World w(cluster(), {RuleBuilder("web", sel({"app=web"})).ingress(allow({{selPeer({"app=client"})}}))});
  // web's egress has no rule: still default-allow.
  auto out = w.flow("x/web", "192.0.2.10", "tcp/443");
  EXPECT_EQ(out.verdict, Verdict::Allow);
  EXPECT_EQ(out.egress.reason, Reason::DefaultAllow);
  // An egress-only rule enforces egress but leaves ingress open.
  World e(cluster(), {RuleBuilder("client", sel({"app=client"})).egress(allow({{selPeer({"app=web"})}}))});
  EXPECT_FALSE(e.allowed("x/client", "192.0.2.10", "tcp/443"));
  EXPECT_TRUE(e.allowed("x/client", "x/web", "tcp/443"));
  EXPECT_TRUE(e.allowed("x/web", "x/client", "tcp/443")) << "client's ingress is not enforced";
}

TEST(EvaluatorTest, EmptyDirectionDeniesEverything) {
  World w(cluster(), {RuleBuilder("lockdown", sel({"app=web"})).enforce(In)});
  auto flow = w.flow("x/client", "x/web", "tcp/80");
  EXPECT_EQ(flow.verdict, Verdict::Deny);
  EXPECT_EQ(flow.ingress.reason, Reason::DefaultDeny);
}

TEST(EvaluatorTest, EmptyPeerListSelectsNothing) {
  World w(cluster(), {RuleBuilder("web", sel({"app=web"})).ingress(allow(std::vector<Peer>{}, ports({"tcp/80"})))});
  EXPECT_FALSE(w.allowed("x/client", "x/web", "tcp/80"));
}

TEST(EvaluatorTest, MissingPeerListMeansEveryPeer) {
  World w(cluster(), {RuleBuilder("web", sel({"app=web"})).ingress(allow(std::nullopt, ports({"tcp/8080"})))});
  EXPECT_TRUE(w.allowed("x/client", "x/web", "tcp/8080"));
  EXPECT_TRUE(w.allowed("192.0.2.10", "x/web", "tcp/8080")) << "world included";
  EXPECT_TRUE(w.allowed("node-2", "x/web", "tcp/8080"));
  EXPECT_FALSE(w.allowed("192.0.2.10", "x/web", "tcp/80"));
}

TEST(EvaluatorTest, DenyWinsOverAllowAcrossPolicies) {
  World w(cluster(), {
                         RuleBuilder("open", sel({"app=web"})).ingress(allow({{entityPeer(Entity::All)}})),
                         RuleBuilder("block", sel({"app=web"})).ingress(deny({{selPeer({"app=client"})}}, ports({"tcp/22"}), 9)),
                     });
  auto flow = w.flow("x/client", "x/web", "tcp/22");
  EXPECT_EQ(flow.verdict, Verdict::Deny);
  EXPECT_EQ(flow.ingress.reason, Reason::DeniedByRule);
  ASSERT_EQ(flow.ingress.deciding.size(), 1u);
  EXPECT_EQ(flow.ingress.deciding[0].policy, "block");
  EXPECT_EQ(flow.ingress.deciding[0].location.line, 9);
  EXPECT_TRUE(w.allowed("x/client", "x/web", "tcp/80"));
}

TEST(EvaluatorTest, DenyWinsEvenWhenAllowComesLater) {
  World w(cluster(), {
                         RuleBuilder("block", sel({"app=web"})).ingress(deny({{entityPeer(Entity::World)}})),
                         RuleBuilder("open", sel({"app=web"})).ingress(allow({{cidrPeer("192.0.2.0/24")}})),
                     });
  EXPECT_FALSE(w.allowed("ext-a", "x/web", "tcp/80"));
}

TEST(EvaluatorTest, AllMatchingRulesAreReported) {
  World w(cluster(), {
                         RuleBuilder("a", sel({"app=web"})).ingress(deny({{selPeer({"app=client"})}}, {}, 3)),
                         RuleBuilder("b", sel({"app=web"})).ingress(deny({{entityPeer(Entity::Cluster)}}, ports({"tcp/80"}), 7)),
                         RuleBuilder("c", sel({"app=web"})).ingress(deny({{entityPeer(Entity::World)}}, {}, 9)),
                     });
  auto flow = w.flow("x/client", "x/web", "tcp/80");
  ASSERT_EQ(flow.ingress.deciding.size(), 2u);
  EXPECT_EQ(flow.ingress.deciding[0].policy, "a");
  EXPECT_EQ(flow.ingress.deciding[1].policy, "b");

  World allows(cluster(), {
                              RuleBuilder("a", sel({"app=web"})).ingress(allow({{selPeer({"app=client"})}})),
                              RuleBuilder("b", sel({"app=web"})).ingress(allow(std::nullopt, ports({"tcp/80"}))),
                          });
  EXPECT_EQ(allows.flow("x/client", "x/web", "tcp/80").ingress.deciding.size(), 2u);
  EXPECT_EQ(allows.flow("x/client", "x/web", "tcp/81").ingress.deciding.size(), 1u);
}

TEST(EvaluatorTest, L3OnlyRuleAllowsIcmpButL4RuleDoesNot) {
  World l3(cluster(), {RuleBuilder("web", sel({"app=web"})).ingress(allow({{selPeer({"app=client"})}}))});
  EXPECT_TRUE(l3.allowed("x/client", "x/web", "icmp/8"));
  EXPECT_TRUE(l3.allowed("x/client", "x/web", "udp/5353"));
  EXPECT_TRUE(l3.allowed("x/client", "x/web", "sctp/9"));

  World l4(cluster(), {RuleBuilder("web", sel({"app=web"})).ingress(allow({{selPeer({"app=client"})}}, ports({"tcp/80"})))});
  EXPECT_FALSE(l4.allowed("x/client", "x/web", "icmp/8"));

  World icmp(cluster(), {RuleBuilder("web", sel({"app=web"}))
                             .ingress(allow({{selPeer({"app=client"})}}, ports({"tcp/80", "icmp/echo-request"})))});
  EXPECT_TRUE(icmp.allowed("x/client", "x/web", "icmp/8"));
  EXPECT_FALSE(icmp.allowed("x/client", "x/web", "icmp/0"));
  EXPECT_FALSE(icmp.allowed("x/client", "x/web", "icmpv6/128")) << "ICMPv4 rule does not open ICMPv6";
}

TEST(EvaluatorTest, AnyProtocolExpandsToTcpUdpSctpOnly) {
  World w(cluster(), {RuleBuilder("dns", sel({"app=web"})).ingress(allow(std::nullopt, ports({"any/53"})))});
  EXPECT_TRUE(w.allowed("x/client", "x/web", "tcp/53"));
  EXPECT_TRUE(w.allowed("x/client", "x/web", "udp/53"));
  EXPECT_TRUE(w.allowed("x/client", "x/web", "sctp/53"));
  EXPECT_FALSE(w.allowed("x/client", "x/web", "udp/54"));
  EXPECT_FALSE(w.allowed("x/client", "x/web", "icmp/53"));
}

TEST(EvaluatorTest, PortRangesAreInclusive) {
  World w(cluster(), {RuleBuilder("web", sel({"app=web"})).ingress(allow(std::nullopt, ports({"tcp/8000-8100"})))});
  EXPECT_FALSE(w.allowed("x/client", "x/web", "tcp/7999"));
  EXPECT_TRUE(w.allowed("x/client", "x/web", "tcp/8000"));
  EXPECT_TRUE(w.allowed("x/client", "x/web", "tcp/8100"));
  EXPECT_FALSE(w.allowed("x/client", "x/web", "tcp/8101"));
  EXPECT_FALSE(w.allowed("x/client", "x/web", "udp/8050"));
}

TEST(EvaluatorTest, CidrExceptCarvesHoles) {
  World w(cluster(), {RuleBuilder("out", sel({"app=client"}))
                          .egress(allow({{cidrPeer("203.0.113.0/24", {"203.0.113.128/25"})}}, ports({"tcp/443"})))});
  EXPECT_TRUE(w.allowed("x/client", "203.0.113.5", "tcp/443"));
  EXPECT_FALSE(w.allowed("x/client", "203.0.113.200", "tcp/443"));
  EXPECT_FALSE(w.allowed("x/client", "198.51.100.1", "tcp/443"));
}

TEST(EvaluatorTest, CidrNeverMatchesClusterEndpointsOrNodes) {
  World w(cluster(), {RuleBuilder("out", sel({"app=client"}))
                          .egress(allow({{cidrPeer("0.0.0.0/0")}}))});
  EXPECT_FALSE(w.allowed("x/client", "x/web", "tcp/80")) << "10.0.1.2 is an endpoint, not world";
  EXPECT_FALSE(w.allowed("x/client", "node-1", "tcp/80"));
  EXPECT_FALSE(w.allowed("x/client", "node-2", "tcp/80"));
  EXPECT_TRUE(w.allowed("x/client", "ext-a", "tcp/80"));
  EXPECT_TRUE(w.allowed("x/client", "10.99.0.1", "tcp/80")) << "an unknown address is world";
}

TEST(EvaluatorTest, EntityClusterCoversEndpointsAndNodesNotWorld) {
  World w(cluster(), {RuleBuilder("web", sel({"app=web"})).ingress(allow({{entityPeer(Entity::Cluster)}}))});
  EXPECT_TRUE(w.allowed("y/client", "x/web", "tcp/80"));
  EXPECT_TRUE(w.allowed("node-2", "x/web", "tcp/80"));
  EXPECT_FALSE(w.allowed("ext-a", "x/web", "tcp/80"));
}

TEST(EvaluatorTest, EntityWorldCoversOnlyOutsideParties) {
  World w(cluster(), {RuleBuilder("web", sel({"app=web"})).ingress(allow({{entityPeer(Entity::World)}}))});
  EXPECT_TRUE(w.allowed("ext-a", "x/web", "tcp/80"));
  EXPECT_TRUE(w.allowed("2001:db8::99", "x/web", "tcp/80")) << "world-ipv6";
  EXPECT_FALSE(w.allowed("x/client", "x/web", "tcp/80"));
  EXPECT_FALSE(w.allowed("node-2", "x/web", "tcp/80"));
}

TEST(EvaluatorTest, EntityAllCoversEverything) {
  World w(cluster(), {RuleBuilder("web", sel({"app=web"})).enforce(In).ingress(allow({{entityPeer(Entity::All)}}))},
          ResolveOptions{EnforcementMode::Default, false});
  for (const char* from : {"x/client", "y/client", "node-1", "node-2", "ext-a", "2001:db8::99"})
    EXPECT_TRUE(w.allowed(from, "x/web", "tcp/80")) << from;
}

TEST(EvaluatorTest, EntityHostAndRemoteNodeAreDistinct) {
  World w(cluster(), {RuleBuilder("web", sel({"app=web"})).ingress(allow({{entityPeer(Entity::RemoteNode)}}))},
          ResolveOptions{EnforcementMode::Default, false});
  EXPECT_TRUE(w.allowed("node-2", "x/web", "tcp/80"));
  EXPECT_FALSE(w.allowed("node-1", "x/web", "tcp/80"));
  World h(cluster(), {RuleBuilder("web", sel({"app=web"})).ingress(allow({{entityPeer(Entity::Host)}}))},
          ResolveOptions{EnforcementMode::Default, false});
  EXPECT_TRUE(h.allowed("node-1", "x/web", "tcp/80"));
  EXPECT_FALSE(h.allowed("node-2", "x/web", "tcp/80"));
  EXPECT_FALSE(h.allowed("x/client", "x/web", "tcp/80"));
}

TEST(EvaluatorTest, WildcardSelectorDoesNotMatchReservedParties) {
  World w(cluster(), {RuleBuilder("web", sel({"app=web"})).ingress(allow({{selPeer({})}}))},
          ResolveOptions{EnforcementMode::Default, false});
  EXPECT_TRUE(w.allowed("y/client", "x/web", "tcp/80")) << "cluster-wide {} = every endpoint";
  EXPECT_FALSE(w.allowed("ext-a", "x/web", "tcp/80"));
  EXPECT_FALSE(w.allowed("node-1", "x/web", "tcp/80"));
}

TEST(EvaluatorTest, ReservedSelectorMatchesReservedParty) {
  World w(cluster(), {RuleBuilder("web", sel({"app=web"})).ingress(allow({{selPeer({"reserved:host"})}}))},
          ResolveOptions{EnforcementMode::Default, false});
  EXPECT_TRUE(w.allowed("node-1", "x/web", "tcp/80"));
  EXPECT_FALSE(w.allowed("node-2", "x/web", "tcp/80"));
  World world(cluster(), {RuleBuilder("web", sel({"app=web"})).ingress(allow({{selPeer({"reserved:world"})}}))});
  EXPECT_TRUE(world.allowed("ext-a", "x/web", "tcp/80"));
}

TEST(EvaluatorTest, NamespacedRuleScopesWildcardPeerToItsNamespace) {
  World w(cluster(), {RuleBuilder("web", sel({"app=web"}), "x").ingress(allow({{selPeer({})}}))});
  EXPECT_TRUE(w.allowed("x/client", "x/web", "tcp/80"));
  EXPECT_FALSE(w.allowed("y/client", "x/web", "tcp/80"));
  EXPECT_TRUE(w.allowed("x/client", "y/web", "tcp/80")) << "the subject is scoped too: y/web is not selected";
}

TEST(EvaluatorTest, NamespacedRulePeerNamingANamespaceIsNotScoped) {
  World w(cluster(), {RuleBuilder("web", sel({"app=web"}), "x")
                          .ingress(allow({{selPeer({"k8s:io.kubernetes.pod.namespace=y", "app=client"})}}))});
  EXPECT_TRUE(w.allowed("y/client", "x/web", "tcp/80"));
  EXPECT_FALSE(w.allowed("x/client", "x/web", "tcp/80"));
}

TEST(EvaluatorTest, NamespaceLabelSelectorCrossesNamespaces) {
  World w(cluster(), {RuleBuilder("web", sel({"app=web"}), "x")
                          .ingress(allow({{selPeer({"k8s:io.cilium.k8s.namespace.labels.team=b"})}}))});
  EXPECT_TRUE(w.allowed("y/client", "x/web", "tcp/80"));
  EXPECT_FALSE(w.allowed("x/client", "x/web", "tcp/80")) << "namespace x has team=a";
}

TEST(EvaluatorTest, ClusterWideRuleIsNotScoped) {
  World w(cluster(), {RuleBuilder("web", sel({"app=web"})).ingress(allow({{selPeer({"app=client"})}}))});
  EXPECT_TRUE(w.allowed("y/client", "x/web", "tcp/80"));
  EXPECT_TRUE(w.allowed("x/client", "y/web", "tcp/80"));
}

TEST(EvaluatorTest, FromRequiresNarrowsSelectorPeersOfAllRules) {
  Inventory inv = InventoryBuilder()
                      .ns("x")
                      .pod("x", "web", {"app=web"}, {"10.0.0.1"})
                      .pod("x", "prod-client", {"app=client", "env=prod"}, {"10.0.0.2"})
                      .pod("x", "dev-client", {"app=client", "env=dev"}, {"10.0.0.3"})
                      .external("ext-a", {"192.0.2.10"})
                      .build();
  World w(std::move(inv), {
                              RuleBuilder("require-prod", sel({"app=web"})).require(In, "env=prod"),
                              RuleBuilder("clients", sel({"app=web"})).ingress(allow({{selPeer({"app=client"})}})),
                              RuleBuilder("world", sel({"app=web"})).ingress(allow({{entityPeer(Entity::World)}})),
                          });
  EXPECT_TRUE(w.allowed("prod-client", "web", "tcp/80"));
  EXPECT_FALSE(w.allowed("dev-client", "web", "tcp/80"));
  EXPECT_TRUE(w.allowed("ext-a", "web", "tcp/80")) << "requirements apply to selector peers only";
}

TEST(EvaluatorTest, RequirementsOfANamespacedRuleAreScoped) {
  World w(cluster(), {
                         RuleBuilder("require", sel({"app=web"}), "x").require(In, "app=client"),
                         RuleBuilder("clients", sel({"app=web"})).ingress(allow({{selPeer({})}})),
                     });
  EXPECT_TRUE(w.allowed("x/client", "x/web", "tcp/80"));
  EXPECT_FALSE(w.allowed("y/client", "x/web", "tcp/80")) << "the requirement carries namespace x";
  EXPECT_TRUE(w.allowed("y/client", "y/web", "tcp/80")) << "y/web is not selected by the namespaced rule";
}

TEST(EvaluatorTest, AllowLocalhostLetsTheHostIn) {
  auto rules = std::vector<PolicyRule>{RuleBuilder("web", sel({"app=web"})).ingress(allow({{selPeer({"app=client"})}}))};
  World on(cluster(), rules);
  auto flow = on.flow("node-1", "x/web", "tcp/80");
  EXPECT_EQ(flow.verdict, Verdict::Allow);
  EXPECT_EQ(flow.ingress.reason, Reason::AllowLocalhost);
  EXPECT_FALSE(on.allowed("node-2", "x/web", "tcp/80")) << "remote nodes are not localhost";

  World off(cluster(), rules, ResolveOptions{EnforcementMode::Default, false});
  auto denied = off.flow("node-1", "x/web", "tcp/80");
  EXPECT_EQ(denied.verdict, Verdict::Deny);
  EXPECT_EQ(denied.ingress.reason, Reason::DefaultDeny);
}

TEST(EvaluatorTest, DenyBeatsAllowLocalhost) {
  World w(cluster(), {RuleBuilder("web", sel({"app=web"})).ingress(deny({{entityPeer(Entity::Host)}}))});
  auto flow = w.flow("node-1", "x/web", "tcp/80");
  EXPECT_EQ(flow.verdict, Verdict::Deny);
  EXPECT_EQ(flow.ingress.reason, Reason::DeniedByRule);
}

TEST(EvaluatorTest, NeighborDiscoveryIsNeverSubjectToPolicy) {
  World w(cluster(), {RuleBuilder("web", sel({"app=web"})).ingress(deny({{entityPeer(Entity::All)}})).enforce(Out)});
  for (int type = 133; type <= 137; ++type) {
    auto flow = w.flow("x/client", "x/web", "icmpv6/" + std::to_string(type));
    EXPECT_EQ(flow.verdict, Verdict::Allow) << type;
    EXPECT_EQ(flow.ingress.reason, Reason::NeighborDiscovery) << type;
  }
  EXPECT_FALSE(w.allowed("x/client", "x/web", "icmpv6/132"));
  EXPECT_FALSE(w.allowed("x/client", "x/web", "icmpv6/138"));
  EXPECT_FALSE(w.allowed("x/client", "x/web", "icmp/135")) << "only ICMPv6";
}

TEST(EvaluatorTest, AllowLocalhostDoesNotApplyToEgress) {
  World w(cluster(), {RuleBuilder("web", sel({"app=web"})).enforce(Out)});
  EXPECT_FALSE(w.allowed("x/web", "node-1", "tcp/80"));
}

TEST(EvaluatorTest, EnforcementAlwaysDeniesUnselectedEndpoints) {
  World w(cluster(), {RuleBuilder("web", sel({"app=web"})).ingress(allow({{selPeer({"app=client"})}}))},
          ResolveOptions{EnforcementMode::Always, true});
  auto flow = w.flow("x/client", "x/web", "tcp/80");
  EXPECT_EQ(flow.verdict, Verdict::Deny) << "client's egress is enforced with no allow";
  EXPECT_EQ(flow.egress.reason, Reason::DefaultDeny);
  EXPECT_EQ(flow.ingress.reason, Reason::AllowedByRule);
  World none(cluster(), {}, ResolveOptions{EnforcementMode::Always, true});
  EXPECT_FALSE(none.allowed("x/client", "y/client", "tcp/80"));
  EXPECT_TRUE(none.allowed("ext-a", "192.0.2.99", "tcp/80")) << "non-endpoints have no policy";
}

TEST(EvaluatorTest, EnforcementNeverIgnoresAllRulesIncludingDenies) {
  World w(cluster(), {RuleBuilder("web", sel({"app=web"})).ingress(deny({{entityPeer(Entity::All)}}))},
          ResolveOptions{EnforcementMode::Never, true});
  auto flow = w.flow("x/client", "x/web", "tcp/80");
  EXPECT_EQ(flow.verdict, Verdict::Allow);
  EXPECT_EQ(flow.ingress.reason, Reason::DefaultAllow);
}

TEST(EvaluatorTest, Ipv6PeersAndCidrs) {
  World w(cluster(), {RuleBuilder("out", sel({"app=client"})).egress(allow({{cidrPeer("2001:db8::/32")}}, ports({"tcp/443"})))});
  EXPECT_TRUE(w.allowed("x/client", "2001:db8::10", "tcp/443"));
  EXPECT_FALSE(w.allowed("x/client", "2001:db9::1", "tcp/443"));
  EXPECT_FALSE(w.allowed("x/client", "192.0.2.10", "tcp/443")) << "an IPv6 prefix never holds IPv4";
  Party v6 = w.party("2001:db9::1");
  EXPECT_EQ(v6.identity, static_cast<NumericIdentity>(ReservedIdentity::WorldIPv6));
  World v4(cluster(), {RuleBuilder("out", sel({"app=client"})).egress(allow({{cidrPeer("0.0.0.0/0")}}))});
  EXPECT_FALSE(v4.allowed("x/client", "2001:db8::10", "tcp/443"));
}

TEST(EvaluatorTest, SenderEgressAndReceiverIngressMustBothAllow) {
  auto egressAllowsWeb = RuleBuilder("client-out", sel({"app=client"}), "x").egress(allow({{selPeer({"app=web"})}}));
  auto ingressAllowsOthers = RuleBuilder("web-in", sel({"app=web"}), "x").ingress(allow({{selPeer({"app=other"})}}));
  auto ingressAllowsClient = RuleBuilder("web-in", sel({"app=web"}), "x").ingress(allow({{selPeer({"app=client"})}}));
  auto egressAllowsOthers = RuleBuilder("client-out", sel({"app=client"}), "x").egress(allow({{selPeer({"app=other"})}}));

  World ingressBlocks(cluster(), {egressAllowsWeb, ingressAllowsOthers});
  auto a = ingressBlocks.flow("x/client", "x/web", "tcp/80");
  EXPECT_EQ(a.verdict, Verdict::Deny);
  EXPECT_EQ(a.egress.verdict, Verdict::Allow);
  EXPECT_EQ(a.ingress.verdict, Verdict::Deny);

  World egressBlocks(cluster(), {egressAllowsOthers, ingressAllowsClient});
  auto b = egressBlocks.flow("x/client", "x/web", "tcp/80");
  EXPECT_EQ(b.verdict, Verdict::Deny);
  EXPECT_EQ(b.egress.verdict, Verdict::Deny);
  EXPECT_EQ(b.ingress.verdict, Verdict::Allow);

  World both(cluster(), {egressAllowsWeb, ingressAllowsClient});
  EXPECT_TRUE(both.allowed("x/client", "x/web", "tcp/80"));
}

TEST(EvaluatorTest, SelectorsSeeIdentityLabelsOnly) {
  // Cilium matches selectors against the security identity, which drops labels such as
  // statefulset.kubernetes.io/pod-name: a selector on them never matches.
  Inventory inv = InventoryBuilder()
                      .ns("x")
                      .pod("x", "web-0", {"app=web", "statefulset.kubernetes.io/pod-name=web-0"}, {"10.0.0.1"})
                      .pod("x", "client", {"app=client"}, {"10.0.0.2"})
                      .build();
  World w(std::move(inv), {RuleBuilder("pinned", sel({"statefulset.kubernetes.io/pod-name=web-0"})).enforce(In),
                           RuleBuilder("client", sel({"app=client"}))
                               .egress(allow({{selPeer({"statefulset.kubernetes.io/pod-name=web-0"})}}))});
  auto flow = w.flow("client", "web-0", "tcp/80");
  EXPECT_EQ(flow.verdict, Verdict::Deny);
  EXPECT_EQ(flow.egress.reason, Reason::DefaultDeny) << "the peer selector matches nothing";
  EXPECT_EQ(flow.ingress.reason, Reason::DefaultAllow) << "the subject selector selects nothing";
}

TEST(EvaluatorTest, PeerMatchesByKind) {
  Inventory inv = cluster();
  Party endpoint = *resolveParty(inv, "x/web");
  Party host = *resolveParty(inv, "node-1");
  Party world = *resolveParty(inv, "ext-a");
  EXPECT_TRUE(peerMatches(selPeer({"app=web"}), endpoint));
  EXPECT_FALSE(peerMatches(selPeer({"app=web"}), world));
  EXPECT_TRUE(peerMatches(entityPeer(Entity::Cluster), endpoint));
  EXPECT_TRUE(peerMatches(entityPeer(Entity::Cluster), host));
  EXPECT_FALSE(peerMatches(entityPeer(Entity::Cluster), world));
  EXPECT_TRUE(peerMatches(entityPeer(Entity::World), world));
  EXPECT_TRUE(peerMatches(cidrPeer("192.0.2.0/24"), world));
  EXPECT_FALSE(peerMatches(cidrPeer("10.0.0.0/8"), endpoint));
  EXPECT_FALSE(peerMatches(cidrPeer("192.168.0.0/16"), host));
}

}  // namespace
}  // namespace ciliumc
