// The world of the agent benchmark (bench/agent_speed.cpp): a private bpffs, a real etcd on
// loopback, node namespaces each with the real ciliumd serving in it, and endpoint namespaces
// joined to a node by veth pairs, created with bounded parallelism (thousands of `ip` commands).
// Built on the end-to-end test harness (test/support/agent_harness.h, etcd_server.h).
// Contract: everything is named after the benchmark's pid and removed by destructors, in the
// order agents, endpoint networks (in parallel), node namespaces, etcd, bpffs, work dir — also
// when a measurement fails half-way. Every wait is bounded.
#pragma once
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "loader/pin_layout.h"
#include "test/support/agent_harness.h"
#include "test/support/etcd_server.h"

namespace ciliumc::bench {

using testing::AgentClient;
using testing::AgentProcess;
using testing::ApiAnswer;
using testing::EndpointNetwork;
using testing::TemporaryNetns;
using testing::TrafficHost;

// Set by SIGINT/SIGTERM: measurement loops stop and everything is cleaned up.
inline std::atomic<bool>& interrupted() {
  static std::atomic<bool> flag{false};
  return flag;
}

// Runs job(i) for i in [0, count) on `threads` threads; returns when all are done.
inline void forEachParallel(size_t count, unsigned threads, const std::function<void(size_t)>& job) {
  std::atomic<size_t> next{0};
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < std::max(1u, threads); ++t)
    workers.emplace_back([&] {
      for (size_t i = next++; i < count && !interrupted(); i = next++) job(i);
    });
  for (std::thread& worker : workers) worker.join();
}

// VmRSS and VmHWM of a process, in MiB (0 when unreadable).
struct ProcessMemory {
  double rssMiB = 0, hwmMiB = 0;
};
inline ProcessMemory memoryOf(pid_t pid) {
  ProcessMemory memory;
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    auto kib = [&line] { return std::stod(line.substr(line.find(':') + 1)) / 1024.0; };
    if (line.rfind("VmRSS:", 0) == 0) memory.rssMiB = kib();
    if (line.rfind("VmHWM:", 0) == 0) memory.hwmMiB = kib();
  }
  return memory;
}

// An endpoint's namespace + veth, and what the agent answered when it was created.
struct BenchEndpoint {
  std::string name;
  std::unique_ptr<EndpointNetwork> network;
  nlohmann::json answer;
  TrafficHost host;
};

// A node: its namespace, its agent, its endpoints.
class BenchNode {
 public:
  BenchNode(std::string name, std::string workDir, std::string bpffs, std::vector<std::string> arguments)
      : name_(std::move(name)), netns_(std::make_unique<TemporaryNetns>()), bpffs_(std::move(bpffs)) {
    socket_ = workDir + "/" + name_ + ".sock";
    arguments.insert(arguments.end(), {"--node-name", name_, "--state-dir", workDir + "/state-" + name_, "--bpffs", bpffs_,
                                       "--node-netns", netns_->path(), "--socket", socket_, "--lease-ttl", "5"});
    agent_ = std::make_unique<AgentProcess>(CILIUMD_PATH, arguments, socket_, workDir + "/" + name_ + ".log");
  }
  ~BenchNode() {
    agent_.reset();  // SIGTERM, bounded wait
    // Deleting 1,000 namespaces one by one takes long: in parallel, like their creation.
    forEachParallelIgnoringInterrupt(endpoints_.size(), [this](size_t i) { endpoints_[i].network.reset(); });
    std::vector<std::unique_ptr<EndpointNetwork>>& spare = spare_;
    forEachParallelIgnoringInterrupt(spare.size(), [&spare](size_t i) { spare[i].reset(); });
  }
  BenchNode(const BenchNode&) = delete;
  BenchNode& operator=(const BenchNode&) = delete;

  std::string start() {
    if (!netns_->ok()) return "ip netns add failed for node " + name_;
    return agent_->start(true, std::chrono::seconds(30));
  }
  const std::string& name() const { return name_; }
  const TemporaryNetns& netns() const { return *netns_; }
  const AgentClient& api() const { return agent_->api(); }
  AgentProcess& agent() { return *agent_; }
  const std::string& bpffs() const { return bpffs_; }
  std::vector<BenchEndpoint>& endpoints() { return endpoints_; }

  // Creates `count` namespaces + veths for later endpoints (not timed), `threads` at a time.
  // False when one failed.
  bool prepareNetworks(size_t count, unsigned threads) {
    size_t first = spare_.size();
    spare_.resize(first + count);
    std::atomic<bool> ok{true};
    forEachParallel(count, threads, [&](size_t i) {
      auto network = std::make_unique<EndpointNetwork>(*netns_, nextDevice());
      if (!network->ok()) ok = false;
      spare_[first + i] = std::move(network);
    });
    return ok && !interrupted();
  }
  size_t spareNetworks() const { return spare_.size(); }

