// bpf_differential: the compiled BPF datapath against the reference evaluator on random
// policies, inventories and packets (test/support/random_policy.h). For each seed: generate a
// scenario, resolve, plan, compile, load every endpoint object, then run every probe through
// the sender's egress and the receiver's ingress program (BPF_PROG_TEST_RUN) and compare
// verdict, reason and deciding rule per side with evaluateFlow. On the first mismatch it shrinks
// the scenario (fewer policies, entries, peers, ports, probes) while the mismatch persists and
// prints the minimal reproducer, then exits 1.
//
//   bpf_differential [--seeds N] [--start S] [--probes P] [--max-seconds T] [--inject-fault] [--via-c]
//                    [--port-table-threshold N]   (0: every direction uses ciliumc_port_table)
//
// --via-c loads objects built by clang-19 from the `--emit=c` text instead (the C form must
// give identical verdicts).
// --inject-fault corrupts the compiled verdicts of one shape (every cell's verdict flipped) to
// prove the harness notices: the run must then fail with a reproducer (ctest checks that too).
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "backend_bpf/codegen.h"
#include "loader/datapath_evaluator.h"
#include "passes/pass_manager.h"
#include "random_policy.h"

namespace ciliumc::testing {
namespace {

struct Options {
  uint64_t seeds = 50;
  uint64_t start = 1;
  int probes = 200;
  double maxSeconds = 600;
  bool injectFault = false;
  bool viaC = false;  // objects from --emit=c compiled by clang-19, not from in-process LLVM
  CodegenOptions codegen;  // --port-table-threshold N: classify ports through ciliumc_port_table
};

// The `--emit=c` form of a shape through `clang-19 -O2 -g -target bpf -c` (Cilium's way): the
// C form must give the same verdicts as the in-process object.
Expected<std::vector<uint8_t>> compileEmittedC(const ShapePlan& shape, const CodegenOptions& options) {
  auto source = emitC(shape, options);
  if (!source) return source.error();
  char pattern[] = "/tmp/ciliumc-diff-XXXXXX";
  if (!mkdtemp(pattern)) return Error{"mkdtemp failed"};
  std::string dir = pattern;
  std::ofstream(dir + "/shape.c") << *source;
  std::string command = "clang-19 -O2 -g -target bpf -c " + dir + "/shape.c -o " + dir + "/shape.o > " + dir +
                        "/clang.log 2>&1";
  int status = std::system(command.c_str());
  std::ifstream in(dir + "/shape.o", std::ios::binary);
  std::vector<uint8_t> object((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::stringstream log;
  log << std::ifstream(dir + "/clang.log").rdbuf();
  std::filesystem::remove_all(dir);
  if (status != 0 || object.empty()) return Error{"clang-19 failed on the emitted C:\n" + log.str()};
  return object;
}

// The verdict of one cell reversed: an allow becomes a rule deny and vice versa.
void corrupt(CompilePlan& plan) {
  if (plan.shapes.empty()) return;
  for (auto& direction : plan.shapes[0].directions)
    for (auto& row : direction.rows)
      for (auto& cell : row) {
        cell.deny = !cell.deny;
        cell.reason = cell.deny ? DatapathReason::DeniedByRule : DatapathReason::AllowedByRule;
      }
}

struct Mismatch {
  std::string probe;
  std::string detail;
};

struct RunStats {
  uint64_t cases = 0;
};

// Runs one scenario; returns the first mismatch, or an error text in `failure`.
std::optional<Mismatch> runScenario(const RandomScenario& scenario, const Options& options, RunStats& stats,
                                    std::string& failure) {
  PolicyIR ir = resolvePolicy(scenario.policies, scenario.inventory, {});
  auto planned = runPasses(ir, scenario.inventory);
  if (!planned) {
    failure = "passes: " + planned.error().message;
    return std::nullopt;
  }
  CompilePlan plan = std::move(planned->plan);
  if (options.injectFault) corrupt(plan);
  auto codegen = BpfCodegen::create();
  if (!codegen) {
    failure = codegen.error().message;
    return std::nullopt;
  }
  BpfCodegen& generator = **codegen;
  loader::ShapeObjectSource source = planObjectSource(generator, plan, options.codegen);
  if (options.viaC)
    source = [&plan, &options](uint32_t shape) { return compileEmittedC(plan.shapes[shape], options.codegen); };
  auto datapath = loader::DatapathEvaluator::create(plan, source);
  if (!datapath) {
    failure = datapath.error().message;
    return std::nullopt;
  }
  for (const ProbeSpec& spec : scenario.probes) {
    auto probe = resolveProbe(scenario.inventory, spec);
    if (!probe) continue;  // the generator may name a party without an address of the family
    FlowVerdict expected = evaluateFlow(ir, *probe);
    auto actual = (*datapath)->evaluate(*probe);
    if (!actual) {
      failure = spec.toString() + ": " + actual.error().message;
      return std::nullopt;
    }
    ++stats.cases;
    std::string difference = loader::compareWithEvaluator(expected, *actual, plan.rules);
    if (!difference.empty()) return Mismatch{spec.toString(), difference + "\n" + loader::describe(*actual, plan.rules)};
  }
  return std::nullopt;
}

bool stillFails(const RandomScenario& scenario, const Options& options) {
  RunStats ignored;
  std::string failure;
  return runScenario(scenario, options, ignored, failure).has_value();
}

// Greedy shrinking: drop whatever keeps the mismatch, until nothing more can go.
RandomScenario shrink(RandomScenario scenario, const Options& options) {
  auto tryWithout = [&](auto mutate) {
    RandomScenario candidate = scenario;
    if (!mutate(candidate)) return false;
    if (!stillFails(candidate, options)) return false;
    scenario = std::move(candidate);
    return true;
  };
  // Only the first failing probe matters.
  for (size_t keep = 0; keep < scenario.probes.size(); ++keep) {
    RandomScenario one = scenario;
    one.probes = {scenario.probes[keep]};
    if (stillFails(one, options)) {
      scenario = std::move(one);
      break;
    }
  }
  bool progress = true;
  for (int round = 0; progress && round < 20; ++round) {
    progress = false;
    for (size_t p = scenario.policies.rules.size(); p-- > 0;)
      progress |= tryWithout([p](RandomScenario& s) {
        s.policies.rules.erase(s.policies.rules.begin() + static_cast<long>(p));
        return true;
      });
    for (size_t p = 0; p < scenario.policies.rules.size(); ++p)
      for (Direction d : {Direction::Ingress, Direction::Egress}) {
        for (size_t e = scenario.policies.rules[p].rules(d).entries.size(); e-- > 0;)
          progress |= tryWithout([p, d, e](RandomScenario& s) {
            auto& entries = s.policies.rules[p].rules(d).entries;
            entries.erase(entries.begin() + static_cast<long>(e));
            return true;
          });
        for (size_t e = 0; e < scenario.policies.rules[p].rules(d).entries.size(); ++e) {
          auto* peers = &scenario.policies.rules[p].rules(d).entries[e].peers;
          for (size_t k = *peers ? (*peers)->size() : 0; k-- > 0;)
            progress |= tryWithout([p, d, e, k](RandomScenario& s) {
              auto& list = *s.policies.rules[p].rules(d).entries[e].peers;
              list.erase(list.begin() + static_cast<long>(k));
              return true;
            });
          size_t ports = scenario.policies.rules[p].rules(d).entries[e].l4.ports.size();
          for (size_t k = ports; k-- > 0;)
            progress |= tryWithout([p, d, e, k](RandomScenario& s) {
              auto& list = s.policies.rules[p].rules(d).entries[e].l4.ports;
              list.erase(list.begin() + static_cast<long>(k));
              return true;
            });
        }
        for (size_t r = scenario.policies.rules[p].rules(d).requirements.size(); r-- > 0;)
          progress |= tryWithout([p, d, r](RandomScenario& s) {
            auto& list = s.policies.rules[p].rules(d).requirements;
            list.erase(list.begin() + static_cast<long>(r));
            return true;
          });
      }
  }
  return scenario;
}

int run(const Options& options) {
  auto start = std::chrono::steady_clock::now();
  RunStats stats;
  uint64_t scenarios = 0;
  GeneratorOptions generator;
  generator.probes = options.probes;
  for (uint64_t seed = options.start; seed < options.start + options.seeds; ++seed) {
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (elapsed > options.maxSeconds) {
      std::printf("stopping at the time bound (%.0f s)\n", options.maxSeconds);
      break;
    }
    RandomScenario scenario = generateScenario(seed, generator);
    // Neighbor discovery is decided before policy: make sure some probes exercise it.
    for (size_t i = 0; i < scenario.probes.size(); i += 17)
      if (scenario.probes[i].protocol == Protocol::ICMPv6) scenario.probes[i].port = 135;
    std::string failure;
    auto mismatch = runScenario(scenario, options, stats, failure);
    ++scenarios;
    if (!failure.empty()) {
      std::printf("error: seed %llu: %s\n", static_cast<unsigned long long>(seed), failure.c_str());
      return 2;
    }
    if (mismatch) {
      std::printf("MISMATCH at seed %llu: %s\n%s\nshrinking...\n", static_cast<unsigned long long>(seed),
                  mismatch->probe.c_str(), mismatch->detail.c_str());
      RandomScenario minimal = shrink(scenario, options);
      RunStats ignored;
      std::string ignoredFailure;
      auto again = runScenario(minimal, options, ignored, ignoredFailure);
      std::printf("minimal reproducer:\n%s\n%s\n", describe(minimal).c_str(), again ? again->detail.c_str() : "");
      return 1;
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("bpf_differential: %llu scenarios, %llu cases (both sides each), 0 mismatches, %.1f s (%.0f cases/s)\n",
              static_cast<unsigned long long>(scenarios), static_cast<unsigned long long>(stats.cases), seconds,
              stats.cases / std::max(seconds, 1e-9));
  return stats.cases > 0 ? 0 : 2;
}

}  // namespace
}  // namespace ciliumc::testing

int main(int argc, char** argv) {
  ciliumc::testing::Options options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "bpf_differential: %s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--seeds") options.seeds = std::strtoull(value(), nullptr, 10);
    else if (arg == "--start") options.start = std::strtoull(value(), nullptr, 10);
    else if (arg == "--probes") options.probes = std::atoi(value());
    else if (arg == "--max-seconds") options.maxSeconds = std::atof(value());
    else if (arg == "--inject-fault") options.injectFault = true;
    else if (arg == "--via-c") options.viaC = true;
    else if (arg == "--port-table-threshold")
      options.codegen.portTableThreshold = static_cast<uint32_t>(std::strtoul(value(), nullptr, 10));
    else {
      std::fprintf(stderr,
                   "usage: bpf_differential [--seeds N] [--start S] [--probes P] [--max-seconds T] [--inject-fault] [--via-c]\n"
                   "                       [--port-table-threshold N]\n");
      return 2;
    }
  }
  if (options.probes <= 0 || options.seeds == 0) {
    std::fprintf(stderr, "bpf_differential: --seeds and --probes must be positive\n");
    return 2;
  }
  return ciliumc::testing::run(options);
}
