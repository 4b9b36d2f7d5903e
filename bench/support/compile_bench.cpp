#include "bench/support/compile_bench.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "backend_bpf/codegen.h"
#include "bench/support/measure.h"
#include "bench/support/plan_objects.h"
#include "bench/support/policy_generator.h"
#include "bench/support/run_process.h"
#include "bench/support/scenario.h"

namespace ciliumc::bench {

namespace {

struct OursRun {
  StageTimes times;
  double codegenMs = 0;  // wall: the plan's one object
  CodegenTimings timings;
  double patchMs = 0;    // every endpoint's .rodata patch
  double totalMs = 0;    // resolve + passes + codegen + patches
  size_t shapes = 0;
  size_t bytes = 0;      // all endpoint objects together
};

struct ClangSample {
  size_t endpoints = 0;
  double wallMs = 0;  // the whole sample, -j threads
  std::vector<double> emitMs, clangMs;  // per endpoint
  size_t bytes = 0;   // clang's objects together
};

Expected<OursRun> runOurs(const PolicySet& policies, const Inventory& inventory, std::optional<PlanResult>& keep) {
  OursRun run;
  auto start = Clock::now();
  auto planned = planAgain(policies, inventory, run.times);
  if (!planned) return planned.error();
  const CompilePlan& plan = planned->plan;
  auto objects = compilePlanObjects(plan);
  if (!objects) return objects.error();
  run.codegenMs = objects->wallMs;
  run.timings = objects->timings;
  run.shapes = plan.shapes.size();
  // Like `ciliumc compile`: one patched copy per endpoint (written to disk there, kept here).
  auto patchStart = Clock::now();
  for (size_t i = 0; i < plan.endpoints.size(); ++i) {
    auto object = endpointObject(*objects, plan, i);
    if (!object) return object.error();
    run.bytes += object->size();
  }
  run.patchMs = msSince(patchStart);
  run.totalMs = msSince(start);
  keep = std::move(*planned);
  return run;
}

// Cilium's way for a sample of endpoints: per endpoint, emit the C of its program and compile it
// with clang, `jobs` compiles at a time.
Expected<ClangSample> runClangSample(const CompilePlan& plan, const CompileBenchOptions& options) {
  size_t total = plan.endpoints.size();
  size_t count = std::min<size_t>(options.clangSample, total);
  std::vector<size_t> sample;
  for (size_t k = 0; k < count; ++k) sample.push_back(k * total / count);  // spread over the inventory
  ClangSample result;
  result.endpoints = count;
  result.emitMs.assign(count, 0);
  result.clangMs.assign(count, 0);
  std::vector<std::optional<Error>> errors(count);
  std::vector<size_t> bytes(count, 0);
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t k = next++; k < count; k = next++) {
      const EndpointPlan& endpoint = plan.endpoints[sample[k]];
      std::string base = fmt::format("{}/endpoint_{}", options.toolchain.workDir, endpoint.endpointId);
      auto start = Clock::now();
      auto source = emitC(plan.shapes[endpoint.shape]);
      if (!source) {
        errors[k] = source.error();
        continue;
      }
      {
        std::ofstream out(base + ".c");
        out << *source;
      }
      result.emitMs[k] = msSince(start);
      auto compiled = compileBpfC(BpfToolchain{options.toolchain.clang, "", {}, ""}, base + ".c", base + ".o");
      if (!compiled) {
        errors[k] = compiled.error();
        continue;
      }
      result.clangMs[k] = *compiled;
      std::error_code ignored;
      bytes[k] = std::filesystem::file_size(base + ".o", ignored);
      std::filesystem::remove(base + ".c", ignored);
      std::filesystem::remove(base + ".o", ignored);
    }
  };
  auto start = Clock::now();
  unsigned threads = std::max(1u, std::min<unsigned>(options.jobs, unsigned(count)));
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& thread : pool) thread.join();
  result.wallMs = msSince(start);
  for (size_t k = 0; k < count; ++k) {
    if (errors[k]) return Error{"endpoint " + std::to_string(sample[k]) + ": " + errors[k]->message};
    result.bytes += bytes[k];
  }
  return result;
}

