#include "passes/pass_registry.h"

namespace ciliumc {

const std::vector<PassInfo>& passPipeline() {
  static const std::vector<PassInfo> pipeline = {
      normalizeL4Pass(),      dedupeEntriesPass(),      eliminateSubsumedPass(), denyOverAllowPass(),
      groupShapesPass(),      internPeersPass(),        partitionPortsPass(),    classifyPeersPass(),
      buildVerdictMatrixPass(), aggregateCidrsPass(),   budgetPass(),
  };
  return pipeline;
}

}  // namespace ciliumc
