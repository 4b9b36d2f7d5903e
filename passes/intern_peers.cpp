// intern-peers: one peer per distinct selector, entity or CIDR set per direction; entries on interned peers, rule ids
#include <algorithm>
#include <unordered_map>

#include "passes/pass_registry.h"

namespace ciliumc {

namespace {

// Global peer ids of each distinct peer list (PeerCoverage list ids), computed once per list.
class ListInterner {
 public:
  explicit ListInterner(GlobalPeers& peers) : peers_(peers) {}
  const std::vector<uint32_t>& globalIds(const EntryFacts& facts) {
    if (facts.peers >= ids_.size()) ids_.resize(facts.peers + 1), done_.resize(facts.peers + 1, false);
    if (!done_[facts.peers]) {
      for (const Peer& peer : *facts.entry.peers) ids_[facts.peers].push_back(peers_.intern(peer));
      done_[facts.peers] = true;
    }
    return ids_[facts.peers];
  }

 private:
  GlobalPeers& peers_;
  std::vector<std::vector<uint32_t>> ids_;
  std::vector<bool> done_;
};

// Interned peers are numbered in ascending global id (a deterministic order: first appearance in
// the compile), so that classify-peers builds peer sets already sorted.
void lowerDirection(PipelineState& state, ListInterner& lists, const DirectionWork& work, Direction direction,
                    DirectionPlan& plan, std::vector<uint32_t>& globalOfLocal) {
  plan.direction = direction;
  plan.enforced = work.enforced;
  plan.allowLocalhost = direction == Direction::Ingress && state.ir.options.allowLocalhost;
  globalOfLocal.clear();
  for (EntryId id : work.entries) {
    const EntryFacts& facts = state.entry(id);
    if (facts.entry.peers) for (uint32_t global : lists.globalIds(facts)) globalOfLocal.push_back(global);
  }
  std::sort(globalOfLocal.begin(), globalOfLocal.end());
  globalOfLocal.erase(std::unique(globalOfLocal.begin(), globalOfLocal.end()), globalOfLocal.end());
  std::unordered_map<uint32_t, uint32_t> localOfGlobal;
  for (uint32_t local = 0; local < globalOfLocal.size(); ++local) {
    localOfGlobal.emplace(globalOfLocal[local], local);
    plan.peers.push_back(state.globalPeers.all()[globalOfLocal[local]]);
  }
  plan.entries.reserve(work.entries.size());
  for (EntryId id : work.entries) {
    const EntryFacts& facts = state.entry(id);
    LoweredEntry& lowered = plan.entries.emplace_back();
    lowered.verdict = facts.entry.verdict;
    lowered.rule = state.ruleId(id);
    if (!facts.entry.peers) continue;
    std::vector<uint32_t> local;
    for (uint32_t global : lists.globalIds(facts)) local.push_back(localOfGlobal.at(global));
    std::sort(local.begin(), local.end());
    local.erase(std::unique(local.begin(), local.end()), local.end());
    lowered.peers = std::move(local);
  }
}

void runInternPeers(PipelineState& state) {
  ListInterner lists(state.globalPeers);
  for (size_t s = 0; s < state.shapes.size(); ++s) {
    ShapeLowering& lowering = state.lowering[s];
    for (Direction direction : kBothDirections) {
      size_t slot = directionSlot(direction);
      DirectionPlan& plan = state.plan.shapes[s].directions[slot];
      plan = DirectionPlan{};
      lowerDirection(state, lists, state.shapes[s].directions[slot], direction, plan, lowering.globalPeer[slot]);
      for (const Peer& peer : plan.peers) lowering.hasCidrPeers |= peer.kind == Peer::Kind::Cidr;
    }
  }
}

}  // namespace

PassInfo internPeersPass() {
  return {"intern-peers",
          "one peer per distinct selector, entity or CIDR set per direction; entries on interned peers, rule ids",
          PassStage::Lowering, false, runInternPeers};
}

}  // namespace ciliumc
