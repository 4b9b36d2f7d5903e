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

// The addresses and identities of the flow, then one line per side, e.g.
//   flow: 10.0.0.1 (identity 256) -> 10.0.0.2 (identity 257)
//   egress  of x/client: allow — allowed by web.policy:12:5 (policy frontend, egress rule 0)
//   ingress of x/web:    deny  — default deny: no rule allows it; ingress is enforced by web.policy:3:1 (policy web)
// Callers indent the lines; the wording is stable (lit tests and users' scripts match it).
std::vector<std::string> describeFlow(const PolicyIR& ir, const Probe& probe, const FlowVerdict& verdict);

nlohmann::json flowToJson(const PolicyIR& ir, const Probe& probe, const FlowVerdict& verdict);

}  // namespace ciliumc::cli
