// How a verdict row is computed from a direction's lowered entries: the evaluator's rules
// (ir/evaluator.cpp) per port class. Shared by DirectionPlan::rowFor (one party, e.g. a new
// identity the agent classifies) and build-verdict-matrix (every known peer set at once).
#pragma once
#include <cstdint>
#include <vector>

#include "passes/datapath_plan.h"

namespace ciliumc {

// The row of a party that matches exactly the entries `matchingEntries` (indexes into
// plan.entries, ascending) and is the local host when `localHost`: per port class, the first
// matching deny (DeniedByRule), else the first matching allow (AllowedByRule), else the
// direction's default (DefaultAllow when not enforced; AllowLocalhost at ingress for the local
// host when allowed; DefaultDeny). The neighbor-discovery class always allows (reason
// NeighborDiscovery), as the evaluator answers it before any rule.
std::vector<VerdictCell> verdictRow(const DirectionPlan& plan, const std::vector<uint32_t>& matchingEntries,
                                    bool localHost);

// Does a lowered entry match a party with this peer set?
bool entryMatchesPeerSet(const LoweredEntry& entry, const PeerSet& peerSet);

// The port class that holds ICMPv6 neighbor discovery (partition-ports gives it a class of its
// own), or nullopt when the partition did not isolate it (a hand-built plan).
std::optional<uint32_t> neighborDiscoveryClass(const DirectionPlan& plan);

}  // namespace ciliumc
