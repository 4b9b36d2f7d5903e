// How fast is ciliumd? The agent benchmarks of issue 4 §6, with the real ciliumd binary, a real
// etcd on loopback, network namespaces and veth pairs, each next to baselines measured in the
// same run, printed as markdown tables (docs/performance.md, "Agent (ciliumd)", records results):
//   create    endpoint create -> enforced: PUT /v1/endpoints (it answers once the programs are
//             attached; a real TCP flow confirms it), the first endpoint (a compile) and endpoints
//             of a loaded shape; vs creating netns + veth, the agent's plumbing alone
//             (agent/endpoint/endpoint_plumbing.cpp, called directly) and `ciliumc compile` +
//             `ciliumc load` of one endpoint.
//   identity  identity propagation between two agents on one etcd: endpoint with new labels
//             created on node A -> node B's API knows the identity, B's pinned ipcache map holds
//             A's address; vs our EtcdClient's raw put -> watch callback latency.
//   policy    policy change -> enforced on N endpoints (PUT /v1/policy .. GET /v1/policy/wait),
//             a real flow confirming the new verdict; vs `ciliumc compile` + `ciliumc load` of the
//             same policy and inventory; agent memory (VmRSS/VmHWM) at 0, 10, 100, 1,000 endpoints.
// Needs root (namespaces, veth, BPF) and /usr/bin/etcd; exits 2 otherwise. Cleans up everything
// it made (namespaces, veths, agents, etcd, bpffs mount, temp dirs), also on Ctrl-C.
//
// Usage: agent_speed [--max-endpoints N] [--quick] [--section create|identity|policy|all]
//                    [--samples N] [--threads N]
#include <bpf/bpf.h>
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <fstream>
#include <mutex>
#include <optional>
#include <set>
#include <span>

#include "agent/endpoint/endpoint_plumbing.h"
#include "agent/kvstore/etcd_client.h"
#include "bench/support/agent_cluster.h"
#include "bench/support/measure.h"
#include "bench/support/run_process.h"
#include "loader/map_fill.h"
#include "loader/unique_fd.h"

namespace ciliumc::bench {
namespace {

using namespace std::chrono_literals;
using testing::FlowKind;
using testing::FlowOutcome;

struct Options {
  size_t maxEndpoints = 1000;
  bool quick = false;
  int samples = 20;      // endpoints created in the create section
  int probes = 10;       // identities propagated in the identity section
  unsigned threads = 4;  // parallel namespace + veth creation
};

// The policy of every section: web serves client on one port; the change moves the port.
std::string webPolicy(int port) {
  return fmt::format(R"(policy web {{
  select {{ app = web }}
  ingress {{
    allow from {{ app = client }} on tcp/{}
  }}
}}
)",
                     port);
}
constexpr int kPortA = 8080, kPortB = 9090;

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return -1;
  std::sort(values.begin(), values.end());
  size_t index = size_t(std::ceil(p / 100.0 * double(values.size()))) - 1;
  return values[std::min(index, values.size() - 1)];
}
// "median / p90"; values may be negative (differences of two clocks' readings).
std::string medianP90(const std::vector<double>& values, int decimals = 1) {
  if (values.empty()) return "–";
  return fmt::format("{:.{}f} / {:.{}f}", median(values), decimals, percentile(values, 90), decimals);
}

bool delivered(const TrafficHost& from, const TrafficHost& to, int port) {
  testing::Flow flow;
  flow.kind = FlowKind::Tcp, flow.from = &from, flow.to = &to, flow.port = uint16_t(port);
  return testing::runFlow(flow, 2s).delivered;
}
bool blocked(const TrafficHost& from, const TrafficHost& to, int port) {
  testing::Flow flow;
  flow.kind = FlowKind::Tcp, flow.from = &from, flow.to = &to, flow.port = uint16_t(port);
  return !testing::runFlow(flow, 400ms).delivered;
}

