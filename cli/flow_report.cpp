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
    case SideVerdict::Reason::NeighborDiscovery: return "neighbor-discovery";
  }
  return "?";
}

const DirectionPolicy* sidePolicy(const PolicyIR& ir, const Party& party, Direction direction) {
  if (!party.isEndpoint()) return nullptr;
  const EndpointPolicy* policy = ir.forEndpoint(party.endpoint);
  return policy ? &policy->direction(direction) : nullptr;
}

// "a.policy:3:5 (policy x, ingress rule 0), a.policy:9:5 (policy y, ingress rule 1)"
std::string joinProvenance(const std::vector<Provenance>& list) {
  std::string text;
  for (const auto& p : list) text += (text.empty() ? "" : ", ") + p.toString();
  return text;
}

// "10.0.1.10 (identity 259)", "198.51.100.7 (identity 9, world-ipv4)": the address the probe
// used and the identity the datapath would see, so a verdict can be matched to monitor output.
std::string addressText(const Party& party) {
  std::string text = fmt::format("{} (identity {}", party.ip.toString(), party.identity);
  if (party.identity < kMinClusterIdentity)
    text += ", " + reservedIdentityName(static_cast<ReservedIdentity>(party.identity));
  return text + ")";
}

std::string explainSide(const PolicyIR& ir, const Party& party, Direction direction, const SideVerdict& side) {
  switch (side.reason) {
    case SideVerdict::Reason::NoPolicy:
      return fmt::format("allow — {} is not an endpoint: no {} policy applies", party.displayName,
                         directionName(direction));
    case SideVerdict::Reason::DefaultAllow:
      if (ir.options.enforcement == EnforcementMode::Never)
        return "allow — default allow: nothing is enforced with --policy-enforcement=never";
      return fmt::format("allow — default allow (no policy enforces {} on {})", directionName(direction),
                         party.displayName);
    case SideVerdict::Reason::DefaultDeny: {
      const DirectionPolicy* policy = sidePolicy(ir, party, direction);
      std::string by = policy ? joinProvenance(policy->enforcedBy) : "";
      return fmt::format("deny  — default deny: no rule allows it; {} is enforced {}", directionName(direction),
                         by.empty() ? std::string("by --policy-enforcement=always") : "by " + by);
    }
    case SideVerdict::Reason::AllowedByRule:
      return "allow — allowed by " + joinProvenance(side.deciding);
    case SideVerdict::Reason::DeniedByRule:
      return "deny  — denied by " + joinProvenance(side.deciding);
    case SideVerdict::Reason::AllowLocalhost:
      return "allow — traffic from the local host to a local endpoint (allow-localhost)";
    case SideVerdict::Reason::NeighborDiscovery:
      return "allow — ICMPv6 neighbor discovery is never subject to policy";
  }
  return "?";
}

nlohmann::json provenanceToJson(const std::vector<Provenance>& list) {
  nlohmann::json rules = nlohmann::json::array();
  for (const auto& p : list)
    rules.push_back({{"file", p.location.fileName()}, {"line", p.location.line},
                     {"column", p.location.column}, {"policy", p.policy}, {"rule", p.ruleIndex}});
  return rules;
}

// `rules`: the deciding rules; for a default deny, `enforced_by` names the policies that switched
// the direction to default-deny (empty under --policy-enforcement=always), like the text does.
nlohmann::json sideToJson(const PolicyIR& ir, const Party& party, Direction direction, const SideVerdict& side) {
  nlohmann::json json = {{"party", party.displayName}, {"identity", party.identity},
                         {"verdict", verdictName(side.verdict)}, {"reason", reasonName(side.reason)},
                         {"rules", provenanceToJson(side.deciding)}};
  if (side.reason == SideVerdict::Reason::DefaultDeny) {
    const DirectionPolicy* policy = sidePolicy(ir, party, direction);
    json["enforced_by"] = provenanceToJson(policy ? policy->enforcedBy : std::vector<Provenance>{});
  }
  return json;
}

}  // namespace

std::vector<std::string> describeFlow(const PolicyIR& ir, const Probe& probe, const FlowVerdict& verdict) {
  std::string egressWho = "egress  of " + probe.source.displayName + ":";
  std::string ingressWho = "ingress of " + probe.destination.displayName + ":";
  size_t width = std::max(egressWho.size(), ingressWho.size());
  egressWho.resize(width, ' ');
  ingressWho.resize(width, ' ');
  return {"flow: " + addressText(probe.source) + " -> " + addressText(probe.destination),
          egressWho + " " + explainSide(ir, probe.source, Direction::Egress, verdict.egress),
          ingressWho + " " + explainSide(ir, probe.destination, Direction::Ingress, verdict.ingress)};
}

nlohmann::json flowToJson(const PolicyIR& ir, const Probe& probe, const FlowVerdict& verdict) {
  return {{"from", probe.source.displayName},
          {"to", probe.destination.displayName},
          {"from_ip", probe.source.ip.toString()},
          {"to_ip", probe.destination.ip.toString()},
          {"proto", protocolName(probe.protocol)},
          {"port", probe.port},
          {"l4", probeL4Text(probe.protocol, probe.port)},
          {"got", verdictName(verdict.verdict)},
          {"egress", sideToJson(ir, probe.source, Direction::Egress, verdict.egress)},
          {"ingress", sideToJson(ir, probe.destination, Direction::Ingress, verdict.ingress)}};
}

}  // namespace ciliumc::cli
