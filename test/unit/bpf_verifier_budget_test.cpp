// Every example policy compiles to objects the kernel verifier accepts, and their verifier cost
// does not regress: per example, the largest "processed N insns" of any program and the total
// load time are written to verifier-report.json in the build tree and compared with the
// committed baseline test/verifier-baseline.json. Instructions may grow by at most 10 % (they
// are deterministic for a given kernel); load time by at most 4x + 50 ms (it is wall clock on
// a shared machine). After a deliberate change, regenerate the baseline with
// CILIUMC_UPDATE_VERIFIER_BASELINE=1 and review the diff.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "backend_bpf/codegen.h"
#include "frontend/diag/diagnostics.h"
#include "frontend/inputs/input_files.h"
#include "frontend/inputs/inventory_loader.h"
#include "loader/plan_loader.h"
#include "passes/pass_manager.h"
#include "privileged.h"

namespace ciliumc {
namespace {

namespace fs = std::filesystem;

struct Example {
  std::string name;
  std::vector<std::string> policies;  // files or directories, relative to the source tree
  std::string inventory;
};

const std::vector<Example>& examples() {
  static const std::vector<Example> list{
      {"shop-language", {"examples/shop/policy"}, "examples/shop/inventory.yaml"},
      {"shop-kubernetes", {"examples/shop/k8s"}, "examples/shop/inventory.yaml"},
      {"starwars-language", {"examples/starwars/deathstar.policy"}, "examples/starwars/inventory.yaml"},
      {"starwars-kubernetes", {"examples/starwars/k8s"}, "examples/starwars/inventory.yaml"},
  };
  return list;
}

struct Cost {
  uint32_t maxProcessedInsns = 0;
  double loadMs = 0;
  size_t objects = 0;
};

// Compiles and loads every endpoint of an example; fails the test on any error or rejection.
Cost measure(const Example& example) {
  fs::path root(CILIUMC_SOURCE_DIR);
  DiagnosticEngine diags;
  PolicySet policies;
  std::vector<std::string> paths;
  for (const auto& path : example.policies) paths.push_back((root / path).string());
  EXPECT_TRUE(loadPolicyFiles(paths, diags, policies)) << example.name;
  auto inventory = loadInventoryFile((root / example.inventory).string(), diags);
  EXPECT_TRUE(inventory.has_value()) << example.name;
  if (!inventory) return {};
  PolicyIR ir = resolvePolicy(policies, *inventory, {});
  auto planned = runPasses(ir, *inventory);
  EXPECT_TRUE(planned) << (planned ? "" : planned.error().message);
  if (!planned) return {};
  auto codegen = BpfCodegen::create();
  EXPECT_TRUE(codegen);
  if (!codegen) return {};
  const CompilePlan& plan = planned->plan;
  loader::PlanLoader loader(plan, planObjectSource(**codegen, plan));
  Cost cost;
  for (size_t i = 0; i < plan.endpoints.size(); ++i) {
    auto loaded = loader.endpoint(i);
    EXPECT_TRUE(loaded) << example.name << " endpoint " << i << ": " << (loaded ? "" : loaded.error().message);
    if (!loaded) continue;
    ++cost.objects;
  }
  for (const auto& record : loader.records()) {
    cost.loadMs += record.stats.loadMs;
    for (const auto& program : record.stats.programs)
      cost.maxProcessedInsns = std::max(cost.maxProcessedInsns, program.verifiedInsns);
  }
  return cost;
}

TEST(BpfVerifierBudgetTest, ExamplesLoadWithinTheirBaseline) {
  CILIUMC_REQUIRE_BPF_OR_SKIP();
  fs::path baselinePath = fs::path(CILIUMC_SOURCE_DIR) / "test" / "verifier-baseline.json";
  nlohmann::json baseline = nlohmann::json::object();
  if (std::ifstream in(baselinePath); in) baseline = nlohmann::json::parse(in, nullptr, false);
  ASSERT_FALSE(baseline.is_discarded()) << baselinePath << " is not valid JSON";

  nlohmann::json report = nlohmann::json::object();
  for (const Example& example : examples()) {
    Cost cost = measure(example);
    ASSERT_GT(cost.objects, 0u) << example.name << ": nothing was loaded";
    report[example.name] = {{"max_processed_insns", cost.maxProcessedInsns},
                            {"load_ms", std::round(cost.loadMs * 10) / 10},
                            {"objects", cost.objects}};
    if (!baseline.contains(example.name)) {
      ADD_FAILURE() << example.name << " has no baseline; run with CILIUMC_UPDATE_VERIFIER_BASELINE=1";
      continue;
    }
    const auto& base = baseline[example.name];
    uint32_t baseInsns = base.value("max_processed_insns", 0u);
    double baseMs = base.value("load_ms", 0.0);
    EXPECT_LE(cost.maxProcessedInsns, baseInsns + baseInsns / 10)
        << example.name << ": verifier work grew from " << baseInsns << " to " << cost.maxProcessedInsns
        << " processed instructions (more than 10 %)";
    EXPECT_LE(cost.loadMs, baseMs * 4 + 50) << example.name << ": loading took " << cost.loadMs << " ms, baseline "
                                            << baseMs << " ms";
  }
  fs::path out = fs::current_path() / "verifier-report.json";
  std::ofstream(out) << report.dump(2) << "\n";
  std::cout << "verifier report: " << out.string() << "\n" << report.dump(2) << "\n";
  const char* update = std::getenv("CILIUMC_UPDATE_VERIFIER_BASELINE");
  if (update && std::string(update) == "1") std::ofstream(baselinePath) << report.dump(2) << "\n";
}

}  // namespace
}  // namespace ciliumc
