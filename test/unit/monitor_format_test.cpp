// Monitor event decoding and rendering: Cilium-style drop and verdict lines (with the deciding
// policy rule, ALLOWED/DENIED, both identities), JSON with every field, and the JSON round trip
// `ciliumctl monitor` relies on to print the agent's lines.
#include <gtest/gtest.h>

#include "agent/monitor/event_format.h"
#include "agent/monitor/event_hub.h"

namespace ciliumc::monitor {
namespace {

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

MonitorEvent flow(const char* source, const char* destination, L4Kind kind, uint8_t protocol, uint16_t sourcePort,
                  uint16_t destinationPortOrType) {
  MonitorEvent event;
  event.timestampNs = 123456789;
  event.source = ip(source);
  event.destination = ip(destination);
  event.family = event.source.family;
  event.l4Kind = kind;
  event.protocol = protocol;
  event.sourcePort = sourcePort;
  event.destinationPort = destinationPortOrType;
  return event;
}

MonitorEvent decided(MonitorEvent event, uint32_t endpoint, Direction direction, uint32_t identity, uint32_t peer,
                     DatapathReason reason, bool deny, uint32_t rule = 0) {
  event.endpointId = endpoint;
  event.direction = direction;
  event.identity = identity;
  event.peerIdentity = peer;
  event.reason = reason;
  event.deny = deny;
  event.ruleId = rule;
  return event;
}

StaticEventNames someNames() {
  StaticEventNames names;
  names.rules[2] = "policy deathstar rule 2";
  names.rules[5] = "policy web-in rule 0";
  names.labels[264] = "k8s:class=deathstar";
  names.labels[261] = "k8s:class=xwing";
  return names;
}

const NoEventNames kNoNames;

TEST(MonitorFormatTest, DropLineIcmpIngressWithAndWithoutRuleNames) {
  MonitorEvent event = decided(flow("10.11.13.37", "10.11.101.61", L4Kind::ICMP, 1, 0, 8), 25729, Direction::Ingress, 264,
                               261, DatapathReason::DeniedByRule, true, 2);
  EXPECT_EQ(formatDropLine(event, kNoNames),
            "xx drop (Policy denied) flow 0x0 to endpoint 25729, ingress, identity 261->264: 10.11.13.37 -> "
            "10.11.101.61 EchoRequest, DENIED by rule 2");
  EXPECT_EQ(formatDropLine(event, someNames()),
            "xx drop (Policy denied) flow 0x0 to endpoint 25729, ingress, identity 261->264: 10.11.13.37 -> "
            "10.11.101.61 EchoRequest, DENIED by policy deathstar rule 2, labels 261=[k8s:class=xwing] "
            "264=[k8s:class=deathstar]");
  // The natural line of a denied event is the drop line.
  EXPECT_EQ(formatEventLine(event, kNoNames), formatDropLine(event, kNoNames));
}

TEST(MonitorFormatTest, DropLineEgressTcpDefaultDenyShowsIdentitiesInPacketOrder) {
  MonitorEvent event = decided(flow("10.0.0.3", "10.0.0.1", L4Kind::TCP, 6, 40000, 22), 7, Direction::Egress, 300, 261,
                               DatapathReason::DefaultDeny, true);
  EXPECT_EQ(formatDropLine(event, someNames()),
            "xx drop (Policy denied) flow 0x0 from endpoint 7, egress, identity 300->261: 10.0.0.3:40000 -> "
            "10.0.0.1:22 tcp, DENIED by default deny, labels 261=[k8s:class=xwing]");
}

TEST(MonitorFormatTest, DropLinesOfDatapathReasonsUseCiliumWords) {
  MonitorEvent event = decided(flow("10.0.0.9", "10.0.0.1", L4Kind::UDP, 17, 5353, 53), 7, Direction::Egress, 300, 2,
                               DatapathReason::SpoofedSource, true);
  EXPECT_EQ(formatDropLine(event, kNoNames),
            "xx drop (Invalid source ip) flow 0x0 from endpoint 7, egress, identity 300->2: 10.0.0.9:5353 -> "
            "10.0.0.1:53 udp, DENIED (spoofed-source)");
  event.reason = DatapathReason::Malformed;
  EXPECT_NE(formatDropLine(event, kNoNames).find("xx drop (Invalid packet)"), std::string::npos);
  event.reason = DatapathReason::BadIdentity;
  EXPECT_NE(formatDropLine(event, kNoNames).find("xx drop (Invalid identity)"), std::string::npos);
  EXPECT_EQ(reasonText(DatapathReason::DefaultDeny), "Policy denied");
  EXPECT_EQ(reasonText(DatapathReason::DeniedByRule), "Policy denied");
}

TEST(MonitorFormatTest, VerdictLineTcpAllowedByNamedRule) {
  MonitorEvent event = decided(flow("10.244.1.212", "10.244.1.29", L4Kind::TCP, 6, 54322, 80), 3117, Direction::Egress,
                               300, 14584, DatapathReason::AllowedByRule, false, 5);
  EXPECT_EQ(formatVerdictLine(event, someNames()),
            "Policy verdict log: flow 0x0 local EP ID 3117, local ID 300, remote ID 14584, proto 6, egress, action "
            "allow, match allowed-by-rule, 10.244.1.212:54322 -> 10.244.1.29:80 tcp, ALLOWED by policy web-in rule 0");
  EXPECT_EQ(formatEventLine(event, someNames()), formatVerdictLine(event, someNames()));
  // TCP flags are printed only when the event carries them.
  event.tcpFlags = 0x12;
  EXPECT_NE(formatVerdictLine(event, kNoNames).find("10.244.1.29:80 tcp SYN, ACK, ALLOWED by rule 5"), std::string::npos)
      << formatVerdictLine(event, kNoNames);
}

TEST(MonitorFormatTest, VerdictStyleRendersDeniedEventsWithActionDeny) {
  MonitorEvent event = decided(flow("fd00::3", "fd00::1", L4Kind::UDP, 17, 40000, 53), 9, Direction::Ingress, 264, 261,
                               DatapathReason::DefaultDeny, true);
  EXPECT_EQ(formatEventLine(event, kNoNames, EventType::Verdict),
            "Policy verdict log: flow 0x0 local EP ID 9, local ID 264, remote ID 261, proto 17, ingress, action deny, "
            "match default-deny, [fd00::3]:40000 -> [fd00::1]:53 udp, DENIED by default deny");
  EXPECT_EQ(formatEventLine(event, kNoNames, EventType::Drop), formatDropLine(event, kNoNames));
}

TEST(MonitorFormatTest, Ipv6IcmpAndOtherFlows) {
  MonitorEvent echo = decided(flow("fd00::3", "fd00::1", L4Kind::ICMPv6, 58, 0, 128), 9, Direction::Ingress, 264, 261,
                              DatapathReason::DefaultAllow, false);
  EXPECT_EQ(flowText(echo), "fd00::3 -> fd00::1 EchoRequest");
  EXPECT_NE(formatVerdictLine(echo, kNoNames).find("proto 58, ingress, action allow, match default-allow, fd00::3 -> "
                                                   "fd00::1 EchoRequest, ALLOWED by default allow"),
            std::string::npos);
  MonitorEvent solicitation = decided(flow("fd00::3", "fd00::1", L4Kind::ICMPv6, 58, 0, 135), 9, Direction::Ingress, 264,
                                      2, DatapathReason::NeighborDiscovery, false);
  EXPECT_NE(formatVerdictLine(solicitation, kNoNames).find("NeighborSolicitation, ALLOWED (neighbor-discovery)"),
            std::string::npos);
  EXPECT_EQ(flowText(flow("10.0.0.1", "10.0.0.2", L4Kind::ICMP, 1, 0, 0)), "10.0.0.1 -> 10.0.0.2 EchoReply");
  EXPECT_EQ(flowText(flow("10.0.0.1", "10.0.0.2", L4Kind::ICMP, 1, 0, 42)), "10.0.0.1 -> 10.0.0.2 ICMP type 42");
  EXPECT_EQ(flowText(flow("10.0.0.1", "10.0.0.2", L4Kind::SCTP, 132, 5000, 80)), "10.0.0.1:5000 -> 10.0.0.2:80 sctp");
  EXPECT_EQ(flowText(flow("10.0.0.1", "10.0.0.2", L4Kind::None, 6, 0, 0)), "10.0.0.1 -> 10.0.0.2 tcp fragment");
  EXPECT_EQ(flowText(flow("10.0.0.1", "10.0.0.2", L4Kind::None, 47, 0, 0)), "10.0.0.1 -> 10.0.0.2 proto 47");
  MonitorEvent arp;
  arp.reason = DatapathReason::NotIp;
  EXPECT_EQ(flowText(arp), "non-IP frame");
  MonitorEvent reply = decided(flow("10.0.0.1", "10.0.0.3", L4Kind::TCP, 6, 80, 40000), 7, Direction::Ingress, 300, 264,
                               DatapathReason::Reply, false, 5);
  EXPECT_EQ(decisionText(reply, someNames()), "ALLOWED as reply to policy web-in rule 0");
}

TEST(MonitorFormatTest, JsonCarriesEveryField) {
  MonitorEvent event = decided(flow("10.11.13.37", "10.11.101.61", L4Kind::ICMP, 1, 0, 8), 25729, Direction::Ingress, 264,
                               261, DatapathReason::DeniedByRule, true, 2);
  nlohmann::json json = eventToJson(event, someNames());
  EXPECT_EQ(json["type"], "drop");
  EXPECT_EQ(json["timestamp_ns"], 123456789u);
  EXPECT_EQ(json["endpoint"], 25729u);
  EXPECT_EQ(json["direction"], "ingress");
  EXPECT_EQ(json["identity"], 264u);
  EXPECT_EQ(json["remote_identity"], 261u);
  EXPECT_EQ(json["source_identity"], 261u);
  EXPECT_EQ(json["destination_identity"], 264u);
  EXPECT_EQ(json["identity_labels"], "k8s:class=deathstar");
  EXPECT_EQ(json["remote_identity_labels"], "k8s:class=xwing");
  EXPECT_EQ(json["action"], "deny");
  EXPECT_EQ(json["verdict"], "DENIED");
  EXPECT_EQ(json["reason"], "denied-by-rule");
  EXPECT_EQ(json["reason_code"], 4);
  EXPECT_EQ(json["reason_text"], "Policy denied");
  EXPECT_EQ(json["rule"], 2u);
  EXPECT_EQ(json["rule_name"], "policy deathstar rule 2");
  EXPECT_EQ(json["family"], "ipv4");
  EXPECT_EQ(json["source"], "10.11.13.37");
  EXPECT_EQ(json["destination"], "10.11.101.61");
  EXPECT_EQ(json["protocol"], 1);
  EXPECT_EQ(json["l4"], "icmp");
  EXPECT_TRUE(json["source_port"].is_null());
  EXPECT_TRUE(json["destination_port"].is_null());
  EXPECT_EQ(json["icmp_type"], 8);
  EXPECT_EQ(json["icmp_name"], "EchoRequest");
  EXPECT_TRUE(json["tcp_flags"].is_null());
  EXPECT_EQ(json["summary"], formatDropLine(event, someNames()));

  MonitorEvent tcp = decided(flow("fd00::3", "fd00::1", L4Kind::TCP, 6, 40000, 443), 9, Direction::Egress, 264, 261,
                             DatapathReason::AllowedByRule, false, 99);
  nlohmann::json allowed = eventToJson(tcp, someNames());
  EXPECT_EQ(allowed["type"], "verdict");
  EXPECT_EQ(allowed["verdict"], "ALLOWED");
  EXPECT_EQ(allowed["family"], "ipv6");
  EXPECT_EQ(allowed["source_port"], 40000);
  EXPECT_EQ(allowed["destination_port"], 443);
  EXPECT_TRUE(allowed["icmp_type"].is_null());
  EXPECT_TRUE(allowed["rule_name"].is_null()) << "rule 99 has no name";
  EXPECT_EQ(allowed["source_identity"], 264u);
  EXPECT_EQ(allowed["destination_identity"], 261u);
}

TEST(MonitorFormatTest, JsonRoundTripReproducesEventAndLines) {
  const StaticEventNames names = someNames();
  std::vector<MonitorEvent> events = {
      decided(flow("10.11.13.37", "10.11.101.61", L4Kind::ICMP, 1, 0, 8), 25729, Direction::Ingress, 264, 261,
              DatapathReason::DeniedByRule, true, 2),
      decided(flow("fd00::3", "fd00::1", L4Kind::UDP, 17, 40000, 53), 9, Direction::Egress, 264, 261,
              DatapathReason::AllowedByRule, false, 5),
      decided(flow("fd00::3", "fd00::1", L4Kind::ICMPv6, 58, 0, 129), 9, Direction::Ingress, 264, 261,
              DatapathReason::Reply, false, 5),
      decided(flow("10.0.0.1", "10.0.0.2", L4Kind::None, 47, 0, 0), 4, Direction::Egress, 300, 2,
              DatapathReason::DefaultDeny, true),
      decided(MonitorEvent{}, 4, Direction::Egress, 300, 0, DatapathReason::NotIp, false),
  };
  for (const MonitorEvent& event : events) {
    SCOPED_TRACE(formatEventLine(event, names));
    // Through text, as the API streams it.
    auto parsed = eventFromJson(nlohmann::json::parse(eventToJson(event, names).dump()));
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(parsed->event, event);
    for (EventType type : {EventType::All, EventType::Drop, EventType::Verdict})
      EXPECT_EQ(formatEventLine(parsed->event, parsed->names, type), formatEventLine(event, names, type));
  }
}

TEST(MonitorFormatTest, JsonParseErrorsNameTheField) {
  nlohmann::json good = eventToJson(decided(flow("10.0.0.1", "10.0.0.2", L4Kind::TCP, 6, 1, 2), 1, Direction::Ingress, 1,
                                            2, DatapathReason::DefaultDeny, true),
                                    kNoNames);
  ASSERT_TRUE(eventFromJson(good).ok()) << eventFromJson(good).error().message;
  auto broken = [&](const char* key, nlohmann::json value) {
    nlohmann::json copy = good;
    copy[key] = value;
    auto parsed = eventFromJson(copy);
    return parsed.ok() ? std::string("(accepted)") : parsed.error().message;
  };
  EXPECT_NE(broken("endpoint", "seven").find("'endpoint'"), std::string::npos);
  EXPECT_NE(broken("endpoint", -1).find("'endpoint'"), std::string::npos);
  EXPECT_NE(broken("reason_code", 300).find("'reason_code'"), std::string::npos);
  EXPECT_NE(broken("direction", "sideways").find("'direction'"), std::string::npos);
  EXPECT_NE(broken("source", "fd00::1").find("'source'"), std::string::npos) << "family mismatch";
  EXPECT_NE(broken("source_port", nullptr).find("source_port"), std::string::npos);
  EXPECT_NE(broken("l4", "quic").find("'l4'"), std::string::npos);
  EXPECT_FALSE(eventFromJson(nlohmann::json::array()).ok());
  nlohmann::json missing = good;
  missing.erase("timestamp_ns");
  EXPECT_FALSE(eventFromJson(missing).ok());
}

TEST(MonitorFormatTest, RecordsDecodeAndEncode) {
  ciliumc_event raw{};
  raw.timestamp_ns = 42;
  raw.endpoint_id = 3;
  raw.identity = 300;
  raw.peer_identity = 261;
  raw.rule = 7;
  raw.direction = CILIUMC_EGRESS;
  raw.reason = CILIUMC_REASON_DENIED_BY_RULE;
  raw.deny = 1;
  raw.family = 6;
  raw.protocol = 17;
  raw.l4_kind = CILIUMC_L4_UDP;
  raw.sport = 1234;
  raw.dport = 53;
  raw.saddr[0] = 0xfd;
  raw.saddr[15] = 3;
  raw.daddr[0] = 0xfd;
  raw.daddr[15] = 1;
  auto decoded = decodeEvent(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(&raw), sizeof(raw)));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->endpointId, 3u);
  EXPECT_EQ(decoded->direction, Direction::Egress);
  EXPECT_EQ(decoded->reason, DatapathReason::DeniedByRule);
  EXPECT_TRUE(decoded->deny);
  EXPECT_EQ(decoded->source.toString(), "fd00::3");
  EXPECT_EQ(decoded->destination.toString(), "fd00::1");
  EXPECT_EQ(decoded->sourcePort, 1234);
  EXPECT_EQ(decoded->destinationPort, 53);
  EXPECT_EQ(decoded->type(), EventType::Drop);
  ciliumc_event encoded = encodeEvent(*decoded);
  EXPECT_EQ(std::memcmp(&encoded, &raw, sizeof(raw)), 0);
  EXPECT_FALSE(decodeEvent(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(&raw), sizeof(raw) - 1)).ok());
  raw.l4_kind = 200;  // unknown kind: no L4 details
  EXPECT_EQ(decodeEvent(raw).l4Kind, L4Kind::None);
}

TEST(MonitorFormatTest, FilterParsing) {
  auto drop = EventFilter::parse("drop", "12");
  ASSERT_TRUE(drop.ok());
  EXPECT_EQ(drop->type, EventType::Drop);
  EXPECT_EQ(drop->endpointId, 12u);
  EXPECT_EQ(EventFilter::parse("policy-verdict", "")->type, EventType::Verdict);
  EXPECT_EQ(EventFilter::parse("", "")->type, EventType::All);
  EXPECT_FALSE(EventFilter::parse("trace", "").ok());
  EXPECT_FALSE(EventFilter::parse("drop", "12x").ok());
  EXPECT_FALSE(EventFilter::parse("drop", "99999999999").ok());
}

}  // namespace
}  // namespace ciliumc::monitor
