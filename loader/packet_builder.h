// Test packets for BPF_PROG_TEST_RUN: Ethernet + IPv4/IPv6 + one L4 header, as a probe between
// two addresses would put on the wire (TCP SYN, UDP datagram, SCTP INIT, ICMP/ICMPv6 echo
// request or any given type). Checksums are computed (IPv4 header, TCP/UDP/ICMP, SCTP CRC32c)
// so the same bytes are valid on a real link.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "ir/ip.h"
#include "ir/l4.h"
#include "support/expected.h"

namespace ciliumc::loader {

struct PacketSpec {
  PacketSpec() = default;
  PacketSpec(IpAddress source, IpAddress destination, Protocol protocol, uint16_t port, uint16_t sourcePort = 40000)
      : source(source), destination(destination), protocol(protocol), port(port), sourcePort(sourcePort) {}

  IpAddress source;
  IpAddress destination;                // same family as source
  Protocol protocol = Protocol::TCP;    // TCP, UDP, SCTP, ICMP, ICMPv6 (or any other number: bare IP)
  uint16_t port = 0;                    // destination port, or ICMP type
  uint16_t sourcePort = 40000;          // TCP/UDP/SCTP source port; ICMP echo identifier
  // Malformed and unusual packets (the runtime must give them a defined verdict):
  bool nonFirstFragment = false;        // IPv4 offset != 0, or an IPv6 fragment header with offset != 0
  bool moreFragments = false;           // first fragment of a fragmented datagram
  std::optional<size_t> truncateTo;     // cut the frame to this many bytes
  uint16_t payloadBytes = 0;            // zero bytes after the L4 header
};

// Fails for mixed families, ICMP over IPv6 or ICMPv6 over IPv4, Protocol::Any.
Expected<std::vector<uint8_t>> buildPacket(const PacketSpec& spec);

}  // namespace ciliumc::loader
