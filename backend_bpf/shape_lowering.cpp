// lowerShape: checks a ShapePlan against what the runtime assumes and derives the constants the
// generated programs pass to ciliumc_enforce.
#include "backend_bpf/shape_lowering.h"

#include <algorithm>

namespace ciliumc {
namespace {

bool hasCidrPeer(const DirectionPlan& plan) {
  return std::any_of(plan.peers.begin(), plan.peers.end(),
                     [](const Peer& peer) { return peer.kind == Peer::Kind::Cidr; });
}

// Whether any packet of the direction can be denied by its policy, now or after the agent adds
// rows for new identities (rows come from the same entries and default).
bool canDeny(const DirectionPlan& plan) {
  if (plan.enforced) return true;
  for (const LoweredEntry& entry : plan.entries)
    if (entry.verdict == Verdict::Deny) return true;
  for (const auto& row : plan.rows)
    for (const VerdictCell& cell : row)
      if (cell.deny) return true;
  return false;
}

Expected<DirectionLowering> lowerDirection(const ShapePlan& shape, Direction d) {
  const DirectionPlan& plan = shape.direction(d);
  const DirectionPlan& opposite =
      shape.direction(d == Direction::Ingress ? Direction::Egress : Direction::Ingress);
  std::string where = directionName(d) + ": ";
  auto tree = PortTree::build(plan.rangeStarts, plan.rangeClass, plan.portClassCount);
  if (!tree) return Error(where + tree.error().message);
  if (plan.rangeStarts.back() >= kL4KeyEnd)
    return Error(where + "port range start " + std::to_string(plan.rangeStarts.back()) +
                 " is beyond the last L4 key");
  if (plan.portClassCount == 0 || plan.portClassCount > 65536)
    return Error(where + "port class count " + std::to_string(plan.portClassCount) +
                 " is not in 1..65536");
  DirectionLowering lowering;
  lowering.direction = d;
  lowering.verdictBase = shape.verdictBase(d);
  lowering.portClasses = plan.portClassCount;
  lowering.classCapacity = shape.budget.classCapacity;
  lowering.useCidr = shape.budget.cidrEntries > 0 && hasCidrPeer(plan);
  lowering.trackConnections = canDeny(opposite);
  lowering.treeInline = shape.budget.portTreeInline[d == Direction::Ingress ? 0 : 1];
  lowering.tree = std::move(*tree);
  if (lowering.classCapacity < std::max<size_t>(plan.rows.size(), 1))
    return Error(where + "class capacity " + std::to_string(lowering.classCapacity) +
                 " is below the " + std::to_string(plan.rows.size()) + " peer classes");
  for (size_t c = 0; c < plan.rows.size(); ++c)
    if (plan.rows[c].size() != plan.portClassCount)
      return Error(where + "row " + std::to_string(c) + " has " +
                   std::to_string(plan.rows[c].size()) + " cells, not one per port class");
  uint64_t end = uint64_t(lowering.verdictBase) +
                 uint64_t(lowering.classCapacity) * uint64_t(lowering.portClasses);
  if (end > shape.budget.verdictEntries)
    return Error(where + "cells " + std::to_string(lowering.verdictBase) + ".." +
                 std::to_string(end) + " do not fit the verdict table of " +
                 std::to_string(shape.budget.verdictEntries) + " entries");
  return lowering;
}

}  // namespace

Expected<ShapeLowering> lowerShape(const ShapePlan& shape) {
  ShapeLowering lowering;
  lowering.key = shape.key;
  lowering.verdictEntries = shape.budget.verdictEntries;
  lowering.cidrEntries = shape.budget.cidrEntries;
  if (lowering.verdictEntries == 0) return Error("shape " + shape.key + ": empty verdict table");
  for (Direction d : {Direction::Ingress, Direction::Egress}) {
    auto direction = lowerDirection(shape, d);
    if (!direction) return Error("shape " + shape.key + ", " + direction.error().message);
    lowering.directions[d == Direction::Ingress ? 0 : 1] = std::move(*direction);
  }
  // The two directions' cells must not overlap.
  const DirectionLowering& in = lowering.directions[0];
  const DirectionLowering& out = lowering.directions[1];
  uint64_t inEnd = uint64_t(in.verdictBase) + uint64_t(in.classCapacity) * in.portClasses;
  uint64_t outEnd = uint64_t(out.verdictBase) + uint64_t(out.classCapacity) * out.portClasses;
  if (in.verdictBase < outEnd && out.verdictBase < inEnd)
    return Error("shape " + shape.key + ": the ingress and egress cells overlap");
  return lowering;
}

}  // namespace ciliumc
