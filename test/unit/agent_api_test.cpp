// ciliumd's API and command line against bad input, with the real agent on a real etcd
// (AgentEndToEnd fixture): every malformed, unknown, oversized, conflicting or impossible request
// gets a clear 4xx (`error`, and `field` where one field is to blame), the agent keeps answering,
// and nothing is half-applied — endpoints, IPAM allocations, identities, policies, compiles and
// every key the node keeps in etcd are the same after the bad requests as before. Also: label
// changes of a live endpoint, the socket's permissions, the metrics endpoint, and start-up errors
// of flags and config files.
#include <grp.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <regex>

#include "agent/api/api_server.h"  // kMaxRequestBody
#include "test/unit/agent_e2e_support.h"

namespace ciliumc::testing {
namespace {

using nlohmann::json;

constexpr const char* kShopPolicy = R"(
policy web {
  select { app = web }
  ingress {
    allow from { app = client } on tcp/8080
  }
}
)";

// Everything an agent's bad request could have changed, as the API and etcd show it.
struct AgentState {
  json endpoints, identities, ipam, policies, counters;
  std::string etcd;  // every key and value under ciliumc/state/
  bool operator==(const AgentState&) const = default;
  std::string describe() const {
    return "endpoints " + endpoints.dump() + "\nidentities " + identities.dump() + "\nipam " + ipam.dump() +
           "\npolicies " + policies.dump() + "\ncounters " + counters.dump() + "\netcd:\n" + etcd;
  }
};

// The output and exit status of a shell command (bounded by `timeout` inside the command).
struct CommandResult {
  int exitCode = -1;
  std::string output;
};
CommandResult runCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return result;
  char buffer[4096];
  while (size_t read = std::fread(buffer, 1, sizeof buffer, pipe)) result.output.append(buffer, read);
  int status = ::pclose(pipe);
  result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// A loopback TCP port nobody listens on right now.
int freePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0)
    port = ntohs(address.sin_port);
  ::close(fd);
  return port;
}

class AgentApi : public AgentEndToEnd {
 protected:
  AgentState stateOf(const TestNode& node) {
    const AgentClient& api = node.agent->api();
    AgentState state;
    state.endpoints = api.get("/v1/endpoints").body;
    state.identities = api.get("/v1/identities").body;
    state.ipam = api.get("/v1/ipam").body;
    state.policies = api.get("/v1/policy").body;
    json status = api.get("/v1/status").body;
    for (const char* counter : {"endpoints", "policy_revision", "enforced_revision", "identities", "compiles", "generation"})
      state.counters[counter] = status.value(counter, json());
    state.etcd = runCommand("ETCDCTL_API=3 timeout 20 etcdctl --endpoints=" + etcd_.clientUrl() +
                            " get --prefix ciliumc/state/")
                     .output;
    return state;
  }

  // The answer is `status` with an `error` mentioning every string of `mentions`, and `field`
  // when given; then the agent still answers.
  void expectRejected(const TestNode& node, const ApiAnswer& answer, int status, const std::string& field,
                      const std::vector<std::string>& mentions, const std::string& request) {
    SCOPED_TRACE(request);
    EXPECT_EQ(answer.status, status) << answer.text;
    ASSERT_TRUE(answer.body.is_object()) << "not a JSON error: " << answer.text;
    ASSERT_TRUE(answer.body.contains("error") && answer.body["error"].is_string()) << answer.text;
    std::string message = answer.body["error"];
    for (const std::string& mention : mentions) EXPECT_NE(message.find(mention), std::string::npos) << message;
    if (!field.empty()) {
      EXPECT_EQ(answer.body.value("field", ""), field) << answer.text;
    }
    ApiAnswer alive = node.agent->api().get("/v1/status");
    EXPECT_EQ(alive.status, 200) << "the agent stopped answering after " << request;
  }

