#include "passes/pass_manager.h"

#include <algorithm>
#include <chrono>
#include <ostream>

#include "passes/pass_dump.h"
#include "passes/pass_registry.h"
#include "passes/print_plan.h"
#include "passes/grouping.h"
#include "support/strings.h"

namespace ciliumc {

namespace {

bool contains(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

const PassInfo* findPass(std::string_view name) {
  for (const PassInfo& pass : passPipeline())
    if (pass.name == name) return &pass;
  return nullptr;
}

Error unknownPassError(const std::string& option, const std::string& name) {
  std::vector<std::string> names;
  for (const PassInfo& pass : passPipeline()) names.emplace_back(pass.name);
  std::string guess = closestMatch(name, names);
  return Error{option + ": unknown pass `" + name + "`", 0,
               guess.empty() ? "`--print-passes` lists the passes" : "did you mean `" + guess + "`?"};
}

// Every endpoint's IR as interned entries; endpoints with identical IR are compiled once from
// the start (group-shapes merges the shapes that the IR passes made equal).
std::vector<ShapeWork> initialShapes(PipelineState& state) {
  const PolicyIR& ir = state.ir;
  std::vector<ShapeWork> perEndpoint(ir.endpoints.size());
  for (size_t e = 0; e < ir.endpoints.size(); ++e) {
    for (Direction direction : kBothDirections) {
      const DirectionPolicy& policy = ir.endpoints[e].direction(direction);
      DirectionWork& work = perEndpoint[e].directions[directionSlot(direction)];
      work.enforced = policy.enforced;
      work.resolved = &policy;
      work.entries.reserve(policy.entries.size());
      for (const ResolvedEntry& entry : policy.entries) work.entries.push_back(state.entries.intern(entry));
    }
  }
  auto groups = groupEqual(perEndpoint.size(), [&](size_t e) { return shapeIdHash(perEndpoint[e]); }, [&](size_t a, size_t b) {
    return perEndpoint[a].directions == perEndpoint[b].directions;
  });
  std::vector<ShapeWork> shapes;
  shapes.reserve(groups.size());
  for (auto& members : groups) {
    ShapeWork& shape = shapes.emplace_back();
    shape.directions = std::move(perEndpoint[members.front()].directions);
    shape.endpoints = std::move(members);
  }
  return shapes;
}

Expected<bool> checkParallel(const PolicyIR& ir, const Inventory& inventory) {
  if (ir.endpoints.size() != inventory.endpoints.size())
    return Error{"the policy IR has " + std::to_string(ir.endpoints.size()) + " endpoints but the inventory " +
                     std::to_string(inventory.endpoints.size()),
                 0, "resolve the policy against the same inventory"};
  for (size_t i = 0; i < ir.endpoints.size(); ++i)
    if (ir.endpoints[i].endpoint != &inventory.endpoints[i])
      return Error{"the policy IR is not parallel to the inventory (endpoint " + std::to_string(i + 1) + ")", 0,
                   "resolve the policy against the same inventory"};
  return true;
}

void dump(std::ostream& out, const PassInfo& pass, const PipelineState& state, size_t findingsBefore) {
  out << "# after " << pass.name << "\n";
  if (pass.stage == PassStage::PolicyIR) printShapesIR(out, state);
  else printPlan(out, state.plan);
  const auto& findings = state.findings.all();
  for (size_t i = findingsBefore; i < findings.size(); ++i) out << "finding " << findings[i].toString() << "\n";
}

}  // namespace

std::vector<PassDescription> listPasses() {
  std::vector<PassDescription> passes;
  for (const PassInfo& pass : passPipeline())
    passes.push_back({std::string(pass.name), std::string(pass.contract), pass.optional, pass.stage == PassStage::Lowering});
  return passes;
}

void printPasses(std::ostream& out) {
  size_t width = 0;
  for (const PassInfo& pass : passPipeline()) width = std::max(width, pass.name.size());
  for (const PassInfo& pass : passPipeline()) {
    out << pass.name << std::string(width - pass.name.size() + 2, ' ') << (pass.optional ? "optional  " : "required  ")
        << pass.contract << "\n";
  }
}

Expected<bool> validatePassOptions(const PassOptions& options) {
  for (const std::string& name : options.disabled) {
    const PassInfo* pass = findPass(name);
    if (!pass) return unknownPassError("--disable-pass", name);
    if (!pass->optional)
      return Error{"--disable-pass: pass `" + name + "` is required and cannot be disabled", 0,
                   "it builds part of the datapath plan the back end needs; only optional passes "
                   "(`--print-passes` marks them) can be disabled"};
  }
  for (const std::string& name : options.dumpAfter)
    if (!findPass(name)) return unknownPassError("--dump-after", name);
  if (!options.dumpAfter.empty() && !options.dumpStream)
    return Error{"--dump-after: no output stream to print to", 0, ""};
  return true;
}

Expected<PlanResult> runPasses(const PolicyIR& ir, const Inventory& inventory, const PassOptions& options) {
  if (auto valid = validatePassOptions(options); !valid) return valid.error();
  if (auto parallel = checkParallel(ir, inventory); !parallel) return parallel.error();

  PipelineState state(ir, inventory);
  PlanResult result;
  const auto begin = std::chrono::steady_clock::now();
  state.shapes = initialShapes(state);
  auto start = std::chrono::steady_clock::now();
  for (const PassInfo& pass : passPipeline()) {
    size_t findingsBefore = state.findings.size();
    bool skipped = contains(options.disabled, pass.name);
    if (!skipped) pass.run(state);
    auto end = std::chrono::steady_clock::now();
    result.timings.push_back({std::string(pass.name), skipped ? 0.0 : std::chrono::duration<double, std::milli>(end - start).count()});
    start = end;
    if (!state.errors.empty())
      return Error{"cannot plan the datapath: " + state.errors.front(), 0,
                   "the policy is too large for one BPF program per shape"};
    if (contains(options.dumpAfter, pass.name)) {
      if (skipped) *options.dumpStream << "# " << pass.name << " is disabled\n";
      dump(*options.dumpStream, pass, state, findingsBefore);
    }
  }
  result.totalMilliseconds = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - begin).count();
  result.plan = std::move(state.plan);
  result.findings = state.findings.all();
  return result;
}

}  // namespace ciliumc
