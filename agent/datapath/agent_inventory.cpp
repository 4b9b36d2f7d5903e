#include "agent/datapath/agent_inventory.h"

#include <set>

namespace ciliumc::agent {

namespace {

// The Kubernetes namespace an endpoint's labels name (namespaced policies scope by it).
std::string namespaceOf(const LabelSet& labels) {
  for (const Label* label : labels.find("k8s", k8skey::kPodNamespace)) return label->value;
  return {};
}

}  // namespace

EndpointInfo agentEndpointInfo(const LocalEndpointSpec& endpoint) {
  EndpointInfo info;
  info.name = endpoint.name;
  info.namespaceName = namespaceOf(endpoint.labels);
  info.labels = endpoint.labels;
  info.ips = endpoint.ips;
  info.identity = endpoint.identity;
  info.id = endpoint.id;
  return info;
}

Inventory agentInventory(const DatapathOptions& options, const std::vector<LocalEndpointSpec>& endpoints,
                         const std::vector<ClusterIdentity>& identities) {
  Inventory inventory;
  inventory.cluster = options.cluster;
  if (!options.hostAddresses.empty()) {
    NodeInfo self;
    self.name = options.nodeName;
    self.ips = options.hostAddresses;
    self.local = true;
    inventory.nodes.push_back(std::move(self));
  }
  std::set<NumericIdentity> represented;
  for (const LocalEndpointSpec& endpoint : endpoints) {
    inventory.endpoints.push_back(agentEndpointInfo(endpoint));
    represented.insert(endpoint.identity);
  }
  for (const ClusterIdentity& identity : identities) {
    if (!represented.insert(identity.id).second) continue;
    EndpointInfo standIn;
    standIn.name = "identity-" + std::to_string(identity.id);
    standIn.namespaceName = namespaceOf(identity.labels);
    standIn.labels = identity.labels;
    standIn.identity = identity.id;
    standIn.id = kStandInIdBase + identity.id;
    inventory.endpoints.push_back(std::move(standIn));
  }
  return inventory;
}

Party clusterIdentityParty(const ClusterIdentity& identity) {
  Party party;
  party.kind = Party::Kind::Endpoint;
  party.identity = identity.id;
  party.labels = identityRelevantLabels(identity.labels);
  party.displayName = "identity " + std::to_string(identity.id);
  return party;
}

}  // namespace ciliumc::agent
