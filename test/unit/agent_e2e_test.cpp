// The agent end to end, with real components only: etcd from Debian's etcd-server on loopback,
// ciliumd processes, endpoints as network namespaces joined to a node namespace by veth pairs,
// and TCP, UDP and ICMP over real sockets.
//   - one node: three endpoints, a policy allowing one flow and denying others, a policy change,
//     a fourth endpoint with new labels enforced without a recompile;
//   - two nodes on one etcd: an identity allocated on node A is enforced by node B's endpoint;
//   - monitor: drops and verdicts through ciliumctl, naming rules and both identities;
//   - faults: etcd stopped (enforcement continues, re-sync when it returns) and `kill -9` of the
//     agent during traffic (flows continue, the restarted agent adopts its pinned state).
#include <atomic>
#include <thread>

#include "agent/kvstore/etcd_client.h"
#include "test/unit/agent_e2e_support.h"

namespace ciliumc::testing {
namespace {

constexpr const char* kPolicyV1 = R"(
policy web {
  select { app = web }
  ingress {
    allow from { app = client } on tcp/8080, udp/5353, icmp/echo-request, icmpv6/echo-request
  }
}
policy db {
  select { app = db }
  ingress {
    allow from { app = web } on tcp/5432
  }
}
)";

// The change: web now serves the client on 9090 only.
constexpr const char* kPolicyV2 = R"(
policy web {
  select { app = web }
  ingress {
    allow from { app = client } on tcp/9090
  }
}
policy db {
  select { app = db }
  ingress {
    allow from { app = web } on tcp/5432
  }
}
)";

uint64_t compiles(const TestNode& node) { return node.agent->api().get("/v1/status").body.value("compiles", uint64_t{0}); }


TEST_F(AgentEndToEnd, ThreeEndpointsPolicyChangeAndANewEndpointWithoutRecompile) {
  TestNode& node = addNode("node-a", 1);
  ASSERT_EQ(startNodeWith(node, kPolicyV1, {"client", "web", "db"}), "");
  for (const auto& [name, endpoint] : node.endpoints) {
    EXPECT_EQ(endpoint["state"], "ready") << name;
    EXPECT_GE(endpoint["identity"].get<int>(), 256) << name;
  }
  const TrafficHost &client = node.hosts["client"], &web = node.hosts["web"], &db = node.hosts["db"];

  expectDelivered(flow(FlowKind::Tcp, client, web, 8080));
  expectDelivered(flow(FlowKind::Tcp, client, web, 8080, AF_INET6));
  expectDelivered(flow(FlowKind::Udp, client, web, 5353));
  expectDelivered(flow(FlowKind::Echo, client, web));
  expectDelivered(flow(FlowKind::Echo, client, web, 0, AF_INET6));
  expectDelivered(flow(FlowKind::Tcp, web, db, 5432));
  expectBlocked(flow(FlowKind::Tcp, client, web, 9090));
  expectBlocked(flow(FlowKind::Udp, client, web, 5354));
  expectBlocked(flow(FlowKind::Tcp, client, db, 5432));
  expectBlocked(flow(FlowKind::Echo, client, db));
  expectBlocked(flow(FlowKind::Tcp, db, web, 8080));
  // The node itself (the endpoints' gateway address) is the host identity: allow-localhost.
  TrafficHost nodeHost{"node", "169.254.1.1", "", node.netns->path()};
  expectDelivered(flow(FlowKind::Tcp, nodeHost, db, 5432));

  // The policy changes: regeneration replaces the programs; verdicts follow.
  importPolicy(node, "shop", kPolicyV2);
  expectDelivered(flow(FlowKind::Tcp, client, web, 9090));
  expectBlocked(flow(FlowKind::Tcp, client, web, 8080));
  expectDelivered(flow(FlowKind::Tcp, web, db, 5432));
  expectBlocked(flow(FlowKind::Tcp, client, db, 5432));

  // A fourth endpoint with labels nobody has: a new identity, classified by map updates in the
  // loaded shapes; its own (empty) policy shape is loaded already, so nothing is compiled.
  uint64_t compilesBefore = compiles(node);
  ASSERT_EQ(addEndpoint(node, "client2", {"k8s:app=client", "k8s:team=blue"}), "");
  EXPECT_NE(node.endpoints["client2"]["identity"], node.endpoints["client"]["identity"]);
  EXPECT_EQ(compiles(node), compilesBefore) << "adding an endpoint of a loaded shape compiled the policy again";
  const TrafficHost& client2 = node.hosts["client2"];
  expectDelivered(flow(FlowKind::Tcp, client2, web, 9090));
  expectBlocked(flow(FlowKind::Tcp, client2, web, 8080));
  expectBlocked(flow(FlowKind::Tcp, client2, db, 5432));

  // Deleting an endpoint releases its addresses.
  uint32_t id = node.endpoints["client2"]["id"];
  EXPECT_EQ(node.agent->api().remove("/v1/endpoints/" + std::to_string(id)).status, 200);
  std::string ipam = node.agent->api().get("/v1/ipam").text;
  EXPECT_EQ(ipam.find(client2.ipv4 + "\""), std::string::npos) << ipam;
}

