#include "ir/inventory.h"

#include <algorithm>
#include <map>

namespace ciliumc {

std::string EndpointInfo::qualifiedName() const {
  return namespaceName.empty() ? name : namespaceName + "/" + name;
}

void Inventory::assignIdentities() {
  // Distinct identity keys in sorted order get consecutive numbers, so the numbering depends
  // only on the set of label sets, never on the order endpoints were written in.
  std::map<std::string, NumericIdentity> numbers;
  std::vector<std::string> keys;
  keys.reserve(endpoints.size());
  for (const auto& endpoint : endpoints) {
    keys.push_back(identityKey(identityRelevantLabels(endpoint.labels)));
    numbers.emplace(keys.back(), 0);
  }
  NumericIdentity next = kMinClusterIdentity;
  for (auto& [key, number] : numbers) number = next++;
  for (size_t i = 0; i < endpoints.size(); ++i) endpoints[i].identity = numbers.at(keys[i]);
}

const EndpointInfo* Inventory::findEndpoint(std::string_view reference) const {
  size_t slash = reference.find('/');
  if (slash != std::string_view::npos) {
    std::string_view ns = reference.substr(0, slash);
    std::string_view name = reference.substr(slash + 1);
    for (const auto& endpoint : endpoints)
      if (endpoint.namespaceName == ns && endpoint.name == name) return &endpoint;
    return nullptr;
  }
  // A bare name resolves only when exactly one endpoint carries it.
  const EndpointInfo* found = nullptr;
  for (const auto& endpoint : endpoints) {
    if (endpoint.name != reference) continue;
    if (found) return nullptr;
    found = &endpoint;
  }
  return found;
}

const ExternalInfo* Inventory::findExternal(std::string_view name) const {
  for (const auto& external : externals)
    if (external.name == name) return &external;
  return nullptr;
}

namespace {
template <class Info>
const Info* findByIp(const std::vector<Info>& items, const IpAddress& ip) {
  for (const auto& item : items)
    if (std::find(item.ips.begin(), item.ips.end(), ip) != item.ips.end()) return &item;
  return nullptr;
}
}  // namespace

const EndpointInfo* Inventory::endpointByIp(const IpAddress& ip) const { return findByIp(endpoints, ip); }

const NodeInfo* Inventory::nodeByIp(const IpAddress& ip) const { return findByIp(nodes, ip); }

const ExternalInfo* Inventory::externalByIp(const IpAddress& ip) const { return findByIp(externals, ip); }

const NodeInfo* Inventory::findNode(std::string_view name) const {
  for (const auto& node : nodes)
    if (node.name == name) return &node;
  return nullptr;
}

}  // namespace ciliumc
