// Renders a FlowVerdict for people (explain, failing tests) and for machines (JSON). Shared by
// `explain` and `test` so both always say the same thing about the same flow.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ir/evaluator.h"

namespace ciliumc::cli {

// "tcp/80", "udp/53", "icmp/echo-request" — the probe's L4 in the language's port syntax.
std::string probeL4Text(Protocol protocol, uint16_t portOrType);

// One line per side, e.g.
//   egress  of x/client: allow — allowed by web.policy:12:5 (policy frontend, egress rule 0)
//   ingress of x/web:    deny  — default deny (ingress enforced by web.policy:3:1)
std::vector<std::string> describeFlow(const PolicyIR& ir, const Probe& probe, const FlowVerdict& verdict);

nlohmann::json flowToJson(const PolicyIR& ir, const Probe& probe, const FlowVerdict& verdict);

}  // namespace ciliumc::cli
