#include "ir/endpoint_policy.h"

namespace ciliumc {

std::string Provenance::toString() const {
  std::string text = location.toString() + (policy.empty() ? " (unnamed policy" : " (policy " + policy);
  if (ruleIndex >= 0) text += ", " + directionName(direction) + " rule " + std::to_string(ruleIndex);
  return text + ")";
}

}  // namespace ciliumc