std::string writeText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  return out ? "" : "cannot write " + path;
}

// `ciliumc compile POLICY --inventory INV -o DIR -j N -q`, the whole process (parse and file
// writes included): median of `runs`.
Expected<double> timeCli(const CompileBenchOptions& options, const std::string& policyText, const std::string& inventoryText) {
  std::string dir = options.toolchain.workDir + "/cli";
  std::filesystem::create_directories(dir + "/out");
  if (auto problem = writeText(dir + "/bench.policy", policyText); !problem.empty()) return Error{problem};
  if (auto problem = writeText(dir + "/inventory.yaml", inventoryText); !problem.empty()) return Error{problem};
  std::vector<double> times;
  for (int i = 0; i < std::max(1, options.runs); ++i) {
    auto ms = runProcess({options.ciliumc, "compile", dir + "/bench.policy", "--inventory", dir + "/inventory.yaml", "-o",
                          dir + "/out", "-j", std::to_string(options.jobs), "-q"});
    if (!ms) return ms.error();
    times.push_back(*ms);
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  return median(times);
}

}  // namespace

int runCompileBench(const CompileBenchOptions& options) {
  GeneratorSettings settings;
  settings.policies = int(options.rules / 10);
  settings.entriesPerPolicy = 10;
  settings.endpoints = int(options.endpoints);
  settings.namespaces = int(options.namespaces);
  settings.generatedBy = "bench/backend_speed.cpp";
  Choices choose(options.seed);
  const std::string policyText = generatePolicyText(settings, choose);
  const std::string inventoryText = generateInventoryText(settings, choose);
  if (!options.writeInputsTo.empty()) {
    writeText(fmt::format("{}/compile_{}_rules.policy", options.writeInputsTo, options.rules), policyText);
    writeText(fmt::format("{}/compile_{}_endpoints.yaml", options.writeInputsTo, options.endpoints), inventoryText);
  }

  fmt::print(stderr, "compile: parsing {} rules, {} endpoints...\n", withThousands(options.rules),
             withThousands(options.endpoints));
  auto parseStart = Clock::now();
  auto policies = parsePolicies(policyText);
  if (!policies) return fmt::print(stderr, "error: {}\n", policies.error().message), 1;
  double parseMs = msSince(parseStart);
  auto inventory = parseInventory(inventoryText);
  if (!inventory) return fmt::print(stderr, "error: {}\n", inventory.error().message), 1;

  fmt::print(stderr, "compile: ciliumc's pipeline, {} runs...\n", options.runs);
  std::vector<OursRun> ours;
  std::optional<PlanResult> planned;
  for (int i = 0; i < std::max(1, options.runs); ++i) {
    auto run = runOurs(*policies, **inventory, planned);
    if (!run) return fmt::print(stderr, "error: {}\n", run.error().message), 1;
    ours.push_back(*run);
  }
  auto medianOf = [&](auto field) {
    std::vector<double> values;
    for (const OursRun& run : ours) values.push_back(field(run));
    return median(values);
  };
  double resolveMs = medianOf([](const OursRun& r) { return r.times.resolveMs; });
  double passesMs = medianOf([](const OursRun& r) { return r.times.passesMs; });
  double codegenMs = medianOf([](const OursRun& r) { return r.codegenMs; });
  double patchMs = medianOf([](const OursRun& r) { return r.patchMs; });
  double totalMs = medianOf([](const OursRun& r) { return r.totalMs; });
  const OursRun& last = ours.back();

  fmt::print(stderr, "compile: Cilium's way, emit C + clang for {} endpoints on {} threads...\n",
             std::min(options.clangSample, options.endpoints), options.jobs);
  auto clang = runClangSample(planned->plan, options);
  if (!clang) return fmt::print(stderr, "error: {}\n", clang.error().message), 1;
  std::optional<double> cliMs;
  if (!options.ciliumc.empty()) {
    fmt::print(stderr, "compile: timing `{} compile`...\n", options.ciliumc);
    auto cli = timeCli(options, policyText, inventoryText);
    if (!cli) return fmt::print(stderr, "error: {}\n", cli.error().message), 1;
    cliMs = *cli;
  }

  const size_t endpoints = planned->plan.endpoints.size();
  const bool extrapolated = clang->endpoints < endpoints;
  const double clangPerEndpoint = clang->wallMs / double(clang->endpoints);  // wall, with -j threads
  const double ciliumTotal = resolveMs + passesMs + clangPerEndpoint * double(endpoints);

  fmt::print("### Compile time: all objects for {} endpoints under {} rules (median of {} runs)\n\n",
             withThousands(int64_t(endpoints)), withThousands(options.rules), ours.size());
  Table stages({"ciliumc stage", "ms"});
  stages.add({"(not counted) parse the policy text", fixed(parseMs)});
  stages.add({"resolvePolicy", fixed(resolveMs)});
  stages.add({"runPasses (the plan)", fixed(passesMs)});
  stages.add({fmt::format("code generation: one object for the {} shapes (one thread)", withThousands(int64_t(last.shapes))),
              fixed(codegenMs)});
  stages.add({fmt::format("{} per-endpoint .rodata patches", withThousands(int64_t(endpoints))), fixed(patchMs)});
  stages.add({"**total (resolve + passes + codegen + patches)**", fixed(totalMs)});
  stages.print();
  fmt::print("Code generation (last run): runtime bitcode {} ms, IR build {} ms, optimisation {} ms, BPF instruction "
             "selection + ELF {} ms.\n\n",
             fixed(last.timings.parseRuntime), fixed(last.timings.buildModule), fixed(last.timings.optimize),
             fixed(last.timings.codegen));

  Table versus({"way", "endpoints timed", "wall ms", "ms per endpoint", "total for all endpoints, ms"});
  versus.add({"ciliumc: one compile for the plan + per-endpoint patch (measured)", withThousands(int64_t(endpoints)),
              fixed(totalMs), fixed(totalMs / double(endpoints), 2), fixed(totalMs)});
  versus.add({fmt::format("Cilium's way: emit C + `clang-19 -O2 -g -target bpf -c` per endpoint, -j {} (measured)",
                          options.jobs),
              withThousands(int64_t(clang->endpoints)), fixed(clang->wallMs), fixed(clangPerEndpoint, 2),
              extrapolated ? "" : fixed(ciliumTotal)});
  if (extrapolated)
    versus.add({fmt::format("Cilium's way, EXTRAPOLATED to {} endpoints: resolve + passes + {} × {} ms",
                            withThousands(int64_t(endpoints)), withThousands(int64_t(endpoints)),
                            fixed(clangPerEndpoint, 2)),
                "–", "–", "–", fixed(ciliumTotal)});
  if (cliMs)
    versus.add({"`ciliumc compile` process (parse + all of the above + writing files)", withThousands(int64_t(endpoints)),
                fixed(*cliMs), fixed(*cliMs / double(endpoints), 2), fixed(*cliMs)});
  versus.print();

  Table targets({"target", "measured", "met"}, "lrl");
  targets.add({"ciliumc total < 1 s", fmt::format("{} ms", fixed(totalMs)), totalMs < 1000 ? "yes" : "NO"});
  double speedup = ciliumTotal / totalMs;
  targets.add({"≥ 50x faster than Cilium's way", fmt::format("{:.0f}x{}", speedup, extrapolated ? " (extrapolated)" : ""),
               speedup >= 50 ? "yes" : "NO"});
  targets.print();

  double meanEmit = 0, meanClang = 0;
  for (size_t k = 0; k < clang->endpoints; ++k) {
    meanEmit += clang->emitMs[k] / double(clang->endpoints);
    meanClang += clang->clangMs[k] / double(clang->endpoints);
  }
  fmt::print(
      "Per endpoint, Cilium's way: emitC + write {:.2f} ms, clang {:.1f} ms (one process; {} run at a time); "
      "ciliumc's objects {:.1f} KiB per endpoint, clang's {:.1f} KiB.\n\n",
      meanEmit, meanClang, options.jobs, double(last.bytes) / double(endpoints) / 1024,
      double(clang->bytes) / double(std::max<size_t>(1, clang->endpoints)) / 1024);
  return 0;
}

}  // namespace ciliumc::bench