  struct BadRequest {
    std::string method, path, body;
    int status;
    std::string field;
    std::vector<std::string> mentions;
    std::string contentType = "application/json";
  };
  void expectAllRejected(const TestNode& node, const std::vector<BadRequest>& requests) {
    for (const BadRequest& request : requests) {
      ApiAnswer answer = node.agent->api().call(request.method, request.path, request.body, 30, request.contentType);
      std::string shown = request.body.size() > 200 ? request.body.substr(0, 200) + "..." : request.body;
      expectRejected(node, answer, request.status, request.field, request.mentions,
                     request.method + " " + request.path + " " + shown);
    }
  }

  static std::string endpointBody(const std::string& name, const std::vector<std::string>& labels, const std::string& netns,
                                  const std::string& device, const std::string& inside = "") {
    json body = {{"name", name}, {"labels", labels}, {"netns", netns}, {"interface", device}};
    if (!inside.empty()) body["container_interface"] = inside;
    return body.dump();
  }

  std::string spareDevice() { return "lxc" + std::to_string(::getpid() % 100000) + "s" + std::to_string(++devices_); }
};

TEST_F(AgentApi, BadRequestsGetClearErrorsAndChangeNothing) {
  TestNode& node = addNode("node-a", 1);
  ASSERT_EQ(startAgent(node), "");
  importPolicy(node, "shop", kShopPolicy);
  ASSERT_EQ(addEndpoint(node, "client", {"k8s:app=client"}), "");
  const uint32_t clientId = node.endpoints["client"]["id"];
  // A namespace + veth the agent does not know yet: endpoint requests naming it fail only for
  // the reason each case is about.
  EndpointNetwork spare(*node.netns, spareDevice());
  ASSERT_TRUE(spare.ok());
  const std::string netns = spare.netns().path(), device = spare.hostDevice();
  const std::string clientDevice = node.networks["client"]->hostDevice();
  const AgentState before = stateOf(node);
  ASSERT_EQ(before.endpoints.size(), 1u) << before.describe();
  ASSERT_NE(before.etcd.find("ciliumc/state/identities/v1/value/"), std::string::npos) << before.describe();
  ASSERT_NE(before.etcd.find("ciliumc/state/ip/v1/"), std::string::npos) << before.describe();

  std::string deep = std::string(50000, '[') + std::string(50000, ']');
  std::string huge = json{{"name", "big"}, {"labels", json::array()}, {"netns", netns}, {"interface", device},
                          {"container_interface", std::string(agent::kMaxRequestBody, 'x')}}.dump();
  expectAllRejected(node, {
      // Not JSON, not an object, wrong types.
      {"PUT", "/v1/endpoints", R"({"name": "x", "labels": ["k8s:a)", 400, "", {"not valid JSON"}},
      {"PUT", "/v1/endpoints", "", 400, "", {"not valid JSON"}},
      {"PUT", "/v1/endpoints", "[1, 2]", 400, "", {"JSON object"}},
      {"PUT", "/v1/endpoints", R"("client")", 400, "", {"JSON object"}},
      {"PUT", "/v1/endpoints", deep, 400, "", {"JSON object"}},
      {"PUT", "/v1/endpoints", R"({"name": 7, "netns": "x", "interface": "y"})", 400, "name", {"`name`", "string"}},
      {"PUT", "/v1/endpoints", R"({"name": "new", "labels": "k8s:app=x", "netns": "x", "interface": "y"})", 400, "labels", {"list"}},
      {"PUT", "/v1/endpoints", R"({"name": "new", "labels": ["k8s:app=x", 3], "netns": "x", "interface": "y"})", 400, "labels[1]", {"labels[1]"}},
      {"PUT", "/v1/endpoints", R"({"name": "new", "labels": [], "interface": "y"})", 400, "netns", {"missing", "netns"}},
      // Numbers JSON allows but no double holds, and bytes that are not UTF-8.
      {"PUT", "/v1/endpoints", R"({"name": "new", "labels": [], "netns": "x", "interface": 1e400})", 400, "", {"not valid JSON"}},
      {"PUT", "/v1/endpoints", "{\"name\": \"n\xff\xfe\", \"netns\": \"x\", \"interface\": \"y\"}", 400, "", {"not valid JSON"}},
      // Unknown fields: named, with the close known one.
      {"PUT", "/v1/endpoints", R"({"name": "new", "lables": ["k8s:app=x"], "netns": "x", "interface": "y"})", 400, "lables",
       {"`lables`", "did you mean `labels`"}},
      {"PUT", "/v1/endpoints", R"({"name": "new", "netns": "x", "interface": "y", "containerInterface": "eth0"})", 400,
       "containerInterface", {"`containerInterface`", "known fields"}},
      {"PATCH", "/v1/endpoints/" + std::to_string(clientId) + "/labels", R"({"ad": ["k8s:x=y"]})", 400, "ad", {"did you mean `add`"}},
      {"PUT", "/v1/policy", R"({"name": "p", "txt": "policy p {}"})", 400, "txt", {"did you mean `text`"}},
      // Too large, wrong media type.
      {"PUT", "/v1/endpoints", huge, 413, "", {"1 MiB"}},
      {"PUT", "/v1/endpoints", endpointBody("new", {}, netns, device), 415, "", {"text/plain"}, "text/plain"},
      {"PUT", "/v1/policy", R"({"name": "p", "text": "x"})", 415, "", {"application/x-yaml"}, "application/x-yaml"},
      // Labels: invalid ones and reserved ones, blamed by index.
      {"PUT", "/v1/endpoints", endpointBody("new", {"k8s:app=ok", "k8s:app=bad value"}, netns, device), 400, "labels[1]",
       {"k8s:app=bad value"}},
      {"PUT", "/v1/endpoints", endpointBody("new", {"k8z:app=web"}, netns, device), 400, "labels[0]", {"k8z"}},
      {"PUT", "/v1/endpoints", endpointBody("new", {"=web"}, netns, device), 400, "labels[0]", {"key"}},
      {"PUT", "/v1/endpoints", endpointBody("new", {"k8s:app=web", "reserved:host"}, netns, device), 400, "labels[1]",
       {"reserved"}},
      {"PUT", "/v1/endpoints", endpointBody("new", {"$host"}, netns, device), 400, "labels[0]", {"reserved"}},
      // Interface names.
      {"PUT", "/v1/endpoints", endpointBody("new", {}, netns, "lxc/evil"), 400, "interface", {"lxc/evil"}},
      {"PUT", "/v1/endpoints", endpointBody("new", {}, netns, ""), 400, "interface", {"interface"}},
      {"PUT", "/v1/endpoints", endpointBody("new", {}, netns, "averyveryverylongname"), 400, "interface", {"15"}},
      {"PUT", "/v1/endpoints", endpointBody("new", {}, netns, device, "eth 0"), 400, "container_interface", {"eth 0"}},
      {"PUT", "/v1/endpoints", endpointBody("", {}, netns, device), 400, "name", {"name"}},
      // What does not exist: namespace, host device, device inside the namespace.
      {"PUT", "/v1/endpoints", endpointBody("new", {"k8s:app=brand-new"}, "ciliumc-no-such-netns", device), 400, "",
       {"ciliumc-no-such-netns", "does not exist"}},
      {"PUT", "/v1/endpoints", endpointBody("new", {"k8s:app=brand-new"}, netns, "lxcnosuch0"), 400, "",
       {"lxcnosuch0", "does not exist"}},
      {"PUT", "/v1/endpoints", endpointBody("new", {"k8s:app=brand-new"}, netns, device, "eth9"), 400, "",
       {"eth9", "does not exist"}},
      // Conflicts with the existing endpoint.
      {"PUT", "/v1/endpoints", endpointBody("client", {"k8s:app=brand-new"}, netns, device), 409, "name", {"client"}},
      {"PUT", "/v1/endpoints", endpointBody("new", {"k8s:app=brand-new"}, netns, clientDevice), 409, "interface",
       {clientDevice}},
      // Unknown endpoints, ids that are not ids, paths that do not exist.
      {"GET", "/v1/endpoints/4000", "", 404, "", {"no endpoint 4000"}},
      {"DELETE", "/v1/endpoints/4000", "", 404, "", {"no endpoint 4000"}},
      {"PATCH", "/v1/endpoints/4000/labels", R"({"add": ["k8s:app=x"]})", 404, "", {"4000"}},
      {"GET", "/v1/bpf/policy/4000", "", 404, "", {"4000"}},
      {"GET", "/v1/identities/70000", "", 404, "", {"no identity 70000"}},
      {"GET", "/v1/endpoints/99999999999", "", 400, "", {"99999999999", "not an id"}},
      {"GET", "/v1/endpoints/abc", "", 404, "", {"/v1/endpoints/abc"}},
      {"DELETE", "/v1/endpoints/-1", "", 404, "", {}},
      {"GET", "/v1/nothing/here", "", 404, "", {"/v1/nothing/here"}},
      {"GET", "/v1/%FF%FE", "", 404, "", {"no such resource"}},
      {"POST", "/v1/endpoints", endpointBody("new", {}, netns, device), 405, "", {"POST", "/v1/endpoints"}},
      {"PUT", "/v1/status", "{}", 405, "", {"PUT"}},
      {"GET", "/v1/policy/shop", "", 405, "", {"GET"}},
      // Policies: not checking (diagnostics with line:col), bad names and formats, missing ones.
      {"PUT", "/v1/policy", json{{"name", "broken"}, {"text", "policy web {\n  select { app = web }\n  ingres {}\n}\n"}}.dump(),
       400, "text", {"broken.policy:3:"}},
      {"PUT", "/v1/policy", json{{"name", "Shop_Policy"}, {"text", kShopPolicy}}.dump(), 400, "name", {"Shop_Policy"}},
      {"PUT", "/v1/policy", json{{"name", "-shop"}, {"text", kShopPolicy}}.dump(), 400, "name", {"-shop"}},
      {"PUT", "/v1/policy", json{{"name", "shop"}, {"format", "xml"}, {"text", kShopPolicy}}.dump(), 400, "format", {"format"}},
      {"PUT", "/v1/policy", json{{"name", "shop"}}.dump(), 400, "text", {"missing", "text"}},
      {"PUT", "/v1/policy", json{{"name", "empty"}, {"text", "\n"}}.dump(), 400, "text", {"no policy rules"}},
      {"PUT", "/v1/policy", json{{"name", "k8s"}, {"format", "yaml"}, {"text", "kind: NetworkPolicy\nspec: [\n"}}.dump(), 400,
       "text", {"k8s.yaml:"}},
      {"DELETE", "/v1/policy/no-such-policy", "", 404, "", {"no policy `no-such-policy`"}},
      {"DELETE", "/v1/policy/%01", "", 400, "name", {"policy name"}},
      {"DELETE", "/v1/policy/Shop", "", 400, "name", {"Shop"}},
      {"POST", "/v1/policy/validate", R"({"name": "x", "text": 5})", 400, "text", {"string"}},
      // Policy wait: revision and timeout must be numbers in range; a future revision times out.
      {"GET", "/v1/policy/wait?revision=abc", "", 400, "revision", {"revision"}},
      {"GET", "/v1/policy/wait?revision=-5", "", 400, "revision", {"revision"}},
      {"GET", "/v1/policy/wait?revision=", "", 400, "revision", {"revision"}},
      {"GET", "/v1/policy/wait?revision=1&timeout=soon", "", 400, "timeout", {"timeout"}},
      {"GET", "/v1/policy/wait?revision=1&timeout=-1", "", 400, "timeout", {"timeout"}},
      {"GET", "/v1/policy/wait?revision=1&timeout=86400", "", 400, "timeout", {"timeout"}},
      {"GET", "/v1/policy/wait?revision=1&timeout=99999999999999999999999", "", 400, "timeout", {"timeout"}},
      {"GET", "/v1/policy/wait?revision=999999999&timeout=0", "", 408, "", {"999999999"}},
      {"GET", "/v1/monitor?type=everything", "", 400, "", {"everything"}},
      // Label changes that are wrong: nothing changes.
      {"PATCH", "/v1/endpoints/" + std::to_string(clientId) + "/labels", R"({"add": ["k8s:app=bad value"]})", 400, "add[0]",
       {"bad value"}},
      {"PATCH", "/v1/endpoints/" + std::to_string(clientId) + "/labels", R"({"add": ["k8s:x=y"], "remove": ["reserved:host"]})",
       400, "remove[0]", {"reserved"}},
      {"PATCH", "/v1/endpoints/" + std::to_string(clientId) + "/labels", R"({"add": "k8s:x=y"})", 400, "add", {"list"}},
      {"PATCH", "/v1/endpoints/" + std::to_string(clientId) + "/labels", R"([])", 400, "", {"JSON object"}},
      {"PATCH", "/v1/endpoints/" + std::to_string(clientId) + "/labels", R"({"add": [)", 400, "", {"not valid JSON"}},
  });

  // Validation answers 200 both ways, with diagnostics when invalid; it stores nothing.
  ApiAnswer valid = node.agent->api().call("POST", "/v1/policy/validate", json{{"name", "shop2"}, {"text", kShopPolicy}}.dump());
  EXPECT_EQ(valid.status, 200) << valid.text;
  EXPECT_EQ(valid.body.value("valid", false), true) << valid.text;
  EXPECT_EQ(valid.body.value("rules", 0), 1) << valid.text;
  ApiAnswer invalid = node.agent->api().call(
      "POST", "/v1/policy/validate", json{{"name", "shop2"}, {"text", "policy web {\n  select { app = }\n}\n"}}.dump());
  EXPECT_EQ(invalid.status, 200) << invalid.text;
  EXPECT_EQ(invalid.body.value("valid", true), false) << invalid.text;
  ASSERT_TRUE(invalid.body.contains("diagnostics") && invalid.body["diagnostics"].is_array()) << invalid.text;
  EXPECT_FALSE(invalid.body["diagnostics"].empty()) << invalid.text;
  EXPECT_TRUE(std::regex_search(invalid.body.value("text", ""), std::regex(R"(shop2\.policy:2:\d+)"))) << invalid.text;

  AgentState after = stateOf(node);
  EXPECT_EQ(after, before) << "before:\n" << before.describe() << "\nafter:\n" << after.describe();
  ApiAnswer client = node.agent->api().get("/v1/endpoints/" + std::to_string(clientId));
  EXPECT_EQ(client.body.value("state", ""), "ready") << client.text;
}

