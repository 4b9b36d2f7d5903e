#include "agent/daemon/daemon.h"

#include <fmt/format.h>

#include "agent/daemon/cluster_state.h"
#include "agent/endpoint/endpoint_plumbing.h"
#include "agent/ipam/ipam.h"
#include "agent/metrics/agent_metrics.h"
#include "agent/metrics/drop_counter.h"
#include "agent/metrics/registry.h"
#include "agent/monitor/event_hub.h"
#include "agent/monitor/event_names.h"
#include "agent/monitor/event_reader.h"
#include "loader/pin_layout.h"

namespace ciliumc::agent {

namespace {

using Clock = std::chrono::steady_clock;

// Rule names from the loaded plan, identity labels from the identity cache.
class DaemonEventNames final : public monitor::EventNames {
 public:
  DaemonEventNames(std::mutex& mutex, const Datapath& datapath, const std::map<NumericIdentity, LabelSet>& identities)
      : mutex_(mutex), datapath_(datapath), identities_(identities) {}
  std::optional<std::string> ruleName(uint32_t ruleId) const override {
    std::lock_guard lock(mutex_);
    return datapath_.ruleName(ruleId);
  }
  std::optional<std::string> identityLabels(uint32_t identity) const override {
    if (identity < kMinClusterIdentity) return "reserved:" + reservedIdentityName(static_cast<ReservedIdentity>(identity));
    std::lock_guard lock(mutex_);
    auto found = identities_.find(identity);
    if (found == identities_.end()) return std::nullopt;
    return found->second.toString();
  }

