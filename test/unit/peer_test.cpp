// Peers of the policy model: factories, language printing, CIDR matching with `except` holes,
// and the verdict/direction names.
#include "ir/policy.h"

#include <gtest/gtest.h>

namespace ciliumc {
namespace {

IpPrefix prefix(std::string_view text) { return *IpPrefix::parse(text); }
IpAddress ip(std::string_view text) { return *IpAddress::parse(text); }

TEST(PeerTest, FactoriesSetKindAndLocation) {
  SourceLocation at{std::make_shared<const std::string>("a.policy"), 3, 7};
  Peer e = Peer::ofEntity(Entity::World, at);
  EXPECT_EQ(e.kind, Peer::Kind::Entity);
  EXPECT_EQ(e.entity, Entity::World);
  EXPECT_EQ(e.location.line, 3);
  Peer s = Peer::ofSelector(LabelSelector({Requirement{"k8s", "app", SelectorOperator::In, {"web"}}}));
  EXPECT_EQ(s.kind, Peer::Kind::Selector);
  EXPECT_EQ(s.selector.requirements().size(), 1u);
  Peer c = Peer::ofCidr(CidrPeer{prefix("10.0.0.0/8"), {}});
  EXPECT_EQ(c.kind, Peer::Kind::Cidr);
}

TEST(PeerTest, ToStringInLanguageSyntax) {
  EXPECT_EQ(Peer::ofEntity(Entity::RemoteNode).toString(), "entity remote-node");
  EXPECT_EQ(Peer::ofSelector(LabelSelector()).toString(), "{}");
  EXPECT_EQ(Peer::ofSelector(LabelSelector({Requirement{"k8s", "app", SelectorOperator::In, {"web"}}})).toString(),
            "{ k8s:app = web }");
  EXPECT_EQ(Peer::ofCidr(CidrPeer{prefix("10.0.0.0/8"), {}}).toString(), "cidr 10.0.0.0/8");
  EXPECT_EQ(Peer::ofCidr(CidrPeer{prefix("10.0.0.0/8"), {prefix("10.1.0.0/16"), prefix("10.2.0.0/16")}}).toString(),
            "cidr 10.0.0.0/8 except 10.1.0.0/16, 10.2.0.0/16");
}

TEST(CidrPeerTest, MatchesInsidePrefixOutsideEveryExcept) {
  CidrPeer c{prefix("10.0.0.0/8"), {prefix("10.1.0.0/16"), prefix("10.2.3.4/32")}};
  EXPECT_TRUE(c.matches(ip("10.0.0.1")));
  EXPECT_TRUE(c.matches(ip("10.2.3.5")));
  EXPECT_FALSE(c.matches(ip("10.1.200.1")));
  EXPECT_FALSE(c.matches(ip("10.2.3.4")));
  EXPECT_FALSE(c.matches(ip("11.0.0.1")));
  EXPECT_FALSE(c.matches(ip("::ffff:10.0.0.1")));  // an IPv6 address never matches an IPv4 prefix
}

TEST(PolicyNames, VerdictAndDirection) {
  EXPECT_EQ(verdictName(Verdict::Allow), "allow");
  EXPECT_EQ(verdictName(Verdict::Deny), "deny");
  EXPECT_EQ(directionName(Direction::Ingress), "ingress");
  EXPECT_EQ(directionName(Direction::Egress), "egress");
}

}  // namespace
}  // namespace ciliumc
