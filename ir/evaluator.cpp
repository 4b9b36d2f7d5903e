// The reference evaluator. Decisions made here, each faithful to Cilium:
//  - Deny wins: any matching deny entry denies the side, whatever allows also match. All
//    matching denies (or, when allowed, all matching allows) are reported as deciding.
//  - An entry matches when its L4 match accepts (protocol, port) and its peer list (nullopt =
//    every party) contains a peer matching the other party.
//  - Selector peers see an endpoint's identity-relevant labels (Party::labels), because Cilium
//    evaluates selectors against security identities. They see a reserved party (host, remote
//    node, world) only when they constrain a `reserved:` label, so `{}` never means "world".
//  - CIDR peers match world parties only: never cluster endpoints, host or remote nodes (Cilium's
//    default policy-cidr-match-mode).
//  - allow-localhost: traffic from the local host to an endpoint is allowed at the endpoint's
//    ingress unless a deny matches. Every inventory endpoint counts as local to the node marked
//    `local: true` (the inventory does not place endpoints on nodes).
//  - ICMPv6 neighbor discovery (133..137) is allowed before any rule is looked at.
//  - Enforcement mode `never` resolves to no entries and no enforcement, so everything is
//    allowed (Cilium never-mode ignores deny rules too).
#include "ir/evaluator.h"

#include <algorithm>

namespace ciliumc {

namespace {

bool entityMatchesReservedParty(Entity entity, const Party& party) {
  switch (party.kind) {
    case Party::Kind::Host: return entityContains(entity, ReservedIdentity::Host);
    case Party::Kind::RemoteNode: return entityContains(entity, ReservedIdentity::RemoteNode);
    case Party::Kind::World: {
      auto id = static_cast<ReservedIdentity>(party.identity);
      return entityContains(entity, id) || entityContains(entity, ReservedIdentity::World);
    }
    case Party::Kind::Endpoint: break;
  }
  return false;
}

bool entryMatches(const ResolvedEntry& entry, const Party& peer, Protocol protocol, uint16_t port) {
  if (!entry.l4.matches(protocol, port)) return false;
  if (!entry.peers) return true;
  return std::any_of(entry.peers->begin(), entry.peers->end(),
                     [&](const Peer& candidate) { return peerMatches(candidate, peer); });
}

std::vector<Provenance> matchingEntries(const DirectionPolicy& policy, Verdict verdict, const Party& peer,
                                        Protocol protocol, uint16_t port) {
  std::vector<Provenance> found;
  for (const ResolvedEntry& entry : policy.entries)
    if (entry.verdict == verdict && entryMatches(entry, peer, protocol, port))
      found.push_back(entry.provenance);
  return found;
}

SideVerdict decided(Verdict verdict, SideVerdict::Reason reason, std::vector<Provenance> deciding = {}) {
  SideVerdict side;
  side.verdict = verdict;
  side.reason = reason;
  side.deciding = std::move(deciding);
  return side;
}

// One side of a flow: `self` enforces its policy in `direction`, `peer` is the other party.
SideVerdict evaluateSide(const PolicyIR& ir, const Party& self, Direction direction, const Party& peer,
                         const Probe& probe) {
  if (!self.isEndpoint()) return decided(Verdict::Allow, SideVerdict::Reason::NoPolicy);
  const EndpointPolicy* endpointPolicy = ir.forEndpoint(self.endpoint);
  if (!endpointPolicy) return decided(Verdict::Allow, SideVerdict::Reason::NoPolicy);
  const DirectionPolicy& policy = endpointPolicy->direction(direction);
  if (isNeighborDiscovery(probe.protocol, probe.port))
    return decided(Verdict::Allow, SideVerdict::Reason::NeighborDiscovery);

  auto denies = matchingEntries(policy, Verdict::Deny, peer, probe.protocol, probe.port);
  if (!denies.empty()) return decided(Verdict::Deny, SideVerdict::Reason::DeniedByRule, std::move(denies));
  auto allows = matchingEntries(policy, Verdict::Allow, peer, probe.protocol, probe.port);
  if (!allows.empty()) return decided(Verdict::Allow, SideVerdict::Reason::AllowedByRule, std::move(allows));
  if (!policy.enforced) return decided(Verdict::Allow, SideVerdict::Reason::DefaultAllow);
  if (direction == Direction::Ingress && peer.kind == Party::Kind::Host && ir.options.allowLocalhost)
    return decided(Verdict::Allow, SideVerdict::Reason::AllowLocalhost);
  return decided(Verdict::Deny, SideVerdict::Reason::DefaultDeny);
}

}  // namespace

bool isNeighborDiscovery(Protocol protocol, uint16_t type) {
  return protocol == Protocol::ICMPv6 && type >= 133 && type <= 137;
}

bool peerMatches(const Peer& peer, const Party& party) {
  switch (peer.kind) {
    case Peer::Kind::Selector:
      if (!party.isEndpoint() && !peer.selector.mentionsReservedSource()) return false;
      return peer.selector.matches(party.labels);
    case Peer::Kind::Entity:
      return party.isEndpoint() ? entityContainsClusterEndpoints(peer.entity)
                                : entityMatchesReservedParty(peer.entity, party);
    case Peer::Kind::Cidr:
      return party.kind == Party::Kind::World && peer.cidr.matches(party.ip);
  }
  return false;
}

FlowVerdict evaluateFlow(const PolicyIR& ir, const Probe& probe) {
  FlowVerdict flow;
  flow.egress = evaluateSide(ir, probe.source, Direction::Egress, probe.destination, probe);
  flow.ingress = evaluateSide(ir, probe.destination, Direction::Ingress, probe.source, probe);
  bool allowed = flow.egress.verdict == Verdict::Allow && flow.ingress.verdict == Verdict::Allow;
  flow.verdict = allowed ? Verdict::Allow : Verdict::Deny;
  return flow;
}

}  // namespace ciliumc
