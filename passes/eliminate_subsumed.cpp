// eliminate-subsumed: drops entries matching no peer and entries a kept entry of their verdict covers (`subsumed`)
// Every entry removed is covered by a kept entry of its verdict, which is then among the
// evaluator's deciding rules wherever the removed one would have been.
#include <unordered_map>

#include "passes/entry_facts.h"
#include "passes/pass_registry.h"

namespace ciliumc {

namespace {

// The kept entries of one verdict, grouped by key set: an entry can only cover another whose
// key set its own contains, so whole groups are ruled in or out by one key-set comparison.
class KeptEntries {
 public:
  struct Member {
    size_t position;  // in the direction's entry list
    PeerCoverage::ListId peers;
  };
  struct Group {
    const EntryFacts* keys = nullptr;  // any member: they share keys and span
    std::vector<Member> members;
  };

  std::vector<Group>& groups() { return groups_; }
  void add(const EntryFacts& facts, size_t position) {
    auto [found, inserted] = groupOfKeys_.try_emplace(facts.keysId, groups_.size());
    if (inserted) groups_.push_back({&facts, {}});
    groups_[found->second].members.push_back({position, facts.peers});
  }

 private:
  std::vector<Group> groups_;
  std::unordered_map<uint32_t, size_t> groupOfKeys_;
};

// Invariant: every entry seen so far is matched-wherever-it-matches by some kept entry of its
// verdict (coverage is transitive), so dropping the covered ones changes no verdict.
void eliminateInDirection(PipelineState& state, DirectionWork& direction, size_t endpoints) {
  const std::vector<EntryId>& entries = direction.entries;
  std::vector<bool> keep(entries.size(), false);
  KeptEntries kept[2];  // [verdict]
  for (size_t i = 0; i < entries.size(); ++i) {
    const EntryFacts& facts = state.entry(entries[i]);
    if (facts.matchesNobody) {
      state.findings.add(state.entries, FindingKind::NeverMatches, entries[i], nullptr, endpoints);
      continue;
    }
    auto& groups = kept[facts.entry.verdict == Verdict::Allow ? 0 : 1].groups();
    const EntryId* coveredBy = nullptr;
    for (auto& group : groups) {
      if (coveredBy || !spanContains(*group.keys, facts) || !keySetContains(group.keys->keys, facts.keys)) continue;
      for (const auto& member : group.members)
        if (state.coverage.covers(member.peers, facts.peers)) {
          coveredBy = &entries[member.position];
          break;
        }
    }
    if (coveredBy) {
      state.findings.add(state.entries, FindingKind::Subsumed, entries[i], coveredBy, endpoints);
      continue;
    }
    for (auto& group : groups) {
      if (!spanContains(facts, *group.keys) || !keySetContains(facts.keys, group.keys->keys)) continue;
      std::erase_if(group.members, [&](const auto& member) {
        if (!state.coverage.covers(facts.peers, member.peers)) return false;
        state.findings.add(state.entries, FindingKind::Subsumed, entries[member.position], &entries[i], endpoints);
        keep[member.position] = false;
        return true;
      });
    }
    kept[facts.entry.verdict == Verdict::Allow ? 0 : 1].add(facts, i);
    keep[i] = true;
  }
  keepEntries(direction, keep);
}

void runEliminateSubsumed(PipelineState& state) {
  for (ShapeWork& shape : state.shapes)
    for (DirectionWork& direction : shape.directions) eliminateInDirection(state, direction, shape.endpoints.size());
}

}  // namespace

PassInfo eliminateSubsumedPass() {
  return {"eliminate-subsumed",
          "drops entries matching no peer and entries a kept entry of their verdict covers (`subsumed`)",
          PassStage::PolicyIR, true, runEliminateSubsumed};
}

}  // namespace ciliumc