// Regeneration swaps programs atomically: while policy changes are applied over and over,
// a flow every version allows never fails and a flow every version denies never gets through.
TEST_F(AgentEndToEnd, PolicyChangesNeverDropAllowedNorPassDeniedTraffic) {
  TestNode& node = addNode("node-a", 1);
  ASSERT_EQ(startNodeWith(node, kPolicyV1, {"client", "web", "db"}), "");
  const TrafficHost &client = node.hosts["client"], &web = node.hosts["web"];
  // The two versions differ in the db rule only; web's 8080 (allowed) and 7070 (denied) stay.
  std::string withDb = kPolicyV1, withoutDb = std::string(kPolicyV1).replace(std::string(kPolicyV1).find("tcp/5432"), 8, "tcp/5433");

  std::atomic<bool> running{true};
  std::atomic<int> allowedOk{0}, allowedFailed{0}, deniedPassed{0}, deniedProbes{0};
  std::thread allowed([&] {
    for (int i = 0; i < 5000 && running; ++i)
      (runFlow(flow(FlowKind::Tcp, client, web, 8080), kDeliverWait).delivered ? allowedOk : allowedFailed)++;
  });
  std::thread denied([&] {
    for (int i = 0; i < 5000 && running; ++i) {
      deniedProbes++;
      if (runFlow(flow(FlowKind::Tcp, client, web, 7070), 150ms).delivered) deniedPassed++;
    }
  });
  // At least six changes, and as many more as it takes for both probes to have run often enough
  // to mean something: a fast machine applies six changes in less time than a few probes take.
  // Bounded: at most 200 changes.
  int changes = 0;
  while (changes < 200 && (changes < 6 || deniedProbes < 20 || allowedOk + allowedFailed < 20)) {
    importPolicy(node, "shop", changes % 2 ? withDb : withoutDb);
    ++changes;
  }
  running = false;
  allowed.join();
  denied.join();
  EXPECT_GE(changes, 6);
  EXPECT_GE(allowedOk.load(), 20);
  EXPECT_EQ(allowedFailed.load(), 0) << "an allowed connection failed during a policy change";
  EXPECT_GE(deniedProbes.load(), 20);
  EXPECT_EQ(deniedPassed.load(), 0) << "a denied connection got through during a policy change";
  EXPECT_GE(node.agent->api().get("/v1/status").body.value("generation", 0), changes + 1);
}

