// What the analyses among the passes found about the rules: duplicates, rules that can never
// decide (subsumed by another rule of the same verdict, shadowed by a deny, matching nobody) and
// allow/deny pairs that overlap. Kept with the provenance of both rules for the lint command;
// the passes never print them as diagnostics.
#pragma once
#include <optional>
#include <string>

#include "ir/endpoint_policy.h"

namespace ciliumc {

enum class FindingKind {
  Duplicate,       // same verdict, peers and ports as an earlier rule (`other`)
  Subsumed,        // everything it matches, `other` (same verdict) matches too: it never decides alone
  NeverMatches,    // its peers match no party at all (empty list, CIDRs inside their own excepts)
  ShadowedByDeny,  // an allow whose traffic the deny `other` always denies: it can never allow
  Conflicting,     // an allow and the deny `other` overlap in part: the deny wins there
};

std::string findingKindName(FindingKind kind);  // "duplicate", "subsumed", ...

struct Finding {
  FindingKind kind = FindingKind::Duplicate;
  Provenance rule;                  // the entry the finding is about (the one removed, if any)
  std::optional<Provenance> other;  // the entry that duplicates, subsumes, shadows or conflicts
  size_t endpoints = 0;             // how many endpoints' policies showed it

  // "web.policy:7:5 (policy web, ingress rule 1) is subsumed by web.policy:6:5 (...)"
  std::string toString() const;
};

}  // namespace ciliumc
