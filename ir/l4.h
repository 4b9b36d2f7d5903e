// Layer 4 match: protocols, inclusive port ranges, ICMP/ICMPv6 types.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/expected.h"

namespace ciliumc {

// IANA protocol numbers. `Any` (0) in a port rule expands to TCP, UDP and SCTP.
enum class Protocol : uint8_t { Any = 0, ICMP = 1, TCP = 6, UDP = 17, ICMPv6 = 58, SCTP = 132 };

std::string protocolName(Protocol p);  // "tcp", "udp", "sctp", "any", "icmp", "icmpv6"
std::optional<Protocol> protocolFromName(std::string_view name);  // case-insensitive

struct PortRange {
  Protocol protocol = Protocol::Any;  // Any, TCP, UDP or SCTP
  uint16_t first = 0;                 // inclusive; 0..65535 = all ports
  uint16_t last = 65535;              // inclusive, >= first

  bool allPorts() const { return first == 0 && last == 65535; }
  bool matches(Protocol p, uint16_t port) const;  // Any matches TCP/UDP/SCTP only
  std::string toString() const;                    // "tcp/80", "udp/8000-8100", "tcp", "any/53"
  auto operator<=>(const PortRange&) const = default;
};

struct IcmpType {
  Protocol protocol = Protocol::ICMP;  // ICMP or ICMPv6
  uint8_t type = 0;

  std::string toString() const;  // "icmp/echo-request" (named when a name exists) or "icmp/42"
  auto operator<=>(const IcmpType&) const = default;
};

// Names of ICMP/ICMPv6 types: "echo-request", "echo-reply", "destination-unreachable", ...
// Lookup accepts kebab-case and Cilium's CamelCase ("EchoRequest"), case-insensitively.
std::optional<uint8_t> icmpTypeFromName(Protocol family, std::string_view name);
std::string icmpTypeName(Protocol family, uint8_t type);  // "" when unnamed
std::vector<std::string> icmpTypeNames(Protocol family);

// Parses the language's port syntax: `tcp`, `tcp/80`, `udp/8000-8100`, `any/53`, `sctp/9`,
// `icmp/8`, `icmp/echo-request`, `icmpv6/128`. Exactly one of the two outputs is set.
struct PortSpec {
  std::optional<PortRange> ports;
  std::optional<IcmpType> icmp;
};
Expected<PortSpec> parsePortSpec(std::string_view text);

// What a rule entry matches at L4. Both lists empty = every protocol and port (an L3-only rule,
// ICMP included). Otherwise the packet must match one port range or one ICMP type; an entry
// with only port ranges leaves ICMP closed.
struct L4Match {
  std::vector<PortRange> ports;
  std::vector<IcmpType> icmps;

  bool isWildcard() const { return ports.empty() && icmps.empty(); }
  // `port` is the destination port for TCP/UDP/SCTP and the type for ICMP/ICMPv6.
  bool matches(Protocol protocol, uint16_t portOrType) const;
  std::string toString() const;  // "tcp/80, icmp/echo-request", "any" for the wildcard
  auto operator<=>(const L4Match&) const = default;
};

}  // namespace ciliumc
