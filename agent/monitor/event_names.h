// EventNames: what the formatters need to know beyond the ring-buffer record — the policy and
// rule behind a provenance id and the labels of an identity. The agent implements it from its
// compile plan's RuleTable and its identity cache (or uses PlanEventNames below); a client that
// only has the JSON stream uses the names the agent put into it (event_format.h eventFromJson).
// Implementations are called from any thread (the API's stream handlers): they must be
// thread-safe.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "ir/endpoint_policy.h"
#include "passes/datapath_plan.h"

namespace ciliumc::monitor {

class EventNames {
 public:
  virtual ~EventNames() = default;
  // "policy web-in rule 2" (see ruleNameOf); nullopt when the id is unknown.
  virtual std::optional<std::string> ruleName(uint32_t ruleId) const = 0;
  // "k8s:app=web,k8s:io.kubernetes.pod.namespace=x"; nullopt when unknown.
  virtual std::optional<std::string> identityLabels(uint32_t identity) const = 0;
};

// No names: lines show numbers only.
class NoEventNames final : public EventNames {
 public:
  std::optional<std::string> ruleName(uint32_t) const override { return std::nullopt; }
  std::optional<std::string> identityLabels(uint32_t) const override { return std::nullopt; }
};

// "policy <name> rule <index>" for an entry, "policy <name>" for a whole rule (index -1; e.g. the
// rule that switched default-deny on); an unnamed policy is "unnamed policy".
std::string ruleNameOf(const Provenance& provenance);

// Fixed tables (a client rebuilding names from JSON, tests).
class StaticEventNames final : public EventNames {
 public:
  std::map<uint32_t, std::string> rules, labels;
  std::optional<std::string> ruleName(uint32_t ruleId) const override;
  std::optional<std::string> identityLabels(uint32_t identity) const override;
};

// Rule names from a compile plan's RuleTable (copied: plans are replaced on regeneration);
// labels from a callback (the agent's identity cache), which may be empty.
class PlanEventNames final : public EventNames {
 public:
  using LabelLookup = std::function<std::optional<std::string>(uint32_t identity)>;
  PlanEventNames(RuleTable rules, LabelLookup labels);
  std::optional<std::string> ruleName(uint32_t ruleId) const override;
  std::optional<std::string> identityLabels(uint32_t identity) const override;

 private:
  RuleTable rules_;
  LabelLookup labels_;
};

}  // namespace ciliumc::monitor
