// The plan-wide view the code generator and the loader share, so that one object serves every
// shape of a CompilePlan and only .rodata and map contents differ per endpoint:
//   - PlanPartition: per direction, the union of every shape's port range starts (the global
//     ranges g the generated compare tree answers), and the ciliumc_column layout
//     (index direction * stride + g);
//   - columnsOf: a shape's ciliumc_column contents for a partition (its port class per range);
//   - shapeConfigOf: a shape's .rodata constants (struct ciliumc_shape_config);
//   - PlanLowering: what the generators print (the two plan-wide trees, map sizes, every shape
//     validated by lowerShape).
// Pure functions over the plan; no LLVM and no libbpf (the loader links this part too).
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "backend_bpf/port_tree.h"
#include "backend_bpf/shape_lowering.h"
#include "passes/datapath_plan.h"
#include "runtime/ciliumc_abi.h"
#include "support/expected.h"

namespace ciliumc {

struct PlanPartition {
  // [direction]: sorted global range starts; starts[d][0] == 0. Range g of direction d is
  // [starts[d][g], starts[d][g + 1]) (the last ends at kL4KeyEnd).
  std::array<std::vector<uint32_t>, 2> starts;
  uint32_t stride = 1;  // max over directions of starts[d].size(): ciliumc_column index d * stride + g

  uint32_t columnEntries() const { return 2 * stride; }
  // ciliumc_range_starts: index d * stride + g -> starts[d][g], CILIUMC_NO_RANGE past the end.
  std::vector<uint32_t> flatStarts() const;
};

// The union of the rangeStarts of every shape of the plan, per direction.
PlanPartition partitionOf(std::span<const ShapePlan> shapes);

// A shape's ciliumc_column contents for a partition given as ciliumc_range_starts (flatStarts(),
// or what the loader reads from an object): entry i = the shape's port class of the L4 key
// flatStarts[i] in direction i / (flatStarts.size() / 2); 0 for CILIUMC_NO_RANGE. Correct
// whenever the partition refines the shape's own ranges (every shape boundary is a start).
// Errors on an odd size.
Expected<std::vector<uint32_t>> columnsOf(const ShapePlan& shape, std::span<const uint32_t> flatStarts);

// The .rodata constants of a shape (lowerShape's values); errors on an inconsistent shape.
ciliumc_shape_config shapeConfigOf(const ShapeLowering& shape);
Expected<ciliumc_shape_config> shapeConfigOf(const CompilePlan& plan, uint32_t shapeIndex);

struct PlanDirectionLowering {
  Direction direction = Direction::Ingress;
  uint32_t ranges = 1;     // global ranges of the direction
  bool treeInline = true;  // else the tree is a global BPF subprogram, verified once
  // More ranges than the threshold: ciliumc_port_tree_<direction> is one lookup in the plan-wide
  // ciliumc_port_table (inlined; `tree` is then unused by the generated code).
  bool portTable = false;
  PortTree tree;           // leaves answer d * stride + g
};

struct PlanLowering {
  std::string key;              // the shape key (one shape) or "plan-<shapes>-<first key>"
  uint32_t verdictEntries = 1;  // ciliumc_verdict max_entries written in the ELF: max over shapes
  uint32_t cidrEntries = 1;     // ciliumc_cidr max_entries in the ELF: max over shapes, >= 1
  PlanPartition partition;
  std::array<PlanDirectionLowering, 2> directions;  // [Ingress, Egress]
  // The constants baked into the ELF's .rodata (shape 0's), so an unpatched object is the
  // first shape's; every endpoint's object gets its own shape's through the patch or loader.
  ciliumc_shape_config defaultShape{};

  bool usesPortTable() const { return directions[0].portTable || directions[1].portTable; }
};

// A direction with more global ranges than this classifies ports with one ciliumc_port_table
// lookup instead of a compare tree: the table's code and verifier work do not grow with the
// rule count, where a tree's do (a tree subprogram over 12,836 ranges costs the verifier ~50k
// processed instructions).
inline constexpr uint32_t kDefaultPortTableThreshold = 64;

// Validates every shape (lowerShape) and builds the plan-wide trees, or marks the directions
// with more than `portTableThreshold` ranges for the port table. Errors on an empty plan or an
// inconsistent shape.
Expected<PlanLowering> lowerPlan(std::span<const ShapePlan> shapes, uint32_t portTableThreshold);

// The contents of ciliumc_port_table for ciliumc_range_starts (flatStarts(), or an object's):
// entry k (an L4 key < kL4KeyEnd) = {range[d] = d * stride + the global range of k in direction
// d}. Errors on an odd size or starts that do not begin at 0 and increase.
Expected<std::vector<ciliumc_port_table_entry>> portTableOf(std::span<const uint32_t> flatStarts);
// A stable 64-bit hash of ciliumc_range_starts (FNV-1a over the values): objects with equal
// starts share one ciliumc_port_table.
uint64_t rangeStartsHash(std::span<const uint32_t> flatStarts);

// lowerPlan with kDefaultPortTableThreshold.
Expected<PlanLowering> lowerPlan(std::span<const ShapePlan> shapes);

}  // namespace ciliumc
