// L4 key sets: the part of the L4 key space (passes/datapath_plan.h, l4Key) that an L4 match
// covers, as sorted disjoint half-open intervals. Every pass that reasons about ports (normalise,
// dedupe, subsumption, deny-over-allow, partition) uses these, so they agree on what
// "covers tcp/80" means, with or without normalize-l4 having run.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ir/l4.h"
#include "passes/datapath_plan.h"

namespace ciliumc {

struct KeyInterval {
  uint32_t first = 0;  // inclusive
  uint32_t end = 0;    // exclusive
  auto operator<=>(const KeyInterval&) const = default;
};

// Sorted by `first`, disjoint and non-adjacent (touching intervals are merged).
using KeySet = std::vector<KeyInterval>;

// The L4 kind of a packet protocol; nullopt for Protocol::Any (not a packet protocol).
std::optional<L4Kind> l4KindOf(Protocol protocol);

// What `l4` matches, exactly as L4Match::matches decides it: a wildcard covers the whole key
// space (kind None included); a port range covers its ports in each protocol it names (Any =
// TCP, UDP, SCTP); an ICMP type covers one key of its family.
KeySet keySetOf(const L4Match& l4);

// Sorts and merges arbitrary intervals into a KeySet.
KeySet canonicalKeySet(std::vector<KeyInterval> intervals);

bool keySetContains(const KeySet& outer, const KeySet& inner);  // inner ⊆ outer
bool keySetsIntersect(const KeySet& a, const KeySet& b);

// "tcp/80", "tcp/80-65535, udp/0-9", "icmpv6/133-137", "none", "everything".
std::string keyRangeText(uint32_t first, uint32_t end);

// The keys of ICMPv6 neighbor discovery (ir/evaluator.h isNeighborDiscovery, types 133..137):
// never subject to policy, so the partition gives them a port class of their own whose cells
// say so.
const KeySet& neighborDiscoveryKeys();

}  // namespace ciliumc
