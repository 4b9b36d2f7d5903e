// The `bpf` executor of `ciliumc test`: compiles a prepared suite (passes + code generation),
// loads every endpoint object it needs and answers each case by running packets through the
// sender's egress and the receiver's ingress program (loader/datapath_evaluator.h). Every answer
// is compared with the reference evaluator's: a disagreement fails the case, whatever the
// expectation, because the explain output and the datapath must never disagree.
#pragma once
#include <memory>
#include <string>

#include "backend_bpf/codegen.h"
#include "cli/suite_runner.h"
#include "loader/datapath_evaluator.h"
#include "passes/pass_manager.h"

namespace ciliumc::cli {

// --exec oracle|bpf|auto → use the BPF executor? `note` explains an automatic choice
// (" (auto: ...)"), empty otherwise.
bool chooseBpfExecutor(const std::string& exec, std::string& note);

class BpfSuiteExecutor {
 public:
  static Expected<std::unique_ptr<BpfSuiteExecutor>> create(const PreparedSuite& suite);

  struct Result {
    Verdict verdict = Verdict::Deny;
    std::string disagreement;  // "" when the kernel agrees with the evaluator
  };
  Expected<Result> run(const Probe& probe, const FlowVerdict& oracle);

 private:
  BpfSuiteExecutor() = default;
  PlanResult planned_;
  std::unique_ptr<BpfCodegen> codegen_;
  std::unique_ptr<loader::DatapathEvaluator> datapath_;
};

}  // namespace ciliumc::cli
