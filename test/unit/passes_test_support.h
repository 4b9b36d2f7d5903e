// Shared by the passes_* tests: planning, a C++ emulation of the datapath over a plan (what the
// BPF program computes, table by table), and its comparison with the reference evaluator.
#pragma once
#include <gtest/gtest.h>

#include <optional>
#include <sstream>
#include <string>

#include "ir/endpoint_policy.h"
#include "ir/evaluator.h"
#include "passes/datapath_plan.h"
#include "passes/pass_manager.h"
#include "passes/print_plan.h"
#include "ir_builders.h"

namespace ciliumc::testing {

inline PlanResult planOrFail(const PolicyIR& ir, const Inventory& inventory, const PassOptions& options = {}) {
  auto result = runPasses(ir, inventory, options);
  if (!result) {
    ADD_FAILURE() << "runPasses failed: " << result.error().message;
    return {};
  }
  return std::move(*result);
}

inline const EndpointPlan* endpointPlanOf(const CompilePlan& plan, const EndpointInfo* endpoint) {
  for (const EndpointPlan& candidate : plan.endpoints)
    if (candidate.endpoint == endpoint) return &candidate;
  return nullptr;
}

// The peer class the datapath finds: the IP cache (exact match) gives an identity whose class
// the shape's class map holds (0 when absent); a miss is a world address, classified by the
// shape's CIDR trie, else as world-ipv4/-ipv6. Endpoints without an address (no packets) fall
// back to their identity.
inline uint16_t datapathClass(const CompilePlan& plan, const ShapePlan& shape, const Party& peer, Direction d) {
  for (const IpcacheEntry& entry : plan.ipcache) {
    if (entry.ip != peer.ip) continue;
    auto found = shape.identityClasses.find(entry.identity);
    return found == shape.identityClasses.end() ? 0 : found->second[d == Direction::Ingress ? 0 : 1];
  }
  return shape.classOf(peer, d);
}

struct EmulatedSide {
  bool hasProgram = false;  // the side is an endpoint with a program
  VerdictCell cell;
  std::string problem;      // non-empty when the tables are inconsistent (class out of range, ...)
};

// One side of a flow as the datapath decides it: `self` enforces `direction` against `peer`.
inline EmulatedSide emulateSide(const CompilePlan& plan, const Party& self, Direction direction, const Party& peer,
                                Protocol protocol, uint16_t port) {
  EmulatedSide side;
  if (!self.isEndpoint()) return side;
  const EndpointPlan* endpoint = endpointPlanOf(plan, self.endpoint);
  if (!endpoint || endpoint->shape >= plan.shapes.size()) {
    side.problem = "no endpoint plan for " + self.displayName;
    return side;
  }
  side.hasProgram = true;
  const ShapePlan& shape = plan.shapes[endpoint->shape];
  const DirectionPlan& tables = shape.direction(direction);
  uint16_t cls = datapathClass(plan, shape, peer, direction);
  if (cls != shape.classOf(peer, direction))
    side.problem = "IP cache class " + std::to_string(cls) + " != classOf " + std::to_string(shape.classOf(peer, direction));
  uint32_t portClass = tables.portClassOf(l4KeyOf(protocol, port));
  if (cls >= tables.rows.size() || portClass >= tables.rows[cls].size()) {
    side.problem = "cell [" + std::to_string(cls) + "][" + std::to_string(portClass) + "] is outside the matrix";
    return side;
  }
  side.cell = tables.rows[cls][portClass];
  return side;
}

inline DatapathReason datapathReasonOf(SideVerdict::Reason reason) {
  if (reason == SideVerdict::Reason::NeighborDiscovery) return DatapathReason::NeighborDiscovery;
  return static_cast<DatapathReason>(static_cast<int>(reason));
}

inline bool decidedByRule(DatapathReason reason) {
  return reason == DatapathReason::AllowedByRule || reason == DatapathReason::DeniedByRule;
}

// "" when the emulated side agrees with the evaluator's side: verdict, reason, and a rule the
// evaluator reports as deciding (0 for default reasons).
inline std::string compareSide(const CompilePlan& plan, const SideVerdict& expected, const EmulatedSide& actual) {
  if (!actual.problem.empty()) return actual.problem;
  if (!actual.hasProgram)
    return expected.reason == SideVerdict::Reason::NoPolicy ? "" : "no program, but the evaluator enforces a policy";
  std::ostringstream why;
  DatapathReason reason = datapathReasonOf(expected.reason);
  bool deny = expected.verdict == Verdict::Deny;
  if (actual.cell.deny != deny || actual.cell.reason != reason)
    why << "cell says " << verdictCellText(actual.cell) << ", evaluator " << verdictName(expected.verdict) << " "
        << datapathReasonName(reason);
  if (decidedByRule(reason)) {
    const Provenance* rule = plan.rules.find(actual.cell.rule);
    bool deciding = rule && std::any_of(expected.deciding.begin(), expected.deciding.end(),
                                        [&](const Provenance& p) { return p.toString() == rule->toString(); });
    if (!deciding) why << (why.tellp() ? "; " : "") << "rule " << actual.cell.rule << " is not among the deciding rules";
  } else if (actual.cell.rule != 0) {
    why << (why.tellp() ? "; " : "") << "default cell names rule " << actual.cell.rule;
  }
  return why.str();
}

// "" when both sides of the probe agree; otherwise what differs, per side.
inline std::string compareProbe(const PolicyIR& ir, const CompilePlan& plan, const Probe& probe) {
  FlowVerdict flow = evaluateFlow(ir, probe);
  std::string problems;
  auto egress = emulateSide(plan, probe.source, Direction::Egress, probe.destination, probe.protocol, probe.port);
  if (auto why = compareSide(plan, flow.egress, egress); !why.empty()) problems += "egress: " + why + "\n";
  auto ingress = emulateSide(plan, probe.destination, Direction::Ingress, probe.source, probe.protocol, probe.port);
  if (auto why = compareSide(plan, flow.ingress, ingress); !why.empty()) problems += "ingress: " + why + "\n";
  return problems;
}

// A resolved World (ir_builders.h) and its plan.
struct PlannedWorld : World {
  PlanResult result;