TEST_F(AgentApi, ChangingLabelsGivesANewIdentityAndTheEndpointStaysEnforced) {
  TestNode& node = addNode("node-a", 1);
  ASSERT_EQ(startAgent(node), "");
  importPolicy(node, "shop", kShopPolicy);
  ASSERT_EQ(addEndpoint(node, "client", {"k8s:app=client", "k8s:team=a"}), "");
  ASSERT_EQ(addEndpoint(node, "web", {"k8s:app=web"}), "");
  const TrafficHost &client = node.hosts["client"], &web = node.hosts["web"];
  const std::string path = "/v1/endpoints/" + std::to_string(node.endpoints["client"]["id"].get<uint32_t>());
  const int originalIdentity = node.endpoints["client"]["identity"];
  expectDelivered(flow(FlowKind::Tcp, client, web, 8080));

  // The client stops being a client: a new identity, still ready, and the web policy now denies it.
  ApiAnswer changed = node.agent->api().patch(path + "/labels", {{"add", {"k8s:app=intruder"}}, {"remove", {"k8s:team"}}});
  ASSERT_EQ(changed.status, 200) << changed.text;
  EXPECT_NE(changed.body["identity"].get<int>(), originalIdentity);
  EXPECT_GE(changed.body["identity"].get<int>(), 256);
  EXPECT_EQ(changed.body["labels"], json({"k8s:app=intruder"})) << changed.text;
  ApiAnswer now = node.agent->api().get(path);
  EXPECT_EQ(now.body.value("state", ""), "ready") << now.text;
  EXPECT_EQ(now.body["identity"], changed.body["identity"]);
  ApiAnswer identity = node.agent->api().get("/v1/identities/" + std::to_string(changed.body["identity"].get<int>()));
  EXPECT_EQ(identity.status, 200) << identity.text;
  EXPECT_EQ(identity.body["labels"], json({"k8s:app=intruder"})) << identity.text;
  expectBlocked(flow(FlowKind::Tcp, client, web, 8080));

  // Wrong changes: 400, and the endpoint keeps its labels, identity and verdicts.
  AgentState before = stateOf(node);
  expectAllRejected(node, {
      {"PATCH", path + "/labels", R"({"add": ["k8s:app=client", "no good"]})", 400, "add[1]", {"no good"}},
      {"PATCH", path + "/labels", R"({"add": ["reserved:world"]})", 400, "add[0]", {"reserved"}},
      {"PATCH", path + "/labels", R"({"remove": [7]})", 400, "remove[0]", {"string"}},
      {"PATCH", path + "/labels", R"({"add": ["k8s:app=client"], "extra": 1})", 400, "extra", {"extra"}},
  });
  AgentState after = stateOf(node);
  EXPECT_EQ(after, before) << "before:\n" << before.describe() << "\nafter:\n" << after.describe();
  expectBlocked(flow(FlowKind::Tcp, client, web, 8080));

  // Back to a client: allowed again (the identity of app=client, team gone, is a third one).
  ApiAnswer back = node.agent->api().patch(path + "/labels", {{"add", {"k8s:app=client"}}});
  ASSERT_EQ(back.status, 200) << back.text;
  EXPECT_EQ(node.agent->api().get(path).body.value("state", ""), "ready");
  expectDelivered(flow(FlowKind::Tcp, client, web, 8080));
  // The intruder identity is no longer referenced by this node.
  std::string intruderKeys = runCommand("ETCDCTL_API=3 timeout 20 etcdctl --endpoints=" + etcd_.clientUrl() +
                                        " get --prefix --keys-only ciliumc/state/identities/v1/value/")
                                 .output;
  EXPECT_EQ(intruderKeys.find("app=intruder"), std::string::npos) << intruderKeys;
}

