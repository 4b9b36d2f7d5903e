// Datapath: what the agent keeps loaded in the kernel for its endpoints, and the two ways it
// changes — a full regeneration (policy change: resolve, passes, one LLVM compile, load and
// atomically replace every local endpoint's programs) and map-only updates (an identity or an
// IP appearing anywhere in the cluster; an endpoint whose policy shape is already loaded).
// Contract:
//   - regenerate() deploys the policy for `endpoints`. Peers are classified against every
//     identity in `identities` (cluster identities from etcd; local endpoints' own are added).
//     Each regeneration gets fresh shape maps (shape pin key "<content key>-g<generation>"),
//     so running programs never see a half-refilled table; tc filters are replaced in place
//     (BPF_TC_F_REPLACE), so there is no window without enforcement. Shape pins no endpoint
//     uses afterwards are removed.
//   - classifyIdentity() gives an identity its peer class in every loaded shape (loader/
//     identity_classes.h); false = some shape has no spare class: call regenerate().
//   - addEndpoint() loads one more endpoint without compiling when its policy shape is loaded;
//     false = its shape is new: call regenerate() with it.
//   - Device names are resolved in the node network namespace (DatapathOptions::nodeNetns).
// Not thread-safe: the agent serialises calls.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ir/endpoint_policy.h"
#include "ir/inventory.h"
#include "ir/policy.h"
#include "passes/datapath_plan.h"
#include "support/expected.h"

namespace ciliumc::agent {

struct DatapathOptions {
  std::string bpffs = "/sys/fs/bpf";
  std::string nodeNetns;  // namespace file of the host-side devices; empty = the agent's own
  ResolveOptions resolve;
  std::string cluster = "default";
  std::string nodeName = "node";
  // This node's addresses, incl. the gateway address of the endpoints' devices: traffic from
  // them is the host (identity 1; allow-localhost applies).
  std::vector<IpAddress> hostAddresses;
  unsigned loadThreads = 0;  // loader::DeployOptions::loadThreads
};

struct LocalEndpointSpec {
  uint32_t id = 0;
  std::string name;
  LabelSet labels;  // all labels (the identity uses the identity-relevant ones)
  std::vector<IpAddress> ips;
  NumericIdentity identity = 0;
  std::string hostInterface;  // host side of the endpoint's veth, in the node namespace
};

struct ClusterIdentity {
  NumericIdentity id = 0;
  LabelSet labels;  // identity-relevant labels
};

struct RegenerationReport {
  size_t endpoints = 0;
  bool compiled = false;  // an LLVM compile ran
  double planMs = 0, compileMs = 0, loadMs = 0, totalMs = 0;
  uint64_t generation = 0;
  std::vector<std::string> removedShapes;
};

// One line of `ciliumctl bpf policy get`: the identities that share a verdict for some ports.
// Per direction the first line is the default (no identities = every identity, ports ANY); the
// others are what rules decided (allow-localhost included), i.e. the exceptions to it.
struct PolicyViewEntry {
  Direction direction = Direction::Ingress;
  std::vector<NumericIdentity> identities;
  std::string ports;  // "80/TCP", "ANY", "ICMP type 8", ...
  VerdictCell cell;
  std::string rule;   // "policy web, ingress rule 1" or ""
};

class Datapath {
 public:
  explicit Datapath(DatapathOptions options);
  ~Datapath();
  Datapath(const Datapath&) = delete;
  Datapath& operator=(const Datapath&) = delete;

  Expected<RegenerationReport> regenerate(const PolicySet& policies, const std::vector<LocalEndpointSpec>& endpoints,
                                          const std::vector<ClusterIdentity>& identities);
  Expected<bool> classifyIdentity(const ClusterIdentity& identity);
  Expected<bool> forgetIdentity(NumericIdentity identity);
  Expected<bool> addEndpoint(const PolicySet& policies, const LocalEndpointSpec& endpoint,
                             const std::vector<ClusterIdentity>& identities);
  // Detaches and unpins an endpoint's programs.
  Expected<bool> removeEndpoint(uint32_t endpointId);
  Expected<bool> upsertIp(const IpAddress& ip, NumericIdentity identity);
  Expected<bool> removeIp(const IpAddress& ip);
  // Node-wide flag: emit an event for every allowed packet too (monitor --type verdict).
  Expected<bool> setAllowEvents(bool on);

  bool deployed() const;
  uint64_t generation() const;
  uint64_t compiles() const { return compiles_; }
  // Provenance of a rule id in the loaded programs' events ("policy web, ingress rule 1").
  std::optional<std::string> ruleName(uint32_t rule) const;
  std::optional<std::string> ruleSource(uint32_t rule) const;
  // The loaded policy of an endpoint, in identity terms; nullopt when it is not deployed.
  std::optional<std::vector<PolicyViewEntry>> policyView(uint32_t endpointId) const;
  std::optional<std::array<bool, 2>> enforcement(uint32_t endpointId) const;  // [ingress, egress]
  std::string shapeKeyOf(uint32_t endpointId) const;
  // Entries in the node's ipcache map and its capacity (map pressure).
  std::pair<size_t, size_t> ipcacheUsage() const;

 private:
  struct Deployed;
  DatapathOptions options_;
  std::unique_ptr<Deployed> deployed_;
  uint64_t generation_ = 0;
  uint64_t compiles_ = 0;
};

}  // namespace ciliumc::agent