  PlannedWorld(Inventory inventory, std::vector<PolicyRule> rules, ResolveOptions resolve = {},
               PassOptions passes = {})
      : World(std::move(inventory), std::move(rules), resolve) {
    result = planOrFail(ir, this->inventory, passes);
  }
  const CompilePlan& plan() const { return result.plan; }
  const ShapePlan& shapeOf(const std::string& endpoint) const {
    const EndpointInfo* info = inventory.findEndpoint(endpoint);
    if (!info) throw std::invalid_argument("no endpoint " + endpoint);
    return plan().shapes.at(endpointPlanOf(plan(), info)->shape);
  }
  const DirectionPlan& tables(const std::string& endpoint, Direction d) const { return shapeOf(endpoint).direction(d); }
  // The cell the datapath finds for `from` -> `to` on `portSpec` ("tcp/80", "icmp/8") at `side`.
  VerdictCell cell(const std::string& from, const std::string& to, const std::string& portSpec, Direction side) const {
    Probe probe = probeOf(from, to, portSpec);
    const Party& self = side == Direction::Egress ? probe.source : probe.destination;
    const Party& peer = side == Direction::Egress ? probe.destination : probe.source;
    return emulateSide(plan(), self, side, peer, probe.protocol, probe.port).cell;
  }
  Probe probeOf(const std::string& from, const std::string& to, const std::string& portSpec) const {
    Probe probe{party(from), party(to)};
    auto spec = *parsePortSpec(portSpec);
    probe.protocol = spec.ports ? spec.ports->protocol : spec.icmp->protocol;
    probe.port = spec.ports ? spec.ports->first : spec.icmp->type;
    return probe;
  }
  // Every mismatch with the evaluator over all parties, on the given ports ("" when none).
  std::string mismatches(const std::vector<std::string>& portSpecs) const {
    std::vector<std::string> references;
    for (const auto& e : inventory.endpoints)
      for (const auto& ip : e.ips) references.push_back(ip.toString());
    for (const auto& n : inventory.nodes)
      for (const auto& ip : n.ips) references.push_back(ip.toString());
    for (const auto& x : inventory.externals)
      for (const auto& ip : x.ips) references.push_back(ip.toString());
    std::string problems;
    for (const std::string& spec : portSpecs)
      for (const std::string& from : references)
        for (const std::string& to : references) {
          if (IpAddress::parse(from)->family != IpAddress::parse(to)->family) continue;
          Probe probe = probeOf(from, to, spec);
          if (auto why = compareProbe(ir, plan(), probe); !why.empty())
            problems += from + " -> " + to + " " + spec + ": " + why;
        }
    return problems;
  }
};

inline std::string probeText(const Probe& probe) {
  return probe.source.displayName + " (" + probe.source.ip.toString() + ") -> " + probe.destination.displayName + " (" +
         probe.destination.ip.toString() + ") " + protocolName(probe.protocol) + "/" + std::to_string(probe.port);
}

}  // namespace ciliumc::testing