TEST_F(AgentEndToEnd, AnIdentityAllocatedOnOneNodeIsEnforcedByAnother) {
  // Two nodes joined by a link; each routes the other's pod CIDRs via its address (published
  // in etcd as the node entry).
  TestNode& a = addNode("node-a", 1, {"--node-address", "192.168.231.1,fd00:231:ff::1"});
  TestNode& b = addNode("node-b", 2, {"--node-address", "192.168.231.2,fd00:231:ff::2"});
  ASSERT_TRUE(a.netns->ok() && b.netns->ok());
  std::string link = "nl" + std::to_string(::getpid() % 100000);
  ASSERT_TRUE(runQuietly("ip link add " + link + "a netns " + a.netns->name() + " type veth peer name " + link + "b netns " +
                         b.netns->name()));
  for (auto [node, side, v4, v6] : {std::tuple{&a, "a", "192.168.231.1/24", "fd00:231:ff::1/64"},
                                    std::tuple{&b, "b", "192.168.231.2/24", "fd00:231:ff::2/64"}}) {
    ASSERT_TRUE(runQuietly(node->netns->ip() + "addr add " + v4 + " dev " + link + side));
    ASSERT_TRUE(runQuietly(node->netns->ip() + "addr add " + v6 + " dev " + link + side + " nodad"));
    ASSERT_TRUE(runQuietly(node->netns->ip() + "link set " + link + side + " up"));
  }
  ASSERT_EQ(startAgent(a), "");
  ASSERT_EQ(startAgent(b), "");
  // Imported on A, enforced by B (the policy travels through etcd).
  importPolicy(a, "server", R"(
policy server {
  select { app = server }
  ingress {
    allow from { app = client } on tcp/8080
  }
}
)", &b);
  ASSERT_EQ(addEndpoint(b, "server", {"k8s:app=server"}), "");
  ASSERT_EQ(addEndpoint(a, "client", {"k8s:app=client"}), "");
  ASSERT_EQ(addEndpoint(a, "intruder", {"k8s:app=intruder"}), "");

  // B learns A's identity and A's IPs through etcd.
  uint32_t clientIdentity = a.endpoints["client"]["identity"];
  ApiAnswer seen;
  for (int i = 0; i < 100 && seen.status != 200; ++i, std::this_thread::sleep_for(50ms))
    seen = b.agent->api().get("/v1/identities/" + std::to_string(clientIdentity));
  ASSERT_EQ(seen.status, 200) << "node B never saw identity " << clientIdentity;
  EXPECT_EQ(seen.body["labels"][0], "k8s:app=client");

  const TrafficHost &client = a.hosts["client"], &intruder = a.hosts["intruder"], &server = b.hosts["server"];
  // The ipcache entry arrives within milliseconds; give the first flow a bounded retry.
  FlowOutcome first;
  for (int i = 0; i < 20 && !first.delivered; ++i) first = runFlow(flow(FlowKind::Tcp, client, server, 8080), kDeliverWait / 3);
  EXPECT_TRUE(first.delivered) << first.stage;
  expectDelivered(flow(FlowKind::Tcp, client, server, 8080, AF_INET6));
  expectBlocked(flow(FlowKind::Tcp, intruder, server, 8080));
  expectBlocked(flow(FlowKind::Tcp, client, server, 9090));
}

TEST_F(AgentEndToEnd, MonitorStreamsDropsAndVerdictsNamingRulesAndIdentities) {
  TestNode& node = addNode("node-a", 1);
  ASSERT_EQ(startNodeWith(node, kPolicyV1, {"client", "web"}), "");
  const TrafficHost &client = node.hosts["client"], &web = node.hosts["web"];
  std::string clientId = std::to_string(node.endpoints["client"]["identity"].get<int>());
  std::string webId = std::to_string(node.endpoints["web"]["identity"].get<int>());
  std::string webEndpoint = std::to_string(node.endpoints["web"]["id"].get<int>());

  // Drops, through ciliumctl: Cilium's line, both identities, the flow, the deciding default.
  StreamingCommand drops({CILIUMCTL_PATH, "--socket", node.socket, "monitor", "--type", "drop"});
  ASSERT_NE(drops.waitForLine({"Listening"}, 5s), "") << drops.output();
  expectBlocked(flow(FlowKind::Tcp, client, web, 9090));
  std::string drop = drops.waitForLine({"drop (Policy denied)", ":9090"}, 3s);
  EXPECT_NE(drop, "") << drops.output();
  EXPECT_NE(drop.find("identity " + clientId + "->" + webId), std::string::npos) << drop;
  EXPECT_NE(drop.find("to endpoint " + webEndpoint), std::string::npos) << drop;
  EXPECT_NE(drop.find(client.ipv4), std::string::npos) << drop;

  // Verdicts name the policy and rule that allowed; --endpoint filters.
  StreamingCommand verdicts({CILIUMCTL_PATH, "--socket", node.socket, "monitor", "--type", "verdict", "--endpoint", webEndpoint});
  ASSERT_NE(verdicts.waitForLine({"Listening"}, 5s), "") << verdicts.output();
  expectDelivered(flow(FlowKind::Tcp, client, web, 8080));
  std::string allowed = verdicts.waitForLine({"action allow", ":8080", "policy web"}, 3s);
  EXPECT_NE(allowed, "") << verdicts.output();
  EXPECT_NE(allowed.find("remote ID " + clientId), std::string::npos) << allowed;
  EXPECT_EQ(verdicts.output().find("local EP ID " + std::to_string(node.endpoints["client"]["id"].get<int>()) + ","),
            std::string::npos) << "--endpoint " << webEndpoint << " showed another endpoint's events";
  // JSON lines carry the fields.
  StreamingCommand json({CILIUMCTL_PATH, "--socket", node.socket, "-o", "json", "monitor", "--type", "drop"});
  std::this_thread::sleep_for(300ms);
  expectBlocked(flow(FlowKind::Tcp, client, web, 9091));
  std::string line = json.waitForLine({"9091"}, 3s);
  ASSERT_NE(line, "") << json.output();
  auto event = nlohmann::json::parse(line.substr(line.find('{')), nullptr, false);
  ASSERT_FALSE(event.is_discarded()) << line;
  EXPECT_EQ(std::to_string(event.value("remote_identity", 0)), clientId) << line;
  EXPECT_EQ(event.value("verdict", ""), "DENIED") << line;
}

