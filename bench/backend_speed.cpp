// How fast is the back end? The benchmarks of issue 3 §6, each next to baselines measured in the
// same run, printed as markdown tables (docs/performance.md, "Back end", records results):
//   datapath  per-packet ns of ciliumc's objects (BPF_PROG_TEST_RUN) for 10 .. 100,000 rules vs
//             an empty program, a Cilium-shaped program and naive linear rule chains; verifier
//             processed instructions and load times; pipeline stage times and map fill.
//   compile   every object for 1,000 endpoints under 1,000 rules: ciliumc vs emitting C and
//             running clang per endpoint (Cilium's way; a sample, extrapolated).
// Each section runs in a child process of its own, so its peak RSS is its own.
// Needs root (BPF loading and BPF_PROG_TEST_RUN); exits 2 otherwise.
//
// Usage: backend_speed [--section datapath|compile|all] [--rules 10,1000,10000,100000]
//                      [--packets N] [--runs N] [--clang-sample N | --clang-all] [-j N]
//                      [--ciliumc path/to/ciliumc]
#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <sstream>
#include <thread>

#include "bench/support/compile_bench.h"
#include "bench/support/datapath_bench.h"
#include "bench/support/measure.h"

namespace ciliumc::bench {
namespace {

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  for (std::string part; std::getline(stream, part, separator);)
    if (!part.empty()) parts.push_back(part);
  return parts;
}

BpfToolchain toolchainIn(const std::string& workDir) {
  return BpfToolchain{CILIUMC_BENCH_CLANG, CILIUMC_BENCH_BPF_OBJECT_DIR, split(CILIUMC_BENCH_BPF_INCLUDES, ':'), workDir};
}

// Runs `section` in a child process and prints its peak RSS (ru_maxrss of the child alone).
int inChild(const char* name, const std::function<int()>& section) {
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t child = fork();
  if (child < 0) return fmt::print(stderr, "error: fork failed\n"), 1;
  if (child == 0) {
    int status = section();
    std::fflush(stdout);
    std::fflush(stderr);
    _exit(status);
  }
  int status = 0;
  struct rusage usage {};
  while (wait4(child, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  fmt::print("Peak RSS of the {} section (its own process): {:.0f} MiB.\n\n", name, usage.ru_maxrss / 1024.0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

std::string machineLine() {
  std::string model = "unknown CPU";
  std::FILE* cpuinfo = std::fopen("/proc/cpuinfo", "r");
  if (cpuinfo) {
    char line[512];
    while (std::fgets(line, sizeof line, cpuinfo)) {
      std::string text(line);
      if (text.rfind("model name", 0) == 0) {
        model = text.substr(text.find(':') + 2);
        if (!model.empty() && model.back() == '\n') model.pop_back();
        break;
      }
    }
    std::fclose(cpuinfo);
  }
  std::string kernel = "unknown kernel";
  if (std::FILE* release = std::fopen("/proc/sys/kernel/osrelease", "r")) {
    char line[128] = {};
    if (std::fgets(line, sizeof line, release)) kernel = line;
    std::fclose(release);
    if (!kernel.empty() && kernel.back() == '\n') kernel.pop_back();
  }
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  return fmt::format("{} × {}, Linux {}, load average {:.2f} at start", std::thread::hardware_concurrency(), model,
                     kernel, load[0]);
}

int run(int argc, char** argv) {
  CLI::App app{"Back-end benchmarks (issue 3 §6): per-packet cost, verifier, compile time"};
  std::string section = "all";
  std::string rules = "10,1000,10000,100000";
  DatapathBenchOptions datapath;
  CompileBenchOptions compile;
  unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
  bool clangAll = false;
  app.add_option("--section", section, "datapath, compile or all")->check(CLI::IsMember({"datapath", "compile", "all"}));
  app.add_option("--rules", rules, "Rule counts of the datapath section, comma-separated");
  app.add_option("--packets", datapath.packets, "Packets per timing run and program (BPF_PROG_TEST_RUN repeat)");
  app.add_option("--runs", datapath.runs, "Timing runs per program (interleaved; the median is reported)");
  app.add_option("--endpoints", datapath.endpoints, "Generated endpoints in the datapath section's inventory");
  app.add_option("--compile-runs", compile.runs, "Runs of ciliumc's compile pipeline (median)");
  app.add_option("--clang-sample", compile.clangSample, "Endpoints compiled with clang in the compile section");
  app.add_flag("--clang-all", clangAll, "Compile every endpoint with clang (no extrapolation; minutes)");
  app.add_option("-j,--jobs", jobs, "Concurrent clang processes for Cilium's way (default: hardware threads)")->check(CLI::Range(1u, 256u));
  std::string writeInputs;
  app.add_option("--write-inputs", writeInputs, "Write the generated policies and inventories to DIR");
  app.add_option("--ciliumc", compile.ciliumc, "Also time this `ciliumc compile` process in the compile section");
  CLI11_PARSE(app, argc, argv);

  if (geteuid() != 0) {
    fmt::print(stderr,
               "backend_speed: needs root (CAP_BPF + CAP_NET_ADMIN) to load BPF programs and run "
               "BPF_PROG_TEST_RUN; run it with sudo.\n");
    return 2;
  }
  datapath.ruleCounts.clear();
  for (const std::string& count : split(rules, ',')) {
    try {
      datapath.ruleCounts.push_back(uint32_t(std::stoul(count)));
    } catch (const std::exception&) {
      return fmt::print(stderr, "backend_speed: --rules: `{}` is not a number\n", count), 2;
    }
  }
  if (clangAll) compile.clangSample = compile.endpoints;
  compile.jobs = jobs;
  datapath.writeInputsTo = compile.writeInputsTo = writeInputs;

  std::string workDir = fmt::format("/tmp/ciliumc-backend-speed-{}", long(getpid()));
  std::filesystem::create_directories(workDir);
  datapath.toolchain = compile.toolchain = toolchainIn(workDir);

  fmt::print("Machine: {}. Threads (-j): {}.\n\n", machineLine(), jobs);
  int status = 0;
  if (section == "datapath" || section == "all") status |= inChild("datapath", [&] { return runDatapathBench(datapath); });
  if (section == "compile" || section == "all") status |= inChild("compile", [&] { return runCompileBench(compile); });
  std::error_code ignored;
  std::filesystem::remove_all(workDir, ignored);
  return status;
}

}  // namespace
}  // namespace ciliumc::bench

int main(int argc, char** argv) { return ciliumc::bench::run(argc, argv); }