// PUT /v1/policy and wait until enforced; the total wall time in ms, or an Error.
Expected<double> changePolicy(BenchNode& node, int port) {
  auto start = Clock::now();
  ApiAnswer put = node.api().call("PUT", "/v1/policy",
                                  nlohmann::json{{"name", "bench"}, {"format", "ciliumc"}, {"text", webPolicy(port)}}.dump());
  if (put.status != 200) return Error{fmt::format("PUT /v1/policy: {} {}", put.status, put.text)};
  int64_t revision = put.body.value("revision", int64_t{0});
  ApiAnswer waited = node.api().get(fmt::format("/v1/policy/wait?revision={}&timeout=540", revision), 560);
  if (waited.status != 200) return Error{fmt::format("GET /v1/policy/wait: {} {}", waited.status, waited.text)};
  return msSince(start);
}

std::string ciliumc(const std::vector<std::string>& arguments) {
  std::string command = CILIUMC_PATH;
  for (const std::string& argument : arguments) command += " '" + argument + "'";
  return command;
}
// Runs a shell command line (stdout discarded); its wall time in ms.
Expected<double> timed(const std::string& commandLine) { return runProcess({"sh", "-c", commandLine + " >/dev/null"}); }

// The inventory `ciliumc compile` needs for the agent's endpoints: same names, labels and IPs.
void writeInventory(const std::string& path, std::span<const BenchEndpoint> endpoints) {
  std::ofstream out(path);
  out << "cluster: default\nnamespaces:\n  - name: default\nendpoints:\n";
  for (const BenchEndpoint& endpoint : endpoints) {
    out << "  - name: " << endpoint.name << "\n    namespace: default\n    labels: {";
    bool first = true;
    for (const auto& label : endpoint.answer["labels"]) {
      std::string text = label.get<std::string>();
      std::string keyValue = text.substr(text.find(':') + 1);
      size_t equals = keyValue.find('=');
      out << (first ? "" : ", ") << keyValue.substr(0, equals) << ": " << keyValue.substr(equals + 1);
      first = false;
    }
    out << "}\n    ips: [" << endpoint.answer.value("ipv4", "") << ", " << endpoint.answer.value("ipv6", "") << "]\n";
  }
}

// Where a regeneration's time went, from /v1/status's last_regeneration (ms), if the agent tells.
std::string regenerationSplit(const nlohmann::json& status) {
  if (!status.contains("last_regeneration") || !status["last_regeneration"].is_object()) return "–";
  const auto& r = status["last_regeneration"];
  return fmt::format("{:.0f} / {:.0f} / {:.0f}", r.value("plan_ms", 0.0), r.value("compile_ms", 0.0), r.value("load_ms", 0.0));
}

// ---- 1. endpoint create -> enforced --------------------------------------------------------

