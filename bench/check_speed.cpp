// How fast is `ciliumc check` on a large input? Generates (deterministically, fixed seed) a
// 10,000-rule policy in the language (1,000 `policy` blocks x 10 allow/deny entries) and a
// 1,000-endpoint inventory in 50 namespaces (bench/support/policy_generator.h, default
// settings), writes them to a temporary directory and times:
//   (a) parse + check of the policy text   (parsePolicyLanguage)
//   (b) inventory load                     (loadInventoryFile)
//   (c) resolvePolicy over every endpoint
//   (d) the whole `ciliumc check FILE` process, and `ciliumc check FILE --inventory INV`, if
//       argv[1] names ciliumc; with the peak resident set size of the latter (getrusage
//       RUSAGE_CHILDREN ru_maxrss, measured in a child of its own so nothing else counts)
// against baselines measured in the same run on the same files: reading them, yaml-cpp's
// YAML::Load of the inventory, and a brace-counting scan of the policy text. Every number is the
// best wall time of 5 runs, in milliseconds. docs/performance.md records results.
//
// Usage: check_speed [path/to/ciliumc]
#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "bench/support/policy_generator.h"
#include "frontend/diag/diagnostics.h"
#include "frontend/inputs/inventory_loader.h"
#include "frontend/lang/parse_policy.h"
#include "ir/endpoint_policy.h"

