#include "cli/bpf_executor.h"

#include "loader/bpf_support.h"

#include <unistd.h>

namespace ciliumc::cli {

bool chooseBpfExecutor(const std::string& exec, std::string& note) {
  note.clear();
  if (exec == "oracle") return false;
  if (exec == "bpf") return true;
  loader::Status available = loader::checkBpfAvailable();
  if (available) {
    note = " (auto: this process may load and run BPF programs)";
    return true;
  }
  note = " (auto: BPF unavailable: " + available.error().message + ")";
  return false;
}

Expected<std::unique_ptr<BpfSuiteExecutor>> BpfSuiteExecutor::create(const PreparedSuite& suite) {
  std::unique_ptr<BpfSuiteExecutor> executor(new BpfSuiteExecutor());
  auto planned = runPasses(suite.ir, suite.inventory);
  if (!planned) return planned.error();
  executor->planned_ = std::move(*planned);
  auto codegen = BpfCodegen::create();
  if (!codegen) return codegen.error();
  executor->codegen_ = std::move(*codegen);
  BpfSuiteExecutor* self = executor.get();
  auto source = planObjectSource(*self->codegen_, self->planned_.plan);  // one compile for every shape
  auto datapath = loader::DatapathEvaluator::create(executor->planned_.plan, source);
  if (!datapath) {
    Error error = datapath.error();
    if (::geteuid() != 0) error.hint = "loading BPF needs root (CAP_BPF and CAP_NET_ADMIN); or use --exec oracle";
    return error;
  }
  executor->datapath_ = std::move(*datapath);
  return executor;
}

Expected<BpfSuiteExecutor::Result> BpfSuiteExecutor::run(const Probe& probe, const FlowVerdict& oracle) {
  auto kernel = datapath_->evaluate(probe);
  if (!kernel) return kernel.error();
  Result result;
  result.verdict = kernel->verdict;
  result.disagreement = loader::compareWithEvaluator(oracle, *kernel, planned_.plan.rules);
  if (!result.disagreement.empty())
    result.disagreement = "the compiled program disagrees with the reference evaluator: " + result.disagreement;
  return result;
}

}  // namespace ciliumc::cli
