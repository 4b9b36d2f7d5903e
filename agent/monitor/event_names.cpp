#include "agent/monitor/event_names.h"

namespace ciliumc::monitor {

std::string ruleNameOf(const Provenance& provenance) {
  std::string text = provenance.policy.empty() ? "unnamed policy" : "policy " + provenance.policy;
  if (provenance.ruleIndex >= 0) text += " rule " + std::to_string(provenance.ruleIndex);
  return text;
}

namespace {
std::optional<std::string> lookup(const std::map<uint32_t, std::string>& table, uint32_t key) {
  auto it = table.find(key);
  if (it == table.end()) return std::nullopt;
  return it->second;
}
}  // namespace

std::optional<std::string> StaticEventNames::ruleName(uint32_t ruleId) const { return lookup(rules, ruleId); }
std::optional<std::string> StaticEventNames::identityLabels(uint32_t identity) const { return lookup(labels, identity); }

PlanEventNames::PlanEventNames(RuleTable rules, LabelLookup labels) : rules_(std::move(rules)), labels_(std::move(labels)) {}

std::optional<std::string> PlanEventNames::ruleName(uint32_t ruleId) const {
  const Provenance* provenance = rules_.find(ruleId);
  if (!provenance) return std::nullopt;
  return ruleNameOf(*provenance);
}

std::optional<std::string> PlanEventNames::identityLabels(uint32_t identity) const {
  if (!labels_) return std::nullopt;
  return labels_(identity);
}

}  // namespace ciliumc::monitor
