// The end-to-end fixture of the agent tests: a real etcd (Debian's etcd-server) on loopback, a
// private bpffs, node namespaces with the real ciliumd serving in each, endpoints created through
// the API on namespaces + veth pairs, and traffic over real sockets (test/support/traffic.h).
#pragma once
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "test/support/agent_harness.h"
#include "test/support/etcd_server.h"
#include "test/unit/loader_test_support.h"
#include "test/unit/privileged.h"

namespace ciliumc::testing {

using namespace std::chrono_literals;

inline constexpr auto kBlockedWait = 400ms;  // a denied flow gets this long to (not) get through
inline constexpr auto kDeliverWait = 3s;

// One node: its namespace, its agent and its endpoints.
struct TestNode {
  std::string name;
  std::unique_ptr<TemporaryNetns> netns;
  std::unique_ptr<AgentProcess> agent;
  std::string stateDir, bpffs, socket;
  std::vector<std::string> arguments;
  std::map<std::string, std::unique_ptr<EndpointNetwork>> networks;  // by endpoint name
  std::map<std::string, nlohmann::json> endpoints;                   // the API's answers
  std::map<std::string, TrafficHost> hosts;
};

class AgentEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    CILIUMC_REQUIRE_BPF_OR_SKIP();
    CILIUMC_REQUIRE_ETCD_OR_SKIP();
    ASSERT_TRUE(bpffs_.ok()) << bpffs_.error();
    char directory[] = "/tmp/ciliumc-agent-e2e-XXXXXX";
    ASSERT_TRUE(::mkdtemp(directory));
    work_ = directory;
    if (etcdOverTls()) {
      auto pki = makeTestPki(work_ + "/pki");
      ASSERT_TRUE(pki) << pki.error().message;
      pki_ = *pki;
      etcd_.useTls(*pki_);
    }
    auto started = etcd_.start();
    ASSERT_TRUE(started) << started.error().message;
  }

  void TearDown() override {
    for (auto& node : nodes_)
      if (node->agent && ::testing::Test::HasFailure()) std::cerr << "---- ciliumd " << node->name << " log:\n" << node->agent->logTail();
    nodes_.clear();  // agents stop, endpoints' devices go, node namespaces go
    if (!work_.empty()) std::filesystem::remove_all(work_);
  }

  // A node with pod CIDRs 10.<base>.<index>.0/24 and fd00:<base>:<index>::/112.
  TestNode& addNode(const std::string& name, int index, std::vector<std::string> extra = {}) {
    auto node = std::make_unique<TestNode>();
    node->name = name;
    node->netns = std::make_unique<TemporaryNetns>();
    node->stateDir = work_ + "/state-" + name;
    node->bpffs = bpffs_.path() + "/" + name;
    node->socket = work_ + "/" + name + ".sock";
    node->arguments = {"--etcd-endpoints", etcd_.clientUrl(), "--node-name", name,
                       "--ipv4-pod-cidr", "10.231." + std::to_string(index) + ".0/24",
                       "--ipv6-pod-cidr", "fd00:231:" + std::to_string(index) + "::/112",
                       "--state-dir", node->stateDir, "--bpffs", node->bpffs,
                       "--node-netns", node->netns->path(), "--socket", node->socket, "--lease-ttl", "5"};
    if (pki_)
      node->arguments.insert(node->arguments.end(), {"--etcd-ca-file", pki_->caFile, "--etcd-cert-file", pki_->clientCertFile,
                                                     "--etcd-key-file", pki_->clientKeyFile});
    node->arguments.insert(node->arguments.end(), extra.begin(), extra.end());
    node->agent = std::make_unique<AgentProcess>(CILIUMD_PATH, node->arguments, node->socket, work_ + "/" + name + ".log");
    nodes_.push_back(std::move(node));
    return *nodes_.back();
  }

  std::string startAgent(TestNode& node, bool waitForEtcd = true) {
    if (!node.netns->ok()) return "ip netns add failed";
    return node.agent->start(waitForEtcd);
  }

  // Creates the namespace + veth and the endpoint through the API; empty on success.
  std::string addEndpoint(TestNode& node, const std::string& name, const std::vector<std::string>& labels) {
    std::string device = "lxc" + std::to_string(::getpid() % 100000) + "x" + std::to_string(++devices_);
    auto network = std::make_unique<EndpointNetwork>(*node.netns, device);
    if (!network->ok()) return "creating the endpoint's namespace and veth failed";
    ApiAnswer answer = node.agent->api().put(
        "/v1/endpoints", {{"name", name}, {"labels", labels}, {"netns", network->netns().path()}, {"interface", device}});
    if (answer.status != 201) return "PUT /v1/endpoints: " + std::to_string(answer.status) + " " + answer.text;
    node.hosts[name] = trafficHostOf(name, *network, answer.body);
    node.endpoints[name] = answer.body;
    node.networks[name] = std::move(network);
    return "";
  }

  // Imports a policy (our language) on `node` and waits until `waiter` enforces it.
  int64_t importPolicy(TestNode& node, const std::string& name, const std::string& text, TestNode* waiter = nullptr) {
    ApiAnswer answer = node.agent->api().put("/v1/policy", {{"name", name}, {"format", "ciliumc"}, {"text", text}});
    EXPECT_EQ(answer.status, 200) << answer.text;
    int64_t revision = answer.body.value("revision", int64_t{0});
    for (TestNode* each : {&node, waiter}) {
      if (!each) continue;
      ApiAnswer waited = each->agent->api().get("/v1/policy/wait?revision=" + std::to_string(revision) + "&timeout=20", 30);
      EXPECT_EQ(waited.status, 200) << each->name << ": " << waited.text;
    }
    return revision;
  }

  static testing::Flow flow(FlowKind kind, const TrafficHost& from, const TrafficHost& to, uint16_t port = 0,
                            int family = AF_INET) {
    testing::Flow f;
    f.kind = kind, f.family = family, f.from = &from, f.to = &to, f.port = port;
    return f;
  }
  static void expectDelivered(const testing::Flow& f) {
    FlowOutcome outcome = runFlow(f, kDeliverWait);
    EXPECT_TRUE(outcome.delivered) << f.describe() << ": stopped at " << outcome.stage;
  }
  static void expectBlocked(const testing::Flow& f) {
    FlowOutcome outcome = runFlow(f, kBlockedWait);
    EXPECT_FALSE(outcome.delivered) << f.describe() << " was delivered but policy denies it";
  }

  // Starts the node's agent, imports `policy` as "shop" and creates one endpoint per app, named
  // after it and labelled k8s:app=<app>. Empty on success.
  std::string startNodeWith(TestNode& node, const std::string& policy, std::initializer_list<const char*> apps) {
    if (std::string failed = startAgent(node); !failed.empty()) return failed;
    importPolicy(node, "shop", policy);
    for (const char* app : apps)
      if (std::string failed = addEndpoint(node, app, {std::string("k8s:app=") + app}); !failed.empty()) return failed;
    return "";
  }

  // Fixtures whose etcd serves TLS with client-certificate authentication (agents get the files).
  virtual bool etcdOverTls() const { return false; }

  PrivateBpffs bpffs_;  // first member: unmounted last
  EtcdServer etcd_;
  std::optional<TestPki> pki_;
  std::string work_;
  std::vector<std::unique_ptr<TestNode>> nodes_;
  int devices_ = 0;
};

}  // namespace ciliumc::testing
