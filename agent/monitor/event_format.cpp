#include "agent/monitor/event_format.h"

#include <fmt/format.h>

#include <array>
#include <utility>

#include "passes/print_plan.h"

namespace ciliumc::monitor {

using nlohmann::json;

std::string reasonText(DatapathReason reason) {
  switch (reason) {
    case DatapathReason::DefaultDeny:
    case DatapathReason::DeniedByRule: return "Policy denied";
    case DatapathReason::Malformed: return "Invalid packet";
    case DatapathReason::SpoofedSource: return "Invalid source ip";
    case DatapathReason::BadIdentity: return "Invalid identity";
    case DatapathReason::BadClass: return "Invalid peer class";
    case DatapathReason::NoPolicy: return "No policy";
    case DatapathReason::DefaultAllow: return "Default allow";
    case DatapathReason::AllowedByRule: return "Allowed by rule";
    case DatapathReason::AllowLocalhost: return "Allow localhost";
    case DatapathReason::Reply: return "Reply";
    case DatapathReason::NotIp: return "Not IP";
    case DatapathReason::NeighborDiscovery: return "Neighbor discovery";
  }
  return "Unknown reason " + std::to_string(static_cast<int>(reason));
}

std::string icmpTypeName(L4Kind kind, uint8_t type) {
  static constexpr std::array<std::pair<uint8_t, const char*>, 11> kIcmp = {{
      {0, "EchoReply"}, {3, "DestinationUnreachable"}, {4, "SourceQuench"}, {5, "Redirect"},
      {8, "EchoRequest"}, {9, "RouterAdvertisement"}, {10, "RouterSolicitation"}, {11, "TimeExceeded"},
      {12, "ParameterProblem"}, {13, "TimestampRequest"}, {14, "TimestampReply"}}};
  static constexpr std::array<std::pair<uint8_t, const char*>, 11> kIcmpV6 = {{
      {1, "DestinationUnreachable"}, {2, "PacketTooBig"}, {3, "TimeExceeded"}, {4, "ParameterProblem"},
      {128, "EchoRequest"}, {129, "EchoReply"}, {133, "RouterSolicitation"}, {134, "RouterAdvertisement"},
      {135, "NeighborSolicitation"}, {136, "NeighborAdvertisement"}, {137, "Redirect"}}};
  bool v6 = kind == L4Kind::ICMPv6;
  for (const auto& [number, name] : v6 ? kIcmpV6 : kIcmp)
    if (number == type) return name;
  return fmt::format("{} type {}", v6 ? "ICMPv6" : "ICMP", type);
}

std::string tcpFlagsText(uint8_t flags) {
  static constexpr std::array<const char*, 8> kNames = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"};
  std::string text;
  for (size_t bit = 0; bit < kNames.size(); ++bit) {
    if (!(flags & (1u << bit))) continue;
    if (!text.empty()) text += ", ";
    text += kNames[bit];
  }
  return text;
}



namespace {

std::optional<L4Kind> l4KindFromName(std::string_view name) {
  for (L4Kind kind : {L4Kind::TCP, L4Kind::UDP, L4Kind::SCTP, L4Kind::ICMP, L4Kind::ICMPv6, L4Kind::None})
    if (l4KindName(kind) == name) return kind;
  return std::nullopt;
}

std::string endpointText(const IpAddress& address, std::optional<uint16_t> port) {
  if (!port) return address.toString();
  if (address.family == IpFamily::V6) return fmt::format("[{}]:{}", address.toString(), *port);
  return fmt::format("{}:{}", address.toString(), *port);
}

// What follows the addresses: the protocol (and TCP flags when known), or the ICMP message.
std::string l4Text(const MonitorEvent& event) {
  if (event.isIcmp()) return icmpTypeName(event.l4Kind, static_cast<uint8_t>(event.destinationPort));
  if (event.hasPorts()) {
    std::string text = l4KindName(event.l4Kind);
    if (event.l4Kind == L4Kind::TCP && event.tcpFlags && *event.tcpFlags) text += " " + tcpFlagsText(*event.tcpFlags);
    return text;
  }
  // No usable L4 header: another protocol, or a non-first fragment of a known one.
  switch (event.protocol) {
    case 6: return "tcp fragment";
    case 17: return "udp fragment";
    case 132: return "sctp fragment";
    case 1: return "icmp fragment";
    case 58: return "icmpv6 fragment";
    default: return fmt::format("proto {}", event.protocol);
  }
}

std::string ruleText(const MonitorEvent& event, const EventNames& names) {
  if (auto name = names.ruleName(event.ruleId)) return *name;
  return fmt::format("rule {}", event.ruleId);
}

std::string labelsSuffix(const MonitorEvent& event, const EventNames& names) {
  std::string text;
  for (uint32_t identity : {event.sourceIdentity(), event.destinationIdentity()}) {
    auto labels = names.identityLabels(identity);
    if (!labels) continue;
    text += fmt::format("{}{}=[{}]", text.empty() ? ", labels " : " ", identity, *labels);
    if (event.sourceIdentity() == event.destinationIdentity()) break;
  }
  return text;
}

json optionalString(const std::optional<std::string>& value) { return value ? json(*value) : json(nullptr); }

}  // namespace

std::string flowText(const MonitorEvent& event) {
  if (!event.family) return "non-IP frame";
  std::optional<uint16_t> sourcePort, destinationPort;
  if (event.hasPorts()) {
    sourcePort = event.sourcePort;
    destinationPort = event.destinationPort;
  }
  return fmt::format("{} -> {} {}", endpointText(event.source, sourcePort), endpointText(event.destination, destinationPort),
                     l4Text(event));
}

std::string decisionText(const MonitorEvent& event, const EventNames& names) {
  std::string verdict = event.deny ? "DENIED" : "ALLOWED";
  switch (event.reason) {
    case DatapathReason::AllowedByRule:
    case DatapathReason::DeniedByRule: return verdict + " by " + ruleText(event, names);
    case DatapathReason::DefaultDeny: return verdict + " by default deny";
    case DatapathReason::DefaultAllow: return verdict + " by default allow";
    case DatapathReason::Reply:
      return verdict + " as reply" + (event.ruleId ? " to " + ruleText(event, names) : std::string());
    default: return verdict + " (" + datapathReasonName(event.reason) + ")";
  }
}

std::string formatDropLine(const MonitorEvent& event, const EventNames& names) {
  return fmt::format("xx drop ({}) flow 0x0 {} endpoint {}, {}, identity {}->{}: {}, {}{}", reasonText(event.reason),
                     event.direction == Direction::Ingress ? "to" : "from", event.endpointId,
                     directionName(event.direction), event.sourceIdentity(), event.destinationIdentity(),
                     flowText(event), decisionText(event, names), labelsSuffix(event, names));
}

std::string formatVerdictLine(const MonitorEvent& event, const EventNames& names) {
  return fmt::format(
      "Policy verdict log: flow 0x0 local EP ID {}, local ID {}, remote ID {}, proto {}, {}, action {}, match {}, {}, {}{}",
      event.endpointId, event.identity, event.peerIdentity, event.protocol, directionName(event.direction),
      event.deny ? "deny" : "allow", datapathReasonName(event.reason), flowText(event), decisionText(event, names),
      labelsSuffix(event, names));
}

std::string formatEventLine(const MonitorEvent& event, const EventNames& names, EventType type) {
  if (type == EventType::Verdict || !event.deny) return formatVerdictLine(event, names);
  return formatDropLine(event, names);
}

json eventToJson(const MonitorEvent& event, const EventNames& names) {
  json out;
  out["type"] = eventTypeName(event.type());
  out["timestamp_ns"] = event.timestampNs;
  out["endpoint"] = event.endpointId;
  out["direction"] = directionName(event.direction);
  out["identity"] = event.identity;
  out["remote_identity"] = event.peerIdentity;
  out["identity_labels"] = optionalString(names.identityLabels(event.identity));
  out["remote_identity_labels"] = optionalString(names.identityLabels(event.peerIdentity));
  out["source_identity"] = event.sourceIdentity();
  out["destination_identity"] = event.destinationIdentity();
  out["action"] = event.deny ? "deny" : "allow";
  out["verdict"] = event.deny ? "DENIED" : "ALLOWED";
  out["reason"] = datapathReasonName(event.reason);
  out["reason_code"] = static_cast<int>(event.reason);
  out["reason_text"] = reasonText(event.reason);
  out["rule"] = event.ruleId;
  out["rule_name"] = event.ruleId ? optionalString(names.ruleName(event.ruleId)) : json(nullptr);
  out["decision"] = decisionText(event, names);
  out["family"] = event.family ? json(*event.family == IpFamily::V4 ? "ipv4" : "ipv6") : json(nullptr);
  out["source"] = event.family ? json(event.source.toString()) : json(nullptr);
  out["destination"] = event.family ? json(event.destination.toString()) : json(nullptr);
  out["protocol"] = event.protocol;
  out["l4"] = l4KindName(event.l4Kind);
  out["source_port"] = event.hasPorts() ? json(event.sourcePort) : json(nullptr);
  out["destination_port"] = event.hasPorts() ? json(event.destinationPort) : json(nullptr);
  out["icmp_type"] = event.isIcmp() ? json(event.destinationPort) : json(nullptr);
  out["icmp_name"] = event.isIcmp() ? json(icmpTypeName(event.l4Kind, static_cast<uint8_t>(event.destinationPort))) : json(nullptr);
  out["tcp_flags"] = event.tcpFlags ? json(tcpFlagsText(*event.tcpFlags)) : json(nullptr);
  out["tcp_flags_bits"] = event.tcpFlags ? json(*event.tcpFlags) : json(nullptr);
  out["summary"] = formatEventLine(event, names);
  return out;
}

namespace {

// Non-throwing field access for eventFromJson.
class Fields {
 public:
  explicit Fields(const json& object) : object_(object) {}

