// The pass manager: runs the pipeline from the policy IR to the datapath plan
// (passes/datapath_plan.h) and keeps what the analyses found. The CLI's `--print-passes`,
// `--dump-after=PASS` and `--disable-pass=PASS` map onto this API.
//
//   PassOptions options;
//   options.disabled = {"eliminate-subsumed"};
//   options.dumpAfter = {"partition-ports"};
//   options.dumpStream = &std::cerr;
//   Expected<PlanResult> result = runPasses(ir, inventory, options);
//
// The plan points into `inventory` (EndpointPlan::endpoint): keep the inventory alive.
#pragma once
#include <iosfwd>
#include <string>
#include <vector>

#include "ir/endpoint_policy.h"
#include "passes/datapath_plan.h"
#include "passes/findings.h"
#include "support/expected.h"

namespace ciliumc {

struct PassOptions {
  std::vector<std::string> disabled;   // optional passes to skip (a required one is an error)
  std::vector<std::string> dumpAfter;  // print the state after these passes to dumpStream
  std::ostream* dumpStream = nullptr;  // required when dumpAfter is not empty
};

struct PassTiming {
  std::string pass;
  double milliseconds = 0;  // wall clock; 0 for a disabled pass
};

struct PlanResult {
  CompilePlan plan;
  std::vector<Finding> findings;
  std::vector<PassTiming> timings;  // every pass in pipeline order (`--time-passes`)
  double totalMilliseconds = 0;     // the passes plus grouping endpoints with identical IR first
};

struct PassDescription {
  std::string name;
  std::string contract;
  bool optional = true;
  bool lowering = false;  // builds the plan (dumps print the plan) rather than rewriting the IR
};

// Every pass in pipeline order.
std::vector<PassDescription> listPasses();

// `--print-passes`: one line per pass, "name  [optional|required]  contract".
void printPasses(std::ostream& out);

// Checks names (unknown pass, with a "did you mean") and that no required pass is disabled.
Expected<bool> validatePassOptions(const PassOptions& options);

// Runs the pipeline. Fails without running anything on invalid options or when the IR is not
// parallel to the inventory's endpoints, and after a pass when the plan exceeds a datapath limit
// (more than 65535 peer classes or 65536 port classes in a shape's direction).
Expected<PlanResult> runPasses(const PolicyIR& ir, const Inventory& inventory, const PassOptions& options = {});

}  // namespace ciliumc
