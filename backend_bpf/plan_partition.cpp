// partitionOf, columnsOf, shapeConfigOf, lowerPlan: the plan-wide port partition and per-shape
// constants (plan_partition.h).
#include "backend_bpf/plan_partition.h"

#include <algorithm>
#include <set>

namespace ciliumc {
namespace {

// A plan-wide tree over more ranges than this becomes a global subprogram, verified once. Lower
// than the budget analysis's per-shape 64: every global range is its own leaf (nothing merges),
// and each leaf's constant column index would be a separate verifier path through the rest of
// the program when inlined (measured on examples/shop: +17 % processed instructions at 64).
constexpr size_t kMaxInlineRanges = 8;

size_t slotOf(Direction d) { return d == Direction::Ingress ? 0 : 1; }

}  // namespace

std::vector<uint32_t> PlanPartition::flatStarts() const {
  std::vector<uint32_t> flat(columnEntries(), CILIUMC_NO_RANGE);
  for (size_t d = 0; d < 2; ++d) std::copy(starts[d].begin(), starts[d].end(), flat.begin() + d * stride);
  return flat;
}

PlanPartition partitionOf(std::span<const ShapePlan> shapes) {
  PlanPartition partition;
  for (Direction d : {Direction::Ingress, Direction::Egress}) {
    std::set<uint32_t> starts{0};
    for (const ShapePlan& shape : shapes) {
      const auto& own = shape.direction(d).rangeStarts;
      starts.insert(own.begin(), own.end());
    }
    partition.starts[slotOf(d)].assign(starts.begin(), starts.end());
    partition.stride = std::max<uint32_t>(partition.stride, static_cast<uint32_t>(starts.size()));
  }
  return partition;
}

Expected<std::vector<uint32_t>> columnsOf(const ShapePlan& shape, std::span<const uint32_t> flatStarts) {
  if (flatStarts.empty() || flatStarts.size() % 2 != 0)
    return Error("ciliumc_range_starts has " + std::to_string(flatStarts.size()) + " entries, not 2 * stride");
  size_t stride = flatStarts.size() / 2;
  std::vector<uint32_t> columns(flatStarts.size(), 0);
  for (size_t i = 0; i < flatStarts.size(); ++i) {
    if (flatStarts[i] == CILIUMC_NO_RANGE) continue;
    const DirectionPlan& plan = shape.directions[i / stride];
    if (plan.rangeStarts.empty()) return Error("shape " + shape.key + " has a direction without port ranges");
    columns[i] = plan.portClassOf(flatStarts[i]);
  }
  return columns;
}

ciliumc_shape_config shapeConfigOf(const ShapeLowering& shape) {
  ciliumc_shape_config config{};
  for (size_t d = 0; d < 2; ++d) {
    const DirectionLowering& direction = shape.directions[d];
    config.verdict_base[d] = direction.verdictBase;
    config.port_classes[d] = direction.portClasses;
    config.cidr[d] = direction.useCidr ? 1 : 0;
    config.track[d] = direction.trackConnections ? 1 : 0;
  }
  // lowerShape gives both directions the shape's one class capacity.
  config.class_capacity = shape.directions[0].classCapacity;
  return config;
}

Expected<ciliumc_shape_config> shapeConfigOf(const CompilePlan& plan, uint32_t shapeIndex) {
  if (shapeIndex >= plan.shapes.size()) return Error("no shape #" + std::to_string(shapeIndex) + " in the plan");
  auto lowering = lowerShape(plan.shapes[shapeIndex]);
  if (!lowering) return lowering.error();
  return shapeConfigOf(*lowering);
}

Expected<PlanLowering> lowerPlan(std::span<const ShapePlan> shapes) {
  return lowerPlan(shapes, kDefaultPortTableThreshold);
}

Expected<PlanLowering> lowerPlan(std::span<const ShapePlan> shapes, uint32_t portTableThreshold) {
  if (shapes.empty()) return Error("the compile plan has no shapes");
  PlanLowering lowering;
  lowering.key = shapes.size() == 1 ? shapes[0].key
                                    : "plan-" + std::to_string(shapes.size()) + "-" + shapes[0].key;
  bool inlineWanted[2] = {true, true};
  for (size_t s = 0; s < shapes.size(); ++s) {
    auto shape = lowerShape(shapes[s]);
    if (!shape) return shape.error();
    if (s == 0) lowering.defaultShape = shapeConfigOf(*shape);
    lowering.verdictEntries = std::max(lowering.verdictEntries, shape->verdictEntries);
    lowering.cidrEntries = std::max(lowering.cidrEntries, shape->cidrEntries);
    for (size_t d = 0; d < 2; ++d) inlineWanted[d] = inlineWanted[d] && shape->directions[d].treeInline;
  }
  lowering.partition = partitionOf(shapes);
  const PlanPartition& partition = lowering.partition;
  for (Direction d : {Direction::Ingress, Direction::Egress}) {
    size_t slot = slotOf(d);
    const std::vector<uint32_t>& starts = partition.starts[slot];
    if (starts.back() >= kL4KeyEnd)
      return Error(directionName(d) + ": port range start " + std::to_string(starts.back()) +
                   " is beyond the last L4 key");
    std::vector<uint32_t> leaves(starts.size());
    for (size_t g = 0; g < starts.size(); ++g) leaves[g] = static_cast<uint32_t>(slot * partition.stride + g);
    auto tree = PortTree::build(std::span<const uint32_t>(starts), std::span<const uint32_t>(leaves),
                                partition.columnEntries());
    if (!tree) return Error(directionName(d) + ": " + tree.error().message);
    PlanDirectionLowering& direction = lowering.directions[slot];
    direction.direction = d;
    direction.ranges = static_cast<uint32_t>(starts.size());
    direction.portTable = starts.size() > portTableThreshold;
    // The table lookup is a handful of instructions: always inline.
    direction.treeInline = direction.portTable || (inlineWanted[slot] && starts.size() <= kMaxInlineRanges);
    direction.tree = std::move(*tree);
  }
  return lowering;
}

Expected<std::vector<ciliumc_port_table_entry>> portTableOf(std::span<const uint32_t> flatStarts) {
  if (flatStarts.empty() || flatStarts.size() % 2 != 0)
    return Error("ciliumc_range_starts has " + std::to_string(flatStarts.size()) + " entries, not 2 * stride");
  const size_t stride = flatStarts.size() / 2;
  std::vector<ciliumc_port_table_entry> table(kL4KeyEnd);
  for (size_t d = 0; d < 2; ++d) {
    std::span<const uint32_t> starts = flatStarts.subspan(d * stride, stride);
    size_t count = 0;
    while (count < stride && starts[count] != CILIUMC_NO_RANGE) ++count;
    if (count == 0 || starts[0] != 0) return Error("ciliumc_range_starts: a direction does not start at L4 key 0");
    for (size_t g = 0; g < count; ++g) {
      uint32_t end = g + 1 < count ? starts[g + 1] : kL4KeyEnd;
      if (end <= starts[g] || end > kL4KeyEnd)
        return Error("ciliumc_range_starts: starts must increase and stay below the last L4 key");
      auto column = static_cast<uint32_t>(d * stride + g);
      for (uint32_t key = starts[g]; key < end; ++key) table[key].range[d] = column;
    }
  }
  return table;
}

uint64_t rangeStartsHash(std::span<const uint32_t> flatStarts) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (uint32_t value : flatStarts)
    for (int byte = 0; byte < 4; ++byte) {
      hash ^= (value >> (8 * byte)) & 0xff;
      hash *= 0x100000001b3ull;
    }
  return hash;
}

}  // namespace ciliumc
