// The endpoint's network plumbing (Cilium's CNI plugin does this): the endpoint's addresses on
// its interface inside its namespace, a default route to the node's gateway address, and on
// the node side the gateway addresses on the host-side device plus a /32 (/128) route to the
// endpoint. Every endpoint's host-side device carries the same gateway addresses
// (169.254.1.1, fe80::1), so endpoints need no per-node configuration.
#pragma once
#include <string>
#include <vector>

#include "agent/endpoint/endpoint.h"
#include "support/expected.h"

namespace ciliumc::agent {

inline constexpr const char* kGatewayIpv4 = "169.254.1.1";
inline constexpr const char* kGatewayIpv6 = "fe80::1";

// Forwarding on in the node namespace (`nodeNetns`, empty = the agent's own).
Expected<bool> prepareNodeNamespace(const std::string& nodeNetns);
// Checks the devices exist: the host side in the node namespace, the container side in the
// endpoint's namespace. Errors name the missing one.
Expected<bool> checkEndpointDevices(const std::string& nodeNetns, const Endpoint& endpoint);
Expected<bool> plumbEndpoint(const std::string& nodeNetns, const Endpoint& endpoint);
// Removes the node-side routes (the namespace and its devices belong to the caller).
void unplumbEndpoint(const std::string& nodeNetns, const Endpoint& endpoint);

// Direct routing between nodes (Cilium's auto-direct-node-routes): the pod CIDRs of another
// node are routed via that node's address of the same family. Cidrs without an address of
// their family are skipped.
Expected<bool> routeToNode(const std::string& nodeNetns, const std::vector<std::string>& cidrs,
                           const std::vector<std::string>& addresses);
void unrouteNode(const std::string& nodeNetns, const std::vector<std::string>& cidrs);

}  // namespace ciliumc::agent
