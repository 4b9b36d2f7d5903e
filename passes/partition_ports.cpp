// partition-ports: key space cut at entry boundaries; ranges alike for every peer set share a port class
// Neighbor discovery (ICMPv6 133..137) always gets a class of its own.
// "Alike for every peer set": the ranges have the same deciding entries once entries
// that can never decide there are dropped, so rows stay valid for identities the agent adds.
#include <algorithm>

#include "passes/l4_keys.h"
#include "passes/interner.h"
#include "passes/pass_registry.h"

namespace ciliumc {

namespace {

// Marks the neighbor-discovery ranges: no entry decides there.
const std::vector<uint32_t>& neighborDiscoverySignature() {
  static const std::vector<uint32_t> signature = {UINT32_MAX};
  return signature;
}

bool peersInclude(const LoweredEntry& outer, const LoweredEntry& inner) {
  if (!outer.peers) return true;
  if (!inner.peers) return false;
  return std::includes(outer.peers->begin(), outer.peers->end(), inner.peers->begin(), inner.peers->end());
}

bool matchesNobody(const LoweredEntry& entry) { return entry.peers && entry.peers->empty(); }

// The entries covering a range that can decide for some peer set, ascending. Dropped: entries
// matching nobody; a deny whose peers an earlier kept deny includes (that one is always first);
// an allow whose peers a kept deny includes (the deny wins) or an earlier kept allow includes.
// For every peer set, the first matching deny, else the first matching allow, is unchanged.
std::vector<uint32_t> decidingEntries(const std::vector<LoweredEntry>& entries, const std::vector<uint32_t>& covering) {
  std::vector<uint32_t> denies, allows;
  auto includedBy = [&](const std::vector<uint32_t>& kept, const LoweredEntry& entry) {
    return std::any_of(kept.begin(), kept.end(), [&](uint32_t k) { return peersInclude(entries[k], entry); });
  };
  for (uint32_t index : covering) {
    const LoweredEntry& entry = entries[index];
    if (entry.verdict != Verdict::Deny || matchesNobody(entry) || includedBy(denies, entry)) continue;
    denies.push_back(index);
  }
  for (uint32_t index : covering) {
    const LoweredEntry& entry = entries[index];
    if (entry.verdict != Verdict::Allow || matchesNobody(entry) || includedBy(denies, entry) || includedBy(allows, entry))
      continue;
    allows.push_back(index);
  }
  std::vector<uint32_t> deciding;
  std::merge(denies.begin(), denies.end(), allows.begin(), allows.end(), std::back_inserter(deciding));
  return deciding;
}

struct Boundary {
  uint32_t key;
  bool opens;
  uint32_t entry;
};

constexpr size_t kMaxPortClasses = 65536;  // port classes are uint16_t (DirectionPlan::rangeClass)

bool partitionDirection(const PipelineState& state, const DirectionWork& work, DirectionPlan& plan) {
  std::vector<Boundary> events;
  std::vector<uint32_t> cuts = {0};
  for (size_t i = 0; i < work.entries.size(); ++i) {
    for (const KeyInterval& interval : state.entry(work.entries[i]).keys) {
      events.push_back({interval.first, true, static_cast<uint32_t>(i)});
      events.push_back({interval.end, false, static_cast<uint32_t>(i)});
      cuts.push_back(interval.first);
      cuts.push_back(interval.end);
    }
  }
  const KeySet& neighborDiscovery = neighborDiscoveryKeys();
  for (const KeyInterval& interval : neighborDiscovery) {
    cuts.push_back(interval.first);
    cuts.push_back(interval.end);
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  while (!cuts.empty() && cuts.back() >= kL4KeyEnd) cuts.pop_back();
  std::sort(events.begin(), events.end(), [](const Boundary& a, const Boundary& b) { return a.key < b.key; });

  Interner<std::vector<uint32_t>, IndexListHash> coverings;  // distinct sets of covering entries
  std::vector<uint32_t> classOfCovering;                      // memo: covering id -> port class
  Interner<std::vector<uint32_t>, IndexListHash> classes;     // distinct deciding-entry lists
  classes.intern(neighborDiscoverySignature());               // reserved; renumbered below
  std::vector<uint32_t> openCount(work.entries.size(), 0);
  std::vector<uint32_t> active;  // sorted
  size_t next = 0;
  std::vector<uint32_t> rangeClass;  // per cut: index into `classes`
  plan.rangeStarts.clear();
  plan.rangeClass.clear();
  for (size_t c = 0; c < cuts.size(); ++c) {
    uint32_t start = cuts[c];
    uint32_t end = c + 1 < cuts.size() ? cuts[c + 1] : kL4KeyEnd;
    for (; next < events.size() && events[next].key <= start; ++next) {
      uint32_t entry = events[next].entry;
      if (events[next].opens ? openCount[entry]++ == 0 : --openCount[entry] == 0) {
        auto at = std::lower_bound(active.begin(), active.end(), entry);
        if (events[next].opens) active.insert(at, entry);
        else active.erase(at);
      }
    }
    uint32_t cls = 0;  // the neighbor-discovery signature
    if (!keySetContains(neighborDiscovery, {{start, end}})) {
      auto [covering, isNew] = coverings.intern(active);
      if (isNew) classOfCovering.push_back(classes.intern(decidingEntries(plan.entries, active)).first);
      cls = classOfCovering[covering];
    }
    if (classes.size() > kMaxPortClasses) return false;
    rangeClass.push_back(cls);
  }
  // Dense class numbers in order of first appearance along the key space.
  std::vector<uint32_t> renumbered(classes.size(), UINT32_MAX);
  uint32_t count = 0;
  for (size_t range = 0; range < rangeClass.size(); ++range) {
    uint32_t& number = renumbered[rangeClass[range]];
    if (number == UINT32_MAX) number = count++;
    if (!plan.rangeClass.empty() && plan.rangeClass.back() == number) continue;
    plan.rangeStarts.push_back(cuts[range]);
    plan.rangeClass.push_back(static_cast<uint16_t>(number));
  }
  plan.portClassCount = count;
  for (LoweredEntry& entry : plan.entries) entry.portClasses.clear();
  for (uint32_t cls = 1; cls < classes.size(); ++cls) {
    if (renumbered[cls] == UINT32_MAX) continue;
    for (uint32_t entry : classes[cls]) plan.entries[entry].portClasses.push_back(renumbered[cls]);
  }
  for (LoweredEntry& entry : plan.entries) std::sort(entry.portClasses.begin(), entry.portClasses.end());
  return true;
}

void runPartitionPorts(PipelineState& state) {
  for (size_t s = 0; s < state.shapes.size(); ++s)
    for (Direction direction : kBothDirections) {
      size_t slot = directionSlot(direction);
      if (!partitionDirection(state, state.shapes[s].directions[slot], state.plan.shapes[s].directions[slot])) {
        state.errors.push_back("shape " + state.plan.shapes[s].key + " needs more than 65536 port classes");
        return;
      }
    }
}

}  // namespace

PassInfo partitionPortsPass() {
  return {"partition-ports",
          "key space cut at entry boundaries; ranges alike for every peer set share a port class",
          PassStage::Lowering, false, runPartitionPorts};
}

}  // namespace ciliumc
