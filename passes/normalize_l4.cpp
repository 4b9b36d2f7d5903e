// normalize-l4: canonical L4 matches, same meaning: `any` expanded, port ranges merged per protocol, ICMP types unique
// `any` becomes tcp, udp and sctp; overlapping or adjacent ranges of a protocol merge; L4Match::matches
// agrees on every protocol and port before and after.
#include <algorithm>

#include "passes/normalize_l4.h"
#include "passes/pass_registry.h"

namespace ciliumc {

namespace {

std::vector<PortRange> canonicalPorts(const std::vector<PortRange>& ports) {
  std::vector<PortRange> expanded;
  for (const PortRange& range : ports) {
    if (range.protocol != Protocol::Any) {
      expanded.push_back(range);
      continue;
    }
    for (Protocol protocol : {Protocol::TCP, Protocol::UDP, Protocol::SCTP})
      expanded.push_back(PortRange{protocol, range.first, range.last});
  }
  std::sort(expanded.begin(), expanded.end());
  std::vector<PortRange> merged;
  for (const PortRange& range : expanded) {
    PortRange* last = merged.empty() ? nullptr : &merged.back();
    // Overlapping or adjacent (last->last + 1 == range.first) ranges of one protocol merge.
    if (last && last->protocol == range.protocol && uint32_t(range.first) <= uint32_t(last->last) + 1)
      last->last = std::max(last->last, range.last);
    else
      merged.push_back(range);
  }
  return merged;
}

}  // namespace

L4Match canonicalL4(const L4Match& l4) {
  if (l4.isWildcard()) return l4;
  L4Match canonical;
  canonical.ports = canonicalPorts(l4.ports);
  canonical.icmps = l4.icmps;
  std::sort(canonical.icmps.begin(), canonical.icmps.end());
  canonical.icmps.erase(std::unique(canonical.icmps.begin(), canonical.icmps.end()), canonical.icmps.end());
  return canonical;
}

namespace {

void runNormalizeL4(PipelineState& state) {
  // Each distinct entry is normalised once; shapes then point at the normalised entry.
  std::vector<EntryId> normalized(state.entries.size(), UINT32_MAX);
  auto normalize = [&](EntryId id) {
    if (normalized[id] != UINT32_MAX) return normalized[id];
    const ResolvedEntry& entry = state.entry(id).entry;
    L4Match canonical = canonicalL4(entry.l4);
    EntryId result = id;
    if (canonical != entry.l4) {
      ResolvedEntry rewritten = entry;
      rewritten.l4 = std::move(canonical);
      result = state.entries.intern(rewritten);
    }
    return normalized[id] = result;
  };
  for (ShapeWork& shape : state.shapes)
    for (DirectionWork& direction : shape.directions)
      for (EntryId& id : direction.entries) id = normalize(id);
}

}  // namespace

PassInfo normalizeL4Pass() {
  return {"normalize-l4",
          "canonical L4 matches, same meaning: `any` expanded, port ranges merged per protocol, ICMP types unique",
          PassStage::PolicyIR, true, runNormalizeL4};
}

}  // namespace ciliumc
