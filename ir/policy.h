// The policy model: what users wrote, normalised from either the language or Kubernetes /
// Cilium YAML. Both front ends produce exactly these types; nothing downstream knows the source
// format. Namespace scoping is *not* applied here (see ir/resolve.h) so `convert` can print it.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "ir/entity.h"
#include "ir/ip.h"
#include "ir/l4.h"
#include "ir/selector.h"
#include "ir/source_location.h"

namespace ciliumc {

enum class Verdict { Allow, Deny };
enum class Direction { Ingress, Egress };
std::string verdictName(Verdict v);      // "allow" / "deny"
std::string directionName(Direction d);  // "ingress" / "egress"

struct CidrPeer {
  IpPrefix prefix;
  std::vector<IpPrefix> except;  // each inside `prefix`
  bool matches(const IpAddress& ip) const;
  auto operator<=>(const CidrPeer&) const = default;
};

// One peer: a label selector, an entity, or a CIDR set.
struct Peer {
  enum class Kind { Selector, Entity, Cidr };
  Kind kind = Kind::Selector;
  LabelSelector selector;  // Kind::Selector
  Entity entity = Entity::All;  // Kind::Entity
  CidrPeer cidr;           // Kind::Cidr
  SourceLocation location;

  static Peer ofSelector(LabelSelector s, SourceLocation at = {});
  static Peer ofEntity(Entity e, SourceLocation at = {});
  static Peer ofCidr(CidrPeer c, SourceLocation at = {});
  std::string toString() const;  // language syntax
};

// One allow or deny line of a direction: ANDs its peer list (ORed inside) with its L4 match.
struct RuleEntry {
  Verdict verdict = Verdict::Allow;
  // nullopt = every peer (world included). An explicitly empty list selects nothing.
  std::optional<std::vector<Peer>> peers;
  L4Match l4;
  SourceLocation location;
  int index = 0;  // 0-based position among the entries of its direction, for provenance
};

// Cilium `fromRequires`/`toRequires`: requirements ANDed into every selector peer of every rule
// that selects the same endpoint in that direction. They grant nothing by themselves.
struct DirectionRules {
  // Default-deny is switched on for this direction of every selected endpoint, even when
  // `entries` is empty (`ingress {}` in the language, `ingress: [{}]` in Cilium YAML,
  // policyTypes in NetworkPolicy).
  bool enablesDefaultDeny = false;
  std::vector<RuleEntry> entries;
  std::vector<Requirement> requirements;  // not `requires`: a C++20 keyword
};

// One rule: a subject selector and its two directions. A language `policy` block and a YAML
// spec/specs[] element each become one PolicyRule.
struct PolicyRule {
  std::string name;         // policy name (language name or metadata.name)
  std::string namespaceName;  // empty = cluster-wide; otherwise scoped as Cilium does
  std::string description;
  LabelSet policyLabels;    // labels of the policy itself (metadata / `labels` block)
  LabelSelector subject;    // which endpoints the rule applies to
  DirectionRules ingress;
  DirectionRules egress;
  SourceLocation location;
  std::string origin;       // "language", "NetworkPolicy", "CiliumNetworkPolicy", ...

  const DirectionRules& rules(Direction d) const { return d == Direction::Ingress ? ingress : egress; }
  DirectionRules& rules(Direction d) { return d == Direction::Ingress ? ingress : egress; }
};

struct PolicySet {
  std::vector<PolicyRule> rules;
};

}  // namespace ciliumc
