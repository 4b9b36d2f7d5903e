// Hand-made ShapePlans for the back end's tests: only the plain-data fields the code generator
// reads (port ranges, classes, rows, budget), independent of the passes that normally fill them.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "passes/datapath_plan.h"

namespace ciliumc::testing {

// CodegenOptions::portTableThreshold that keeps compare trees at any range count (tests of the
// tree lowering itself).
inline constexpr uint32_t kTreesOnly = UINT32_MAX;

struct DirectionSpec {
  std::vector<uint32_t> rangeStarts{0};
  std::vector<uint16_t> rangeClass{0};
  uint32_t portClassCount = 1;
  uint32_t rows = 1;          // peer classes present (rows of portClassCount cells, all allow)
  bool enforced = false;
  bool treeInline = true;
  bool cidrPeer = false;      // the direction has a CIDR peer
};

// Ranges [0, k1), [k1, k2), ... of one L4 kind's ports: `count` ranges over TCP ports 1..,
// classes cycling through `classes` (so neighbours differ and nothing merges).
inline DirectionSpec tcpRanges(uint32_t count, uint16_t classes) {
  DirectionSpec spec;
  spec.rangeStarts = {0};
  spec.rangeClass = {0};
  for (uint32_t i = 1; i < count; ++i) {
    spec.rangeStarts.push_back(l4Key(L4Kind::TCP, 0) + 10 * i);
    spec.rangeClass.push_back(static_cast<uint16_t>(i % classes));
  }
  spec.portClassCount = classes;
  return spec;
}

inline DirectionPlan directionPlan(Direction direction, const DirectionSpec& spec) {
  DirectionPlan plan;
  plan.direction = direction;
  plan.enforced = spec.enforced;
  plan.rangeStarts = spec.rangeStarts;
  plan.rangeClass = spec.rangeClass;
  plan.portClassCount = spec.portClassCount;
  VerdictCell cell;
  cell.reason = spec.enforced ? DatapathReason::DefaultDeny : DatapathReason::NoPolicy;
  cell.deny = spec.enforced;
  plan.rows.assign(spec.rows, std::vector<VerdictCell>(spec.portClassCount, cell));
  if (spec.cidrPeer) {
    CidrPeer cidr;
    cidr.prefix = *IpPrefix::parse("10.0.0.0/8");
    plan.peers.push_back(Peer::ofCidr(cidr));
  }
  return plan;
}

// A shape whose verdict table holds `classCapacity` classes per direction (ingress first).
inline ShapePlan makeShape(const DirectionSpec& ingress, const DirectionSpec& egress,
                           uint32_t classCapacity = 8, uint32_t cidrEntries = 0,
                           std::string key = "test-shape") {
  ShapePlan shape;
  shape.key = std::move(key);
  shape.directions[0] = directionPlan(Direction::Ingress, ingress);
  shape.directions[1] = directionPlan(Direction::Egress, egress);
  shape.budget.portTreeInline[0] = ingress.treeInline;
  shape.budget.portTreeInline[1] = egress.treeInline;
  shape.budget.classCapacity = classCapacity;
  shape.budget.verdictEntries = classCapacity * (ingress.portClassCount + egress.portClassCount);
  shape.budget.cidrEntries = cidrEntries;
  return shape;
}

// Ingress: TCP 80 and 443 in their own classes; egress: UDP 53 alone; both enforced.
inline ShapePlan smallShape() {
  DirectionSpec ingress;
  ingress.rangeStarts = {0, l4Key(L4Kind::TCP, 80), l4Key(L4Kind::TCP, 81),
                         l4Key(L4Kind::TCP, 443), l4Key(L4Kind::TCP, 444)};
  ingress.rangeClass = {0, 1, 0, 2, 0};
  ingress.portClassCount = 3;
  ingress.rows = 2;
  ingress.enforced = true;
  DirectionSpec egress;
  egress.rangeStarts = {0, l4Key(L4Kind::UDP, 53), l4Key(L4Kind::UDP, 54)};
  egress.rangeClass = {0, 1, 0};
  egress.portClassCount = 2;
  egress.enforced = true;
  return makeShape(ingress, egress, 4, 0, "small");
}

}  // namespace ciliumc::testing
