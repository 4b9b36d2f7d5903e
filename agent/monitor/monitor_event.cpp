#include "agent/monitor/monitor_event.h"

#include <algorithm>
#include <cstring>

namespace ciliumc::monitor {

std::string eventTypeName(EventType type) {
  switch (type) {
    case EventType::All: return "all";
    case EventType::Drop: return "drop";
    case EventType::Verdict: return "verdict";
  }
  return "all";
}

bool isPolicyVerdict(const MonitorEvent& event) {
  switch (event.reason) {
    case DatapathReason::NoPolicy:
    case DatapathReason::DefaultAllow:
    case DatapathReason::DefaultDeny:
    case DatapathReason::AllowedByRule:
    case DatapathReason::DeniedByRule:
    case DatapathReason::AllowLocalhost:
    case DatapathReason::Reply:
      return true;
    default:
      return !event.deny;  // an allowed packet is always a decision worth showing as a verdict
  }
}

MonitorEvent decodeEvent(const ciliumc_event& record) {
  MonitorEvent event;
  event.timestampNs = record.timestamp_ns;
  event.endpointId = record.endpoint_id;
  event.identity = record.identity;
  event.peerIdentity = record.peer_identity;
  event.ruleId = record.rule;
  event.direction = record.direction == CILIUMC_EGRESS ? Direction::Egress : Direction::Ingress;
  event.reason = static_cast<DatapathReason>(record.reason);
  event.deny = record.deny != 0;
  event.protocol = record.protocol;
  if (record.family == 4 || record.family == 6) {
    IpFamily family = record.family == 4 ? IpFamily::V4 : IpFamily::V6;
    event.family = family;
    size_t length = family == IpFamily::V4 ? 4 : 16;
    event.source.family = event.destination.family = family;
    std::copy_n(record.saddr, length, event.source.bytes.begin());
    std::copy_n(record.daddr, length, event.destination.bytes.begin());
    event.l4Kind = record.l4_kind <= static_cast<uint8_t>(L4Kind::None) ? static_cast<L4Kind>(record.l4_kind) : L4Kind::None;
    if (event.hasPorts()) event.sourcePort = record.sport;
    if (event.hasPorts() || event.isIcmp()) event.destinationPort = record.dport;
  }
  return event;
}

Expected<MonitorEvent> decodeEvent(std::span<const uint8_t> record) {
  if (record.size() < sizeof(ciliumc_event))
    return Error{"event record of " + std::to_string(record.size()) + " bytes, expected " +
                 std::to_string(sizeof(ciliumc_event))};
  ciliumc_event raw;
  std::memcpy(&raw, record.data(), sizeof(raw));
  return decodeEvent(raw);
}

ciliumc_event encodeEvent(const MonitorEvent& event) {
  ciliumc_event record{};
  record.timestamp_ns = event.timestampNs;
  record.endpoint_id = event.endpointId;
  record.identity = event.identity;
  record.peer_identity = event.peerIdentity;
  record.rule = event.ruleId;
  record.direction = event.direction == Direction::Egress ? CILIUMC_EGRESS : CILIUMC_INGRESS;
  record.reason = static_cast<uint8_t>(event.reason);
  record.deny = event.deny ? 1 : 0;
  record.protocol = event.protocol;
  record.l4_kind = static_cast<uint8_t>(event.l4Kind);
  if (event.family) {
    record.family = *event.family == IpFamily::V4 ? 4 : 6;
    size_t length = *event.family == IpFamily::V4 ? 4 : 16;
    std::copy_n(event.source.bytes.begin(), length, record.saddr);
    std::copy_n(event.destination.bytes.begin(), length, record.daddr);
  } else {
    record.l4_kind = CILIUMC_L4_NONE;
  }
  record.sport = event.sourcePort;
  record.dport = event.destinationPort;
  return record;
}

}  // namespace ciliumc::monitor