int runCreateSection(BenchWorld& world, const Options& options) {
  fmt::print("## Endpoint create → enforced\n\n");
  BenchNode& node = world.addNode("node-a", "10.232.1.0/24", "fd00:232:1::/112");
  if (std::string started = node.start(); !started.empty()) return fmt::print(stderr, "error: {}\n", started), 1;
  if (auto changed = changePolicy(node, kPortA); !changed) return fmt::print(stderr, "error: {}\n", changed.error().message), 1;
  int samples = options.samples;
  if (!node.prepareNetworks(size_t(samples), options.threads)) return fmt::print(stderr, "error: creating namespaces failed\n"), 1;

  struct Sample {
    std::string name;
    double ms = 0;
    bool compiled = false;
  };
  std::vector<Sample> created;
  for (int i = 0; i < samples && !interrupted(); ++i) {
    bool web = i % 2 == 0;
    std::string name = fmt::format("{}-{}", web ? "web" : "client", i / 2);
    uint64_t compilesBefore = node.status().value("compiles", uint64_t{0});
    double ms = 0;
    if (std::string error = node.createEndpoint(name, {web ? "k8s:app=web" : "k8s:app=client"}, &ms); !error.empty())
      return fmt::print(stderr, "error: {}\n", error), 1;
    if (node.endpoints().back().answer.value("state", "") != "ready")
      return fmt::print(stderr, "error: {} answered but is not ready\n", name), 1;
    created.push_back({name, ms, node.status().value("compiles", uint64_t{0}) > compilesBefore});
  }
  if (interrupted()) return 1;
  // Enforced when the PUT returns: the last client's first flow gets through at once, a denied
  // port stays shut.
  const TrafficHost& web = node.find("web-0")->host;
  const TrafficHost& client = node.endpoints().back().host;
  bool allowedAtOnce = delivered(client, web, kPortA);
  bool deniedAtOnce = blocked(client, web, kPortB);

  std::vector<double> compiledMs, loadedMs;
  for (size_t i = 0; i < created.size(); ++i) (created[i].compiled ? compiledMs : loadedMs).push_back(created[i].ms);

  // Baselines: the caller's netns + veth, the agent's plumbing called directly, ciliumc's CLI.
  TemporaryNetns baselineNode;
  std::vector<double> networkMs, plumbMs;
  std::vector<std::unique_ptr<EndpointNetwork>> networks;
  for (int i = 0; i < samples && baselineNode.ok() && !interrupted(); ++i) {
    auto start = Clock::now();
    networks.push_back(std::make_unique<EndpointNetwork>(baselineNode, fmt::format("bln{}x{}", ::getpid() % 100000, i)));
    networkMs.push_back(msSince(start));
    agent::Endpoint endpoint;
    endpoint.netns = networks.back()->netns().path();
    endpoint.interface = networks.back()->hostDevice();
    endpoint.containerInterface = "eth0";
    endpoint.ipv4 = *IpAddress::parse(fmt::format("10.233.0.{}", i + 2));
    endpoint.ipv6 = *IpAddress::parse(fmt::format("fd00:233::{:x}", i + 2));
    start = Clock::now();
    auto plumbed = agent::plumbEndpoint(baselineNode.path(), endpoint);
    if (!plumbed) return fmt::print(stderr, "error: plumbing baseline: {}\n", plumbed.error().message), 1;
    plumbMs.push_back(msSince(start));
  }
  std::string cliDir = world.workDir() + "/cli-create", cliBpffs = world.bpffs() + "/cli-create";
  std::filesystem::create_directories(cliDir);
  std::filesystem::create_directories(cliBpffs);  // a directory of the private bpffs mount
  std::ofstream(cliDir + "/web.policy") << webPolicy(kPortA);
  writeInventory(cliDir + "/inventory.yaml", std::span<const BenchEndpoint>(node.endpoints()).first(2));
  auto compiled = timed(ciliumc({"compile", "-q", cliDir + "/web.policy", "--inventory", cliDir + "/inventory.yaml", "-o", cliDir + "/out"}));
  if (!compiled) return fmt::print(stderr, "error: {}\n", compiled.error().message), 1;
  std::vector<double> cliLoadMs;
  for (int i = 0; i < 5 && !networks.empty(); ++i) {
    auto loaded = timed(ciliumc({"load", cliDir + "/out", "--endpoint", "default/web-0", "--attach",
                                 "default/web-0=" + networks[0]->hostDevice(), "--netns", baselineNode.path(), "--bpffs", cliBpffs}));
    if (!loaded) return fmt::print(stderr, "error: {}\n", loaded.error().message), 1;
    cliLoadMs.push_back(*loaded);
    (void)timed(ciliumc({"unload", "--all", "--netns", baselineNode.path(), "--bpffs", cliBpffs}));
  }
  networks.clear();

  Table table({"step", "count", "median / p90 ms"});
  table.add({"agent: first endpoint (a compile)", std::to_string(compiledMs.empty() ? 0 : 1), compiledMs.empty() ? "–" : fixed(compiledMs[0])});
  if (compiledMs.size() > 1)
    table.add({"agent: first endpoint of a second shape (a compile, all endpoints redeployed)", std::to_string(compiledMs.size() - 1),
               medianP90({compiledMs.begin() + 1, compiledMs.end()})});
  table.add({"agent: endpoint of a loaded shape (no compile)", std::to_string(loadedMs.size()), medianP90(loadedMs)});
  table.add({"baseline: netns + veth (`ip netns add`, `ip link add`; the caller's part)", std::to_string(networkMs.size()), medianP90(networkMs)});
  table.add({"baseline: the agent's plumbing alone (plumbEndpoint: 10 `ip` commands)", std::to_string(plumbMs.size()), medianP90(plumbMs)});
  table.add({"baseline: `ciliumc compile` of the same policy, 2 endpoints (process)", "1", fixed(*compiled)});
  table.add({"baseline: `ciliumc load --attach` of one endpoint (process)", std::to_string(cliLoadMs.size()), medianP90(cliLoadMs)});
  table.print();
  world.removeNode(node);
  fmt::print("\nFirst flow right after the PUT returned: allowed tcp/{} {}, denied tcp/{} {}.\n\n", kPortA,
             allowedAtOnce ? "delivered" : "NOT delivered", kPortB, deniedAtOnce ? "blocked" : "NOT blocked");
  return allowedAtOnce && deniedAtOnce ? 0 : 1;
}

