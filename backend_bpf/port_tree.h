// Port classification of one direction: a balanced binary compare tree over the L4 key ranges of
// a DirectionPlan, built once as data and printed twice — as LLVM IR (module_builder.cpp) and as
// C (c_emitter.cpp) — so both forms of the program classify identically by construction.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "support/expected.h"

namespace ciliumc {

struct PortTree {
  // A split sends keys < threshold to `below` and the others to `atOrAbove`; a leaf (below < 0)
  // answers `portClass` (a port class, or for plan-wide trees an index into ciliumc_column).
  struct Node {
    uint32_t threshold = 0;
    int32_t below = -1;
    int32_t atOrAbove = -1;
    uint32_t portClass = 0;
    bool isLeaf() const { return below < 0; }
  };
  std::vector<Node> nodes;  // nodes[0] is the root; children come after their parent
  uint32_t depth = 0;       // compares on the longest path from the root to a leaf
  uint32_t splits = 0;      // compares in the whole tree

  // Ranges: range i is [rangeStarts[i], rangeStarts[i + 1]) with class rangeClass[i] (the
  // DirectionPlan encoding). Neighbouring ranges of one class are merged first. Requires
  // rangeStarts to start at 0 and increase strictly, and every class < portClassCount.
  static Expected<PortTree> build(std::span<const uint32_t> rangeStarts,
                                  std::span<const uint16_t> rangeClass, uint32_t portClassCount);
  // The same with 32-bit leaf values (every value < valueCount).
  static Expected<PortTree> build(std::span<const uint32_t> rangeStarts,
                                  std::span<const uint32_t> rangeValue, uint32_t valueCount);

  // Walks the tree (what the generated code does), for tests and self-checks.
  uint32_t classify(uint32_t l4key) const;
};

}  // namespace ciliumc
