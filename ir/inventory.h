// The inventory: the compile-time view of the cluster (namespaces, endpoints, nodes, external
// hosts). Loaded by frontend/inputs/inventory_loader.h; identities are assigned here.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ir/identity.h"
#include "ir/ip.h"
#include "ir/labels.h"
#include "ir/source_location.h"

namespace ciliumc {

struct NamespaceInfo {
  std::string name;
  std::map<std::string, std::string> labels;
  SourceLocation location;
};

struct EndpointInfo {
  std::string name;
  std::string namespaceName;  // empty = not a Kubernetes pod
  std::string serviceAccount;
  LabelSet labels;            // all labels, derived Kubernetes labels included
  std::vector<IpAddress> ips;
  NumericIdentity identity = 0;  // assigned by Inventory::assignIdentities()
  // The datapath's endpoint id (pins, events). 0 = its 1-based position in the inventory (the
  // compiler); the agent sets stable ids that survive other endpoints coming and going.
  uint32_t id = 0;
  SourceLocation location;

  std::string qualifiedName() const;  // "ns/name" or "name"
};

struct NodeInfo {
  std::string name;
  std::vector<IpAddress> ips;
  bool local = false;
  SourceLocation location;
};

struct ExternalInfo {
  std::string name;
  std::vector<IpAddress> ips;
  SourceLocation location;
};

class Inventory {
 public:
  std::string cluster = "default";
  std::vector<NamespaceInfo> namespaces;
  std::vector<EndpointInfo> endpoints;
  std::vector<NodeInfo> nodes;
  std::vector<ExternalInfo> externals;

  // Gives every distinct identity-relevant label set a number from kMinClusterIdentity, in
  // sorted order of identityKey (deterministic across runs and input order).
  void assignIdentities();
  // "ns/name", or a bare name when it is unique across namespaces.
  const EndpointInfo* findEndpoint(std::string_view reference) const;
  const ExternalInfo* findExternal(std::string_view name) const;
  const EndpointInfo* endpointByIp(const IpAddress& ip) const;
  const NodeInfo* nodeByIp(const IpAddress& ip) const;
  const ExternalInfo* externalByIp(const IpAddress& ip) const;
  const NodeInfo* findNode(std::string_view name) const;
};

}  // namespace ciliumc