// ---- 2. identity propagation between two agents ----------------------------------------------

// Records when our own watch on the agents' etcd keys sees each key first.
class KeyArrivals {
 public:
  void record(const agent::WatchBatch& batch) {
    auto now = Clock::now();
    std::lock_guard lock(mutex_);
    for (const auto& event : batch.events)
      if (event.type == agent::WatchEvent::Type::Put) seen_.try_emplace(event.kv.key, now);
  }
  std::optional<Clock::time_point> at(const std::string& key) {
    std::lock_guard lock(mutex_);
    auto found = seen_.find(key);
    if (found == seen_.end()) return std::nullopt;
    return found->second;
  }

 private:
  std::mutex mutex_;
  std::map<std::string, Clock::time_point> seen_;
};

std::string keyBytes(const ciliumc_ipcache_key& key) { return std::string(reinterpret_cast<const char*>(&key), sizeof key); }

// The keys of a pinned ipcache map.
std::set<std::string> ipcacheKeys(int fd) {
  std::set<std::string> keys;
  ciliumc_ipcache_key key{}, next{};
  const void* previous = nullptr;
  for (int i = 0; i < 100000 && bpf_map_get_next_key(fd, previous, &next) == 0; ++i) {
    keys.insert(keyBytes(next));
    key = next;
    previous = &key;
  }
  return keys;
}

double msBetween(Clock::time_point from, Clock::time_point to) { return std::chrono::duration<double, std::milli>(to - from).count(); }