  // PUT /v1/endpoints on the next prepared network; the request's wall time in `ms`. Empty on
  // success, else why not.
  std::string createEndpoint(const std::string& endpointName, const std::vector<std::string>& labels, double* ms = nullptr) {
    if (spare_.empty()) return "no prepared network left";
    std::unique_ptr<EndpointNetwork> network = std::move(spare_.back());
    spare_.pop_back();
    nlohmann::json body = {{"name", endpointName}, {"labels", labels}, {"netns", network->netns().path()},
                           {"interface", network->hostDevice()}};
    auto start = std::chrono::steady_clock::now();
    ApiAnswer answer = agent_->api().call("PUT", "/v1/endpoints", body.dump(), 600);
    double took = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (ms) *ms = took;
    BenchEndpoint endpoint{endpointName, std::move(network), answer.body, {}};
    std::string error;
    if (answer.status != 201) error = fmt::format("PUT /v1/endpoints ({}): {} {}", endpointName, answer.status, answer.text);
    else endpoint.host = testing::trafficHostOf(endpointName, *endpoint.network, answer.body);
    endpoints_.push_back(std::move(endpoint));  // kept either way, so its network is cleaned up
    return error;
  }

  const BenchEndpoint* find(const std::string& endpointName) const {
    for (const BenchEndpoint& endpoint : endpoints_)
      if (endpoint.name == endpointName) return &endpoint;
    return nullptr;
  }
  nlohmann::json status() const { return agent_->api().get("/v1/status").body; }
  ProcessMemory memory() const { return memoryOf(agent_->pid()); }

 private:
  static void forEachParallelIgnoringInterrupt(size_t count, const std::function<void(size_t)>& job) {
    std::atomic<size_t> next{0};
    std::vector<std::thread> workers;
    for (int t = 0; t < 4; ++t)
      workers.emplace_back([&] {
        for (size_t i = next++; i < count; i = next++) job(i);
      });
    for (std::thread& worker : workers) worker.join();
  }
  // Host-side device names: "lxc<pid>x<n>" (at most 15 characters), unique in the process.
  static std::string nextDevice() {
    static std::atomic<unsigned> counter{0};
    return fmt::format("lxc{}x{}", ::getpid() % 100000, counter++ % 100000);
  }

  std::string name_;
  std::unique_ptr<TemporaryNetns> netns_;
  std::string bpffs_, socket_;
  std::unique_ptr<AgentProcess> agent_;
  std::vector<std::unique_ptr<EndpointNetwork>> spare_;  // prepared, no endpoint yet
  std::vector<BenchEndpoint> endpoints_;
};

// The private bpffs (unmounted last), the work dir, etcd.
class BenchWorld {
 public:
  BenchWorld() {
    char directory[] = "/tmp/ciliumc-agent-speed-XXXXXX";
    if (::mkdtemp(directory)) workDir_ = directory;
  }
  ~BenchWorld() {
    nodes_.clear();
    etcd_.reset();
    if (mounted_) (void)loader::unmountBpffs(bpffs_);
    std::error_code ignored;
    if (!workDir_.empty()) std::filesystem::remove_all(workDir_, ignored);
  }
  BenchWorld(const BenchWorld&) = delete;
  BenchWorld& operator=(const BenchWorld&) = delete;

  // Mounts the bpffs and starts etcd; empty on success.
  std::string start() {
    if (workDir_.empty()) return "mkdtemp failed";
    bpffs_ = workDir_ + "/bpffs";
    if (auto mounted = loader::mountBpffs(bpffs_); !mounted) return "mounting a bpffs: " + mounted.error().message;
    mounted_ = true;
    if (!testing::etcdAvailable()) return std::string("needs ") + testing::kEtcdBinary + " (apt-get install etcd-server)";
    etcd_ = std::make_unique<testing::EtcdServer>();
    auto started = etcd_->start();
    if (!started) return "starting etcd: " + started.error().message;
    return "";
  }

  // A node with pod CIDRs `ipv4Cidr` and `ipv6Cidr`; not started.
  BenchNode& addNode(const std::string& name, const std::string& ipv4Cidr, const std::string& ipv6Cidr) {
    std::vector<std::string> arguments = {"--etcd-endpoints", etcd_->endpoint(), "--ipv4-pod-cidr", ipv4Cidr,
                                          "--ipv6-pod-cidr", ipv6Cidr};
    nodes_.push_back(std::make_unique<BenchNode>(name, workDir_, bpffs_ + "/" + name, arguments));
    return *nodes_.back();
  }
  // Stops the node's agent and removes its namespaces now (frees CPU and memory for the next
  // measurement).
  void removeNode(const BenchNode& node) {
    std::erase_if(nodes_, [&node](const std::unique_ptr<BenchNode>& each) { return each.get() == &node; });
  }

  const std::string& workDir() const { return workDir_; }
  const std::string& bpffs() const { return bpffs_; }
  testing::EtcdServer& etcd() { return *etcd_; }

 private:
  std::string workDir_, bpffs_;
  bool mounted_ = false;
  std::unique_ptr<testing::EtcdServer> etcd_;
  std::vector<std::unique_ptr<BenchNode>> nodes_;
};

}  // namespace ciliumc::bench
