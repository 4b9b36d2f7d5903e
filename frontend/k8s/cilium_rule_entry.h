// The entries of one section of a Cilium rule (ingress, ingressDeny, egress, egressDeny).
//
// An entry's peers are the union of its selector, entity and CIDR peers:
//  - no peer field at all, only toPorts/icmps: every peer (peers = nullopt);
//  - `ingress: [{}]` (nothing at all): no entry — the section still switches default-deny on,
//    so it allows nothing, as in Cilium;
//  - only `fromRequires`: no entry — requirements grant nothing by themselves, they are added
//    to DirectionRules::requirements;
//  - a peer field written as an explicitly empty list (`fromEndpoints: []`) selects nothing:
//    peers = {} (Cilium's API treats the empty list as "no peer of this kind"; we keep that
//    literally rather than widening the entry to every peer, the safe reading for an allow);
//  - unsupported peers (toFQDNs, toServices, toGroups, fromNodes/toNodes, CIDR groups) are
//    dropped with CP4103; an entry left without any peer is dropped whole, never widened.
// L7 rules are reported (CP4102) and the entry is enforced at L3/L4. Named ports: CP4101.
#pragma once
#include <yaml-cpp/yaml.h>

#include "frontend/k8s/yaml_reader.h"
#include "ir/policy.h"

namespace ciliumc {

// Reads the list of one section and appends its entries (indices continue after those already
// in `rules`, so deny entries follow allow entries) and requirements. `list` must be a sequence.
void readCiliumSection(YamlReader& reader, const YAML::Node& list, Direction direction, Verdict verdict,
                       DirectionRules& rules);

}  // namespace ciliumc