TEST_F(AgentApi, TheSocketIsPrivateUnlessAGroupIsGranted) {
  struct group* granted = nullptr;
  for (const char* name : {"adm", "daemon", "root"})
    if ((granted = ::getgrnam(name))) break;
  ASSERT_NE(granted, nullptr) << "no group adm, daemon or root on this machine";
  const std::string groupName = granted->gr_name;
  const gid_t groupId = granted->gr_gid;

  TestNode& closed = addNode("node-a", 1);
  TestNode& shared = addNode("node-b", 2, {"--api-group", groupName});
  ASSERT_EQ(startAgent(closed), "");
  ASSERT_EQ(startAgent(shared), "");
  struct stat info {};
  ASSERT_EQ(::stat(closed.socket.c_str(), &info), 0);
  EXPECT_TRUE(S_ISSOCK(info.st_mode));
  EXPECT_EQ(info.st_mode & 07777, 0600u);
  ASSERT_EQ(::stat(shared.socket.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0660u);
  EXPECT_EQ(info.st_gid, groupId) << groupName;

  // A group that does not exist is a start-up error naming it.
  TestNode& wrong = addNode("node-c", 3, {"--api-group", "ciliumc-no-such-group"});
  std::string failed = startAgent(wrong);
  EXPECT_NE(failed.find("ciliumc-no-such-group"), std::string::npos) << failed;
}

TEST_F(AgentApi, MetricsAreServedOnLoopbackInPrometheusText) {
  const int port = freePort();
  ASSERT_GT(port, 0);
  TestNode& node = addNode("node-a", 1, {"--prometheus-serve-addr", "127.0.0.1:" + std::to_string(port)});
  ASSERT_EQ(startAgent(node), "");
  importPolicy(node, "shop", kShopPolicy);
  ASSERT_EQ(addEndpoint(node, "web", {"k8s:app=web"}), "");

  // The node's namespace is not ours: the metrics port lives in the agent's (the test's) netns.
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(10, 0);
  httplib::Result result = client.Get("/metrics");
  ASSERT_TRUE(result) << "no answer on 127.0.0.1:" << port;
  EXPECT_EQ(result->status, 200);
  EXPECT_NE(result->get_header_value("Content-Type").find("text/plain"), std::string::npos);
  const std::string& text = result->body;
  EXPECT_NE(text.find("# TYPE ciliumc_endpoint_regenerations_total counter"), std::string::npos) << text;
  EXPECT_NE(text.find("ciliumc_identity"), std::string::npos) << text;
  // At least one successful regeneration was counted (the endpoint's).
  std::smatch match;
  ASSERT_TRUE(std::regex_search(text, match, std::regex(R"(ciliumc_endpoint_regenerations_total\{[^}]*outcome="success"[^}]*\} (\d+))")))
      << text;
  EXPECT_GE(std::stoi(match[1]), 1) << text;
  // Every sample line is `name{labels} value` or `name value`.
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);)
    if (!line.empty() && line[0] != '#') {
      EXPECT_TRUE(std::regex_match(line, std::regex(R"([a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? [-+0-9.eEInfNa]+)"))) << line;
    }
}

