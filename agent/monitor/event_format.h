// Rendering monitor events for people (Cilium's `cilium monitor` lines, extended with what
// users asked for: the deciding policy and rule, ALLOWED/DENIED, both identities always) and
// for programs (one JSON object per event, every field).
//
//   drop (denied packet):
//     xx drop (Policy denied) flow 0x0 to endpoint 7, ingress, identity 261->264: 10.0.0.3:40000 -> 10.0.0.1:22 tcp, DENIED by default deny
//   verdict (allowed packet; with --type verdict also denied ones, "action deny"):
//     Policy verdict log: flow 0x0 local EP ID 7, local ID 264, remote ID 261, proto 6, ingress, action allow, match allowed-by-rule, 10.0.0.3:40000 -> 10.0.0.1:80 tcp, ALLOWED by policy web-in rule 0
//   Known identity labels end the line: ", labels 261=[k8s:app=client] 264=[k8s:app=web]".
//   The flow hash is always 0x0 (the datapath has none); "match" is the datapath reason.
// Contract: eventFromJson(eventToJson(e, names)) gives back e (except tcpFlags when absent) and
// names that render the same lines — so `ciliumctl monitor` prints, from the agent's JSON
// stream, exactly what the agent would.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "agent/monitor/event_names.h"
#include "agent/monitor/monitor_event.h"
#include "support/expected.h"

namespace ciliumc::monitor {

// Cilium's words where Cilium has the reason ("Policy denied", "Invalid source ip", "Invalid
// packet", "Invalid identity"), plain words otherwise ("Allowed by rule", "Reply", ...).
std::string reasonText(DatapathReason reason);
// "EchoRequest", "NeighborSolicitation", ... (Cilium's names); "ICMP type 42" when unnamed.
std::string icmpTypeName(L4Kind kind, uint8_t type);
// "SYN", "SYN, ACK", ... in wire bit order.
std::string tcpFlagsText(uint8_t flags);
// l4KindName (passes/datapath_plan.h): "tcp", "udp", "sctp", "icmp", "icmpv6", "none".

// "10.0.0.3:40000 -> 10.0.0.1:80 tcp", "[fd00::3]:40000 -> [fd00::1]:80 udp",
// "10.0.0.3 -> 10.0.0.1 EchoRequest", "non-IP frame".
std::string flowText(const MonitorEvent& event);
// "DENIED by policy web-in rule 2", "DENIED by default deny", "ALLOWED as reply to rule 4", ...
std::string decisionText(const MonitorEvent& event, const EventNames& names);

std::string formatDropLine(const MonitorEvent& event, const EventNames& names);
std::string formatVerdictLine(const MonitorEvent& event, const EventNames& names);
// The line a subscriber of `type` sees: Verdict -> verdict lines for every event; Drop and All ->
// drop lines for denied events, verdict lines for allowed ones.
std::string formatEventLine(const MonitorEvent& event, const EventNames& names, EventType type = EventType::All);

nlohmann::json eventToJson(const MonitorEvent& event, const EventNames& names);

struct ParsedEvent {
  MonitorEvent event;
  StaticEventNames names;  // the rule and identity names the JSON carried
};
// Never throws; a missing or mistyped field is an Error naming it.
Expected<ParsedEvent> eventFromJson(const nlohmann::json& json);

}  // namespace ciliumc::monitor
