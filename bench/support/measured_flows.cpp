#include "bench/support/measured_flows.h"

#include <fmt/format.h>

#include <optional>

#include "ir/party.h"
#include "loader/datapath_evaluator.h"
#include "loader/packet_builder.h"

namespace ciliumc::bench {

namespace {

constexpr size_t kEthernetBytes = 14;
constexpr size_t kIpv4Bytes = 20;
constexpr uint8_t kTcpAck = 0x10;

std::optional<IpAddress> firstIpv4(const EndpointInfo& endpoint) {
  for (const IpAddress& ip : endpoint.ips)
    if (ip.family == IpFamily::V4) return ip;
  return std::nullopt;
}

// Representative TCP ports of the server's ingress plan: the preferred one, then the first port
// of every TCP range (each port class is reached by some range start).
std::vector<uint16_t> candidatePorts(const DirectionPlan& ingress, uint16_t preferred) {
  std::vector<uint16_t> ports = {preferred};
  for (uint32_t start : ingress.rangeStarts)
    if ((start >> 16) == uint32_t(L4Kind::TCP) && uint16_t(start) != preferred) ports.push_back(uint16_t(start));
  return ports;
}

bool wanted(FlowKind kind, const VerdictCell& cell, bool strict) {
  switch (kind) {
    case FlowKind::EndpointAllowed:
      return !cell.deny && cell.reason == DatapathReason::AllowedByRule;
    case FlowKind::EndpointDenied:
      return cell.deny && (!strict || cell.reason == DatapathReason::DeniedByRule);
    case FlowKind::WorldCidr:
      return strict ? !cell.deny && cell.reason == DatapathReason::AllowedByRule : true;
  }
  return false;
}

// The world address of a CIDR entry that the entry itself (not an `except` inside it) decides:
// its last address is inside it and, for the generated /24 excepts, outside them often enough.
std::vector<IpAddress> cidrAddresses(const ShapePlan& shape) {
  std::vector<IpAddress> addresses;
  for (const CidrClassEntry& entry : shape.cidr) {
    if (entry.prefix.address.family != IpFamily::V4 || entry.prefix.length < 8) continue;
    IpAddress ip = entry.prefix.address;
    for (int bit = entry.prefix.length; bit < 32; ++bit) ip.bytes[bit / 8] |= uint8_t(0x80 >> (bit % 8));
    if (entry.prefix.length < 32) ip.bytes[3] &= 0xfe;  // not the broadcast-looking last address
    addresses.push_back(ip);
  }
  return addresses;
}

}  // namespace

Expected<std::vector<uint8_t>> tcpAckPacket(const IpAddress& source, const IpAddress& destination, uint16_t port) {
  loader::PacketSpec spec(source, destination, Protocol::TCP, port);
  spec.payloadBytes = 10;  // 64-byte frame
  auto packet = loader::buildPacket(spec);
  if (!packet) return packet.error();
  if (source.family != IpFamily::V4) return Error{"tcpAckPacket: IPv4 only"};
  // SYN -> ACK in the flags byte, and the TCP checksum updated for it (RFC 1624: HC' = ~(~HC + ~m + m')).
  size_t tcp = kEthernetBytes + kIpv4Bytes;
  std::vector<uint8_t>& bytes = *packet;
  uint16_t oldWord = uint16_t(bytes[tcp + 12] << 8 | bytes[tcp + 13]);
  bytes[tcp + 13] = kTcpAck;
  uint16_t newWord = uint16_t(bytes[tcp + 12] << 8 | bytes[tcp + 13]);
  uint32_t sum = uint16_t(~(bytes[tcp + 16] << 8 | bytes[tcp + 17])) + uint16_t(~oldWord) + newWord;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  uint16_t checksum = uint16_t(~sum);
  bytes[tcp + 16] = uint8_t(checksum >> 8);
  bytes[tcp + 17] = uint8_t(checksum);
  return packet;
}

Expected<MeasuredFlow> chooseFlow(const CompilePlan& plan, const Inventory& inventory, size_t serverIndex,
                                  FlowKind kind, const FlowPreferences& preferences) {
  if (serverIndex >= plan.endpoints.size()) return Error{"no server endpoint in the plan"};
  const EndpointInfo& server = inventory.endpoints[serverIndex];
  auto serverIp = firstIpv4(server);
  if (!serverIp) return Error{"the server endpoint has no IPv4 address"};
  const ShapePlan& shape = plan.shapes[plan.endpoints[serverIndex].shape];
  const DirectionPlan& ingress = shape.direction(Direction::Ingress);

  std::vector<Party> peers;
  if (kind == FlowKind::WorldCidr) {
    if (auto preferred = IpAddress::parse(preferences.worldAddress)) peers.push_back(partyForIp(inventory, *preferred));
    for (const IpAddress& ip : cidrAddresses(shape)) {
      Party party = partyForIp(inventory, ip);
      if (party.kind == Party::Kind::World) peers.push_back(std::move(party));
    }
  } else {
    for (const std::string& name : preferences.endpointPeers)
      if (const EndpointInfo* endpoint = inventory.findEndpoint(name))
        if (auto ip = firstIpv4(*endpoint)) peers.push_back(endpointParty(*endpoint, *ip));
    for (const EndpointInfo& endpoint : inventory.endpoints)
      if (&endpoint != &server)
        if (auto ip = firstIpv4(endpoint)) peers.push_back(endpointParty(endpoint, *ip));
  }
  const std::vector<uint16_t> ports = candidatePorts(ingress, preferences.port);

  // Strictly what was asked for first (allowed by a rule, denied by a rule); then anything of
  // the kind (a default-deny drop; a world flow whatever its verdict).
  for (bool strict : {true, false}) {
    for (const Party& peer : peers) {
      uint16_t peerClass = shape.classOf(peer, Direction::Ingress);
      if (peerClass >= ingress.rows.size()) continue;
      for (uint16_t port : ports) {
        const VerdictCell& cell = ingress.rows[peerClass][ingress.portClassOf(l4Key(L4Kind::TCP, port))];
        if (!wanted(kind, cell, strict)) continue;
        MeasuredFlow flow;
        flow.kind = kind;
        flow.source = peer.ip;
        flow.destination = *serverIp;
        flow.port = port;
        flow.cell = cell;
        flow.expectedRetval = cell.deny ? 2 : 0;
        auto packet = tcpAckPacket(peer.ip, *serverIp, port);
        if (!packet) return packet.error();
        flow.packet = std::move(*packet);
        flow.description = fmt::format("{} {} -> {} tcp/{} (ACK): {}", peer.displayName, peer.ip.toString(),
                                       server.qualifiedName(), port, loader::reasonName(cell.reason));
        return flow;
      }
    }
  }
  return Error{"no flow of the wanted kind in the server's ingress plan"};
}

}  // namespace ciliumc::bench
