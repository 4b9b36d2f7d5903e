// The flows the datapath benchmark measures, chosen from the compiled plan so that each takes
// the intended path through the server endpoint's ingress program, and their packets.
//   EndpointAllowed  an endpoint peer, TCP, allowed by a rule (reason allowed-by-rule). The
//                    packet is an ACK of an established connection, not a SYN: a SYN would
//                    also create a connection-tracking entry (a one-off cost per connection).
//   EndpointDenied   an endpoint peer whose TCP packet the policy drops (by a deny rule, else
//                    by default deny): the drop path writes an event and, for a non-SYN, looks
//                    for the connection it could be a reply to.
//   WorldCidr        a world address inside a CIDR peer: ipcache miss, then the LPM trie;
//                    allowed by a rule when the plan has such a flow.
// Preferred peers and port are tried first (the bench's own probe policy makes them match);
// random rules may override them (deny wins), so the choice falls back to a search over every
// endpoint (or CIDR entry) and every TCP port range start of the server's ingress plan.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "ir/inventory.h"
#include "passes/datapath_plan.h"

namespace ciliumc::bench {

enum class FlowKind { EndpointAllowed, EndpointDenied, WorldCidr };

struct MeasuredFlow {
  FlowKind kind = FlowKind::EndpointAllowed;
  std::string description;  // "ns0/bench-client 10.0.1.11 -> ns0/bench-server tcp/8080: allowed-by-rule"
  IpAddress source, destination;
  uint16_t port = 0;
  VerdictCell cell;             // the server's ingress verdict, per the plan
  std::vector<uint8_t> packet;  // Ethernet + IPv4 + TCP ACK, 64 bytes
  int expectedRetval = 0;       // TC_ACT_OK 0 / TC_ACT_SHOT 2
};

struct FlowPreferences {
  std::vector<std::string> endpointPeers;  // "ns/name", tried first for endpoint flows
  std::string worldAddress;                // tried first for WorldCidr
  uint16_t port = 8080;
};

Expected<MeasuredFlow> chooseFlow(const CompilePlan& plan, const Inventory& inventory, size_t serverIndex,
                                  FlowKind kind, const FlowPreferences& preferences);

// An established-connection TCP packet (ACK), 64 bytes, checksums valid.
Expected<std::vector<uint8_t>> tcpAckPacket(const IpAddress& source, const IpAddress& destination, uint16_t port);

}  // namespace ciliumc::bench
