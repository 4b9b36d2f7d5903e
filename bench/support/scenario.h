// A benchmark scenario: policy text + inventory text taken through the front end and the passes
// (parse, inventory load, resolvePolicy, runPasses), with the time each stage took. The plan
// points into the scenario's inventory, so the scenario owns both.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "ir/endpoint_policy.h"
#include "passes/pass_manager.h"

namespace ciliumc::bench {

struct StageTimes {
  double parseMs = 0;      // parsePolicyLanguage (lex, parse, model, checks)
  double inventoryMs = 0;  // YAML -> Inventory with identities
  double resolveMs = 0;    // resolvePolicy: the per-endpoint policy IR
  double passesMs = 0;     // runPasses: the datapath plan (wall clock, measured here)
};

struct Scenario {
  size_t rules = 0;            // allow/deny entries of the policy set
  size_t policies = 0;
  size_t resolvedEntries = 0;  // over every endpoint and both directions
  std::vector<size_t> entriesPerEndpoint;  // resolved entries per endpoint (both directions)
  std::unique_ptr<Inventory> inventory;
  PlanResult planned;
  StageTimes times;
  const CompilePlan& plan() const { return planned.plan; }
};

// Fails with the first diagnostics when the generated text does not check.
Expected<std::unique_ptr<Scenario>> buildScenario(const std::string& policyText, const std::string& inventoryText);

// Runs resolve + passes again on a scenario's inputs (for repeated timing); the result's plan
// points into `inventory`.
Expected<PlanResult> planAgain(const PolicySet& policies, const Inventory& inventory, StageTimes& times);

// Parses policy text (the language); errors carry the first diagnostics.
Expected<PolicySet> parsePolicies(const std::string& policyText);
Expected<std::unique_ptr<Inventory>> parseInventory(const std::string& inventoryText);

}  // namespace ciliumc::bench
