// What the code generators need from a ShapePlan, computed and validated once: per direction the
// verdict table geometry, whether the CIDR trie and connection tracking are used, and the port
// tree. The IR generator and the C emitter both print a ShapeLowering, never the plan itself.
#pragma once
#include <array>
#include <cstdint>
#include <string>

#include "backend_bpf/port_tree.h"
#include "passes/datapath_plan.h"
#include "support/expected.h"

namespace ciliumc {

struct DirectionLowering {
  Direction direction = Direction::Ingress;
  uint32_t verdictBase = 0;    // first cell of the direction in ciliumc_verdict
  uint32_t portClasses = 1;    // cells per peer class
  uint32_t classCapacity = 0;  // peer classes with cells; a larger class drops (BAD_CLASS)
  // Consult ciliumc_cidr when the ipcache misses: the shape has an LPM map and this direction
  // has CIDR peers (in a direction without CIDR peers, world addresses share the class of the
  // world identity, so the trie could not change the answer).
  bool useCidr = false;
  // Create conntrack entries for connections this direction allows: only useful when the
  // opposite direction can deny anything (its replies would otherwise always be allowed).
  bool trackConnections = false;
  bool treeInline = true;  // else the tree is a global BPF subprogram, verified once
  PortTree tree;
};

struct ShapeLowering {
  std::string key;              // ShapePlan::key
  uint32_t verdictEntries = 0;  // ciliumc_verdict max_entries
  uint32_t cidrEntries = 0;     // ciliumc_cidr max_entries; 0 = no ciliumc_cidr map
  std::array<DirectionLowering, 2> directions;  // [Ingress, Egress]
  const DirectionLowering& direction(Direction d) const {
    return directions[d == Direction::Ingress ? 0 : 1];
  }
};

// Fails (never crashes) on an inconsistent plan: unsorted or out-of-range port ranges, a class
// capacity below the classes present, a verdict table too small for both directions.
Expected<ShapeLowering> lowerShape(const ShapePlan& shape);

}  // namespace ciliumc
