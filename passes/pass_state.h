// The state the pass pipeline transforms (internal to passes/): first the policy IR of each
// shape as lists of interned entries (what the IR passes rewrite), then the datapath plan (what
// the lowering passes build), with the findings and the tables several passes share.
#pragma once
#include <array>
#include <string>
#include <unordered_map>
#include <vector>

#include "ir/endpoint_policy.h"
#include "ir/party.h"
#include "passes/datapath_plan.h"
#include "passes/entry_table.h"
#include "passes/findings.h"
#include "passes/peer_coverage.h"

namespace ciliumc {

inline constexpr std::array<Direction, 2> kBothDirections = {Direction::Ingress, Direction::Egress};
inline size_t directionSlot(Direction d) { return d == Direction::Ingress ? 0 : 1; }

// One direction of a shape while the IR passes run.
struct DirectionWork {
  bool enforced = false;
  const DirectionPolicy* resolved = nullptr;  // an endpoint's resolved direction (its enforcedBy, for dumps)
  std::vector<EntryId> entries;               // in order
  bool operator==(const DirectionWork& other) const { return enforced == other.enforced && entries == other.entries; }
};

// One policy shape: the endpoints that share it and their (equal) policy IR.
struct ShapeWork {
  std::vector<size_t> endpoints;  // positions in PolicyIR::endpoints (= the inventory)
  std::array<DirectionWork, 2> directions;  // [directionSlot]
};

// In-memory hash of a shape's entry lists (ids, not content): for grouping equal shapes.
inline uint64_t shapeIdHash(const ShapeWork& shape) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (const DirectionWork& direction : shape.directions) {
    h = (h ^ (direction.enforced ? 3 : 5)) * 0x100000001b3ull;
    for (EntryId id : direction.entries) h = (h ^ id) * 0x100000001b3ull;
    h = (h ^ 0xff) * 0x100000001b3ull;
  }
  return h;
}

// An identity the compiler classifies for every shape (ShapePlan::identityClasses).
struct KnownIdentity {
  NumericIdentity identity = 0;
  Party party;
};

// Host, world, remote-node, world-ipv4, world-ipv6, then each inventory endpoint identity once.
std::vector<KnownIdentity> knownIdentitiesOf(const Inventory& inventory);

// What classify-peers found for one shape and direction; build-verdict-matrix turns each
// distinct peer set into a row and rows into classes.
struct DirectionClassification {
  std::vector<PeerSet> peerSets;       // distinct; [0] is the empty set (the class-0 row)
  std::vector<uint32_t> identitySet;   // per known identity: index into peerSets
  std::vector<uint32_t> cidrSet;       // per ShapePlan::cidr entry: index into peerSets
  std::vector<uint16_t> classOfSet;    // per peer set: its class (build-verdict-matrix)
};

// Lowering side tables of one plan shape.
struct ShapeLowering {
  std::array<std::vector<uint32_t>, 2> globalPeer;  // [directionSlot][local peer] -> global peer id
  std::array<DirectionClassification, 2> classification;
  bool hasCidrPeers = false;
};

// Interns peer values across every shape, so a selector is matched against an identity once
// however many shapes use it.
class GlobalPeers {
 public:
  uint32_t intern(const Peer& peer);
  const std::vector<Peer>& all() const { return peers_; }

 private:
  std::vector<Peer> peers_;
  std::unordered_map<Peer, uint32_t, PeerValueHash, PeerValueEqual> ids_;
};

// Findings keyed by provenance ids (EntryTable), each (kind, rule, other) once; sightings in
// several shapes add up their endpoint counts.
class FindingCollector {
 public:
  void add(const EntryTable& entries, FindingKind kind, EntryId rule, const EntryId* other, size_t endpoints);
  size_t size() const { return findings_.size(); }
  const std::vector<Finding>& all() const { return findings_; }

 private:
  std::vector<Finding> findings_;
  std::unordered_map<uint64_t, size_t> index_;  // kind, rule and other provenance ids -> finding
};

struct PipelineState {
  PipelineState(const PolicyIR& policyIR, const Inventory& inventoryRef)
      : ir(policyIR), inventory(inventoryRef), entries(coverage) {}
  PipelineState(const PipelineState&) = delete;
  PipelineState& operator=(const PipelineState&) = delete;

  const PolicyIR& ir;
  const Inventory& inventory;
  PeerCoverage coverage;
  EntryTable entries;
  std::vector<ShapeWork> shapes;  // the IR of each shape (parallel to plan.shapes after group-shapes)
  CompilePlan plan;
  std::vector<ShapeLowering> lowering;  // parallel to plan.shapes
  std::vector<KnownIdentity> knownIdentities;
  GlobalPeers globalPeers;
  FindingCollector findings;
  std::vector<std::string> errors;  // limits the plan cannot meet; runPasses fails with the first

  const EntryFacts& entry(EntryId id) const { return entries[id]; }
  // The RuleTable id of an entry's provenance (interned on first use).
  uint32_t ruleId(EntryId id);

 private:
  std::vector<uint32_t> ruleIdOfProvenance_;  // by provenance id; 0 = not in the RuleTable yet
};

}  // namespace ciliumc