// ciliumd with flags that cannot work: exit status 2 and one line naming the flag, before it
// touches etcd, the socket or the state dir.
class CiliumdFlags : public ::testing::Test {
 protected:
  void SetUp() override {
    char directory[] = "/tmp/ciliumc-agent-flags-XXXXXX";
    ASSERT_TRUE(::mkdtemp(directory));
    work_ = directory;
  }
  // A ciliumd that wrongly started mounts a bpffs at work_/bpffs: unmount it before removing.
  void TearDown() override {
    ::umount2((work_ + "/bpffs").c_str(), MNT_DETACH);
    std::filesystem::remove_all(work_);
  }

  CommandResult ciliumd(const std::string& arguments) {
    return runCommand("timeout 10 " + std::string(CILIUMD_PATH) + " --etcd-endpoints 127.0.0.1:1 --node-name flags" +
                      " --state-dir " + work_ + "/state --bpffs " + work_ + "/bpffs --socket " + work_ + "/api.sock " + arguments);
  }
  void expectUsageError(const std::string& arguments, const std::vector<std::string>& mentions) {
    CommandResult result = ciliumd(arguments);
    EXPECT_EQ(result.exitCode, 2) << arguments << "\n" << result.output;
    for (const std::string& mention : mentions)
      EXPECT_NE(result.output.find(mention), std::string::npos) << arguments << "\n" << result.output;
    EXPECT_FALSE(std::filesystem::exists(work_ + "/api.sock")) << arguments;
  }
  std::string writeConfig(const std::string& text) {
    std::string path = work_ + "/ciliumd.toml";
    std::ofstream(path) << text;
    return path;
  }
  std::string work_;
};

