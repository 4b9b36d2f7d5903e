#include "ir/party.h"

#include <algorithm>

#include "support/strings.h"

namespace ciliumc {

namespace {

std::string familyName(IpFamily family) { return family == IpFamily::V4 ? "IPv4" : "IPv6"; }

// The address a named party uses in a probe: the first of the requested family, else (no
// family requested) the first IPv4, else the first address. A party without addresses (an
// endpoint listed only by labels) gets the zero address: it never matches a CIDR anyway.
Expected<IpAddress> pickAddress(std::string_view name, const std::vector<IpAddress>& ips,
                                std::optional<IpFamily> family) {
  IpFamily wanted = family.value_or(IpFamily::V4);
  auto sameFamily = [&](const IpAddress& ip) { return ip.family == wanted; };
  auto it = std::find_if(ips.begin(), ips.end(), sameFamily);
  if (it != ips.end()) return *it;
  if (ips.empty()) {
    IpAddress zero;
    zero.family = wanted;
    return zero;
  }
  if (!family) return ips.front();
  return Error{"`" + std::string(name) + "` has no " + familyName(wanted) + " address", 0,
               "the other side of the probe is " + familyName(wanted) + "; use an address of `" +
                   std::string(name) + "` of that family, or give both sides as IPs"};
}

std::vector<std::string> knownReferences(const Inventory& inventory) {
  std::vector<std::string> names;
  for (const auto& endpoint : inventory.endpoints) {
    names.push_back(endpoint.qualifiedName());
    names.push_back(endpoint.name);
  }
  for (const auto& external : inventory.externals) names.push_back(external.name);
  for (const auto& node : inventory.nodes) names.push_back(node.name);
  return names;
}

Error ambiguousEndpointError(const Inventory& inventory, std::string_view name) {
  std::string candidates;
  for (const auto& endpoint : inventory.endpoints)
    if (endpoint.name == name) candidates += (candidates.empty() ? "`" : ", `") + endpoint.qualifiedName() + "`";
  return Error{"endpoint name `" + std::string(name) + "` is ambiguous", 0,
               "write it with its namespace: " + candidates};
}

}  // namespace

Party endpointParty(const EndpointInfo& endpoint, const IpAddress& ip) {
  Party party;
  party.kind = Party::Kind::Endpoint;
  party.endpoint = &endpoint;
  party.ip = ip;
  party.identity = endpoint.identity;
  party.labels = identityRelevantLabels(endpoint.labels);
  party.displayName = endpoint.qualifiedName();
  return party;
}

Party reservedParty(Party::Kind kind, ReservedIdentity id, ReservedIdentity labelId, const IpAddress& ip,
                    std::string displayName) {
  Party party;
  party.kind = kind;
  party.ip = ip;
  party.identity = static_cast<NumericIdentity>(id);
  party.labels.add(reservedIdentityLabel(labelId));
  party.displayName = std::move(displayName);
  return party;
}

Party partyForIp(const Inventory& inventory, const IpAddress& ip) {
  if (const EndpointInfo* endpoint = inventory.endpointByIp(ip)) return endpointParty(*endpoint, ip);
  if (const NodeInfo* node = inventory.nodeByIp(ip)) {
    if (node->local)
      return reservedParty(Party::Kind::Host, ReservedIdentity::Host, ReservedIdentity::Host, ip, "host");
    return reservedParty(Party::Kind::RemoteNode, ReservedIdentity::RemoteNode,
                         ReservedIdentity::RemoteNode, ip, "remote-node(" + node->name + ")");
  }
  // Dual-stack numbering (Cilium >= 1.15): world traffic carries world-ipv4 / world-ipv6; the
  // label stays `reserved:world` so `{ reserved:world }` selectors and entity `world` match both.
  ReservedIdentity id = ip.family == IpFamily::V4 ? ReservedIdentity::WorldIPv4 : ReservedIdentity::WorldIPv6;
  const ExternalInfo* external = inventory.externalByIp(ip);
  std::string name = external ? external->name : "world(" + ip.toString() + ")";
  return reservedParty(Party::Kind::World, id, ReservedIdentity::World, ip, std::move(name));
}

Expected<Party> resolveParty(const Inventory& inventory, std::string_view reference,
                             std::optional<IpFamily> family) {
  if (const EndpointInfo* endpoint = inventory.findEndpoint(reference)) {
    auto ip = pickAddress(reference, endpoint->ips, family);
    if (!ip) return ip.error();
    return endpointParty(*endpoint, *ip);
  }
  bool bareName = reference.find('/') == std::string_view::npos;
  if (bareName && std::count_if(inventory.endpoints.begin(), inventory.endpoints.end(),
                                [&](const EndpointInfo& e) { return e.name == reference; }) > 1)
    return ambiguousEndpointError(inventory, reference);
  const std::vector<IpAddress>* namedAddresses = nullptr;
  if (const ExternalInfo* external = inventory.findExternal(reference)) namedAddresses = &external->ips;
  else if (const NodeInfo* node = inventory.findNode(reference)) namedAddresses = &node->ips;
  if (namedAddresses) {
    if (namedAddresses->empty())
      return Error{"`" + std::string(reference) + "` has no address", 0, "give it `ips:` in the inventory"};
    auto ip = pickAddress(reference, *namedAddresses, family);
    if (!ip) return ip.error();
    return partyForIp(inventory, *ip);
  }
  if (auto ip = IpAddress::parse(reference)) return partyForIp(inventory, *ip);
  std::string guess = closestMatch(reference, knownReferences(inventory));
  return Error{"unknown party `" + std::string(reference) + "`: not an endpoint, node, external or IP address",
               0, guess.empty() ? "name an inventory entry (`namespace/name`) or write an IP address"
                                : "did you mean `" + guess + "`?"};
}

}  // namespace ciliumc
