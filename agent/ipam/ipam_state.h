// The IPAM state file: what the node has handed out, so a restarted agent gives every endpoint
// its address back. JSON, versioned:
//   {"version": 1,
//    "ipv4": {"cidr": "10.0.0.0/24", "allocations": [{"ip": "10.0.0.1", "owner": "router"}, ..]},
//    "ipv6": null | {...}}
// parseIpamState checks syntax and types (addresses parse, owners are non-empty strings); the
// Ipam checks the contents against its pools.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ir/ip.h"
#include "support/expected.h"

namespace ciliumc {

struct IpamAllocation {
  IpAddress ip;
  std::string owner;
  bool operator==(const IpamAllocation&) const = default;
};

struct IpamPoolState {
  IpPrefix cidr;
  std::vector<IpamAllocation> allocations;  // sorted by address
};

struct IpamState {
  static constexpr int kVersion = 1;
  std::optional<IpamPoolState> ipv4;
  std::optional<IpamPoolState> ipv6;
};

std::string serializeIpamState(const IpamState& state);
Expected<IpamState> parseIpamState(std::string_view text);

}  // namespace ciliumc
