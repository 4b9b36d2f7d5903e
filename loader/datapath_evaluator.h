// DatapathEvaluator: answers a probe the way ir/evaluator.h does, but by running packets through
// the compiled BPF programs of a plan (BPF_PROG_TEST_RUN) — the executor behind
// `ciliumc test --exec bpf` and the differential test.
// Contract (mirrors evaluateFlow): the sender's egress program runs when the sender is an
// endpoint, the receiver's ingress program when the receiver is an endpoint; a side that is not
// an endpoint has no program (NoPolicy). Each side sees a fresh flow (CT cleared before it), so
// neither side's verdict depends on the other's or on earlier probes. The flow is allowed when
// both sides allow. Parties without an address of the probe's family get a synthetic one
// (loader/synthetic_addresses.h) mapped to their identity in the ipcache.
// Decision details come from the runtime's event (allow events are switched on).
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "ir/evaluator.h"
#include "loader/packet_builder.h"
#include "loader/plan_loader.h"
#include "loader/probe_runner.h"
#include "loader/synthetic_addresses.h"

namespace ciliumc::loader {

struct DatapathSide {
  bool hasProgram = false;  // false: not an endpoint (reason NoPolicy)
  uint32_t endpointId = 0;
  int tcVerdict = kTcActOk;
  Verdict verdict = Verdict::Allow;
  DatapathReason reason = DatapathReason::NoPolicy;
  uint32_t rule = 0;                   // provenance id (RuleTable), 0 = none
  std::optional<ciliumc_event> event;  // what the runtime reported
  uint32_t durationNs = 0;
};

struct DatapathFlowVerdict {
  Verdict verdict = Verdict::Allow;
  DatapathSide egress;   // the sender's side
  DatapathSide ingress;  // the receiver's side
  IpAddress source, destination;  // the addresses on the wire
  bool syntheticSource = false, syntheticDestination = false;
};

class DatapathEvaluator {
 public:
  static Expected<std::unique_ptr<DatapathEvaluator>> create(const CompilePlan& plan, ShapeObjectSource source,
                                                             PlanLoaderOptions options = {});
  Expected<DatapathFlowVerdict> evaluate(const Probe& probe);

  PlanLoader& loader() { return *loader_; }
  // The packet a probe sends (after address assignment) — for dumps and benchmarks.
  Expected<std::vector<uint8_t>> packetFor(const Probe& probe);

 private:
  DatapathEvaluator(const CompilePlan& plan, ShapeObjectSource source, PlanLoaderOptions options);
  Expected<size_t> endpointIndexOf(const Party& party) const;
  Expected<IpAddress> wireAddress(const Party& party, IpFamily family, bool& synthetic);
  Status ensureRunner();  // after the first load: node maps exist
  Expected<DatapathSide> runSide(const Party& party, Direction direction, const std::vector<uint8_t>& packet);

  std::unique_ptr<PlanLoader> loader_;
  SyntheticAddresses addresses_;
  std::optional<ProbeRunner> runner_;
  std::map<const EndpointInfo*, size_t> endpointIndex_;
  std::vector<IpcacheEntry> pendingIpcache_;  // synthetic addresses not yet in the ipcache
};

// Differential check: "" when the datapath agrees with the reference evaluator — the same flow
// verdict and, per side, the same verdict and reason (NoPolicy <-> no program), and for a rule
// decision a rule the evaluator lists as deciding. Otherwise a one-paragraph description.
std::string compareWithEvaluator(const FlowVerdict& expected, const DatapathFlowVerdict& actual, const RuleTable& rules);

std::string describe(const DatapathFlowVerdict& verdict, const RuleTable& rules);
std::string reasonName(DatapathReason reason);
// The datapath's name for an evaluator reason (by meaning, not by number).
DatapathReason datapathReasonOf(SideVerdict::Reason reason);

}  // namespace ciliumc::loader
