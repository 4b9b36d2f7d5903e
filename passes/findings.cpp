#include "passes/findings.h"

namespace ciliumc {

std::string findingKindName(FindingKind kind) {
  switch (kind) {
    case FindingKind::Duplicate: return "duplicate";
    case FindingKind::Subsumed: return "subsumed";
    case FindingKind::NeverMatches: return "never-matches";
    case FindingKind::ShadowedByDeny: return "shadowed-by-deny";
    case FindingKind::Conflicting: return "conflicting";
  }
  return "?";
}

std::string Finding::toString() const {
  std::string text = findingKindName(kind) + ": " + rule.toString();
  switch (kind) {
    case FindingKind::Duplicate: text += " duplicates"; break;
    case FindingKind::Subsumed: text += " is subsumed by"; break;
    case FindingKind::NeverMatches: text += " matches no peer"; break;
    case FindingKind::ShadowedByDeny: text += " is shadowed by the deny"; break;
    case FindingKind::Conflicting: text += " overlaps the deny"; break;
  }
  if (other) text += " " + other->toString();
  return text + " (" + std::to_string(endpoints) + (endpoints == 1 ? " endpoint)" : " endpoints)");
}

}  // namespace ciliumc
