// budget: per shape: compare tree inline or a subprogram, class capacity, map sizes, instruction estimate
// The verifier re-walks everything after an inline compare tree once per leaf, so large trees
// become a global subprogram, which it verifies once; capacity leaves rows for new identities.
#include <fmt/format.h>

#include <algorithm>

#include "passes/pass_registry.h"

namespace ciliumc {

namespace {

// The verifier walks the code after an inline compare tree once per leaf, so a large tree
// inline multiplies the cost of everything after it; as a global subprogram it is verified once.
constexpr size_t kMaxInlineRanges = 64;
constexpr uint32_t kMinClassHeadroom = 64;
constexpr uint32_t kMaxClassCapacity = 65535;
constexpr uint32_t kMinCidrHeadroom = 16;
// Instruction estimates of the generated code (the runtime's parsing and lookups are fixed):
// per compare-tree node a compare-and-jump plus a move, per leaf a move and a jump, per
// direction the class and verdict lookups around it, per subprogram its call and frame.
constexpr uint32_t kInstructionsPerRange = 4;
constexpr uint32_t kInstructionsPerDirection = 24;
constexpr uint32_t kInstructionsPerSubprogram = 8;

uint32_t ceilLog2(size_t n) {
  uint32_t depth = 0;
  while ((size_t{1} << depth) < n) ++depth;
  return depth;
}

void budgetShape(ShapePlan& shape, bool hasCidrPeers) {
  LoweringBudget& budget = shape.budget;
  budget = LoweringBudget{};
  uint32_t rows = 0;
  for (size_t slot = 0; slot < 2; ++slot) {
    const DirectionPlan& direction = shape.directions[slot];
    size_t ranges = std::max<size_t>(direction.rangeStarts.size(), 1);
    budget.treeDepth[slot] = ceilLog2(ranges);
    budget.portTreeInline[slot] = ranges <= kMaxInlineRanges;
    budget.estimatedInstructions += kInstructionsPerDirection + kInstructionsPerRange * static_cast<uint32_t>(ranges) +
                                    (budget.portTreeInline[slot] ? 0 : kInstructionsPerSubprogram);
    rows = std::max(rows, static_cast<uint32_t>(direction.rows.size()));
    budget.notes.push_back(fmt::format(
        "{}: {} port ranges in {} classes, {} compare tree of depth {} ({} conditional jumps); {} peer classes",
        directionName(direction.direction), ranges, direction.portClassCount,
        budget.portTreeInline[slot] ? "inline" : "global-subprogram", budget.treeDepth[slot], ranges - 1,
        direction.rows.size()));
  }
  budget.classCapacity = std::min(kMaxClassCapacity, rows + std::max(rows, kMinClassHeadroom));
  uint64_t portClasses = uint64_t(shape.directions[0].portClassCount) + shape.directions[1].portClassCount;
  uint64_t cells = uint64_t(budget.classCapacity) * portClasses;
  budget.verdictEntries = static_cast<uint32_t>(std::min<uint64_t>(cells, UINT32_MAX));
  budget.notes.push_back(fmt::format("peer classes: capacity {} ({} used, headroom for identities added later)",
                                     budget.classCapacity, rows));
  budget.notes.push_back(fmt::format("verdict map: {} cells ({} classes x {} port classes), {} KiB",
                                     budget.verdictEntries, budget.classCapacity, portClasses,
                                     cells * sizeof(VerdictCell) / 1024));
  if (!hasCidrPeers || shape.cidr.empty()) {
    budget.cidrEntries = 0;
    budget.notes.push_back(hasCidrPeers ? "CIDR: every prefix answers like world: no LPM map, no lookup"
                                        : "CIDR: no CIDR peers: no LPM map, no lookup");
  } else {
    uint32_t entries = static_cast<uint32_t>(shape.cidr.size());
    budget.cidrEntries = entries + std::max(entries, kMinCidrHeadroom);
    budget.notes.push_back(fmt::format("CIDR: {} LPM entries, map sized {}", entries, budget.cidrEntries));
  }
  budget.notes.push_back(fmt::format("estimated generated instructions: {}", budget.estimatedInstructions));
}

void runBudgetAnalysis(PipelineState& state) {
  for (size_t s = 0; s < state.plan.shapes.size(); ++s) budgetShape(state.plan.shapes[s], state.lowering[s].hasCidrPeers);
}

}  // namespace

PassInfo budgetPass() {
  return {"budget",
          "per shape: compare tree inline or a subprogram, class capacity, map sizes, instruction estimate",
          PassStage::Lowering, false, runBudgetAnalysis};
}

}  // namespace ciliumc
