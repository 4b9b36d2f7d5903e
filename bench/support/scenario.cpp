#include "bench/support/scenario.h"

#include <yaml-cpp/yaml.h>

#include <sstream>

#include "bench/support/measure.h"
#include "frontend/diag/diagnostics.h"
#include "frontend/inputs/inventory_loader.h"
#include "frontend/lang/parse_policy.h"

namespace ciliumc::bench {

namespace {

Error diagnosticsError(const std::string& what, const DiagnosticEngine& diags) {
  std::ostringstream text;
  diags.renderText(text, false);
  std::string rendered = text.str();
  if (rendered.size() > 4000) rendered = rendered.substr(0, 4000) + "\n...";
  return Error{what + ":\n" + rendered};
}

size_t countRules(const PolicySet& policies) {
  size_t rules = 0;
  for (const PolicyRule& rule : policies.rules) rules += rule.ingress.entries.size() + rule.egress.entries.size();
  return rules;
}

}  // namespace

Expected<PolicySet> parsePolicies(const std::string& policyText) {
  DiagnosticEngine diags;
  PolicySet policies;
  std::vector<TestSuite> tests;
  if (!parsePolicyLanguage("bench.policy", policyText, diags, policies, tests) || diags.hasErrors())
    return diagnosticsError("the generated policy does not check", diags);
  return policies;
}

Expected<std::unique_ptr<Inventory>> parseInventory(const std::string& inventoryText) {
  DiagnosticEngine diags;
  diags.addSource("inventory.yaml", inventoryText);
  std::optional<Inventory> inventory;
  try {
    inventory = inventoryFromYaml(YAML::Load(inventoryText), "inventory.yaml", diags);
  } catch (const std::exception& error) {
    return Error{std::string("the generated inventory is not YAML: ") + error.what()};
  }
  if (!inventory || diags.hasErrors()) return diagnosticsError("the generated inventory does not load", diags);
  return std::make_unique<Inventory>(std::move(*inventory));
}

Expected<PlanResult> planAgain(const PolicySet& policies, const Inventory& inventory, StageTimes& times) {
  auto start = Clock::now();
  PolicyIR ir = resolvePolicy(policies, inventory, ResolveOptions{});
  times.resolveMs = msSince(start);
  start = Clock::now();
  auto planned = runPasses(ir, inventory);
  times.passesMs = msSince(start);
  if (!planned) return Error{"runPasses: " + planned.error().message};
  return std::move(*planned);
}

Expected<std::unique_ptr<Scenario>> buildScenario(const std::string& policyText, const std::string& inventoryText) {
  auto scenario = std::make_unique<Scenario>();
  auto start = Clock::now();
  auto policies = parsePolicies(policyText);
  if (!policies) return policies.error();
  scenario->times.parseMs = msSince(start);
  scenario->rules = countRules(*policies);
  scenario->policies = policies->rules.size();

  start = Clock::now();
  auto inventory = parseInventory(inventoryText);
  if (!inventory) return inventory.error();
  scenario->times.inventoryMs = msSince(start);
  scenario->inventory = std::move(*inventory);

  start = Clock::now();
  PolicyIR ir = resolvePolicy(*policies, *scenario->inventory, ResolveOptions{});
  scenario->times.resolveMs = msSince(start);
  for (const EndpointPolicy& endpoint : ir.endpoints) {
    scenario->entriesPerEndpoint.push_back(endpoint.ingress.entries.size() + endpoint.egress.entries.size());
    scenario->resolvedEntries += scenario->entriesPerEndpoint.back();
  }

  start = Clock::now();
  auto planned = runPasses(ir, *scenario->inventory);
  scenario->times.passesMs = msSince(start);
  if (!planned) return Error{"runPasses: " + planned.error().message};
  scenario->planned = std::move(*planned);
  return scenario;
}

}  // namespace ciliumc::bench