int runIdentitySection(BenchWorld& world, const Options& options) {
  fmt::print("## Identity propagation between two agents (one etcd)\n\n");
  BenchNode& a = world.addNode("node-a2", "10.232.3.0/24", "fd00:232:3::/112");
  BenchNode& b = world.addNode("node-b", "10.232.2.0/24", "fd00:232:2::/112");
  for (BenchNode* node : {&a, &b})
    if (std::string started = node->start(); !started.empty()) return fmt::print(stderr, "error: {}\n", started), 1;
  if (!a.prepareNetworks(size_t(options.probes) + 1, options.threads) || !b.prepareNetworks(1, 1))
    return fmt::print(stderr, "error: creating namespaces failed\n"), 1;
  // B needs something loaded for its node maps (the ipcache) to be pinned; A gets its first
  // endpoint (and compile) out of the way, so the probes measure a node in steady state.
  for (auto [node, name, label] : {std::tuple{&b, "web-b", "k8s:app=web"}, std::tuple{&a, "client-a", "k8s:app=client"}})
    if (std::string error = node->createEndpoint(name, {label}); !error.empty()) return fmt::print(stderr, "error: {}\n", error), 1;
  auto ipcache = loader::UniqueFd(bpf_obj_get((b.bpffs() + "/ciliumc/node/ciliumc_ipcache").c_str()));
  if (!ipcache.valid()) return fmt::print(stderr, "error: node B's ipcache map is not pinned under {}\n", b.bpffs()), 1;

  agent::KvOptions kv;
  kv.endpoints = {world.etcd().endpoint()};
  auto client = agent::EtcdClient::connect(kv);
  if (!client) return fmt::print(stderr, "error: {}\n", client.error().message), 1;
  KeyArrivals arrivals;
  auto watch = (*client)->watchPrefix("ciliumc/state/", 0, [&arrivals](const agent::WatchBatch& batch) { arrivals.record(batch); });
  if (!watch) return fmt::print(stderr, "error: {}\n", watch.error().message), 1;

  std::vector<double> putMs, etcdIdentityMs, identityMs, etcdIpMs, ipcacheMs, identityLagMs, ipcacheLagMs;
  int verified = 0;
  for (int i = 0; i < options.probes && !interrupted(); ++i) {
    std::string label = fmt::format("k8s:app=probe-{}", i);
    std::set<std::string> before = ipcacheKeys(ipcache.get());
    // Pollers at 1 ms, bounded by the PUT's end + 5 s. Each writes its result, then sets its
    // flag; the results are read after join().
    std::atomic<bool> done{false}, identityFound{false};
    std::atomic<size_t> keysFound{0};
    Clock::time_point identityAt;
    uint32_t identitySeen = 0;
    std::map<std::string, Clock::time_point> newKeys;
    std::thread identityPoller([&] {
      for (int poll = 0; poll < 20000 && !done; ++poll, std::this_thread::sleep_for(1ms)) {
        ApiAnswer all = b.api().get("/v1/identities", 2);
        if (all.status != 200) continue;
        for (const auto& identity : all.body)
          if (identity["labels"].size() == 1 && identity["labels"][0] == label) {
            identityAt = Clock::now(), identitySeen = identity["id"];
            identityFound = true;
            return;
          }
      }
    });
    std::thread ipcachePoller([&] {
      for (int poll = 0; poll < 20000 && !done && newKeys.size() < 2; ++poll, std::this_thread::sleep_for(1ms))
        for (const std::string& key : ipcacheKeys(ipcache.get()))
          if (!before.count(key) && newKeys.try_emplace(key, Clock::now()).second) keysFound = newKeys.size();
    });
    auto start = Clock::now();
    double ms = 0;
    std::string error = a.createEndpoint(fmt::format("probe-{}", i), {label}, &ms);
    auto stopAt = Clock::now() + 5s;
    while (Clock::now() < stopAt && !(identityFound && keysFound >= 2)) std::this_thread::sleep_for(1ms);
    done = true;
    identityPoller.join();
    ipcachePoller.join();
    if (!error.empty()) return fmt::print(stderr, "error: {}\n", error), 1;
    const nlohmann::json& answer = a.endpoints().back().answer;
    uint32_t id = answer["identity"];
    auto ipv4 = IpAddress::parse(answer.value("ipv4", ""));
    if (!ipv4 || !identityFound || identitySeen != id) {
      fmt::print(stderr, "warning: probe {}: node B did not learn identity {} within 5 s\n", i, id);
      continue;
    }
    std::string v4Key = keyBytes(loader::ipcacheKeyOf(*ipv4));
    ciliumc_ipcache_value value{};
    bool mapHolds = bpf_map_lookup_elem(ipcache.get(), v4Key.data(), &value) == 0 && value.identity == id;
    if (!newKeys.count(v4Key) || !mapHolds) {
      fmt::print(stderr, "warning: probe {}: node B's ipcache does not map {} to {}\n", i, ipv4->toString(), id);
      continue;
    }
    ++verified;
    putMs.push_back(ms);
    identityMs.push_back(msBetween(start, identityAt));
    ipcacheMs.push_back(msBetween(start, newKeys[v4Key]));
    auto idKey = arrivals.at(fmt::format("ciliumc/state/identities/v1/id/{}", id));
    auto ipKey = arrivals.at(fmt::format("ciliumc/state/ip/v1/default/{}", ipv4->toString()));
    if (idKey) etcdIdentityMs.push_back(msBetween(start, *idKey)), identityLagMs.push_back(msBetween(*idKey, identityAt));
    if (ipKey) etcdIpMs.push_back(msBetween(start, *ipKey)), ipcacheLagMs.push_back(msBetween(*ipKey, newKeys[v4Key]));
  }

  // Baseline: our EtcdClient's put -> watch callback on the same etcd.
  std::mutex mutex;
  std::map<std::string, Clock::time_point> delivered;
  auto baselineWatch = (*client)->watchPrefix("bench/latency/", 0, [&](const agent::WatchBatch& batch) {
    auto now = Clock::now();
    std::lock_guard lock(mutex);
    for (const auto& event : batch.events) delivered.try_emplace(event.kv.key, now);
  });
  if (!baselineWatch) return fmt::print(stderr, "error: {}\n", baselineWatch.error().message), 1;
  std::vector<double> rawMs;
  for (int i = 0; i < 50 && !interrupted(); ++i) {
    std::string key = fmt::format("bench/latency/{}", i);
    auto start = Clock::now();
    if (!(*client)->put(key, "x")) continue;
    for (int wait = 0; wait < 2000; ++wait) {
      {
        std::lock_guard lock(mutex);
        if (auto found = delivered.find(key); found != delivered.end()) {
          rawMs.push_back(msBetween(start, found->second));
          break;
        }
      }
      std::this_thread::sleep_for(50us);
    }
  }
  baselineWatch->reset();
  watch->reset();

  Table table({"step (ms from the PUT on node A)", "count", "median / p90 ms"});
  table.add({"node A: PUT /v1/endpoints returns (new identity)", std::to_string(putMs.size()), medianP90(putMs)});
  table.add({"etcd: the identity's id key reaches a watcher (our EtcdClient)", std::to_string(etcdIdentityMs.size()), medianP90(etcdIdentityMs)});
  table.add({"node B: GET /v1/identities knows it (polled at 1 ms)", std::to_string(identityMs.size()), medianP90(identityMs)});
  table.add({"etcd: A's ipcache key reaches a watcher", std::to_string(etcdIpMs.size()), medianP90(etcdIpMs)});
  table.add({"node B: pinned ciliumc_ipcache holds A's IPv4 (polled at 1 ms)", std::to_string(ipcacheMs.size()), medianP90(ipcacheMs)});
  table.add({"node B's lag behind the watcher: identity", std::to_string(identityLagMs.size()), medianP90(identityLagMs, 2)});
  table.add({"node B's lag behind the watcher: ipcache map", std::to_string(ipcacheLagMs.size()), medianP90(ipcacheLagMs, 2)});
  table.add({"baseline: EtcdClient put → watch callback (same etcd)", std::to_string(rawMs.size()), medianP90(rawMs, 2)});
  table.print();
  fmt::print("\n{} of {} probes verified (identity id and ipcache value match node A's answer).\n\n", verified, options.probes);
  world.removeNode(b);
  world.removeNode(a);
  return verified == options.probes ? 0 : 1;
}