 private:
  std::mutex& mutex_;
  const Datapath& datapath_;
  const std::map<NumericIdentity, LabelSet>& identities_;
};

}  // namespace

Daemon::Daemon(AgentConfig config) : config_(std::move(config)), state_(config_.stateDir) {}

Daemon::~Daemon() { stop(); }

Expected<std::unique_ptr<Daemon>> Daemon::start(AgentConfig config) {
  std::unique_ptr<Daemon> daemon(new Daemon(std::move(config)));
  if (auto ready = daemon->initialise(); !ready) return ready.error();
  return daemon;
}

Expected<bool> Daemon::initialise() {
  started_ = Clock::now();
  registry_ = std::make_unique<metrics::MetricsRegistry>();
  metrics_ = std::make_unique<metrics::AgentMetrics>(*registry_);
  if (auto prepared = state_.prepare(); !prepared) return prepared;
  // Like Cilium, mount the BPF filesystem when it is not there (pins must outlive the agent).
  // (A directory created inside a bpffs is on it already: only mount when it is not.)
  if (!loader::isBpffs(config_.bpffs)) {
    if (auto made = loader::ensureDirectory(config_.bpffs); !made)
      return Error{"--bpffs " + config_.bpffs + ": " + made.error().message, 0, "mount -t bpf bpf /sys/fs/bpf"};
  }
  if (!loader::isBpffs(config_.bpffs)) {
    if (auto mounted = loader::mountBpffs(config_.bpffs); !mounted || !loader::isBpffs(config_.bpffs))
      return Error{"--bpffs " + config_.bpffs + " is not on a bpffs mount and mounting one failed", 0,
                   "mount -t bpf bpf /sys/fs/bpf"};
  }
  auto ipam = Ipam::open(config_.ipv4PodCidr, config_.ipv6PodCidr, state_.path("ipam.json"));
  if (!ipam) return ipam.error();
  ipam_ = std::move(*ipam);
  if (auto node = prepareNodeNamespace(config_.nodeNetns); !node) return node.error();

  DatapathOptions options;
  options.bpffs = config_.bpffs;
  options.nodeNetns = config_.nodeNetns;
  options.resolve.enforcement = config_.enforcement;
  options.resolve.allowLocalhost = config_.allowLocalhost;
  options.cluster = config_.cluster;
  options.nodeName = config_.nodeName;
  options.loadThreads = config_.loadJobs;
  for (const std::string& address : config_.nodeAddresses)
    if (auto ip = IpAddress::parse(address)) options.hostAddresses.push_back(*ip);
  for (const char* gateway : {kGatewayIpv4, kGatewayIpv6}) options.hostAddresses.push_back(*IpAddress::parse(gateway));
  datapath_ = std::make_unique<Datapath>(options);
  names_ = std::make_unique<DaemonEventNames>(mutex_, *datapath_, identities_);

  // Restore: endpoints, the last policy and identities we knew. Their programs are still
  // attached and pinned; re-deploying replaces them atomically.
  auto endpoints = state_.loadEndpoints();
  if (!endpoints) return endpoints.error();
  auto policy = state_.loadPolicy();
  if (!policy) return policy.error();
  auto identities = state_.loadIdentities();
  if (!identities) return identities.error();
  {
    std::lock_guard lock(mutex_);
    for (Endpoint& endpoint : *endpoints) endpoints_[endpoint.id] = std::move(endpoint);
    for (ClusterIdentity& identity : *identities) identities_[identity.id] = identity.labels;
    policies_.replace(std::move(policy->first), policy->second);
    if (!endpoints_.empty()) {
      auto regenerated = regenerateAllLocked("restore");
      if (!regenerated) return Error{"restoring endpoints: " + regenerated.error().message};
    }
  }
  connector_ = std::thread([this] { connectLoop(); });
  return true;
}

void Daemon::stop() {
  if (stopping_.exchange(true)) return;
  if (connector_.joinable()) connector_.join();
  std::unique_ptr<ClusterState> cluster;
  {
    std::lock_guard lock(mutex_);
    cluster = std::move(cluster_);
  }
  cluster.reset();  // watches stop; the lease lapses (keys expire) unless a restart renews them
  dropCounter_.reset();
  if (events_) events_->stop();
  enforcedChanged_.notify_all();
}

void Daemon::connectLoop() {
  std::string lastError;
  while (!stopping_) {
    auto connected = ClusterState::connect(config_);
    if (!connected && connected.error().message != lastError) {
      // Once per distinct reason, not once per attempt.
      lastError = connected.error().message;
      fmt::print(stderr, "ciliumd: {} (retrying)\n", lastError);
    }
    if (connected) {
      if (!lastError.empty()) fmt::print(stderr, "ciliumd: connected to etcd\n");
      {
        std::lock_guard lock(mutex_);
        cluster_ = std::move(*connected);
      }
      onEtcdConnected();
      collectGarbageLoop();
      return;
    }
    metrics_->kvstoreConnected.with({}).set(0);
    for (int i = 0; i < 10 && !stopping_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// Identities no node references any more are deleted from etcd now and then (any agent may
// do it; the transaction makes concurrent collectors and allocations safe).
void Daemon::collectGarbageLoop() {
  constexpr auto kInterval = std::chrono::seconds(30);
  auto next = Clock::now() + kInterval;
  while (!stopping_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (Clock::now() < next) continue;
    next = Clock::now() + kInterval;
    if (ClusterState* cluster = currentCluster()) (void)cluster->collectGarbage();
  }
}

void Daemon::onEtcdConnected() {
  metrics_->kvstoreConnected.with({}).set(1);
  {
    // Re-take our references: identities of our endpoints and their ipcache entries. An
    // identity that changed meanwhile (garbage-collected and re-allocated while this node was
    // away) means the loaded programs carry the old number: regenerate.
    std::lock_guard lock(mutex_);
    bool changed = false;
    for (auto& [id, endpoint] : endpoints_) {
      LabelSet labels = identityRelevantLabels(endpoint.labels);
      auto identity = cluster_->allocateIdentity(labels);
      if (identity && *identity != endpoint.identity) {
        endpoint.identity = *identity;
        identities_[*identity] = labels;
        changed = true;
      }
      for (const IpAddress& ip : endpoint.ips()) (void)cluster_->publishIp(ip, endpoint.identity, endpoint.name);
    }
    if (changed) (void)regenerateAllLocked("identities changed while etcd was unreachable");
  }
  ClusterCallbacks callbacks;
  callbacks.policies = [this](std::vector<PolicyDocument> documents, int64_t revision) {
    onPolicySnapshot(std::move(documents), revision);
  };
  callbacks.identity = [this](NumericIdentity id, const LabelSet& labels, bool present) { onIdentity(id, labels, present); };
  callbacks.ipcache = [this](const IpAddress& ip, NumericIdentity identity, const std::string& node, bool present) {
    onIpcache(ip, identity, node, present);
  };
  callbacks.node = [this](const std::string& node, const std::vector<std::string>& cidrs,
                          const std::vector<std::string>& addresses, bool present) {
    onNode(node, cidrs, addresses, present);
  };
  if (ClusterState* cluster = currentCluster()) (void)cluster->watch(std::move(callbacks));
}

std::vector<LocalEndpointSpec> Daemon::endpointSpecsLocked() const {
  std::vector<LocalEndpointSpec> specs;
  for (const auto& [id, endpoint] : endpoints_) {
    if (endpoint.identity == 0) continue;
    specs.push_back({id, endpoint.name, endpoint.labels, endpoint.ips(), endpoint.identity, endpoint.interface});
  }
  return specs;
}

std::vector<ClusterIdentity> Daemon::clusterIdentitiesLocked() const {
  std::vector<ClusterIdentity> all;
  for (const auto& [id, labels] : identities_) all.push_back({id, labels});
  return all;
}

Expected<RegenerationReport> Daemon::regenerateAllLocked(const char* why) {
  std::vector<std::string> skipped;
  PolicySet policies = policies_.policySet(&skipped);
  for (auto& [id, endpoint] : endpoints_)
    if (endpoint.state != EndpointState::WaitingForIdentity) endpoint.state = EndpointState::Regenerating;
  auto report = datapath_->regenerate(policies, endpointSpecsLocked(), clusterIdentitiesLocked());
  metrics_->regenerated(report.ok(), report ? report->totalMs / 1000.0 : 0.0);
  if (!report) {
    fmt::print(stderr, "ciliumd: regeneration ({}) failed: {}\n", why, report.error().message);
    return report;
  }
  lastRegeneration_ = *report;
  lastRegenerationWhy_ = why;
  updateEndpointsAfterRegeneration(*report);
  for (const auto& [ip, identity] : remoteIps_)
    if (auto parsed = IpAddress::parse(ip)) (void)datapath_->upsertIp(*parsed, identity);
  (void)state_.saveIdentities(clusterIdentitiesLocked());
  if (!events_) startEventHub();
  return report;
}

void Daemon::updateEndpointsAfterRegeneration(const RegenerationReport&) {
  for (auto& [id, endpoint] : endpoints_) {
    if (endpoint.identity == 0) continue;
    endpoint.state = EndpointState::Ready;
    endpoint.policyRevision = policies_.revision();
    if (auto enforced = datapath_->enforcement(id)) {
      endpoint.ingressEnforced = (*enforced)[0];
      endpoint.egressEnforced = (*enforced)[1];
    }
  }
  enforcedRevision_ = std::max(enforcedRevision_, policies_.revision());
  (void)saveEndpointsLocked();
  enforcedChanged_.notify_all();
}

Expected<bool> Daemon::saveEndpointsLocked() {
  std::vector<Endpoint> all;
  for (const auto& [id, endpoint] : endpoints_) all.push_back(endpoint);
  return state_.saveEndpoints(all);
}

void Daemon::startEventHub() {
  auto reader = monitor::EventReader::openPinned(config_.bpffs);
  if (!reader) return;  // nothing loaded yet
  auto hub = std::make_unique<monitor::EventHub>();
  if (!hub->start(std::move(*reader))) return;
  dropCounter_ = hub->listen(monitor::EventFilter{}, [this](const monitor::MonitorEvent& event) {
    metrics::countEvent(*metrics_, event);
  });
  events_ = std::move(hub);
}

void Daemon::onPolicySnapshot(std::vector<PolicyDocument> documents, int64_t revision) {
  std::lock_guard lock(mutex_);
  bool changed = documents != policies_.documents();
  auto start = Clock::now();
  policies_.replace(std::move(documents), revision);
  (void)state_.savePolicy(policies_.documents(), revision);
  if (!changed || endpoints_.empty()) {
    enforcedRevision_ = std::max(enforcedRevision_, revision);
    for (auto& [id, endpoint] : endpoints_) endpoint.policyRevision = revision;
    enforcedChanged_.notify_all();
    return;
  }
  auto report = regenerateAllLocked("policy change");
  metrics_->policyChanges.with({report ? "success" : "failure"}).inc();
  if (report) metrics_->policyImplementationDelay.with({}).observe(
      std::chrono::duration<double>(Clock::now() - start).count());
}

void Daemon::onIdentity(NumericIdentity id, const LabelSet& labels, bool present) {
  std::lock_guard lock(mutex_);
  if (!present) {
    identities_.erase(id);
    (void)datapath_->forgetIdentity(id);
    return;
  }
  auto [it, inserted] = identities_.insert_or_assign(id, labels);
  (void)it;
  (void)inserted;
  auto classified = datapath_->classifyIdentity({id, labels});
  if (!classified || !*classified) (void)regenerateAllLocked("identity classes exhausted");
  metrics_->identities.with({"cluster"}).set(static_cast<double>(identities_.size()));
}

void Daemon::onIpcache(const IpAddress& ip, NumericIdentity identity, const std::string& node, bool present) {
  if (node == config_.nodeName) return;  // our own entries are in the map already
  std::lock_guard lock(mutex_);
  if (present) {
    remoteIps_[ip.toString()] = identity;
    (void)datapath_->upsertIp(ip, identity);
  } else {
    remoteIps_.erase(ip.toString());
    (void)datapath_->removeIp(ip);
  }
}

void Daemon::onNode(const std::string& node, const std::vector<std::string>& cidrs,
                    const std::vector<std::string>& addresses, bool present) {
  if (!present) {
    unrouteNode(config_.nodeNetns, cidrs);
    return;
  }
  if (auto routed = routeToNode(config_.nodeNetns, cidrs, addresses); !routed)
    fmt::print(stderr, "ciliumd: routes to node {}: {}\n", node, routed.error().message);
  // Other nodes' own addresses are the remote-node identity (pod addresses come from the ipcache).
  std::lock_guard lock(mutex_);
  for (const std::string& address : addresses)
    if (auto ip = IpAddress::parse(address)) {
      remoteIps_[ip->toString()] = static_cast<NumericIdentity>(ReservedIdentity::RemoteNode);
      (void)datapath_->upsertIp(*ip, static_cast<NumericIdentity>(ReservedIdentity::RemoteNode));
    }
}

ApiReply Daemon::unavailable(const std::string& what) const {
  return ApiReply::error(503, what + ": etcd is not reachable (" + fmt::format("{}", fmt::join(config_.etcdEndpoints, ",")) +
                                  "); loaded endpoints keep enforcing, retry when it is back");
}

ClusterState* Daemon::currentCluster() const {
  std::lock_guard lock(mutex_);
  return cluster_.get();
}

ApiReply Daemon::storeFailure(const std::string& what, const Error& error) const {
  ClusterState* cluster = currentCluster();
  if (!cluster || !cluster->connected()) return unavailable(what + ": " + error.message);
  return ApiReply::error(500, what + ": " + error.message);
}

const monitor::EventNames& Daemon::eventNames() const { return *names_; }

std::shared_ptr<monitor::Subscription> Daemon::subscribe(const monitor::EventFilter& filter) {
  std::lock_guard lock(mutex_);
  if (!events_) startEventHub();
  if (!events_) return nullptr;
  std::unique_ptr<monitor::Subscription> subscription = events_->subscribe(filter);
  if (filter.type == monitor::EventType::Drop) return subscription;
  if (verdictSubscribers_++ == 0) (void)datapath_->setAllowEvents(true);
  return std::shared_ptr<monitor::Subscription>(subscription.release(), [this](monitor::Subscription* done) {
    delete done;
    std::lock_guard lock(mutex_);
    if (--verdictSubscribers_ == 0) (void)datapath_->setAllowEvents(false);
  });
}

std::string Daemon::metricsText() {
  {
    std::lock_guard lock(mutex_);
    std::map<std::string, double> byState;
    for (const auto& [id, endpoint] : endpoints_) byState[endpointStateName(endpoint.state)] += 1;
    for (const char* state : {"waiting-for-identity", "regenerating", "ready", "disconnected"})
      metrics_->endpoints.with({state}).set(byState[state]);
    metrics_->identities.with({"cluster"}).set(static_cast<double>(identities_.size()));
    metrics_->identities.with({"reserved"}).set(10);
    auto [used, capacity] = datapath_->ipcacheUsage();
    if (capacity) metrics_->mapPressure.with({"ciliumc_ipcache"}).set(double(used) / double(capacity));
    metrics_->kvstoreConnected.with({}).set(cluster_ && cluster_->connected() ? 1 : 0);
  }
  return registry_->render();
}

}  // namespace ciliumc::agent
