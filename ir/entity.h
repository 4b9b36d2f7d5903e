// Entities: named groups of parties that have no labels of their own (world, host, ...).
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ir/identity.h"

namespace ciliumc {

enum class Entity {
  All,            // everything
  World,          // outside the cluster (world, world-ipv4, world-ipv6)
  Cluster,        // every cluster endpoint + host, remote-node, init, health, unmanaged, ingress, kube-apiserver
  Host,           // the local node
  RemoteNode,     // other nodes of the cluster
  Health,
  Init,
  Unmanaged,
  KubeApiserver,
  Ingress,
};

std::string entityName(Entity e);  // "all", "world", "remote-node", "kube-apiserver", ...
std::optional<Entity> entityFromName(std::string_view name);
std::vector<std::string> entityNames();

// Does the entity contain a party with this reserved identity (or, for `isClusterEndpoint`, a
// labelled workload of this cluster)?
bool entityContains(Entity e, ReservedIdentity id);
bool entityContainsClusterEndpoints(Entity e);  // All and Cluster

}  // namespace ciliumc
