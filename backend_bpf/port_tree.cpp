// PortTree::build: merge neighbouring ranges of one class, then split the remaining ranges in
// halves recursively, so every key is classified after at most ceil(log2(ranges)) compares.
#include "backend_bpf/port_tree.h"

#include <algorithm>
#include <string>

namespace ciliumc {
namespace {

struct Range {
  uint32_t start;
  uint32_t portClass;
};

// Appends the subtree over ranges[lo, hi) and returns its index; `level` counts compares above.
int32_t appendSubtree(PortTree& tree, std::span<const Range> ranges, size_t lo, size_t hi,
                      uint32_t level) {
  auto index = static_cast<int32_t>(tree.nodes.size());
  tree.nodes.emplace_back();
  if (hi - lo == 1) {
    tree.nodes[index].portClass = ranges[lo].portClass;
    tree.depth = std::max(tree.depth, level);
    return index;
  }
  size_t mid = lo + (hi - lo) / 2;
  tree.nodes[index].threshold = ranges[mid].start;
  ++tree.splits;
  int32_t below = appendSubtree(tree, ranges, lo, mid, level + 1);
  int32_t atOrAbove = appendSubtree(tree, ranges, mid, hi, level + 1);
  tree.nodes[index].below = below;
  tree.nodes[index].atOrAbove = atOrAbove;
  return index;
}

}  // namespace

Expected<PortTree> PortTree::build(std::span<const uint32_t> rangeStarts,
                                   std::span<const uint16_t> rangeClass, uint32_t portClassCount) {
  std::vector<uint32_t> wide(rangeClass.begin(), rangeClass.end());
  return build(rangeStarts, std::span<const uint32_t>(wide), portClassCount);
}

Expected<PortTree> PortTree::build(std::span<const uint32_t> rangeStarts,
                                   std::span<const uint32_t> rangeClass, uint32_t portClassCount) {
  if (rangeStarts.empty() || rangeStarts.size() != rangeClass.size())
    return Error("port ranges: " + std::to_string(rangeStarts.size()) + " starts but " +
                 std::to_string(rangeClass.size()) + " classes (need the same, at least one)");
  if (rangeStarts.front() != 0) return Error("port ranges: the first range must start at L4 key 0");
  std::vector<Range> merged;
  for (size_t i = 0; i < rangeStarts.size(); ++i) {
    if (i > 0 && rangeStarts[i] <= rangeStarts[i - 1])
      return Error("port ranges: starts must increase strictly (index " + std::to_string(i) + ")");
    if (rangeClass[i] >= portClassCount)
      return Error("port ranges: class " + std::to_string(rangeClass[i]) + " of range " +
                   std::to_string(i) + " is not below the port class count " +
                   std::to_string(portClassCount));
    if (merged.empty() || merged.back().portClass != rangeClass[i])
      merged.push_back({rangeStarts[i], rangeClass[i]});
  }
  PortTree tree;
  tree.nodes.reserve(2 * merged.size() - 1);
  appendSubtree(tree, merged, 0, merged.size(), 0);
  return tree;
}

uint32_t PortTree::classify(uint32_t l4key) const {
  const Node* node = &nodes.at(0);
  while (!node->isLeaf())
    node = &nodes[l4key < node->threshold ? node->below : node->atOrAbove];
  return node->portClass;
}

}  // namespace ciliumc