// ---- 3. policy change on N endpoints, agent memory ----------------------------------------

int runPolicySection(BenchWorld& world, const Options& options) {
  fmt::print("## Policy change → enforced on N endpoints; agent memory\n\n");
  BenchNode& node = world.addNode("node-c", "10.232.16.0/20", "fd00:232:16::/112");
  if (std::string started = node.start(); !started.empty()) return fmt::print(stderr, "error: {}\n", started), 1;
  std::vector<size_t> sizes;
  for (size_t n : {size_t(10), size_t(100), size_t(1000)})
    if (n <= options.maxEndpoints) sizes.push_back(n);
  if (sizes.empty() || sizes.back() != options.maxEndpoints) sizes.push_back(options.maxEndpoints);

  Table memory({"endpoints", "VmRSS MiB", "VmHWM MiB", "compiles so far"});
  std::this_thread::sleep_for(500ms);
  ProcessMemory idle = node.memory();
  memory.add({"0 (baseline: idle agent)", fixed(idle.rssMiB), fixed(idle.hwmMiB), "0"});

  auto prepareStart = Clock::now();
  if (!node.prepareNetworks(sizes.back(), options.threads)) return fmt::print(stderr, "error: creating namespaces failed\n"), 1;
  double prepareMs = msSince(prepareStart);

  Table policy({"endpoints", "agent: PUT /v1/policy → /v1/policy/wait (ms, each run)", "agent split plan / compile / load ms",
                "flow check", "baseline: `ciliumc compile` ms", "baseline: `ciliumc load` (no attach) ms",
                "baseline: `ciliumc load -j 1` ms"});
  Table creation({"endpoints on the node", "created", "PUT /v1/endpoints median / p90 ms"});
  int port = kPortA;
  // The policy in etcd may be either port (the create section ran first): start from a known one.
  if (auto changed = changePolicy(node, port); !changed) return fmt::print(stderr, "error: {}\n", changed.error().message), 1;
  size_t teams = 5;
  int status = 0;
  for (size_t target : sizes) {
    std::vector<double> createMs;
    size_t from = node.endpoints().size();
    for (size_t i = from; i < target && !interrupted(); ++i) {
      bool web = i % 2 == 0;
      std::string name = fmt::format("{}-{}", web ? "web" : "client", i / 2);
      double ms = 0;
      std::string error = node.createEndpoint(
          name, {web ? "k8s:app=web" : "k8s:app=client", fmt::format("k8s:team=t{}", (i / 2) % teams)}, &ms);
      if (!error.empty()) return fmt::print(stderr, "error: {}\n", error), 1;
      createMs.push_back(ms);
    }
    if (interrupted()) return 1;
    creation.add({fmt::format("{} → {}", from, target), std::to_string(createMs.size()), medianP90(createMs)});
    ProcessMemory now = node.memory();
    memory.add({std::to_string(target), fixed(now.rssMiB), fixed(now.hwmMiB), std::to_string(node.status().value("compiles", 0))});

    int runs = target >= 1000 ? 1 : options.quick ? 2 : 3;  // a change at 1,000 takes a minute or more
    std::vector<std::string> times, splits;
    for (int run = 0; run < runs && !interrupted(); ++run) {
      port = port == kPortA ? kPortB : kPortA;
      auto changed = changePolicy(node, port);
      if (!changed) return fmt::print(stderr, "error: {}\n", changed.error().message), 1;
      times.push_back(fixed(*changed, 0));
      splits.push_back(regenerationSplit(node.status()));
    }
    const TrafficHost& web = node.find("web-0")->host;
    const TrafficHost& client = node.find(fmt::format("client-{}", (target - 1) / 2))->host;
    int other = port == kPortA ? kPortB : kPortA;
    bool verdictHolds = delivered(client, web, port) && blocked(client, web, other);
    if (!verdictHolds) status = 1;

    std::string cliDir = fmt::format("{}/cli-{}", world.workDir(), target), cliBpffs = fmt::format("{}/cli-{}", world.bpffs(), target);
    std::filesystem::create_directories(cliDir);
    std::filesystem::create_directories(cliBpffs);
    std::ofstream(cliDir + "/web.policy") << webPolicy(port);
    writeInventory(cliDir + "/inventory.yaml", node.endpoints());
    auto compiled = timed(ciliumc({"compile", "-q", cliDir + "/web.policy", "--inventory", cliDir + "/inventory.yaml", "-o", cliDir + "/out"}));
    if (!compiled) return fmt::print(stderr, "error: {}\n", compiled.error().message), 1;
    auto loaded = timed(ciliumc({"load", cliDir + "/out", "--bpffs", cliBpffs}));
    if (!loaded) return fmt::print(stderr, "error: {}\n", loaded.error().message), 1;
    (void)timed(ciliumc({"unload", "--all", "--bpffs", cliBpffs}));
    // The same load on one thread: what every load was before objects were loaded in parallel.
    auto loadedSerially = timed(ciliumc({"load", "-j", "1", cliDir + "/out", "--bpffs", cliBpffs}));
    if (!loadedSerially) return fmt::print(stderr, "error: {}\n", loadedSerially.error().message), 1;
    (void)timed(ciliumc({"unload", "--all", "--bpffs", cliBpffs}));
    std::filesystem::remove_all(cliDir);

    std::string joinedTimes, joinedSplits;
    for (size_t i = 0; i < times.size(); ++i) {
      joinedTimes += (i ? ", " : "") + times[i];
      joinedSplits += (i ? ", " : "") + splits[i];
    }
    policy.add({std::to_string(target), joinedTimes, joinedSplits,
                verdictHolds ? fmt::format("tcp/{} delivered, tcp/{} blocked", port, other) : "WRONG VERDICT",
                fixed(*compiled, 0), fixed(*loaded, 0), fixed(*loadedSerially, 0)});
    fmt::print(stderr, "  {} endpoints: policy change {} ms\n", target, joinedTimes);
  }
  policy.print();
  fmt::print("\n");
  creation.print();
  fmt::print("\n(Namespaces + veths for {} endpoints were prepared beforehand, {} at a time: {:.1f} s, not included above.)\n\n",
             sizes.back(), options.threads, prepareMs / 1000.0);
  memory.print();
  fmt::print("\n");
  return status;
}