TEST_F(CiliumdFlags, BadValuesAreUsageErrorsNamingTheFlag) {
  expectUsageError("--ipv4-pod-cidr 10.0.0.0/33", {"--ipv4-pod-cidr", "10.0.0.0/33"});
  expectUsageError("--ipv4-pod-cidr 10.0.0.300/24", {"--ipv4-pod-cidr"});
  expectUsageError("--ipv4-pod-cidr fd00::/112", {"--ipv4-pod-cidr", "not an IPv4"});
  expectUsageError("--ipv6-pod-cidr 10.0.0.0/24", {"--ipv6-pod-cidr", "not an IPv6"});
  expectUsageError("", {"pod CIDR"});
  expectUsageError("--ipv4-pod-cidr 10.0.0.0/24 --enforcement sometimes", {"--enforcement", "sometimes"});
  expectUsageError("--ipv4-pod-cidr 10.0.0.0/24 --prometheus-serve-addr 0.0.0.0:9962", {"--prometheus-serve-addr", "loopback"});
  expectUsageError("--ipv4-pod-cidr 10.0.0.0/24 --prometheus-serve-addr 192.168.1.1:9962", {"loopback"});
  expectUsageError("--ipv4-pod-cidr 10.0.0.0/24 --prometheus-serve-addr :9962", {"loopback"});
  // etcd TLS files: unreadable, half a client identity, TLS files with a plain-HTTP endpoint.
  expectUsageError("--ipv4-pod-cidr 10.0.0.0/24 --etcd-ca-file " + work_ + "/no-ca.pem", {"--etcd-ca-file", "no-ca.pem"});
  std::ofstream(work_ + "/pem") << "-----BEGIN CERTIFICATE-----\n";
  expectUsageError("--ipv4-pod-cidr 10.0.0.0/24 --etcd-cert-file " + work_ + "/pem", {"--etcd-key-file"});
  expectUsageError("--ipv4-pod-cidr 10.0.0.0/24 --etcd-ca-file " + work_ + "/pem --etcd-endpoints http://127.0.0.1:2379",
                   {"--etcd-endpoints", "https://"});
}

