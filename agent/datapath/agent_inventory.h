// The compiler's view of the agent's world: an Inventory whose endpoints are the node's local
// endpoints (stable ids, real addresses) followed by one address-less stand-in per other
// cluster identity, so that peer classification covers every identity etcd knows about.
// Stand-ins get ids above kStandInIdBase and are never loaded.
#pragma once
#include <vector>

#include "agent/datapath/datapath.h"
#include "ir/inventory.h"
#include "ir/party.h"

namespace ciliumc::agent {

inline constexpr uint32_t kStandInIdBase = 1u << 20;

EndpointInfo agentEndpointInfo(const LocalEndpointSpec& endpoint);
// `options` gives the cluster name and the local node (name, host addresses).
Inventory agentInventory(const DatapathOptions& options, const std::vector<LocalEndpointSpec>& endpoints,
                         const std::vector<ClusterIdentity>& identities);
// The peer party of a cluster identity (kind Endpoint, its labels), for classification.
Party clusterIdentityParty(const ClusterIdentity& identity);

}  // namespace ciliumc::agent
