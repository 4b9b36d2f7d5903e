// Planning a large random input stays fast and exact: hundreds of policies and endpoints, with
// a sample of probes checked against the evaluator. (The 10,000-rule x 1,000-endpoint figure is
// measured on bench/check_speed.cpp's generated input; see the passes' report in the issue.)
#include <gtest/gtest.h>

#include <chrono>

#include "passes_test_support.h"
#include "random_policy.h"

namespace ciliumc {
namespace {

using namespace ciliumc::testing;

TEST(PassesScaleTest, LargeRandomInputPlansQuicklyAndExactly) {
  GeneratorOptions options;
  options.maxPolicies = 300;
  options.maxEntriesPerDirection = 6;
  options.endpoints = 250;  // the generator numbers addresses 10.0.N.(i + 1): at most 254
  options.probes = 3000;
  RandomScenario scenario = generateScenario(4242, options);
  PolicyIR ir = resolvePolicy(scenario.policies, scenario.inventory, {});
  size_t entries = 0;
  for (const EndpointPolicy& endpoint : ir.endpoints) entries += endpoint.ingress.entries.size() + endpoint.egress.entries.size();
  auto start = std::chrono::steady_clock::now();
  PlanResult result = planOrFail(ir, scenario.inventory);
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::cout << "planned " << scenario.policies.rules.size() << " policies, " << entries << " resolved entries, "
            << scenario.inventory.endpoints.size() << " endpoints into " << result.plan.shapes.size() << " shapes in "
            << ms << " ms\n";
  EXPECT_LT(ms, 20000.0) << "a generous bound (sanitizer builds are slow): catches a blow-up, not a regression";
  ASSERT_EQ(result.plan.endpoints.size(), scenario.inventory.endpoints.size());
  EXPECT_LT(result.plan.shapes.size(), scenario.inventory.endpoints.size()) << "some endpoints share a shape";
  int mismatches = 0;
  for (const ProbeSpec& spec : scenario.probes) {
    auto probe = resolveProbe(scenario.inventory, spec);
    if (!probe) continue;
    std::string problems = compareProbe(ir, result.plan, *probe);
    if (!problems.empty() && ++mismatches <= 3) ADD_FAILURE() << spec.toString() << "\n" << problems;
  }
  EXPECT_EQ(mismatches, 0);
}

}  // namespace
}  // namespace ciliumc
