// ClusterState: the agent's etcd-backed pieces behind one face — the node's lease session,
// identity allocation, the IP cache, node entries and the policy store, with their watches.
// Created once etcd answers; the daemon works from its local state until then.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "agent/daemon/config.h"
#include "agent/policy/policy_repository.h"
#include "ir/identity.h"
#include "ir/ip.h"
#include "ir/labels.h"
#include "support/expected.h"

namespace ciliumc::agent {

struct ClusterCallbacks {
  std::function<void(std::vector<PolicyDocument>, int64_t revision)> policies;
  std::function<void(NumericIdentity, const LabelSet&, bool present)> identity;
  std::function<void(const IpAddress&, NumericIdentity, const std::string& node, bool present)> ipcache;
  // Another node's entry: name, pod CIDRs, addresses (present=false: it left or its lease ended).
  std::function<void(const std::string& node, const std::vector<std::string>& cidrs,
                     const std::vector<std::string>& addresses, bool present)> node;
};

class ClusterState {
 public:
  static Expected<std::unique_ptr<ClusterState>> connect(const AgentConfig& config);
  ~ClusterState();

  // Starts the watches; each delivers the current state first.
  Expected<bool> watch(ClusterCallbacks callbacks);
  bool connected() const;
  std::vector<std::string> endpoints() const;

  Expected<NumericIdentity> allocateIdentity(const LabelSet& identityLabels);
  void releaseIdentity(const LabelSet& identityLabels);
  Expected<bool> publishIp(const IpAddress& ip, NumericIdentity identity, const std::string& endpointName);
  void withdrawIp(const IpAddress& ip);
  Expected<int64_t> putPolicy(const PolicyDocument& document);
  Expected<std::optional<int64_t>> removePolicy(const std::string& name);
  Expected<size_t> collectGarbage();

 private:
  struct Parts;
  explicit ClusterState(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace ciliumc::agent
