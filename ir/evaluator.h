// The reference evaluator: the executable specification of a verdict. A flow is allowed when
// the sender's egress AND the receiver's ingress allow it. Per side: a matching deny wins; else a
// matching allow allows; else default-deny if that direction is enforced, otherwise allow.
// Non-endpoint parties (host, remote nodes, world) have no policy of their own.
// ICMPv6 neighbor discovery (types 133..137) is allowed on every side whatever the rules say, as
// in Cilium (whose datapath answers it before policy): without it IPv6 stops working at all.
#pragma once
#include <vector>

#include "ir/endpoint_policy.h"
#include "ir/party.h"

namespace ciliumc {

struct Probe {
  Party source;
  Party destination;
  Protocol protocol = Protocol::TCP;  // TCP, UDP, SCTP, ICMP, ICMPv6
  uint16_t port = 0;                  // destination port, or ICMP type
};

struct SideVerdict {
  enum class Reason {
    NoPolicy,        // this side is not an endpoint: nothing to enforce
    DefaultAllow,    // endpoint, direction not enforced, no rule matched
    DefaultDeny,     // enforced and nothing matched
    AllowedByRule,
    DeniedByRule,
    AllowLocalhost,  // host -> local endpoint, allowed by the allow-localhost option
    NeighborDiscovery,  // ICMPv6 router/neighbor discovery (types 133..137): never subject to policy
  };
  Verdict verdict = Verdict::Allow;
  Reason reason = Reason::NoPolicy;
  std::vector<Provenance> deciding;  // matching denies (when denied) or allows (when allowed)
};

struct FlowVerdict {
  Verdict verdict = Verdict::Allow;
  SideVerdict egress;   // the sender's side
  SideVerdict ingress;  // the receiver's side
};

FlowVerdict evaluateFlow(const PolicyIR& ir, const Probe& probe);

// ICMPv6 types 133 (router solicitation) .. 137 (redirect).
bool isNeighborDiscovery(Protocol protocol, uint16_t type);

// Does a (resolved, scoped) peer match a party? Selector peers match cluster endpoints by
// labels; they match reserved parties only when they constrain a `reserved:` label. CIDR peers
// match only world parties. Entities match per ir/entity.h.
bool peerMatches(const Peer& peer, const Party& party);

}  // namespace ciliumc
