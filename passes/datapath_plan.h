// The datapath plan: what the passes produce from the policy IR and what the BPF back end and
// the loader consume. It is the policy IR lowered to the tables of runtime/ciliumc_abi.h:
//   - per distinct policy *shape* (the resolved entries of both directions, endpoint-independent)
//     port classes (disjoint L4 key ranges), peer classes and the verdict matrix;
//   - per endpoint: which shape, and the per-endpoint constants (.rodata);
//   - node-wide: the IP cache entries and the table of rules (provenance ids).
// Contract: for every endpoint E, direction D, peer party P and (protocol, port), the cell
//   rows[classOf(P)][portClassOf(protocol, port)] of E's shape equals the reference evaluator's
//   side verdict (verdict, reason, and a rule that the evaluator reports as deciding).
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ir/endpoint_policy.h"
#include "ir/identity.h"
#include "ir/ip.h"
#include "ir/l4.h"
#include "ir/party.h"

namespace ciliumc {

// Mirrors enum ciliumc_l4_kind in runtime/ciliumc_abi.h.
enum class L4Kind : uint8_t { TCP = 0, UDP = 1, SCTP = 2, ICMP = 3, ICMPv6 = 4, None = 5 };
inline constexpr uint32_t l4Key(L4Kind kind, uint32_t value) { return (uint32_t(kind) << 16) | value; }
inline constexpr uint32_t kL4KeyEnd = l4Key(L4Kind::None, 0) + (1u << 16);  // exclusive
// "tcp", "udp", "sctp", "icmp", "icmpv6", "none".
const char* l4KindName(L4Kind kind);
// The L4 key of a probe's (protocol, port-or-type). Protocol::Any is not a packet protocol.
uint32_t l4KeyOf(Protocol protocol, uint16_t portOrType);

// Mirrors enum ciliumc_reason; 0..5 equal SideVerdict::Reason's order.
enum class DatapathReason : uint8_t {
  NoPolicy = 0, DefaultAllow = 1, DefaultDeny = 2, AllowedByRule = 3, DeniedByRule = 4,
  AllowLocalhost = 5, Reply = 16, NotIp = 17, NeighborDiscovery = 18,
  Malformed = 32, SpoofedSource = 33, BadIdentity = 34, BadClass = 35,
};

// Mirrors struct ciliumc_verdict_cell.
struct VerdictCell {
  uint32_t rule = 0;  // RuleTable id, 0 = none
  DatapathReason reason = DatapathReason::DefaultAllow;
  bool deny = false;
  auto operator<=>(const VerdictCell&) const = default;
};

// Provenance ids: rule id N (>= 1) is rules[N - 1]. Shared by every shape of one compile.
struct RuleTable {
  std::vector<Provenance> rules;
  uint32_t idOf(const Provenance& provenance);  // interns
  const Provenance* find(uint32_t id) const;
};

// One entry of a direction after the passes, over interned peers and port classes.
struct LoweredEntry {
  Verdict verdict = Verdict::Allow;
  std::optional<std::vector<uint32_t>> peers;  // indexes into DirectionPlan::peers; nullopt = every peer
  std::vector<uint32_t> portClasses;           // sorted port-class ids the entry's L4 match covers
  uint32_t rule = 0;
};

// The set of interned peers a party matches, plus the one property that is not a peer match.
struct PeerSet {
  std::vector<uint32_t> peers;  // sorted indexes into DirectionPlan::peers
  bool localHost = false;       // the party is the local host (allow-localhost applies at ingress)
  auto operator<=>(const PeerSet&) const = default;
};

struct DirectionPlan {
  Direction direction = Direction::Ingress;
  bool enforced = false;
  bool allowLocalhost = false;  // ingress only: ResolveOptions::allowLocalhost
  std::vector<Peer> peers;      // interned: one per distinct peer of the direction
  std::vector<LoweredEntry> entries;
  // Port classes: disjoint L4 key ranges covering [0, kL4KeyEnd). Range i is
  // [rangeStarts[i], rangeStarts[i + 1]) (the last one ends at kL4KeyEnd) and has port class
  // rangeClass[i]. Classes are dense 0..portClassCount-1; several ranges may share one.
  std::vector<uint32_t> rangeStarts;
  std::vector<uint16_t> rangeClass;
  uint32_t portClassCount = 1;
  // Peer classes: rows[c][portClass]. rows[0] is the class of identities nobody classified
  // (the empty PeerSet, not the local host). Rows are distinct.
  std::vector<std::vector<VerdictCell>> rows;

  uint32_t portClassOf(uint32_t l4key) const;  // binary search over rangeStarts
  // The row of a peer set, computed with the evaluator's rules (deny wins, then allow, then the
  // direction's default, allow-localhost at ingress). The agent uses it for new identities.
  std::vector<VerdictCell> rowFor(const PeerSet& peerSet) const;
  // Which interned peers a party matches (ir/evaluator.h peerMatches).
  PeerSet peerSetOf(const Party& party) const;
};

// How the back end lowers a shape: decided by the budget analysis (passes/budget_analysis).
struct LoweringBudget {
  bool portTreeInline[2] = {true, true};  // [direction]: inline compare tree, else a global subprogram
  uint32_t classCapacity = 0;             // verdict rows reserved per direction (>= rows, headroom for new identities)
  uint32_t verdictEntries = 0;            // ciliumc_verdict max_entries
  uint32_t cidrEntries = 0;               // ciliumc_cidr max_entries (0 = no CIDR peers: no LPM map, no lookup)
  uint32_t treeDepth[2] = {0, 0};
  uint32_t estimatedInstructions = 0;     // generated code, both directions
  std::vector<std::string> notes;         // human-readable decisions, printed by --dump-after=budget
};

struct CidrClassEntry {
  IpPrefix prefix;
  std::array<uint16_t, 2> cls{0, 0};  // [direction]
};

struct ShapePlan {
  std::string key;  // stable content hash (hex); equal shapes have equal keys
  std::array<DirectionPlan, 2> directions;  // [Direction::Ingress, Direction::Egress]
  // Peer classes of every identity the compiler knows (inventory endpoints, host, remote-node,
  // world, world-ipv4, world-ipv6); every other identity has class 0.
  std::map<NumericIdentity, std::array<uint16_t, 2>> identityClasses;
  std::vector<CidrClassEntry> cidr;  // LPM entries for world addresses (empty = no CIDR peers)
  LoweringBudget budget;

  const DirectionPlan& direction(Direction d) const { return directions[d == Direction::Ingress ? 0 : 1]; }
  // The datapath's answer for a peer party: identity class, or for world parties the CIDR
  // class of the longest matching prefix when the shape has CIDR peers.
  uint16_t classOf(const Party& peer, Direction d) const;
  // Verdict base of a direction in ciliumc_verdict: ingress at 0, egress after ingress.
  uint32_t verdictBase(Direction d) const;
};

struct EndpointPlan {
  const EndpointInfo* endpoint = nullptr;
  uint32_t endpointId = 0;  // 1-based position in the inventory
  NumericIdentity identity = 0;
  std::optional<IpAddress> ipv4, ipv6;  // first address of each family (source validation)
  uint32_t shape = 0;                   // index into CompilePlan::shapes
};

struct IpcacheEntry {
  IpAddress ip;
  NumericIdentity identity = 0;
};

struct CompilePlan {
  std::vector<ShapePlan> shapes;
  std::vector<EndpointPlan> endpoints;  // parallel to Inventory::endpoints
  std::vector<IpcacheEntry> ipcache;    // endpoint and node addresses
  RuleTable rules;
};

}  // namespace ciliumc