// Errors CLI11 finds itself (range checks, unknown flags, unreadable config files) are usage
// errors too: the same exit status as the ones above.
TEST_F(CiliumdFlags, ParserErrorsHaveTheUsageExitStatus) {
  expectUsageError("--ipv4-pod-cidr 10.0.0.0/24 --lease-ttl 1", {"--lease-ttl"});
  expectUsageError("--ipv4-pod-cidr 10.0.0.0/24 --load-jobs 1000", {"--load-jobs"});
  expectUsageError("--ipv4-pod-cidr 10.0.0.0/24 --load-jobs -1", {"--load-jobs"});
  expectUsageError("--ipv4-pod-cidr 10.0.0.0/24 --no-such-flag", {"--no-such-flag"});
  expectUsageError("--ipv4-pod-cidr 10.0.0.0/24 --config " + work_ + "/missing.toml", {"missing.toml"});
}

// A misspelt key must not be ignored: `enforcment = "never"` would silently leave enforcement on
// its default.
TEST_F(CiliumdFlags, AnUnknownConfigFileKeyIsAnError) {
  expectUsageError("--config " + writeConfig("ipv4-pod-cidr = \"10.0.0.0/24\"\nenforcment = \"never\"\n"), {"enforcment"});
}

TEST_F(CiliumdFlags, AConfigFileIsReadAndItsErrorsNameTheSetting) {
  expectUsageError("--config " + writeConfig("ipv4-pod-cidr = \"10.0.0.0/24\"\nenforcement = \"sometimes\"\n"),
                   {"--enforcement", "sometimes"});
  expectUsageError("--config " + writeConfig("ipv4-pod-cidr = \"10.0.0.0/99\"\n"), {"--ipv4-pod-cidr", "10.0.0.0/99"});
  // A flag wins over the file: the file's bad CIDR is never used.
  CommandResult overridden = ciliumd("--config " + writeConfig("ipv4-pod-cidr = \"10.0.0.0/99\"\n") +
                                     " --ipv4-pod-cidr 10.0.0.0/24 --enforcement sometimes");
  EXPECT_EQ(overridden.exitCode, 2) << overridden.output;
  EXPECT_EQ(overridden.output.find("10.0.0.0/99"), std::string::npos) << overridden.output;
  EXPECT_NE(overridden.output.find("sometimes"), std::string::npos) << overridden.output;
}

TEST_F(AgentApi, AConfigFileIsHonouredAndFlagsOverrideIt) {
  std::string config = work_ + "/ciliumd.toml";
  std::ofstream(config) << "# ciliumd settings\ncluster-name = \"from-file\"\nnode-name = \"file-node\"\nlog-level = \"debug\"\n";
  TestNode& node = addNode("node-a", 1, {"--config", config});  // the fixture passes --node-name node-a
  ASSERT_EQ(startAgent(node), "");
  ApiAnswer status = node.agent->api().get("/v1/status");
  EXPECT_EQ(status.body.value("cluster", ""), "from-file") << status.text;
  EXPECT_EQ(status.body.value("node", ""), "node-a") << status.text;
  // The cluster name reaches etcd: the node entry lives under the file's cluster.
  std::string keys = runCommand("ETCDCTL_API=3 timeout 20 etcdctl --endpoints=" + etcd_.clientUrl() +
                                " get --prefix --keys-only ciliumc/state/nodes/v1/")
                         .output;
  EXPECT_NE(keys.find("ciliumc/state/nodes/v1/from-file/node-a"), std::string::npos) << keys;
}

}  // namespace
}  // namespace ciliumc::testing
