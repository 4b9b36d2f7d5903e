// `ciliumc test FILES`: run policy unit tests (YAML test files and `test` blocks). Prints PASS
// or FAIL per case, the deciding rules on failure, and a closing `N passed, M failed` line;
// exit 1 on any failure. --exec picks the executor: `oracle` (the reference evaluator), `bpf`
// (each suite compiled, loaded and every case run through BPF_PROG_TEST_RUN on the sender's
// egress and the receiver's ingress program; a case also fails when the kernel's answer differs
// from the evaluator's), or `auto` (bpf when the process may load BPF, else oracle).
#include <iostream>
#include <regex>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/diagnostic_options.h"
#include "cli/flow_report.h"
#include "cli/resolve_options.h"
#include "cli/suite_runner.h"
#include "frontend/inputs/input_files.h"
#include "cli/bpf_executor.h"

namespace ciliumc::cli {

namespace {

// A case's name, or for unnamed cases what it says — the same form the language gives its
// `expect` lines: "allow x/client -> x/web tcp/80".
std::string caseTitle(const TestCase& testCase) {
  if (!testCase.name.empty()) return testCase.name;
  return fmt::format("{} {} -> {} {}", verdictName(testCase.expect), testCase.from, testCase.to,
                     probeL4Text(testCase.protocol, testCase.port));
}

struct TestCommand {
  std::vector<std::string> files;
  std::string runFilter;
  std::string exec = "auto";
  DiagnosticOptions diagnostics;
  ResolveFlags resolveFlags;

  int run() {
    DiagnosticEngine diags;
    if (!diagnostics.configure(diags)) return 2;
    std::string execNote;
    bool useBpf = chooseBpfExecutor(exec, execNote);
    std::optional<std::regex> filter;
    if (!runFilter.empty()) {
      try {
        filter.emplace(runFilter, std::regex::ECMAScript);
      } catch (const std::regex_error& e) {
        std::cerr << "ciliumc test: error: --run `" << runFilter << "` is not a valid regular expression: "
                  << e.what() << "\n";
        return 2;
      }
    }
    bool json = diagnostics.format() == OutputFormat::Json;
    LoadedInputs inputs;
    loadInputs(files, diags, inputs);
    if (!json) std::cout << "exec: " << (useBpf ? "bpf" : "oracle") << execNote << "\n";

    nlohmann::json results = nlohmann::json::array();
    int passed = 0, failed = 0, selected = 0;
    for (const auto& suite : inputs.tests) {
      auto prepared = prepareSuite(suite, diags, resolveFlags.options());
      if (!prepared) continue;
      bool headerPrinted = false;
      std::unique_ptr<BpfSuiteExecutor> bpf;
      if (useBpf) {
        auto created = BpfSuiteExecutor::create(*prepared);
        if (!created) {
          std::cerr << "ciliumc test: error: suite " << suite.name << ": " << created.error().message << "\n";
          ++failed;
          continue;
        }
        bpf = std::move(*created);
      }
      for (const auto& testCase : suite.cases) {
        std::string title = caseTitle(testCase);
        if (filter && !std::regex_search(title, *filter) && !std::regex_search(suite.name, *filter)) continue;
        ++selected;
        if (!json && !headerPrinted) {
          std::cout << "suite " << suite.name << "\n";
          headerPrinted = true;
        }
        nlohmann::json result = {{"suite", suite.name}, {"name", title}, {"file", testCase.location.fileName()},
                                 {"line", testCase.location.line}, {"expect", verdictName(testCase.expect)}};
        auto probe = makeProbe(prepared->inventory, testCase.from, testCase.to, testCase.protocol, testCase.port);
        if (!probe) {
          // The case cannot run; it fails, and the CP6001 error printed at the end says why.
          diags.report(DiagCode::CP6001, testCase.location, probe.error().message, probe.error().hint);
          ++failed;
          result["pass"] = false;
          result["error"] = probe.error().message;
          if (json)
            results.push_back(std::move(result));
          else
            std::cout << "  FAIL " << title << "\n       " << testCase.location.toString() << ": "
                      << probe.error().message << "\n";
          continue;
        }
        FlowVerdict verdict = evaluateFlow(prepared->ir, *probe);
        Verdict actual = verdict.verdict;
        std::string executorProblem;  // the kernel disagreed with the evaluator, or could not run
        if (bpf) {
          auto kernel = bpf->run(*probe, verdict);
          if (!kernel) executorProblem = kernel.error().message;
          else {
            actual = kernel->verdict;
            executorProblem = kernel->disagreement;
          }
        }
        bool pass = actual == testCase.expect && executorProblem.empty();
        (pass ? passed : failed)++;
        if (json) {
          result.update(flowToJson(prepared->ir, *probe, verdict));
          result["verdict"] = verdictName(actual);
          result["pass"] = pass;
          if (!executorProblem.empty()) result["executor_error"] = executorProblem;
          results.push_back(std::move(result));
          continue;
        }
        std::cout << (pass ? "  PASS " : "  FAIL ") << title << "\n";
        if (!pass) {
          std::cout << fmt::format("       {}: expected {}, got {}\n", testCase.location.toString(),
                                   verdictName(testCase.expect), verdictName(actual));
          if (!executorProblem.empty()) std::cout << "       bpf: " << executorProblem << "\n";
          for (const auto& line : describeFlow(prepared->ir, *probe, verdict)) std::cout << "       " << line << "\n";
        }
      }
    }
    diagnostics.printText(diags);
    // Nothing run is a failure: a CI job whose tests silently vanished must not pass.
    bool nothingRun = false;
    if (inputs.tests.empty() && !diags.hasErrors()) {
      std::cerr << "ciliumc test: error: no tests found (test files have a `cases:` key; `.policy` files "
                   "may contain `test` blocks)\n";
      nothingRun = true;
    } else if (filter && selected == 0 && !diags.hasErrors()) {
      std::cerr << "ciliumc test: error: no test case or suite name matches --run `" << runFilter << "`\n";
      nothingRun = true;
    }
    if (json) {
      nlohmann::json out = {{"format_version", 1}, {"exec", useBpf ? "bpf" : "oracle"}, {"results", results},
                            {"passed", passed}, {"failed", failed}};
      std::cout << out.dump(2) << "\n";
    } else {
      std::cout << passed << " passed, " << failed << " failed\n";
    }
    return failed == 0 && !diags.hasErrors() && !nothingRun ? 0 : 1;
  }
};

}  // namespace

CommandRunner addTestCommand(CLI::App& app) {
  auto command = std::make_shared<TestCommand>();
  CLI::App* sub = app.add_subcommand("test", "Run policy unit tests (test files and `test` blocks)");
  sub->add_option("files", command->files, "Test files, .policy files with test blocks, or directories")->required();
  sub->add_option("--run", command->runFilter, "Only cases whose name (or suite) matches this regular expression")
      ->type_name("REGEX");
  sub->add_option("--exec", command->exec,
                  "Where verdicts come from: oracle (reference evaluator), bpf (compiled programs run in the "
                  "kernel with BPF_PROG_TEST_RUN, cross-checked against the evaluator), auto (bpf when the "
                  "process may load BPF, else oracle; says which)")
      ->check(CLI::IsMember({"auto", "oracle", "bpf"}))
      ->option_text("oracle|bpf|auto (default: auto)");
  command->diagnostics.addTo(*sub, true);
  command->resolveFlags.addTo(*sub);
  return [command] { return command->run(); };
}

}  // namespace ciliumc::cli
