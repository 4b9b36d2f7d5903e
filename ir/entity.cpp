#include "ir/entity.h"

#include <array>

namespace ciliumc {

namespace {

struct EntityName {
  Entity entity;
  std::string_view name;
};

constexpr std::array<EntityName, 10> kEntityNames = {{
    {Entity::All, "all"},
    {Entity::World, "world"},
    {Entity::Cluster, "cluster"},
    {Entity::Host, "host"},
    {Entity::RemoteNode, "remote-node"},
    {Entity::Health, "health"},
    {Entity::Init, "init"},
    {Entity::Unmanaged, "unmanaged"},
    {Entity::KubeApiserver, "kube-apiserver"},
    {Entity::Ingress, "ingress"},
}};

}  // namespace

std::string entityName(Entity e) {
  for (const auto& entry : kEntityNames)
    if (entry.entity == e) return std::string(entry.name);
  return "unknown";
}

std::optional<Entity> entityFromName(std::string_view name) {
  for (const auto& entry : kEntityNames)
    if (entry.name == name) return entry.entity;
  return std::nullopt;
}

std::vector<std::string> entityNames() {
  std::vector<std::string> names;
  for (const auto& entry : kEntityNames) names.emplace_back(entry.name);
  return names;
}

bool entityContains(Entity e, ReservedIdentity id) {
  using R = ReservedIdentity;
  switch (e) {
    case Entity::All: return true;
    case Entity::World: return id == R::World || id == R::WorldIPv4 || id == R::WorldIPv6;
    case Entity::Cluster:
      return id == R::Host || id == R::RemoteNode || id == R::Init || id == R::Health || id == R::Unmanaged ||
             id == R::Ingress || id == R::KubeApiserver;
    case Entity::Host: return id == R::Host;
    case Entity::RemoteNode: return id == R::RemoteNode;
    case Entity::Health: return id == R::Health;
    case Entity::Init: return id == R::Init;
    case Entity::Unmanaged: return id == R::Unmanaged;
    case Entity::KubeApiserver: return id == R::KubeApiserver;
    case Entity::Ingress: return id == R::Ingress;
  }
  return false;
}

bool entityContainsClusterEndpoints(Entity e) { return e == Entity::All || e == Entity::Cluster; }

}  // namespace ciliumc
