#include "passes/peer_coverage.h"

#include <algorithm>

#include "ir/evaluator.h"
#include "ir/party.h"

namespace ciliumc {

namespace {

// The reserved parties, one per kind, as bits. Non-CIDR peers match them independently of the
// address, so which of them a peer matches is a property of the peer alone.
enum ReservedBit : uint8_t { kHost = 1, kRemoteNode = 2, kWorldV4 = 4, kWorldV6 = 8 };

struct ReservedParties {
  Party host, remoteNode, worldV4, worldV6;
  ReservedParties() {
    IpAddress v4, v6;
    v6.family = IpFamily::V6;
    host = reservedParty(Party::Kind::Host, ReservedIdentity::Host, ReservedIdentity::Host, v4, "host");
    remoteNode = reservedParty(Party::Kind::RemoteNode, ReservedIdentity::RemoteNode, ReservedIdentity::RemoteNode,
                               v4, "remote-node");
    worldV4 = reservedParty(Party::Kind::World, ReservedIdentity::WorldIPv4, ReservedIdentity::World, v4, "world");
    worldV6 = reservedParty(Party::Kind::World, ReservedIdentity::WorldIPv6, ReservedIdentity::World, v6, "world");
  }
};

const ReservedParties& reserved() {
  static const ReservedParties parties;
  return parties;
}

uint8_t worldBit(IpFamily family) { return family == IpFamily::V4 ? kWorldV4 : kWorldV6; }

bool isCidr(const Peer& peer) { return peer.kind == Peer::Kind::Cidr; }

// The reserved parties a peer matches. A CIDR peer matches world addresses of its family only
// inside its prefix: only a /0 without excepts matches them all (kWholeFamily).
uint8_t reservedMatches(const Peer& peer) {
  if (isCidr(peer)) {
    const CidrPeer& cidr = peer.cidr;
    return cidr.prefix.length == 0 && cidr.except.empty() ? worldBit(cidr.prefix.address.family) : 0;
  }
  const ReservedParties& parties = reserved();
  uint8_t bits = 0;
  if (peerMatches(peer, parties.host)) bits |= kHost;
  if (peerMatches(peer, parties.remoteNode)) bits |= kRemoteNode;
  if (peerMatches(peer, parties.worldV4)) bits |= kWorldV4;
  if (peerMatches(peer, parties.worldV6)) bits |= kWorldV6;
  return bits;
}

// Does the peer match every cluster endpoint?
bool matchesAllEndpoints(const Peer& peer) {
  if (peer.kind == Peer::Kind::Entity) return entityContainsClusterEndpoints(peer.entity);
  return peer.kind == Peer::Kind::Selector && peer.selector.isWildcard();
}

bool mayMatchEndpoints(const Peer& peer) {
  if (peer.kind == Peer::Kind::Entity) return entityContainsClusterEndpoints(peer.entity);
  return peer.kind == Peer::Kind::Selector;
}

bool requirementsSubset(const LabelSelector& fewer, const LabelSelector& more) {
  const auto& small = fewer.requirements();
  const auto& large = more.requirements();
  return std::all_of(small.begin(), small.end(), [&](const Requirement& requirement) {
    return std::find(large.begin(), large.end(), requirement) != large.end();
  });
}

// Does `outer` match every endpoint `inner` matches (inner may match endpoints)?
bool coversEndpointsOf(const Peer& outer, const Peer& inner) {
  if (matchesAllEndpoints(outer)) return true;
  return inner.kind == Peer::Kind::Selector && outer.kind == Peer::Kind::Selector &&
         requirementsSubset(outer.selector, inner.selector);
}

// Does the CIDR set `outer` contain every address `inner` matches (inner not empty)?
bool cidrCovers(const CidrPeer& outer, const CidrPeer& inner) {
  if (!outer.prefix.contains(inner.prefix)) return false;
  for (const IpPrefix& hole : outer.except) {
    if (hole.contains(inner.prefix)) return false;
    if (!inner.prefix.contains(hole)) continue;  // disjoint
    bool excludedToo = std::any_of(inner.except.begin(), inner.except.end(),
                                   [&](const IpPrefix& own) { return own.contains(hole); });
    if (!excludedToo) return false;
  }
  return true;
}

}  // namespace

PeerCoverage::ListFacts PeerCoverage::factsOf(const std::vector<Peer>& peers) {
  ListFacts facts;
  facts.peers = &peers;
  for (const Peer& peer : peers) {
    facts.reserved.push_back(reservedMatches(peer));
    facts.reservedUnion |= facts.reserved.back();
  }
  return facts;
}

bool PeerCoverage::coversPeer(const ListFacts& outer, const Peer& inner, uint8_t innerReserved) {
  if (peerMatchesNothing(inner)) return true;
  const std::vector<Peer>& peers = *outer.peers;
  if (mayMatchEndpoints(inner) &&
      std::none_of(peers.begin(), peers.end(), [&](const Peer& candidate) { return coversEndpointsOf(candidate, inner); }))
    return false;
  if ((innerReserved & ~outer.reservedUnion) != 0) return false;
  if (!isCidr(inner)) return true;
  // A CIDR's world addresses: an outer peer matching every world address of the family, or a
  // CIDR set containing it.
  if (outer.reservedUnion & worldBit(inner.cidr.prefix.address.family)) return true;
  return std::any_of(peers.begin(), peers.end(),
                     [&](const Peer& candidate) { return isCidr(candidate) && cidrCovers(candidate.cidr, inner.cidr); });
}

bool PeerCoverage::listCoversList(const ListFacts& outer, const ListFacts& inner) {
  for (size_t i = 0; i < inner.peers->size(); ++i)
    if (!coversPeer(outer, (*inner.peers)[i], inner.reserved[i])) return false;
  return true;
}

namespace {

const std::vector<Peer>& everyPeer() {
  static const std::vector<Peer> all = {Peer::ofEntity(Entity::All)};
  return all;
}

}  // namespace

bool peerMatchesNothing(const Peer& peer) {
  if (!isCidr(peer)) return false;
  return std::any_of(peer.cidr.except.begin(), peer.cidr.except.end(),
                     [&](const IpPrefix& hole) { return hole.contains(peer.cidr.prefix); });
}

bool peersCoverPeer(const std::vector<Peer>& outer, const Peer& inner) {
  return PeerCoverage::coversPeer(PeerCoverage::factsOf(outer), inner, reservedMatches(inner));
}

bool peerListIsUniversal(const PeerList& peers) {
  return !peers || PeerCoverage::listCoversList(PeerCoverage::factsOf(*peers), PeerCoverage::factsOf(everyPeer()));
}

bool peerListMatchesNothing(const PeerList& peers) {
  return peers && std::all_of(peers->begin(), peers->end(), peerMatchesNothing);
}

PeerCoverage::ListId PeerCoverage::idOf(const PeerList& peers) {
  if (!peers) return 0;
  auto [found, inserted] = ids_.try_emplace(peers.get(), static_cast<ListId>(lists_.size()));
  if (inserted) {
    lists_.push_back(peers);
    facts_.emplace_back();
  }
  return found->second;
}

const PeerCoverage::ListFacts& PeerCoverage::facts(ListId id) {
  if (!facts_[id].peers) facts_[id] = factsOf(*lists_[id]);
  return facts_[id];
}

bool PeerCoverage::covers(ListId outer, ListId inner) {
  if (outer == inner || outer == 0) return true;
  uint64_t key = ((uint64_t(outer) << 32) | inner) + 1;
  if (int known = coversMemo_.find(key); known >= 0) return known == 1;
  bool result = inner == 0 ? peerListIsUniversal(lists_[outer])
                           : listCoversList(facts(outer), facts(inner));
  coversMemo_.insert(key, result);
  return result;
}

bool PeerCoverage::mayOverlap(ListId a, ListId b) {
  uint64_t key = ((uint64_t(a) << 32) | b) + 1;
  if (int known = overlapMemo_.find(key); known >= 0) return known == 1;
  const PeerList& left = lists_[a];
  const PeerList& right = lists_[b];
  bool result = false;
  if (peerListMatchesNothing(left) || peerListMatchesNothing(right)) result = false;
  else if (!left || !right) result = true;
  else
    for (const Peer& x : *left)
      for (const Peer& y : *right) result = result || (samePeer(x, y) && !peerMatchesNothing(x));
  overlapMemo_.insert(key, result);
  return result;
}

size_t PeerCoverage::PairMemo::slotOf(uint64_t key) const {
  uint64_t mixed = key * 0x9e3779b97f4a7c15ull;
  return static_cast<size_t>(mixed ^ (mixed >> 29)) & (keys_.size() - 1);
}

int PeerCoverage::PairMemo::find(uint64_t key) const {
  for (size_t slot = slotOf(key);; slot = (slot + 1) & (keys_.size() - 1)) {
    if (keys_[slot] == key) return values_[slot];
    if (keys_[slot] == 0) return -1;
  }
}

void PeerCoverage::PairMemo::insert(uint64_t key, bool value) {
  if (2 * (used_ + 1) > keys_.size()) {
    std::vector<uint64_t> oldKeys(keys_.size() * 2, 0);
    std::vector<uint8_t> oldValues(values_.size() * 2, 0);
    oldKeys.swap(keys_);
    oldValues.swap(values_);
    used_ = 0;
    for (size_t i = 0; i < oldKeys.size(); ++i)
      if (oldKeys[i] != 0) insert(oldKeys[i], oldValues[i] != 0);
  }
  size_t slot = slotOf(key);
  while (keys_[slot] != 0 && keys_[slot] != key) slot = (slot + 1) & (keys_.size() - 1);
  if (keys_[slot] == 0) ++used_;
  keys_[slot] = key;
  values_[slot] = value ? 1 : 0;
}

}  // namespace ciliumc
