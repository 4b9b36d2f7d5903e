// classify-peers: the peer set of every known identity and CIDR/except prefix, per shape and direction
// The empty peer set is interned first (it becomes row 0); distinct sets are interned once.
// CIDR trie prefixes are every CIDR and except prefix of the shape; a CIDR peer matches a prefix
// exactly when its prefix contains it and none of its excepts does.
#include <algorithm>
#include <map>
#include <set>

#include "passes/pass_registry.h"
#include "passes/interner.h"
#include "passes/peer_matcher.h"

namespace ciliumc {

namespace {

using PeerSetInterner = Interner<PeerSet, PeerSetHash>;

// Where each global peer occurs: (shape * 2 + direction slot, local index).
std::vector<std::vector<std::pair<uint32_t, uint32_t>>> occurrences(const PipelineState& state) {
  std::vector<std::vector<std::pair<uint32_t, uint32_t>>> found(state.globalPeers.all().size());
  for (size_t s = 0; s < state.lowering.size(); ++s)
    for (size_t slot = 0; slot < 2; ++slot) {
      const auto& globals = state.lowering[s].globalPeer[slot];
      for (size_t local = 0; local < globals.size(); ++local)
        found[globals[local]].emplace_back(static_cast<uint32_t>(s * 2 + slot), static_cast<uint32_t>(local));
    }
  return found;
}

// Identities that match the same peers (all shapes together) get the same peer set in every
// shape, so each distinct match list is classified once.
void classifyIdentities(PipelineState& state, std::vector<PeerSetInterner>& interners) {
  const size_t directionCount = state.plan.shapes.size() * 2;
  auto directionPlan = [&](size_t sd) -> const DirectionPlan& { return state.plan.shapes[sd / 2].directions[sd % 2]; };
  auto classification = [&](size_t sd) -> DirectionClassification& { return state.lowering[sd / 2].classification[sd % 2]; };
  for (size_t sd = 0; sd < directionCount; ++sd) classification(sd).identitySet.assign(state.knownIdentities.size(), 0);

  PeerMatcher matcher(state.globalPeers.all());
  auto where = occurrences(state);
  std::map<std::vector<uint32_t>, size_t> firstWithMatches;
  std::vector<PeerSet> scratch(directionCount);  // reused: interning copies only new sets
  std::vector<char> touched(directionCount, 0);
  std::vector<uint32_t> touchedList;
  auto touch = [&](size_t sd) {
    if (!touched[sd]) touchedList.push_back(static_cast<uint32_t>(sd));
    touched[sd] = 1;
  };
  for (size_t i = 0; i < state.knownIdentities.size(); ++i) {
    const Party& party = state.knownIdentities[i].party;
    bool host = party.kind == Party::Kind::Host;
    std::vector<uint32_t> matches = matcher.matchingNonCidr(party);
    if (!host) {
      auto [first, isFirst] = firstWithMatches.try_emplace(matches, i);
      if (!isFirst) {
        for (size_t sd = 0; sd < directionCount; ++sd)
          classification(sd).identitySet[i] = classification(sd).identitySet[first->second];
        continue;
      }
    }
    for (uint32_t global : matches)
      for (auto [sd, local] : where[global]) {
        touch(sd);
        scratch[sd].peers.push_back(local);
      }
    if (host)
      for (size_t sd = 0; sd < directionCount; ++sd) touch(sd);
    for (uint32_t sd : touchedList) {
      PeerSet& set = scratch[sd];  // ascending: matches ascend, and locals follow global order
      const DirectionPlan& plan = directionPlan(sd);
      set.localHost = host && plan.direction == Direction::Ingress && plan.allowLocalhost;
      classification(sd).identitySet[i] = interners[sd].intern(set).first;
      set.peers.clear();
      touched[sd] = 0;
    }
    touchedList.clear();
  }
}

size_t knownIndex(const PipelineState& state, ReservedIdentity id) {
  for (size_t i = 0; i < state.knownIdentities.size(); ++i)
    if (state.knownIdentities[i].identity == static_cast<NumericIdentity>(id)) return i;
  return 0;  // knownIdentitiesOf always lists the reserved identities
}

// Every CIDR and except prefix of the shape's CIDR peers, both directions, sorted and unique.
std::vector<IpPrefix> triePrefixes(const ShapePlan& shape) {
  std::set<IpPrefix> prefixes;
  for (const DirectionPlan& direction : shape.directions)
    for (const Peer& peer : direction.peers) {
      if (peer.kind != Peer::Kind::Cidr) continue;
      prefixes.insert(peer.cidr.prefix);
      prefixes.insert(peer.cidr.except.begin(), peer.cidr.except.end());
    }
  return {prefixes.begin(), prefixes.end()};
}

// The CIDR peers an address whose longest trie match is `prefixes[i]` matches, for every i: those
// whose prefix contains it and none of whose excepts does (every except is in the trie too, so
// an address whose longest match is the prefix is in an except exactly when that except contains
// the prefix). Containing prefixes are trie prefixes too: they are the prefix's ancestors in the
// trie, which a stack yields while walking the prefixes in order (ancestors first).
std::vector<std::vector<uint32_t>> cidrPeersByPrefix(const DirectionPlan& plan, const std::vector<IpPrefix>& prefixes) {
  auto indexOf = [&](const IpPrefix& prefix) {
    return static_cast<size_t>(std::lower_bound(prefixes.begin(), prefixes.end(), prefix) - prefixes.begin());
  };
  std::vector<std::vector<uint32_t>> byPrefix(prefixes.size()), byExcept(prefixes.size());
  std::vector<uint32_t> cidrPeers;
  for (size_t i = 0; i < plan.peers.size(); ++i) {
    if (plan.peers[i].kind != Peer::Kind::Cidr) continue;
    cidrPeers.push_back(static_cast<uint32_t>(i));
    byPrefix[indexOf(plan.peers[i].cidr.prefix)].push_back(static_cast<uint32_t>(i));
    for (const IpPrefix& hole : plan.peers[i].cidr.except) byExcept[indexOf(hole)].push_back(static_cast<uint32_t>(i));
  }
  std::vector<int> containing(plan.peers.size(), 0), excepted(plan.peers.size(), 0);
  auto enter = [&](size_t node, int delta) {
    for (uint32_t peer : byPrefix[node]) containing[peer] += delta;
    for (uint32_t peer : byExcept[node]) excepted[peer] += delta;
  };
  std::vector<std::vector<uint32_t>> matching(prefixes.size());
  std::vector<size_t> ancestors;
  for (size_t node = 0; node < prefixes.size(); ++node) {
    while (!ancestors.empty() && !prefixes[ancestors.back()].contains(prefixes[node])) {
      enter(ancestors.back(), -1);
      ancestors.pop_back();
    }
    enter(node, +1);
    ancestors.push_back(node);
    for (uint32_t peer : cidrPeers)
      if (containing[peer] > 0 && excepted[peer] == 0) matching[node].push_back(peer);
  }
  return matching;
}

void classifyCidrs(PipelineState& state, std::vector<PeerSetInterner>& interners) {
  size_t worldV4 = knownIndex(state, ReservedIdentity::WorldIPv4);
  size_t worldV6 = knownIndex(state, ReservedIdentity::WorldIPv6);
  for (size_t s = 0; s < state.plan.shapes.size(); ++s) {
    ShapePlan& shape = state.plan.shapes[s];
    std::vector<IpPrefix> prefixes = triePrefixes(shape);
    shape.cidr.clear();
    for (const IpPrefix& prefix : prefixes) shape.cidr.push_back({prefix, {0, 0}});
    for (size_t slot = 0; slot < 2; ++slot) {
      DirectionClassification& classification = state.lowering[s].classification[slot];
      PeerSetInterner& interner = interners[s * 2 + slot];
      classification.cidrSet.clear();
      auto cidrPeers = cidrPeersByPrefix(shape.directions[slot], prefixes);
      for (size_t p = 0; p < prefixes.size(); ++p) {
        // Plus the non-CIDR peers matching every world address of the family.
        size_t world = prefixes[p].address.family == IpFamily::V4 ? worldV4 : worldV6;
        const PeerSet& worldSet = interner[classification.identitySet[world]];
        PeerSet set;
        std::set_union(cidrPeers[p].begin(), cidrPeers[p].end(), worldSet.peers.begin(), worldSet.peers.end(),
                       std::back_inserter(set.peers));
        classification.cidrSet.push_back(interner.intern(set).first);
      }
    }
  }
}

void runClassifyPeers(PipelineState& state) {
  state.knownIdentities = knownIdentitiesOf(state.inventory);
  std::vector<PeerSetInterner> interners(state.plan.shapes.size() * 2);
  for (PeerSetInterner& interner : interners) interner.intern(PeerSet{});  // id 0: the empty set
  classifyIdentities(state, interners);
  classifyCidrs(state, interners);
  for (size_t sd = 0; sd < interners.size(); ++sd)
    state.lowering[sd / 2].classification[sd % 2].peerSets = interners[sd].release();
}

}  // namespace

PassInfo classifyPeersPass() {
  return {"classify-peers",
          "the peer set of every known identity and CIDR/except prefix, per shape and direction",
          PassStage::Lowering, false, runClassifyPeers};
}

}  // namespace ciliumc