namespace ciliumc {
namespace {

constexpr int kRuns = 5;
constexpr uint32_t kSeed = 20240611;
// 1,000 policies x 10 entries, 1,000 endpoints in 50 namespaces, 40 apps: the defaults.
const bench::GeneratorSettings kInputs;

// ---- measuring -----------------------------------------------------------------------------

// CPU time used so far by this process and its waited-for children (user + system), in ms.
// Child commands (std::system) count through RUSAGE_CHILDREN, in-process work through
// RUSAGE_SELF, so one figure serves both kinds of measurement.
double cpuMsSoFar() {
  auto ms = [](const struct rusage& usage) {
    return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e3 +
           (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e3;
  };
  struct rusage self {}, children {};
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  return ms(self) + ms(children);
}

// The best of kRuns runs: wall clock, and CPU time (which a busy machine inflates less).
struct Timing {
  double wallMs = std::numeric_limits<double>::infinity();
  double cpuMs = std::numeric_limits<double>::infinity();
};

template <typename Work>
Timing bestOfRuns(Work&& work) {
  Timing best;
  for (int run = 0; run < kRuns; ++run) {
    const double cpuStart = cpuMsSoFar();
    const auto start = std::chrono::steady_clock::now();
    work();
    const std::chrono::duration<double, std::milli> elapsed =
        std::chrono::steady_clock::now() - start;
    best.wallMs = std::min(best.wallMs, elapsed.count());
    best.cpuMs = std::min(best.cpuMs, cpuMsSoFar() - cpuStart);
  }
  return best;
}

// Keeps baseline results observable so the optimiser cannot drop the work being timed.
volatile size_t benchmarkSink = 0;

void writeFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::string readWholeFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

size_t countBraces(const std::string& text) {
  return std::count(text.begin(), text.end(), '{') + std::count(text.begin(), text.end(), '}');
}

// Prints the first few diagnostics (a broken generator would otherwise print thousands).
void printFirstDiagnostics(const DiagnosticEngine& diags, const std::string& path,
                           const std::string& text) {
  DiagnosticEngine firstFew;
  firstFew.addSource(path, text);
  const size_t shown = std::min<size_t>(diags.diagnostics().size(), 10);
  for (size_t i = 0; i < shown; ++i) {
    const Diagnostic& d = diags.diagnostics()[i];
    firstFew.report(d.code, d.location, d.message, d.hint, d.length);
  }
  firstFew.renderText(std::cerr, false);
  std::cerr << "(" << diags.diagnostics().size() << " diagnostics in total)\n";
}

std::string shellQuote(const std::string& word) {
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// Runs `command` through the shell in a child process of its own and returns the peak RSS in
// KiB of that child's largest descendant (ciliumc; the shell is far smaller), or -1 if the
// command failed. RUSAGE_CHILDREN reports the largest waited-for descendant of the caller, so
// a fresh child keeps the benchmark's earlier commands out of the figure; it reports through a
// pipe.
long peakRssKiB(const std::string& command) {
  int pipeEnds[2];
  if (pipe(pipeEnds) != 0) return -1;
  pid_t child = fork();
  if (child < 0) return -1;
  if (child == 0) {
    close(pipeEnds[0]);
    long result = -1;
    if (std::system(command.c_str()) == 0) {
      struct rusage usage {};
      if (getrusage(RUSAGE_CHILDREN, &usage) == 0) result = usage.ru_maxrss;
    }
    ssize_t written = write(pipeEnds[1], &result, sizeof result);
    _exit(written == sizeof result ? 0 : 1);
  }
  close(pipeEnds[1]);
  long result = -1;
  if (read(pipeEnds[0], &result, sizeof result) != sizeof result) result = -1;
  close(pipeEnds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  return result;
}

struct Row {
  std::string name;
  Timing time;
  double baselineMs;  // wall; 0 = no baseline to compare with
};

void printTable(const std::vector<Row>& rows) {
  fmt::print("{:<52} {:>10} {:>10} {:>12}\n", "measurement (best of 5)", "wall ms", "CPU ms",
             "x baseline");
  for (const Row& row : rows) {
    std::string ratio =
        row.baselineMs > 0 ? fmt::format("{:.1f}", row.time.wallMs / row.baselineMs) : "";
    fmt::print("{:<52} {:>10.2f} {:>10.1f} {:>12}\n", row.name, row.time.wallMs, row.time.cpuMs,
               ratio);
  }
}

int runBenchmark(int argc, char** argv) {
  bench::Choices choose(kSeed);
  const std::string policyText = bench::generatePolicyText(kInputs, choose);
  const std::string inventoryText = bench::generateInventoryText(kInputs, choose);

  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      fmt::format("ciliumc-check-speed-{}", static_cast<long>(getpid()));
  std::filesystem::create_directories(dir);
  const std::filesystem::path policyPath = dir / "bench.policy";
  const std::filesystem::path inventoryPath = dir / "inventory.yaml";
  writeFile(policyPath, policyText);
  writeFile(inventoryPath, inventoryText);
  fmt::print(
      "inputs: {} ({} KiB, {} policies x {} entries), {} ({} KiB, {} endpoints, {} namespaces)\n\n",
      policyPath.string(), policyText.size() / 1024, kInputs.policies, kInputs.entriesPerPolicy,
      inventoryPath.string(), inventoryText.size() / 1024, kInputs.endpoints, kInputs.namespaces);

  int status = 0;
  long peakRss = -1;  // KiB, of `ciliumc check FILE --inventory INV`
  std::vector<Row> rows;

  // Baselines: the least any checker must do with these files.
  const Timing read = bestOfRuns([&] {
    benchmarkSink = readWholeFile(policyPath).size() + readWholeFile(inventoryPath).size();
  });
  const Timing yaml = bestOfRuns([&] { benchmarkSink = YAML::Load(inventoryText).size(); });
  const Timing scan = bestOfRuns([&] { benchmarkSink = countBraces(policyText); });
  const double readMs = read.wallMs, yamlMs = yaml.wallMs, scanMs = scan.wallMs;
  rows.push_back({"baseline: read both files", read, 0});
  rows.push_back({"baseline: YAML::Load(inventory)", yaml, 0});
  rows.push_back({"baseline: scan policy text (count braces)", scan, 0});

  // (a) parse + check.
  PolicySet policies;
  DiagnosticEngine policyDiags;
  const Timing parse = bestOfRuns([&] {
    DiagnosticEngine diags;
    PolicySet parsed;
    std::vector<TestSuite> tests;
    parsePolicyLanguage(policyPath.string(), policyText, diags, parsed, tests);
    policies = std::move(parsed);
    policyDiags = std::move(diags);
  });
  if (policyDiags.hasErrors()) {
    std::cerr << "error: the generated policy does not check:\n";
    printFirstDiagnostics(policyDiags, policyPath.string(), policyText);
    status = 1;
  }
  rows.push_back({fmt::format("(a) parsePolicyLanguage: {} rules, {} warnings",
                              policies.rules.size(), policyDiags.warningCount()),
                  parse, scanMs});

  // (b) inventory load.
  std::optional<Inventory> inventory;
  DiagnosticEngine inventoryDiags;
  const Timing inventoryLoad = bestOfRuns([&] {
    DiagnosticEngine diags;
    inventory = loadInventoryFile(inventoryPath.string(), diags);
    inventoryDiags = std::move(diags);
  });
  if (!inventory || inventoryDiags.hasErrors()) {
    std::cerr << "error: the generated inventory does not load:\n";
    printFirstDiagnostics(inventoryDiags, inventoryPath.string(), inventoryText);
    status = 1;
  }
  rows.push_back({fmt::format("(b) loadInventoryFile: {} endpoints",
                              inventory ? inventory->endpoints.size() : 0),
                  inventoryLoad, readMs + yamlMs});

  // (c) resolve.
  if (inventory && status == 0) {
    size_t resolvedEntries = 0;
    const Timing resolve = bestOfRuns([&] {
      PolicyIR ir = resolvePolicy(policies, *inventory, ResolveOptions{});
      resolvedEntries = 0;
      for (const EndpointPolicy& endpoint : ir.endpoints) {
        resolvedEntries += endpoint.ingress.entries.size() + endpoint.egress.entries.size();
      }
    });
    rows.push_back(
        {fmt::format("(c) resolvePolicy: {} resolved entries", resolvedEntries), resolve, 0});
  }

  // (d) the whole command, process start-up included: policies only, then with the inventory.
  if (argc > 1) {
    const std::string checkPolicy =
        fmt::format("{} check {}", shellQuote(argv[1]), shellQuote(policyPath.string()));
    const std::string checkAll =
        fmt::format("{} --inventory {}", checkPolicy, shellQuote(inventoryPath.string()));
    auto timeCommand = [&](const std::string& command) {
      const std::string quiet = command + " >/dev/null";
      int exitStatus = 0;
      const Timing time = bestOfRuns([&] { exitStatus = std::system(quiet.c_str()); });
      if (exitStatus != 0) {
        std::cerr << "error: `" << command << "` failed (status " << exitStatus << ")\n";
        status = 1;
      }
      return time;
    };
    rows.push_back({"(d) ciliumc check FILE", timeCommand(checkPolicy), readMs + scanMs});
    rows.push_back(
        {"(e) ciliumc check FILE --inventory INV", timeCommand(checkAll), readMs + yamlMs + scanMs});
    peakRss = peakRssKiB(checkAll + " >/dev/null");
  }

  printTable(rows);
  if (peakRss >= 0) fmt::print("{:<52} {:>10.1f}\n", "peak RSS of (e), MiB", peakRss / 1024.0);
  fmt::print(
      "\n(a) is relative to the brace scan, (b) to read + YAML::Load, (d) to read + scan, (e) to\n"
      "all three baselines. Times are wall clock: on a busy machine they include waiting for a CPU.\n");
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  return status;
}

}  // namespace
}  // namespace ciliumc

int main(int argc, char** argv) { return ciliumc::runBenchmark(argc, argv); }
