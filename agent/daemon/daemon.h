// Daemon: ciliumd's state and behaviour behind the HTTP API — endpoints, IPAM, identities and
// the IP cache through etcd, the policy repository, the datapath, monitor and metrics.
// Contracts:
//   - Every API operation is all-or-nothing: a failed endpoint creation releases what it took
//     (addresses, identity reference, routes, programs); a policy that does not check is never
//     written to etcd.
//   - createEndpoint answers once the endpoint's programs are attached (state "ready").
//   - etcd unreachable: loaded programs keep enforcing; operations that need etcd (new
//     identities, policy import) fail with 503; the agent reconnects and re-syncs by itself.
//   - A restarted agent adopts its endpoints from the state dir and their pinned programs, and
//     re-deploys them with atomic replacement (no window without enforcement).
//   - Operations are serialised by one mutex; etcd watch callbacks take it too.
#pragma once
#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "agent/api/api_reply.h"
#include "agent/daemon/config.h"
#include "agent/daemon/state_files.h"
#include "agent/datapath/datapath.h"
#include "agent/endpoint/endpoint.h"
#include "agent/policy/policy_repository.h"

namespace ciliumc::monitor {
class EventHub;
class EventNames;
class Subscription;
class Listener;
struct EventFilter;
}  // namespace ciliumc::monitor
namespace ciliumc::metrics {
class MetricsRegistry;
struct AgentMetrics;
}  // namespace ciliumc::metrics

namespace ciliumc {
class Ipam;
}

namespace ciliumc::agent {

class ClusterState;

class Daemon {
 public:
  static Expected<std::unique_ptr<Daemon>> start(AgentConfig config);
  ~Daemon();
  void stop();

  ApiReply status();
  ApiReply listEndpoints();
  ApiReply getEndpoint(uint32_t id);
  ApiReply createEndpoint(const nlohmann::json& request);
  ApiReply deleteEndpoint(uint32_t id);
  ApiReply changeLabels(uint32_t id, const nlohmann::json& request);
  ApiReply listIdentities();
  ApiReply getIdentity(uint32_t id);
  ApiReply getPolicy();
  ApiReply putPolicy(const nlohmann::json& request);
  ApiReply validatePolicy(const nlohmann::json& request);
  ApiReply deletePolicy(const std::string& name);
  ApiReply waitPolicy(int64_t revision, std::chrono::milliseconds timeout);
  ApiReply ipam();
  ApiReply bpfPolicy(uint32_t id);
  std::string metricsText();
  // Monitor: a subscription to the node's events (nullptr while nothing is loaded), and the
  // names (rules, identity labels) the formatter needs.
  // A subscription of type verdict/all switches the datapath's allow events on until the last
  // such subscription is gone.
  std::shared_ptr<monitor::Subscription> subscribe(const monitor::EventFilter& filter);
  const monitor::EventNames& eventNames() const;

  const AgentConfig& config() const { return config_; }

 private:
  explicit Daemon(AgentConfig config);
  Expected<bool> initialise();
  void connectLoop();
  void onEtcdConnected();
  void collectGarbageLoop();
  // Regenerates every local endpoint (policy change, restart). Caller holds mutex_.
  Expected<RegenerationReport> regenerateAllLocked(const char* why);
  std::vector<LocalEndpointSpec> endpointSpecsLocked() const;
  std::vector<ClusterIdentity> clusterIdentitiesLocked() const;
  void onPolicySnapshot(std::vector<PolicyDocument> documents, int64_t revision);
  void onIdentity(NumericIdentity id, const LabelSet& labels, bool present);
  void onIpcache(const IpAddress& ip, NumericIdentity identity, const std::string& node, bool present);
  void onNode(const std::string& node, const std::vector<std::string>& cidrs, const std::vector<std::string>& addresses,
              bool present);
  Expected<bool> saveEndpointsLocked();
  void updateEndpointsAfterRegeneration(const RegenerationReport& report);
  void startEventHub();
  ApiReply unavailable(const std::string& what) const;
  // The etcd-backed state, or nullptr before the first connection. Takes mutex_ itself (the
  // pointer stays valid until stop()); for callers that do not hold it.
  ClusterState* currentCluster() const;
  // An etcd operation failed: 503 when etcd is unreachable, else 500 with etcd's answer.
  ApiReply storeFailure(const std::string& what, const Error& error) const;

  AgentConfig config_;
  StateFiles state_;
  mutable std::mutex mutex_;
  std::condition_variable enforcedChanged_;
  std::map<uint32_t, Endpoint> endpoints_;
  std::unique_ptr<Ipam> ipam_;
  std::unique_ptr<Datapath> datapath_;
  PolicyRepository policies_;
  int64_t enforcedRevision_ = 0;
  std::map<NumericIdentity, LabelSet> identities_;  // cluster identities known (etcd watch or cache)
  std::map<std::string, NumericIdentity> remoteIps_;  // ipcache entries of other nodes
  std::unique_ptr<ClusterState> cluster_;             // etcd-backed pieces, once connected
  std::unique_ptr<monitor::EventHub> events_;
  std::unique_ptr<monitor::Listener> dropCounter_;
  std::unique_ptr<monitor::EventNames> names_;
  size_t verdictSubscribers_ = 0;
  std::unique_ptr<metrics::MetricsRegistry> registry_;
  std::unique_ptr<metrics::AgentMetrics> metrics_;
  std::atomic<bool> stopping_{false};
  std::thread connector_;
  std::chrono::steady_clock::time_point started_;
  // The last full regeneration (GET /v1/status `last_regeneration`: where a policy change's time goes).
  std::optional<RegenerationReport> lastRegeneration_;
  std::string lastRegenerationWhy_;
};

}  // namespace ciliumc::agent
