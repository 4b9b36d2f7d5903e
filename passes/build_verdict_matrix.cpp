// build-verdict-matrix: verdict rows of the distinct peer sets by the evaluator's rules; equal rows share a class
// Row 0 is the empty peer set's; every known identity and CIDR prefix gets its peer set's class.
#include <algorithm>

#include "passes/interner.h"
#include "passes/pass_registry.h"
#include "passes/verdict_rows.h"

namespace ciliumc {

namespace {

constexpr size_t kMaxClasses = 65535;  // uint16_t in ciliumc_class and ciliumc_cidr; the capacity is capped there

// The entries a peer set matches (ascending), through an index from interned peer to the
// entries naming it; entries are marked, then collected in order.
class MatchingEntries {
 public:
  explicit MatchingEntries(const DirectionPlan& plan) : byPeer_(plan.peers.size()), marked_(plan.entries.size(), 0) {
    for (size_t i = 0; i < plan.entries.size(); ++i) {
      const LoweredEntry& entry = plan.entries[i];
      if (!entry.peers) everyPeer_.push_back(static_cast<uint32_t>(i));
      else
        for (uint32_t peer : *entry.peers) byPeer_[peer].push_back(static_cast<uint32_t>(i));
    }
  }
  const std::vector<uint32_t>& of(const PeerSet& set) {
    for (uint32_t entry : everyPeer_) marked_[entry] = 1;
    for (uint32_t peer : set.peers)
      if (peer < byPeer_.size())
        for (uint32_t entry : byPeer_[peer]) marked_[entry] = 1;
    matching_.clear();
    for (size_t i = 0; i < marked_.size(); ++i)
      if (marked_[i]) {
        matching_.push_back(static_cast<uint32_t>(i));
        marked_[i] = 0;
      }
    return matching_;
  }

 private:
  std::vector<std::vector<uint32_t>> byPeer_;
  std::vector<uint32_t> everyPeer_;
  std::vector<char> marked_;
  std::vector<uint32_t> matching_;
};

bool buildDirection(DirectionPlan& plan, DirectionClassification& classification) {
  MatchingEntries matching(plan);
  Interner<std::vector<VerdictCell>, VerdictRowHash> rows;
  classification.classOfSet.clear();
  for (const PeerSet& set : classification.peerSets) {
    auto [cls, isNew] = rows.intern(verdictRow(plan, matching.of(set), set.localHost));
    if (isNew && rows.size() > kMaxClasses) return false;
    classification.classOfSet.push_back(static_cast<uint16_t>(cls));
  }
  plan.rows = rows.release();
  return true;
}

void runBuildVerdictMatrix(PipelineState& state) {
  std::vector<size_t> byIdentity(state.knownIdentities.size());
  for (size_t i = 0; i < byIdentity.size(); ++i) byIdentity[i] = i;
  std::sort(byIdentity.begin(), byIdentity.end(), [&](size_t a, size_t b) {
    return state.knownIdentities[a].identity < state.knownIdentities[b].identity;
  });
  for (size_t s = 0; s < state.plan.shapes.size(); ++s) {
    ShapePlan& shape = state.plan.shapes[s];
    ShapeLowering& lowering = state.lowering[s];
    for (size_t slot = 0; slot < 2; ++slot) {
      if (!buildDirection(shape.directions[slot], lowering.classification[slot])) {
        state.errors.push_back("shape " + shape.key + " needs more than 65535 peer classes");
        return;
      }
    }
    shape.identityClasses.clear();
    for (size_t i : byIdentity) {  // ascending identities: each insertion at the end
      std::array<uint16_t, 2> classes{};
      for (size_t slot = 0; slot < 2; ++slot) {
        const DirectionClassification& classification = lowering.classification[slot];
        classes[slot] = classification.classOfSet[classification.identitySet[i]];
      }
      shape.identityClasses.emplace_hint(shape.identityClasses.end(), state.knownIdentities[i].identity, classes);
    }
    for (size_t slot = 0; slot < 2; ++slot) {
      const DirectionClassification& classification = lowering.classification[slot];
      for (size_t c = 0; c < shape.cidr.size(); ++c) shape.cidr[c].cls[slot] = classification.classOfSet[classification.cidrSet[c]];
    }
  }
}

}  // namespace

PassInfo buildVerdictMatrixPass() {
  return {"build-verdict-matrix",
          "verdict rows of the distinct peer sets by the evaluator's rules; equal rows share a class",
          PassStage::Lowering, false, runBuildVerdictMatrix};
}

}  // namespace ciliumc
