// Entities: names and which reserved identities each entity contains (semantics.md "Entities").
#include "ir/entity.h"

#include <gtest/gtest.h>

namespace ciliumc {
namespace {

const std::vector<ReservedIdentity> kAllReserved = {
    ReservedIdentity::Host,          ReservedIdentity::World,   ReservedIdentity::Unmanaged,
    ReservedIdentity::Health,        ReservedIdentity::Init,    ReservedIdentity::RemoteNode,
    ReservedIdentity::KubeApiserver, ReservedIdentity::Ingress, ReservedIdentity::WorldIPv4,
    ReservedIdentity::WorldIPv6};

std::vector<ReservedIdentity> contained(Entity e) {
  std::vector<ReservedIdentity> ids;
  for (auto id : kAllReserved)
    if (entityContains(e, id)) ids.push_back(id);
  return ids;
}

TEST(EntityNames, RoundTrip) {
  const std::vector<std::string> expected = {"all",  "world", "cluster",   "host",           "remote-node",
                                             "health", "init", "unmanaged", "kube-apiserver", "ingress"};
  EXPECT_EQ(entityNames(), expected);
  for (const auto& name : expected) {
    auto e = entityFromName(name);
    ASSERT_TRUE(e.has_value()) << name;
    EXPECT_EQ(entityName(*e), name);
  }
  EXPECT_FALSE(entityFromName("wrold").has_value());
  EXPECT_FALSE(entityFromName("").has_value());
}

TEST(EntityContains, AllContainsEveryReservedIdentityAndClusterEndpoints) {
  EXPECT_EQ(contained(Entity::All), kAllReserved);
  EXPECT_TRUE(entityContainsClusterEndpoints(Entity::All));
}

TEST(EntityContains, WorldIsWorldAndItsPerFamilyIdentities) {
  EXPECT_EQ(contained(Entity::World), (std::vector<ReservedIdentity>{ReservedIdentity::World, ReservedIdentity::WorldIPv4,
                                                                     ReservedIdentity::WorldIPv6}));
  EXPECT_FALSE(entityContainsClusterEndpoints(Entity::World));
}

TEST(EntityContains, ClusterIsEverythingInsideTheCluster) {
  EXPECT_EQ(contained(Entity::Cluster),
            (std::vector<ReservedIdentity>{ReservedIdentity::Host, ReservedIdentity::Unmanaged, ReservedIdentity::Health,
                                           ReservedIdentity::Init, ReservedIdentity::RemoteNode,
                                           ReservedIdentity::KubeApiserver, ReservedIdentity::Ingress}));
  EXPECT_TRUE(entityContainsClusterEndpoints(Entity::Cluster));
}

TEST(EntityContains, SingleEntitiesContainOnlyTheirOwnIdentity) {
  const std::vector<std::pair<Entity, ReservedIdentity>> singles = {
      {Entity::Host, ReservedIdentity::Host},       {Entity::RemoteNode, ReservedIdentity::RemoteNode},
      {Entity::Health, ReservedIdentity::Health},   {Entity::Init, ReservedIdentity::Init},
      {Entity::Unmanaged, ReservedIdentity::Unmanaged}, {Entity::KubeApiserver, ReservedIdentity::KubeApiserver},
      {Entity::Ingress, ReservedIdentity::Ingress}};
  for (const auto& [entity, id] : singles) {
    EXPECT_EQ(contained(entity), std::vector<ReservedIdentity>{id}) << entityName(entity);
    EXPECT_FALSE(entityContainsClusterEndpoints(entity)) << entityName(entity);
  }
}

}  // namespace
}  // namespace ciliumc
