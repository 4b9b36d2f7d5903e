#include "agent/daemon/cluster_state.h"

#include "agent/identity/identity_allocator.h"
#include "agent/ipcache/ipcache_sync.h"
#include "agent/ipcache/node_registry.h"
#include "agent/kvstore/etcd_client.h"
#include "agent/kvstore/node_session.h"
#include "agent/policy/policy_store.h"

namespace ciliumc::agent {

// Declaration order is destruction order in reverse: watches stop first, the client last.
struct ClusterState::Parts {
  AgentConfig config;
  std::unique_ptr<EtcdClient> client;
  std::unique_ptr<NodeSession> session;
  std::unique_ptr<IdentityAllocator> identities;
  std::unique_ptr<IpCacheSync> ipcache;
  std::unique_ptr<NodeRegistry> nodes;
  std::unique_ptr<PolicyStore> policies;
  std::vector<std::unique_ptr<WatchHandle>> watches;
};

ClusterState::ClusterState(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

ClusterState::~ClusterState() {
  if (!parts_) return;
  parts_->watches.clear();
}

Expected<std::unique_ptr<ClusterState>> ClusterState::connect(const AgentConfig& config) {
  KvOptions options;
  options.endpoints = config.etcdEndpoints;
  options.tls = EtcdTlsFiles{config.etcdCaFile, config.etcdCertFile, config.etcdKeyFile};
  auto client = EtcdClient::connect(options);
  if (!client) return client.error();
  auto parts = std::make_unique<Parts>();
  parts->config = config;
  parts->client = std::move(*client);
  parts->session = std::make_unique<NodeSession>(*parts->client, std::chrono::seconds(config.leaseTtlSeconds));
  if (auto lease = parts->session->start(); !lease) return lease.error();
  parts->identities = std::make_unique<IdentityAllocator>(*parts->session, config.nodeName);
  parts->ipcache = std::make_unique<IpCacheSync>(*parts->session, config.cluster, config.nodeName);
  parts->nodes = std::make_unique<NodeRegistry>(*parts->session, config.cluster);
  parts->policies = std::make_unique<PolicyStore>(*parts->client);
  NodeEntry self;
  self.name = config.nodeName;
  if (config.ipv4PodCidr) self.ipv4Cidr = config.ipv4PodCidr->toString();
  if (config.ipv6PodCidr) self.ipv6Cidr = config.ipv6PodCidr->toString();
  self.addresses = config.nodeAddresses;
  if (auto published = parts->nodes->publish(self); !published) return published.error();
  return std::unique_ptr<ClusterState>(new ClusterState(std::move(parts)));
}

Expected<bool> ClusterState::watch(ClusterCallbacks callbacks) {
  Parts& p = *parts_;
  auto policies = p.policies->watch([callback = callbacks.policies](const PolicySnapshot& snapshot) {
    callback(snapshot.documents, snapshot.revision);
  });
  if (!policies) return policies.error();
  p.watches.push_back(std::move(*policies));
  auto identities = p.identities->watch(callbacks.identity);
  if (!identities) return identities.error();
  p.watches.push_back(std::move(*identities));
  auto ips = p.ipcache->watch(callbacks.ipcache);
  if (!ips) return ips.error();
  p.watches.push_back(std::move(*ips));
  if (callbacks.node) {
    std::string self = p.config.nodeName;
    auto nodes = p.nodes->watch([callback = callbacks.node, self](const NodeEntry& entry, bool present) {
      if (entry.name == self) return;
      std::vector<std::string> cidrs;
      for (const std::string& cidr : {entry.ipv4Cidr, entry.ipv6Cidr})
        if (!cidr.empty()) cidrs.push_back(cidr);
      callback(entry.name, cidrs, entry.addresses, present);
    });
    if (!nodes) return nodes.error();
    p.watches.push_back(std::move(*nodes));
  }
  return true;
}

bool ClusterState::connected() const { return parts_->client->connectionState() == ConnectionState::Connected; }
std::vector<std::string> ClusterState::endpoints() const { return parts_->client->endpoints(); }

Expected<NumericIdentity> ClusterState::allocateIdentity(const LabelSet& identityLabels) {
  return parts_->identities->allocate(identityLabels);
}

void ClusterState::releaseIdentity(const LabelSet& identityLabels) { (void)parts_->identities->release(identityLabels); }

Expected<bool> ClusterState::publishIp(const IpAddress& ip, NumericIdentity identity, const std::string& endpointName) {
  auto published = parts_->ipcache->publish(ip, identity, endpointName);
  if (!published) return published.error();
  return true;
}

void ClusterState::withdrawIp(const IpAddress& ip) { (void)parts_->ipcache->withdraw(ip); }

Expected<int64_t> ClusterState::putPolicy(const PolicyDocument& document) { return parts_->policies->put(document); }

Expected<std::optional<int64_t>> ClusterState::removePolicy(const std::string& name) {
  return parts_->policies->remove(name);
}

Expected<size_t> ClusterState::collectGarbage() { return parts_->identities->collectGarbage(); }

}  // namespace ciliumc::agent
