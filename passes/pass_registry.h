// The passes, in pipeline order, each with its name, one-line contract and stage (internal to
// passes/; passes/pass_manager.h is the public API).
#pragma once
#include <string_view>
#include <vector>

#include "passes/pass_state.h"

namespace ciliumc {

enum class PassStage {
  PolicyIR,  // rewrites the policy IR of each shape (dump: the IR per shape)
  Lowering,  // builds the datapath plan (dump: the plan)
};

struct PassInfo {
  std::string_view name;
  std::string_view contract;
  PassStage stage = PassStage::PolicyIR;
  bool optional = true;  // may be disabled; required passes build what the back end needs
  void (*run)(PipelineState& state) = nullptr;
};

// Defined in the pass's own file.
PassInfo normalizeL4Pass();
PassInfo dedupeEntriesPass();
PassInfo eliminateSubsumedPass();
PassInfo denyOverAllowPass();
PassInfo groupShapesPass();
PassInfo internPeersPass();
PassInfo partitionPortsPass();
PassInfo classifyPeersPass();
PassInfo buildVerdictMatrixPass();
PassInfo aggregateCidrsPass();
PassInfo budgetPass();

// Every pass in pipeline order.
const std::vector<PassInfo>& passPipeline();

}  // namespace ciliumc
