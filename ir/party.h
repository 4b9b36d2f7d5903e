// A party: one side of a flow, resolved from the inventory. Endpoints carry labels; everything
// else is a reserved identity (host, remote-node, world) with an address for CIDR matching.
#pragma once
#include <string>

#include "ir/identity.h"
#include "ir/inventory.h"
#include "ir/ip.h"
#include "support/expected.h"

namespace ciliumc {

struct Party {
  enum class Kind { Endpoint, Host, RemoteNode, World };
  Kind kind = Kind::World;
  const EndpointInfo* endpoint = nullptr;  // Kind::Endpoint
  IpAddress ip;
  NumericIdentity identity = 0;
  LabelSet labels;  // identity-relevant labels; `reserved:<name>` for reserved parties
  std::string displayName;  // "x/web", "host", "world(192.0.2.10)", "ext-a"

  bool isEndpoint() const { return kind == Kind::Endpoint; }
};

// The party of an endpoint seen at one of its addresses: its identity and identity-relevant labels.
Party endpointParty(const EndpointInfo& endpoint, const IpAddress& ip);
// A reserved party (host, remote node, world): identity `id` and the single label
// `reserved:<labelId>` (world-ipv4/-ipv6 parties carry `reserved:world`).
Party reservedParty(Party::Kind kind, ReservedIdentity id, ReservedIdentity labelId, const IpAddress& ip,
                    std::string displayName);

// Resolves an IP: an endpoint's address, the local node (host), a remote node, or world
// (world-ipv4 / world-ipv6 identity by family).
Party partyForIp(const Inventory& inventory, const IpAddress& ip);

// Resolves a reference from a probe: "ns/name", a bare endpoint name (when unique), an
// external's or a node's name, or an IP. `peerFamily` picks the address when an endpoint has several (v4 preferred when unset).
Expected<Party> resolveParty(const Inventory& inventory, std::string_view reference,
                             std::optional<IpFamily> family = std::nullopt);

}  // namespace ciliumc
