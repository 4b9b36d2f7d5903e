#include "cli/flow_report.h"

#include <fmt/format.h>

namespace ciliumc::cli {

std::string probeL4Text(Protocol protocol, uint16_t portOrType) {
  if (protocol == Protocol::ICMP || protocol == Protocol::ICMPv6)
    return IcmpType{protocol, static_cast<uint8_t>(portOrType)}.toString();
  return PortRange{protocol, portOrType, portOrType}.toString();
}

namespace {

const char* reasonName(SideVerdict::Reason reason) {
  switch (reason) {
    case SideVerdict::Reason::NoPolicy: return "no-policy";
    case SideVerdict::Reason::DefaultAllow: return "default-allow";
    case SideVerdict::Reason::DefaultDeny: return "default-deny";
    case SideVerdict::Reason::AllowedByRule: return "allowed-by-rule";
    case SideVerdict::Reason::DeniedByRule: return "denied-by-rule";
    case SideVerdict::Reason::AllowLocalhost: return "allow-localhost";
  }
  return "?";
}

const DirectionPolicy* sidePolicy(const PolicyIR& ir, const Party& party, Direction direction) {
  if (!party.isEndpoint()) return nullptr;
  const EndpointPolicy* policy = ir.forEndpoint(party.endpoint);
  return policy ? &policy->direction(direction) : nullptr;
}

std::string joinProvenance(const std::vector<Provenance>& list) {
  std::string text;
  for (const auto& p : list) text += (text.empty() ? "" : "; ") + p.toString();
  return text;
}

std::string explainSide(const PolicyIR& ir, const Party& party, Direction direction, const SideVerdict& side) {
  switch (side.reason) {
    case SideVerdict::Reason::NoPolicy:
      return fmt::format("allow — {} is not an endpoint: no {} policy applies", party.displayName,
                         directionName(direction));
    case SideVerdict::Reason::DefaultAllow:
      return fmt::format("allow — default allow (no policy enforces {} on {})", directionName(direction),
                         party.displayName);
    case SideVerdict::Reason::DefaultDeny: {
      const DirectionPolicy* policy = sidePolicy(ir, party, direction);
      std::string by = policy ? joinProvenance(policy->enforcedBy) : "";
      return fmt::format("deny  — default deny: no rule allows it ({} enforced{})", directionName(direction),
                         by.empty() ? std::string(" by the enforcement mode") : " by " + by);
    }
    case SideVerdict::Reason::AllowedByRule:
      return "allow — allowed by " + joinProvenance(side.deciding);
    case SideVerdict::Reason::DeniedByRule:
      return "deny  — denied by " + joinProvenance(side.deciding);
    case SideVerdict::Reason::AllowLocalhost:
      return "allow — traffic from the local host to a local endpoint (allow-localhost)";
  }
  return "?";
}

nlohmann::json sideToJson(const Party& party, const SideVerdict& side) {
  nlohmann::json rules = nlohmann::json::array();
  for (const auto& p : side.deciding)
    rules.push_back({{"file", p.location.fileName()}, {"line", p.location.line},
                     {"column", p.location.column}, {"policy", p.policy}, {"rule", p.ruleIndex}});
  return {{"party", party.displayName}, {"identity", party.identity},
          {"verdict", verdictName(side.verdict)}, {"reason", reasonName(side.reason)},
          {"rules", rules}};
}

}  // namespace

std::vector<std::string> describeFlow(const PolicyIR& ir, const Probe& probe, const FlowVerdict& verdict) {
  std::string egressWho = "egress  of " + probe.source.displayName + ":";
  std::string ingressWho = "ingress of " + probe.destination.displayName + ":";
  size_t width = std::max(egressWho.size(), ingressWho.size());
  egressWho.resize(width, ' ');
  ingressWho.resize(width, ' ');
  return {egressWho + " " + explainSide(ir, probe.source, Direction::Egress, verdict.egress),
          ingressWho + " " + explainSide(ir, probe.destination, Direction::Ingress, verdict.ingress)};
}

nlohmann::json flowToJson(const PolicyIR&, const Probe& probe, const FlowVerdict& verdict) {
  return {{"from", probe.source.displayName},
          {"to", probe.destination.displayName},
          {"from_ip", probe.source.ip.toString()},
          {"to_ip", probe.destination.ip.toString()},
          {"proto", protocolName(probe.protocol)},
          {"port", probe.port},
          {"got", verdictName(verdict.verdict)},
          {"egress", sideToJson(probe.source, verdict.egress)},
          {"ingress", sideToJson(probe.destination, verdict.ingress)}};
}

}  // namespace ciliumc::cli
