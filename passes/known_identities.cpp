// The identities the compiler classifies for every shape: host, world, remote-node, world-ipv4,
// world-ipv6 and each inventory endpoint's identity (the first endpoint of an identity stands for
// it: endpoints of one identity share their identity-relevant labels).
#include <set>

#include "passes/pass_state.h"

namespace ciliumc {

std::vector<KnownIdentity> knownIdentitiesOf(const Inventory& inventory) {
  using R = ReservedIdentity;
  IpAddress v4, v6;
  v6.family = IpFamily::V6;
  auto reservedIdentity = [](Party::Kind kind, R id, R label, const IpAddress& ip) {
    Party party = reservedParty(kind, id, label, ip, reservedIdentityName(id));
    return KnownIdentity{party.identity, std::move(party)};
  };
  std::vector<KnownIdentity> known = {
      reservedIdentity(Party::Kind::Host, R::Host, R::Host, v4),
      reservedIdentity(Party::Kind::World, R::World, R::World, v4),
      reservedIdentity(Party::Kind::RemoteNode, R::RemoteNode, R::RemoteNode, v4),
      reservedIdentity(Party::Kind::World, R::WorldIPv4, R::World, v4),
      reservedIdentity(Party::Kind::World, R::WorldIPv6, R::World, v6),
  };
  std::set<NumericIdentity> seen;
  for (const KnownIdentity& identity : known) seen.insert(identity.identity);
  for (const EndpointInfo& endpoint : inventory.endpoints) {
    if (!seen.insert(endpoint.identity).second) continue;
    known.push_back({endpoint.identity, endpointParty(endpoint, endpoint.ips.empty() ? v4 : endpoint.ips.front())});
  }
  return known;
}

}  // namespace ciliumc