  Expected<uint64_t> number(const char* key, uint64_t max) const {
    auto it = object_.find(key);
    // A parsed document holds non-negative integers as unsigned; a built one may hold them signed.
    bool nonNegative = it != object_.end() && (it->is_number_unsigned() || (it->is_number_integer() && it->get<int64_t>() >= 0));
    if (!nonNegative || it->get<uint64_t>() > max)
      return Error{fmt::format("field '{}' must be an unsigned number up to {}", key, max)};
    return it->get<uint64_t>();
  }
  Expected<std::optional<uint64_t>> optionalNumber(const char* key, uint64_t max) const {
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return std::optional<uint64_t>();
    auto value = number(key, max);
    if (!value) return value.error();
    return std::optional<uint64_t>(*value);
  }
  Expected<std::string> string(const char* key) const {
    auto it = object_.find(key);
    if (it == object_.end() || !it->is_string()) return Error{fmt::format("field '{}' must be a string", key)};
    return it->get<std::string>();
  }
  Expected<std::optional<std::string>> optionalString(const char* key) const {
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return std::optional<std::string>();
    auto value = string(key);
    if (!value) return value.error();
    return std::optional<std::string>(*value);
  }

 private:
  const json& object_;
};

#define CILIUMC_TRY(var, expr)            \
  auto var = (expr);                      \
  if (!var) return var.error()

}  // namespace

Expected<ParsedEvent> eventFromJson(const json& input) {
  if (!input.is_object()) return Error{"an event must be a JSON object"};
  Fields fields(input);
  ParsedEvent parsed;
  MonitorEvent& event = parsed.event;
  CILIUMC_TRY(timestamp, fields.number("timestamp_ns", UINT64_MAX));
  CILIUMC_TRY(endpoint, fields.number("endpoint", UINT32_MAX));
  CILIUMC_TRY(identity, fields.number("identity", UINT32_MAX));
  CILIUMC_TRY(remote, fields.number("remote_identity", UINT32_MAX));
  CILIUMC_TRY(rule, fields.number("rule", UINT32_MAX));
  CILIUMC_TRY(reason, fields.number("reason_code", UINT8_MAX));
  CILIUMC_TRY(protocol, fields.number("protocol", UINT8_MAX));
  CILIUMC_TRY(direction, fields.string("direction"));
  CILIUMC_TRY(action, fields.string("action"));
  CILIUMC_TRY(l4, fields.string("l4"));
  CILIUMC_TRY(family, fields.optionalString("family"));
  event.timestampNs = *timestamp;
  event.endpointId = static_cast<uint32_t>(*endpoint);
  event.identity = static_cast<uint32_t>(*identity);
  event.peerIdentity = static_cast<uint32_t>(*remote);
  event.ruleId = static_cast<uint32_t>(*rule);
  event.reason = static_cast<DatapathReason>(*reason);
  event.protocol = static_cast<uint8_t>(*protocol);
  if (*direction != "ingress" && *direction != "egress") return Error{"field 'direction' must be ingress or egress"};
  event.direction = *direction == "ingress" ? Direction::Ingress : Direction::Egress;
  if (*action != "allow" && *action != "deny") return Error{"field 'action' must be allow or deny"};
  event.deny = *action == "deny";
  auto kind = l4KindFromName(*l4);
  if (!kind) return Error{"field 'l4' must be one of tcp, udp, sctp, icmp, icmpv6, none"};
  if (*family) {
    if (**family != "ipv4" && **family != "ipv6") return Error{"field 'family' must be ipv4, ipv6 or null"};
    event.family = **family == "ipv4" ? IpFamily::V4 : IpFamily::V6;
    event.l4Kind = *kind;
    for (auto [key, address] : {std::pair{"source", &event.source}, std::pair{"destination", &event.destination}}) {
      CILIUMC_TRY(text, fields.string(key));
      auto parsedAddress = IpAddress::parse(*text);
      if (!parsedAddress || parsedAddress->family != *event.family)
        return Error{fmt::format("field '{}' must be an {} address", key, **family)};
      *address = *parsedAddress;
    }
    CILIUMC_TRY(sourcePort, fields.optionalNumber("source_port", UINT16_MAX));
    CILIUMC_TRY(destinationPort, fields.optionalNumber("destination_port", UINT16_MAX));
    CILIUMC_TRY(icmpType, fields.optionalNumber("icmp_type", UINT8_MAX));
    if (event.hasPorts()) {
      if (!*sourcePort || !*destinationPort) return Error{"a " + *l4 + " event needs source_port and destination_port"};
      event.sourcePort = static_cast<uint16_t>(**sourcePort);
      event.destinationPort = static_cast<uint16_t>(**destinationPort);
    } else if (event.isIcmp()) {
      if (!*icmpType) return Error{"an " + *l4 + " event needs icmp_type"};
      event.destinationPort = static_cast<uint16_t>(**icmpType);
    }
  }
  CILIUMC_TRY(flags, fields.optionalNumber("tcp_flags_bits", UINT8_MAX));
  if (*flags) event.tcpFlags = static_cast<uint8_t>(**flags);

  CILIUMC_TRY(ruleName, fields.optionalString("rule_name"));
  if (*ruleName) parsed.names.rules[event.ruleId] = **ruleName;
  CILIUMC_TRY(labels, fields.optionalString("identity_labels"));
  if (*labels) parsed.names.labels[event.identity] = **labels;
  CILIUMC_TRY(remoteLabels, fields.optionalString("remote_identity_labels"));
  if (*remoteLabels) parsed.names.labels[event.peerIdentity] = **remoteLabels;
  return parsed;
}

#undef CILIUMC_TRY

}  // namespace ciliumc::monitor
