// dedupe-entries: only the first of entries with equal verdict, peers (as a set) and ports stays (`duplicate`)
#include <algorithm>
#include <unordered_map>

#include "passes/content_hash.h"
#include "passes/entry_facts.h"
#include "passes/pass_registry.h"

namespace ciliumc {

namespace {

// Per distinct entry: its peers as a sorted set of values and a hash of what makes duplicates.
class DuplicateKeys {
 public:
  explicit DuplicateKeys(const PipelineState& state)
      : state_(state), hashes_(state.entries.size(), 0), known_(state.entries.size(), false) {}

  uint64_t hashOf(EntryId id) {
    if (known_[id]) return hashes_[id];
    const EntryFacts& facts = state_.entry(id);
    StableHash hash;
    hash.add(static_cast<uint64_t>(facts.entry.verdict)).add(facts.entry.peers ? 1 : 0);
    for (const KeyInterval& interval : facts.keys) hash.add(interval.first).add(interval.end);
    for (const Peer* peer : valuesOf(facts)) hash.add(peerHash(*peer));
    known_[id] = true;
    return hashes_[id] = hash.value();
  }

  bool duplicates(EntryId a, EntryId b) {
    const EntryFacts& x = state_.entry(a);
    const EntryFacts& y = state_.entry(b);
    if (x.entry.verdict != y.entry.verdict || x.keys != y.keys) return false;
    if (x.peers == y.peers) return true;
    if (!x.entry.peers || !y.entry.peers) return false;
    const auto& left = valuesOf(x);
    const auto& right = valuesOf(y);
    return std::equal(left.begin(), left.end(), right.begin(), right.end(),
                      [](const Peer* p, const Peer* q) { return samePeer(*p, *q); });
  }

 private:
  const std::vector<const Peer*>& valuesOf(const EntryFacts& facts) {
    auto [found, inserted] = values_.try_emplace(facts.peers);
    if (inserted && facts.entry.peers) {
      auto& values = found->second;
      for (const Peer& peer : *facts.entry.peers) values.push_back(&peer);
      std::sort(values.begin(), values.end(), [](const Peer* a, const Peer* b) { return peerLess(*a, *b); });
      values.erase(std::unique(values.begin(), values.end(), [](const Peer* a, const Peer* b) { return samePeer(*a, *b); }),
                   values.end());
    }
    return found->second;
  }

  const PipelineState& state_;
  std::vector<uint64_t> hashes_;
  std::vector<bool> known_;
  std::unordered_map<PeerCoverage::ListId, std::vector<const Peer*>> values_;
};

void dedupeDirection(PipelineState& state, DuplicateKeys& keys, DirectionWork& direction, size_t endpoints) {
  std::vector<bool> keep(direction.entries.size(), true);
  std::unordered_map<uint64_t, std::vector<size_t>> firstByHash;
  for (size_t i = 0; i < direction.entries.size(); ++i) {
    EntryId id = direction.entries[i];
    auto& candidates = firstByHash[keys.hashOf(id)];
    for (size_t earlier : candidates) {
      if (!keys.duplicates(direction.entries[earlier], id)) continue;
      keep[i] = false;
      state.findings.add(state.entries, FindingKind::Duplicate, id, &direction.entries[earlier], endpoints);
      break;
    }
    if (keep[i]) candidates.push_back(i);
  }
  keepEntries(direction, keep);
}

void runDedupeEntries(PipelineState& state) {
  DuplicateKeys keys(state);
  for (ShapeWork& shape : state.shapes)
    for (DirectionWork& direction : shape.directions) dedupeDirection(state, keys, direction, shape.endpoints.size());
}

}  // namespace

PassInfo dedupeEntriesPass() {
  return {"dedupe-entries",
          "only the first of entries with equal verdict, peers (as a set) and ports stays (`duplicate`)",
          PassStage::PolicyIR, true, runDedupeEntries};
}

}  // namespace ciliumc
