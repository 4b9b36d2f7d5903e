#include "loader/datapath_evaluator.h"

#include "passes/print_plan.h"

#include "loader/map_fill.h"
#include "loader/object_layout.h"

namespace ciliumc::loader {

namespace {

constexpr uint16_t kProbeSourcePort = 40000;

const char* directionWord(Direction direction) { return direction == Direction::Ingress ? "ingress" : "egress"; }

std::string ruleText(uint32_t rule, const RuleTable& rules) {
  if (rule == 0) return "";
  const Provenance* provenance = rules.find(rule);
  return " rule " + std::to_string(rule) + (provenance ? " " + provenance->toString() : std::string(" (unknown)"));
}

std::string sideText(const DatapathSide& side, const RuleTable& rules) {
  if (!side.hasProgram) return "no program (no-policy)";
  return "endpoint " + std::to_string(side.endpointId) + " " + verdictName(side.verdict) + " " +
         reasonName(side.reason) + ruleText(side.rule, rules);
}

std::string expectedSideText(const SideVerdict& side) {
  std::string text = verdictName(side.verdict) + " " + reasonName(datapathReasonOf(side.reason));
  for (const Provenance& provenance : side.deciding) text += " [" + provenance.toString() + "]";
  return text;
}

std::string compareSide(const char* name, const SideVerdict& expected, const DatapathSide& actual, const RuleTable& rules) {
  auto mismatch = [&](const std::string& what) {
    return std::string(name) + ": " + what + " (evaluator: " + expectedSideText(expected) +
           "; datapath: " + sideText(actual, rules) + ")";
  };
  bool expectProgram = expected.reason != SideVerdict::Reason::NoPolicy;
  if (expectProgram != actual.hasProgram) return mismatch(actual.hasProgram ? "a program ran" : "no program ran");
  if (!actual.hasProgram) return "";
  if (expected.verdict != actual.verdict) return mismatch("verdicts differ");
  if (datapathReasonOf(expected.reason) != actual.reason) return mismatch("reasons differ");
  bool byRule = expected.reason == SideVerdict::Reason::AllowedByRule || expected.reason == SideVerdict::Reason::DeniedByRule;
  if (!byRule) return "";
  const Provenance* provenance = rules.find(actual.rule);
  if (!provenance) return mismatch("the datapath names no known rule");
  std::string text = provenance->toString();
  for (const Provenance& deciding : expected.deciding)
    if (deciding.toString() == text) return "";
  return mismatch("the deciding rule is not one the evaluator lists");
}

}  // namespace

DatapathReason datapathReasonOf(SideVerdict::Reason reason) {
  switch (reason) {
    case SideVerdict::Reason::NoPolicy: return DatapathReason::NoPolicy;
    case SideVerdict::Reason::DefaultAllow: return DatapathReason::DefaultAllow;
    case SideVerdict::Reason::DefaultDeny: return DatapathReason::DefaultDeny;
    case SideVerdict::Reason::AllowedByRule: return DatapathReason::AllowedByRule;
    case SideVerdict::Reason::DeniedByRule: return DatapathReason::DeniedByRule;
    case SideVerdict::Reason::AllowLocalhost: return DatapathReason::AllowLocalhost;
    case SideVerdict::Reason::NeighborDiscovery: return DatapathReason::NeighborDiscovery;
  }
  return DatapathReason::NoPolicy;
}

std::string reasonName(DatapathReason reason) { return datapathReasonName(reason); }

std::string describe(const DatapathFlowVerdict& verdict, const RuleTable& rules) {
  return verdictName(verdict.verdict) + " (" + verdict.source.toString() + " -> " + verdict.destination.toString() +
         "; egress: " + sideText(verdict.egress, rules) + "; ingress: " + sideText(verdict.ingress, rules) + ")";
}

std::string compareWithEvaluator(const FlowVerdict& expected, const DatapathFlowVerdict& actual, const RuleTable& rules) {
  std::string problems;
  auto add = [&](std::string problem) {
    if (problem.empty()) return;
    if (!problems.empty()) problems += "\n";
    problems += problem;
  };
  add(compareSide("sender egress", expected.egress, actual.egress, rules));
  add(compareSide("receiver ingress", expected.ingress, actual.ingress, rules));
  if (problems.empty() && expected.verdict != actual.verdict)
    add("flow verdicts differ: evaluator " + verdictName(expected.verdict) + ", datapath " + verdictName(actual.verdict));
  return problems;
}

DatapathEvaluator::DatapathEvaluator(const CompilePlan& plan, ShapeObjectSource source, PlanLoaderOptions options)
    : loader_(std::make_unique<PlanLoader>(plan, std::move(source), std::move(options))), addresses_(plan) {
  for (size_t i = 0; i < plan.endpoints.size(); ++i)
    if (plan.endpoints[i].endpoint) endpointIndex_.emplace(plan.endpoints[i].endpoint, i);
}

Expected<std::unique_ptr<DatapathEvaluator>> DatapathEvaluator::create(const CompilePlan& plan, ShapeObjectSource source,
                                                                       PlanLoaderOptions options) {
  if (!source) return Error{"no BPF object source"};
  return std::unique_ptr<DatapathEvaluator>(new DatapathEvaluator(plan, std::move(source), std::move(options)));
}

Expected<size_t> DatapathEvaluator::endpointIndexOf(const Party& party) const {
  auto it = endpointIndex_.find(party.endpoint);
  if (it == endpointIndex_.end()) return Error{"endpoint " + party.displayName + " is not in the compile plan"};
  return it->second;
}

Expected<IpAddress> DatapathEvaluator::wireAddress(const Party& party, IpFamily family, bool& synthetic) {
  if (party.kind == Party::Kind::World) {
    if (party.ip.family != family) return Error{"the probe mixes IPv4 and IPv6 addresses"};
    if (addresses_.isSynthetic(party.ip))
      return Error{"world address " + party.ip.toString() +
                   " collides with a synthetic address of the BPF executor (100.64.0.0/10, fd00:c111::/32)"};
  }
  auto assignment = addresses_.addressFor(party, family);
  synthetic = assignment.synthetic;
  if (assignment.fresh) pendingIpcache_.push_back(IpcacheEntry{assignment.address, party.identity});
  return assignment.address;
}

Status DatapathEvaluator::ensureRunner() {
  if (!runner_) {
    auto runner = ProbeRunner::create(loader_->nodeMap(kEventsMap), loader_->nodeMap(kCtMap), loader_->nodeMap(kConfigMap));
    if (!runner) return runner.error();
    if (auto enabled = runner->setEmitAllowEvents(true); !enabled) return enabled;
    runner_.emplace(std::move(*runner));
  }
  int ipcache = loader_->nodeMap(kIpcacheMap);
  for (const IpcacheEntry& entry : pendingIpcache_)
    if (auto inserted = upsertIpcache(ipcache, entry.ip, entry.identity); !inserted) return inserted;
  pendingIpcache_.clear();
  return success();
}

Expected<DatapathSide> DatapathEvaluator::runSide(const Party& party, Direction direction, const std::vector<uint8_t>& packet) {
  auto index = endpointIndexOf(party);
  if (!index) return index.error();
  auto object = loader_->endpoint(*index);
  if (!object) return object.error();
  if (auto ready = ensureRunner(); !ready) return ready.error();
  int program = (*object)->programFd(direction);
  if (program < 0) return Error{"the object of " + party.displayName + " has no " + directionWord(direction) + " program"};
  if (auto cleared = runner_->clearConnections(); !cleared) return cleared.error();
  auto outcome = runner_->run(program, packet);
  if (!outcome) return outcome.error();

  DatapathSide side;
  side.hasProgram = true;
  side.endpointId = loader_->plan().endpoints[*index].endpointId;
  side.tcVerdict = outcome->tcVerdict;
  side.durationNs = outcome->durationNs;
  side.verdict = outcome->tcVerdict == kTcActShot ? Verdict::Deny : Verdict::Allow;
  const ciliumc_event* event = outcome->lastEvent();
  if (!event) return Error{"the " + std::string(directionWord(direction)) + " program of " + party.displayName +
                           " returned " + std::to_string(outcome->tcVerdict) + " but emitted no event"};
  if (event->endpoint_id != side.endpointId || event->direction != (direction == Direction::Ingress ? CILIUMC_INGRESS : CILIUMC_EGRESS))
    return Error{"the event of " + party.displayName + " names endpoint " + std::to_string(event->endpoint_id) +
                 " direction " + std::to_string(event->direction)};
  if ((event->deny != 0) != (side.verdict == Verdict::Deny))
    return Error{"the event of " + party.displayName + " says " + (event->deny ? "deny" : "allow") +
                 " but the program returned " + std::to_string(outcome->tcVerdict)};
  side.event = *event;
  side.reason = static_cast<DatapathReason>(event->reason);
  side.rule = event->rule;
  return side;
}

Expected<std::vector<uint8_t>> DatapathEvaluator::packetFor(const Probe& probe) {
  IpFamily family = probe.source.ip.family;
  bool synthetic = false;
  auto source = wireAddress(probe.source, family, synthetic);
  if (!source) return source.error();
  auto destination = wireAddress(probe.destination, family, synthetic);
  if (!destination) return destination.error();
  PacketSpec spec;
  spec.source = *source;
  spec.destination = *destination;
  spec.protocol = probe.protocol;
  spec.port = probe.port;
  // Never let the reversed flow equal the flow (self traffic with sport == dport).
  spec.sourcePort = probe.port == kProbeSourcePort ? kProbeSourcePort + 1 : kProbeSourcePort;
  return buildPacket(spec);
}

Expected<DatapathFlowVerdict> DatapathEvaluator::evaluate(const Probe& probe) {
  DatapathFlowVerdict result;
  IpFamily family = probe.source.ip.family;
  auto source = wireAddress(probe.source, family, result.syntheticSource);
  if (!source) return source.error();
  auto destination = wireAddress(probe.destination, family, result.syntheticDestination);
  if (!destination) return destination.error();
  result.source = *source;
  result.destination = *destination;
  auto packet = packetFor(probe);
  if (!packet) return packet.error();
  if (probe.source.isEndpoint()) {
    auto side = runSide(probe.source, Direction::Egress, *packet);
    if (!side) return side.error();
    result.egress = *side;
  }
  if (probe.destination.isEndpoint()) {
    auto side = runSide(probe.destination, Direction::Ingress, *packet);
    if (!side) return side.error();
    result.ingress = *side;
  }
  result.verdict = result.egress.verdict == Verdict::Deny || result.ingress.verdict == Verdict::Deny ? Verdict::Deny
                                                                                                      : Verdict::Allow;
  return result;
}

}  // namespace ciliumc::loader
