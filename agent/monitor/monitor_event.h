// MonitorEvent: one ring-buffer record of the datapath (struct ciliumc_event in
// runtime/ciliumc_abi.h) decoded into C++ types. The runtime writes one record per dropped
// packet and, when ciliumc_config has CILIUMC_CONFIG_EMIT_ALLOW_EVENTS, one per allowed packet.
// Contract: decodeEvent never trusts the record: a short record is an Error, unknown enum values
// are kept as numbers (DatapathReason prints as "reason-N", L4 kinds beyond None become None).
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "ir/ip.h"
#include "ir/policy.h"
#include "passes/datapath_plan.h"
#include "runtime/ciliumc_abi.h"
#include "support/expected.h"

namespace ciliumc::monitor {

// What a subscriber asks for: drops are the denied packets; verdicts are the policy decisions
// (allowed packets, and denied ones whose reason is a policy decision, see isPolicyVerdict).
enum class EventType { All, Drop, Verdict };
std::string eventTypeName(EventType type);  // "all", "drop", "verdict"

struct MonitorEvent {
  uint64_t timestampNs = 0;  // bpf_ktime_get_ns (monotonic, since boot)
  uint32_t endpointId = 0;
  uint32_t identity = 0;      // the endpoint's own identity
  uint32_t peerIdentity = 0;  // the other side's identity
  uint32_t ruleId = 0;        // RuleTable provenance id, 0 = none
  Direction direction = Direction::Ingress;
  DatapathReason reason = DatapathReason::NoPolicy;
  bool deny = false;
  std::optional<IpFamily> family;  // nullopt: not an IP packet (no addresses, no L4)
  IpAddress source, destination;   // as on the wire
  uint8_t protocol = 0;            // IP protocol number
  L4Kind l4Kind = L4Kind::None;    // None: other protocols and non-first fragments
  uint16_t sourcePort = 0;         // TCP/UDP/SCTP
  uint16_t destinationPort = 0;    // TCP/UDP/SCTP destination port, or the ICMP/ICMPv6 type
  // The record carries no TCP flags today; kept so a later ABI can add them without changing
  // the formatters (which print them only when present).
  std::optional<uint8_t> tcpFlags;

  EventType type() const { return deny ? EventType::Drop : EventType::Verdict; }
  bool hasPorts() const { return l4Kind == L4Kind::TCP || l4Kind == L4Kind::UDP || l4Kind == L4Kind::SCTP; }
  bool isIcmp() const { return l4Kind == L4Kind::ICMP || l4Kind == L4Kind::ICMPv6; }
  // The identities in packet order: at ingress the peer sends to the endpoint.
  uint32_t sourceIdentity() const { return direction == Direction::Ingress ? peerIdentity : identity; }
  uint32_t destinationIdentity() const { return direction == Direction::Ingress ? identity : peerIdentity; }
  bool operator==(const MonitorEvent&) const = default;
};

// A decision of the policy (allowed or denied by a rule, a default, a reply, allow-localhost),
// as opposed to the datapath's own drops (malformed, spoofed source, bad identity or class).
bool isPolicyVerdict(const MonitorEvent& event);

// Decodes one ring-buffer record (at least sizeof(ciliumc_event) bytes).
Expected<MonitorEvent> decodeEvent(std::span<const uint8_t> record);
MonitorEvent decodeEvent(const ciliumc_event& record);
// The inverse (tests, synthetic events): decodeEvent(encodeEvent(e)) == e for every event a
// record can carry (tcpFlags is not carried).
ciliumc_event encodeEvent(const MonitorEvent& event);

}  // namespace ciliumc::monitor