void onSignal(int) { interrupted() = true; }

int run(int argc, char** argv) {
  CLI::App app{"Agent benchmarks (issue 4 §6): endpoint create, identity propagation, policy change, memory"};
  Options options;
  std::string section = "all";
  app.add_option("--max-endpoints", options.maxEndpoints, "Largest N of the policy section (10, 100, 1000 up to N)")
      ->check(CLI::Range(size_t(2), size_t(4000)));
  app.add_flag("--quick", options.quick, "Fewer samples and N at most 100 (unless --max-endpoints says otherwise)");
  app.add_option("--samples", options.samples, "Endpoints created in the create section")->check(CLI::Range(4, 200));
  app.add_option("--threads", options.threads, "Namespaces + veths created at a time")->check(CLI::Range(1u, 16u));
  app.add_option("--section", section, "create, identity, policy or all")->check(CLI::IsMember({"create", "identity", "policy", "all"}));
  CLI11_PARSE(app, argc, argv);
  if (options.quick) {
    options.samples = std::min(options.samples, 8);
    options.probes = 4;
    if (app.count("--max-endpoints") == 0) options.maxEndpoints = 100;
  }
  if (geteuid() != 0) {
    fmt::print(stderr, "agent_speed: needs root (network namespaces, veth, BPF); run it with sudo.\n");
    return 2;
  }
  struct sigaction action {};
  action.sa_handler = onSignal;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);

  BenchWorld world;
  if (std::string started = world.start(); !started.empty()) {
    fmt::print(stderr, "agent_speed: {}\n", started);
    return 2;
  }
  auto start = Clock::now();
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  fmt::print("ciliumd {}, etcd {} on loopback, {} CPUs, load average {:.2f} at start.\n\n", CILIUMD_PATH, testing::kEtcdBinary,
             std::thread::hardware_concurrency(), load[0]);
  int status = 0;
  if (section == "create" || section == "all") status |= runCreateSection(world, options);
  if ((section == "identity" || section == "all") && !interrupted()) status |= runIdentitySection(world, options);
  if ((section == "policy" || section == "all") && !interrupted()) status |= runPolicySection(world, options);
  fmt::print("Total {:.0f} s.{}\n", msSince(start) / 1000.0, interrupted() ? " Interrupted." : "");
  return interrupted() ? 130 : status;
}

}  // namespace
}  // namespace ciliumc::bench

int main(int argc, char** argv) { return ciliumc::bench::run(argc, argv); }
