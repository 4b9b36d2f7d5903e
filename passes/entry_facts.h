// The coverage relation the rule analyses (dedupe-entries, eliminate-subsumed, deny-over-allow)
// use: "outer covers inner" = whenever inner matches a (peer, protocol, port), outer matches it.
#pragma once
#include <vector>

#include "passes/pass_state.h"

namespace ciliumc {

// Could `outer`'s keys contain `inner`'s? (Their spans say no cheaply most of the time.)
inline bool spanContains(const EntryFacts& outer, const EntryFacts& inner) {
  return inner.keys.empty() || (outer.span.first <= inner.span.first && inner.span.end <= outer.span.end);
}

inline bool entryCovers(PipelineState& state, EntryId outer, EntryId inner) {
  const EntryFacts& o = state.entry(outer);
  const EntryFacts& i = state.entry(inner);
  return spanContains(o, i) && keySetContains(o.keys, i.keys) && state.coverage.covers(o.peers, i.peers);
}

// Keeps the entries whose `keep` flag is set, in order.
inline void keepEntries(DirectionWork& direction, const std::vector<bool>& keep) {
  size_t kept = 0;
  for (size_t i = 0; i < direction.entries.size(); ++i)
    if (keep[i]) direction.entries[kept++] = direction.entries[i];
  direction.entries.resize(kept);
}

}  // namespace ciliumc