TEST_F(AgentEndToEnd, EtcdDownKeepsEnforcingAndTheAgentResyncsWhenItReturns) {
  TestNode& node = addNode("node-a", 1);
  ASSERT_EQ(startNodeWith(node, kPolicyV1, {"client", "web"}), "");
  const TrafficHost &client = node.hosts["client"], &web = node.hosts["web"];

  etcd_.stop();
  ApiAnswer status;
  for (int i = 0; i < 100; ++i, std::this_thread::sleep_for(100ms)) {
    status = node.agent->api().get("/v1/status");
    if (status.body["etcd"]["state"] == "disconnected") break;
  }
  EXPECT_EQ(status.body["etcd"]["state"], "disconnected") << status.text;
  expectDelivered(flow(FlowKind::Tcp, client, web, 8080));
  expectBlocked(flow(FlowKind::Tcp, client, web, 9090));
  // What needs etcd fails clearly and changes nothing.
  ApiAnswer refused = node.agent->api().put("/v1/policy", {{"name", "shop"}, {"text", kPolicyV2}});
  EXPECT_EQ(refused.status, 503) << refused.text;
  EXPECT_NE(refused.text.find("etcd"), std::string::npos);
  std::string ipamBefore = node.agent->api().get("/v1/ipam").text;
  EndpointNetwork spare(*node.netns, "lxc" + std::to_string(::getpid() % 100000) + "spare");
  ASSERT_TRUE(spare.ok());
  ApiAnswer noIdentity = node.agent->api().put(
      "/v1/endpoints", {{"name", "late"}, {"labels", {"k8s:app=late"}}, {"netns", spare.netns().path()}, {"interface", spare.hostDevice()}});
  EXPECT_EQ(noIdentity.status, 503) << noIdentity.text;
  EXPECT_EQ(node.agent->api().get("/v1/ipam").text, ipamBefore) << "a refused endpoint kept its addresses";
  EXPECT_EQ(node.agent->api().get("/v1/endpoints").body.size(), 2u);
  expectDelivered(flow(FlowKind::Tcp, client, web, 8080));

  auto restarted = etcd_.start();
  ASSERT_TRUE(restarted) << restarted.error().message;
  for (int i = 0; i < 200; ++i, std::this_thread::sleep_for(100ms)) {
    status = node.agent->api().get("/v1/status");
    if (status.body["etcd"]["state"] == "connected") break;
  }
  ASSERT_EQ(status.body["etcd"]["state"], "connected");
  // Re-synced: a policy change and a new endpoint work again.
  importPolicy(node, "shop", kPolicyV2);
  expectDelivered(flow(FlowKind::Tcp, client, web, 9090));
  expectBlocked(flow(FlowKind::Tcp, client, web, 8080));
  ASSERT_EQ(addEndpoint(node, "client2", {"k8s:app=client", "k8s:team=red"}), "");
  expectDelivered(flow(FlowKind::Tcp, node.hosts["client2"], web, 9090));
}

