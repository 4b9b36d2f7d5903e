// The plan's own functions: the datapath's answers computed on the C++ side (port class of a key,
// class of a party, the verdict row of a peer set), for the back end, the agent and the tests.
#include "passes/datapath_plan.h"

#include <algorithm>

#include "ir/evaluator.h"
#include "passes/content_hash.h"
#include "passes/l4_keys.h"
#include "passes/verdict_rows.h"

namespace ciliumc {

uint32_t l4KeyOf(Protocol protocol, uint16_t portOrType) {
  if (auto kind = l4KindOf(protocol)) return l4Key(*kind, portOrType);
  return l4Key(L4Kind::None, 0);
}

uint32_t RuleTable::idOf(const Provenance& provenance) {
  // Linear: for a handful of look-ups. The passes intern through an index (pass_state.h).
  for (size_t i = 0; i < rules.size(); ++i)
    if (sameProvenance(rules[i], provenance)) return static_cast<uint32_t>(i + 1);
  rules.push_back(provenance);
  return static_cast<uint32_t>(rules.size());
}

const Provenance* RuleTable::find(uint32_t id) const {
  if (id == 0 || id > rules.size()) return nullptr;
  return &rules[id - 1];
}

uint32_t DirectionPlan::portClassOf(uint32_t l4key) const {
  auto after = std::upper_bound(rangeStarts.begin(), rangeStarts.end(), l4key);
  if (after == rangeStarts.begin()) return 0;
  size_t range = static_cast<size_t>(after - rangeStarts.begin()) - 1;
  return range < rangeClass.size() ? rangeClass[range] : 0;
}

bool entryMatchesPeerSet(const LoweredEntry& entry, const PeerSet& peerSet) {
  if (!entry.peers) return true;
  const auto& mine = *entry.peers;
  const auto& theirs = peerSet.peers;
  auto i = mine.begin();
  auto j = theirs.begin();
  while (i != mine.end() && j != theirs.end()) {
    if (*i < *j) ++i;
    else if (*j < *i) ++j;
    else return true;
  }
  return false;
}

std::optional<uint32_t> neighborDiscoveryClass(const DirectionPlan& plan) {
  const KeySet& keys = neighborDiscoveryKeys();
  if (keys.size() != 1) return std::nullopt;
  auto starts = [&](uint32_t key) { return std::binary_search(plan.rangeStarts.begin(), plan.rangeStarts.end(), key); };
  if (!starts(keys[0].first) || !starts(keys[0].end)) return std::nullopt;
  return plan.portClassOf(keys[0].first);
}

std::vector<VerdictCell> verdictRow(const DirectionPlan& plan, const std::vector<uint32_t>& matchingEntries,
                                    bool localHost) {
  std::vector<VerdictCell> row(plan.portClassCount);
  std::vector<bool> decided(plan.portClassCount, false);
  auto decide = [&](Verdict verdict, DatapathReason reason) {
    for (uint32_t index : matchingEntries) {
      const LoweredEntry& entry = plan.entries[index];
      if (entry.verdict != verdict) continue;
      for (uint32_t portClass : entry.portClasses) {
        if (portClass >= row.size() || decided[portClass]) continue;
        row[portClass] = VerdictCell{entry.rule, reason, verdict == Verdict::Deny};
        decided[portClass] = true;
      }
    }
  };
  decide(Verdict::Deny, DatapathReason::DeniedByRule);
  decide(Verdict::Allow, DatapathReason::AllowedByRule);
  VerdictCell fallback{0, DatapathReason::DefaultAllow, false};
  if (plan.enforced) {
    bool localhostAllowed = plan.direction == Direction::Ingress && plan.allowLocalhost && localHost;
    fallback = localhostAllowed ? VerdictCell{0, DatapathReason::AllowLocalhost, false}
                                : VerdictCell{0, DatapathReason::DefaultDeny, true};
  }
  for (size_t portClass = 0; portClass < row.size(); ++portClass)
    if (!decided[portClass]) row[portClass] = fallback;
  if (auto nd = neighborDiscoveryClass(plan); nd && *nd < row.size())
    row[*nd] = VerdictCell{0, DatapathReason::NeighborDiscovery, false};
  return row;
}

std::vector<VerdictCell> DirectionPlan::rowFor(const PeerSet& peerSet) const {
  std::vector<uint32_t> matching;
  for (size_t i = 0; i < entries.size(); ++i)
    if (entryMatchesPeerSet(entries[i], peerSet)) matching.push_back(static_cast<uint32_t>(i));
  return verdictRow(*this, matching, peerSet.localHost);
}

PeerSet DirectionPlan::peerSetOf(const Party& party) const {
  PeerSet set;
  for (size_t i = 0; i < peers.size(); ++i)
    if (peerMatches(peers[i], party)) set.peers.push_back(static_cast<uint32_t>(i));
  set.localHost = party.kind == Party::Kind::Host && direction == Direction::Ingress && allowLocalhost;
  return set;
}

uint16_t ShapePlan::classOf(const Party& peer, Direction d) const {
  size_t slot = d == Direction::Ingress ? 0 : 1;
  if (peer.kind == Party::Kind::World) {
    const CidrClassEntry* longest = nullptr;
    for (const CidrClassEntry& entry : cidr)
      if (entry.prefix.contains(peer.ip) && (!longest || entry.prefix.length > longest->prefix.length))
        longest = &entry;
    if (longest) return longest->cls[slot];
    auto world = static_cast<NumericIdentity>(peer.ip.family == IpFamily::V4 ? ReservedIdentity::WorldIPv4
                                                                            : ReservedIdentity::WorldIPv6);
    auto found = identityClasses.find(world);
    return found == identityClasses.end() ? 0 : found->second[slot];
  }
  auto found = identityClasses.find(peer.identity);
  return found == identityClasses.end() ? 0 : found->second[slot];
}

uint32_t ShapePlan::verdictBase(Direction d) const {
  return d == Direction::Ingress ? 0 : budget.classCapacity * directions[0].portClassCount;
}

const char* l4KindName(L4Kind kind) {
  switch (kind) {
    case L4Kind::TCP: return "tcp";
    case L4Kind::UDP: return "udp";
    case L4Kind::SCTP: return "sctp";
    case L4Kind::ICMP: return "icmp";
    case L4Kind::ICMPv6: return "icmpv6";
    case L4Kind::None: return "none";
  }
  return "none";
}

}  // namespace ciliumc
