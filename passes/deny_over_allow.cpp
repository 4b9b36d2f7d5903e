// deny-over-allow: drops allows a deny covers (`shadowed-by-deny`); partial overlaps stay (`conflicting`)
// Wherever a covered allow matches, the deny matches and wins: the allow never decides.
#include "passes/entry_facts.h"
#include "passes/pass_registry.h"

namespace ciliumc {

namespace {

void resolveDirection(PipelineState& state, DirectionWork& direction, size_t endpoints) {
  const std::vector<EntryId>& entries = direction.entries;
  std::vector<EntryId> denies;
  for (EntryId id : entries)
    if (state.entry(id).entry.verdict == Verdict::Deny) denies.push_back(id);
  if (denies.empty()) return;
  std::vector<bool> keep(entries.size(), true);
  for (size_t i = 0; i < entries.size(); ++i) {
    const EntryFacts& allow = state.entry(entries[i]);
    if (allow.entry.verdict != Verdict::Allow) continue;
    for (const EntryId& deny : denies) {
      if (!entryCovers(state, deny, entries[i])) continue;
      state.findings.add(state.entries, FindingKind::ShadowedByDeny, entries[i], &deny, endpoints);
      keep[i] = false;
      break;
    }
    if (!keep[i]) continue;
    for (const EntryId& deny : denies) {
      const EntryFacts& facts = state.entry(deny);
      bool spansMeet = facts.span.first < allow.span.end && allow.span.first < facts.span.end;
      if (spansMeet && keySetsIntersect(facts.keys, allow.keys) && state.coverage.mayOverlap(facts.peers, allow.peers))
        state.findings.add(state.entries, FindingKind::Conflicting, entries[i], &deny, endpoints);
    }
  }
  keepEntries(direction, keep);
}

void runDenyOverAllow(PipelineState& state) {
  for (ShapeWork& shape : state.shapes)
    for (DirectionWork& direction : shape.directions) resolveDirection(state, direction, shape.endpoints.size());
}

}  // namespace

PassInfo denyOverAllowPass() {
  return {"deny-over-allow",
          "drops allows a deny covers (`shadowed-by-deny`); partial overlaps stay (`conflicting`)",
          PassStage::PolicyIR, true, runDenyOverAllow};
}

}  // namespace ciliumc