TEST_F(AgentEndToEnd, KillNineKeepsTrafficFlowingAndARestartedAgentAdoptsItsState) {
  TestNode& node = addNode("node-a", 1);
  ASSERT_EQ(startNodeWith(node, kPolicyV1, {"client", "web"}), "");
  const TrafficHost &client = node.hosts["client"], &web = node.hosts["web"];

  // Allowed flows run continuously while the agent is killed and restarted.
  std::atomic<bool> running{true};
  std::atomic<int> delivered{0}, failed{0};
  std::string firstFailure;
  std::thread traffic([&] {
    for (int i = 0; i < 2000 && running; ++i) {
      FlowOutcome outcome = runFlow(flow(FlowKind::Tcp, client, web, 8080), kDeliverWait);
      if (outcome.delivered) {
        ++delivered;
      } else if (failed++ == 0) {
        firstFailure = outcome.stage;
      }
      std::this_thread::sleep_for(20ms);
    }
  });
  std::this_thread::sleep_for(300ms);
  node.agent->kill9();
  std::this_thread::sleep_for(500ms);
  expectBlocked(flow(FlowKind::Tcp, client, web, 9090));  // denied stays denied with no agent
  ASSERT_EQ(startAgent(node), "");
  ApiAnswer endpoints = node.agent->api().get("/v1/endpoints");
  ASSERT_EQ(endpoints.status, 200);
  ASSERT_EQ(endpoints.body.size(), 2u) << endpoints.text;
  for (const auto& endpoint : endpoints.body) {
    EXPECT_EQ(endpoint["state"], "ready") << endpoint.dump();
    EXPECT_EQ(endpoint["identity"], node.endpoints[endpoint["name"].get<std::string>()]["identity"]);
  }
  std::this_thread::sleep_for(300ms);
  running = false;
  traffic.join();
  EXPECT_GT(delivered.load(), 5);
  EXPECT_EQ(failed.load(), 0) << "allowed flows failed while the agent was down or restarting: " << firstFailure;
  expectBlocked(flow(FlowKind::Tcp, client, web, 9090));
  // The restarted agent is fully functional.
  importPolicy(node, "shop", kPolicyV2);
  expectDelivered(flow(FlowKind::Tcp, client, web, 9090));
}

// Agents against an etcd that serves TLS and requires client certificates (--etcd-ca-file,
// --etcd-cert-file, --etcd-key-file): identities, the policy and the ipcache all go through it,
// and enforcement is what it is over plain HTTP.
class AgentEndToEndOverTls : public AgentEndToEnd {
 protected:
  bool etcdOverTls() const override { return true; }
};

TEST_F(AgentEndToEndOverTls, IdentitiesPolicyAndIpcacheGoThroughTlsEtcd) {
  TestNode& node = addNode("node-a", 1);
  ASSERT_EQ(etcd_.clientUrl().rfind("https://", 0), 0u);
  ASSERT_EQ(startNodeWith(node, kPolicyV1, {"client", "web"}), "");
  ApiAnswer status = node.agent->api().get("/v1/status");
  EXPECT_EQ(status.body["etcd"]["state"], "connected") << status.text;
  const TrafficHost &client = node.hosts["client"], &web = node.hosts["web"];
  expectDelivered(flow(FlowKind::Tcp, client, web, 8080));
  expectBlocked(flow(FlowKind::Tcp, client, web, 9090));

  // What the agent wrote is in etcd, readable with the client certificate.
  agent::KvOptions kv;
  kv.endpoints = {etcd_.clientUrl()};
  kv.tls = {pki_->caFile, pki_->clientCertFile, pki_->clientKeyFile};
  auto reader = agent::EtcdClient::connect(kv);
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  auto identities = (*reader)->list("ciliumc/state/identities/v1/id/");
  ASSERT_TRUE(identities.ok()) << identities.error().message;
  EXPECT_GE(identities->kvs.size(), 2u) << "client and web have identities";
  auto policies = (*reader)->list("ciliumc/state/policies/v1/");
  ASSERT_TRUE(policies.ok());
  EXPECT_EQ(policies->kvs.size(), 1u);
}

}  // namespace
}  // namespace ciliumc::testing
