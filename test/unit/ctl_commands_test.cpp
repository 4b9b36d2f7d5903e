// ciliumctl's commands against a fake agent: the request each one sends (docs/agent.md's HTTP
// API) and its table and JSON output.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "ctl_fake_agent.h"

namespace ciliumc::ctl {
namespace {

using nlohmann::json;
using testing::FakeAgent;
using testing::runCtl;

const char* kEndpoints = R"([
  {"id": 232, "name": "deathstar", "labels": ["k8s:class=deathstar", "k8s:org=empire"], "identity": 16530,
   "netns": "/var/run/netns/ds", "interface": "lxc232", "container_interface": "eth0",
   "ipv4": "10.0.0.147", "ipv6": "fd00::93", "state": "ready", "policy_revision": 7,
   "enforcement": {"ingress": true, "egress": false}},
  {"id": 9, "name": "xwing", "labels": ["k8s:class=xwing"], "identity": 323, "netns": "xw",
   "interface": "lxc9", "container_interface": "eth0", "ipv4": "10.0.0.2", "ipv6": null,
   "state": "regenerating", "policy_revision": 6, "enforcement": {"ingress": false, "egress": true}}
])";

// Lines of `text`, for checking one row at a time.
std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> result;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) result.push_back(line);
  return result;
}

TEST(CtlCommands, EndpointListTableHasCiliumColumnsAndOneLabelPerLine) {
  FakeAgent agent;
  agent.reply("GET", "/v1/endpoints", 200, kEndpoints);
  agent.start();
  auto run = runCtl(agent.socket(), {"endpoint", "list"});
  ASSERT_EQ(run.exitCode, 0) << run.err;
  auto rows = lines(run.out);
  ASSERT_EQ(rows.size(), 5u) << run.out;  // 2 header lines, 2 lines for endpoint 232, 1 for 9
  EXPECT_EQ(rows[0],
            "ENDPOINT   POLICY (ingress)   POLICY (egress)   IDENTITY   LABELS (source:key[=value])   IPv6       "
            "IPv4         STATUS");
  EXPECT_EQ(rows[1], "           ENFORCEMENT        ENFORCEMENT");
  EXPECT_EQ(rows[2],
            "232        Enabled            Disabled          16530      k8s:class=deathstar           fd00::93   "
            "10.0.0.147   ready");
  // The second label continues under the first, in the LABELS column.
  EXPECT_EQ(rows[3], std::string(rows[0].find("LABELS"), ' ') + "k8s:org=empire");
  EXPECT_EQ(rows[2].find("k8s:class=deathstar"), rows[0].find("LABELS"));
  EXPECT_EQ(rows[4],
            "9          Disabled           Enabled           323        k8s:class=xwing                          "
            "10.0.0.2     regenerating");
  EXPECT_EQ(agent.lastRequest().method, "GET");
}

TEST(CtlCommands, JsonOutputIsTheAgentsAnswerPretty) {
  FakeAgent agent;
  agent.reply("GET", "/v1/endpoints", 200, kEndpoints);
  agent.start();
  for (auto args : {std::vector<std::string>{"-o", "json", "endpoint", "list"},
                    std::vector<std::string>{"endpoint", "list", "-o", "json"}}) {
    auto run = runCtl(agent.socket(), args);
    ASSERT_EQ(run.exitCode, 0) << run.err;
    EXPECT_EQ(json::parse(run.out), json::parse(kEndpoints));
    EXPECT_NE(run.out.find("\n  {\n    \"container_interface\""), std::string::npos) << run.out;  // indented
  }
}

TEST(CtlCommands, EndpointGetShowsDetails) {
  FakeAgent agent;
  agent.reply("GET", R"(/v1/endpoints/232)", 200, json::parse(kEndpoints)[0].dump());
  agent.start();
  auto run = runCtl(agent.socket(), {"endpoint", "get", "232"});
  ASSERT_EQ(run.exitCode, 0) << run.err;
  EXPECT_NE(run.out.find("ID:                232\n"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("Labels:            k8s:class=deathstar\n                   k8s:org=empire\n"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("Interface:         lxc232 (peer eth0)\n"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("Enforcement:       ingress Enabled, egress Disabled\n"), std::string::npos) << run.out;
  EXPECT_EQ(agent.lastRequest().path, "/v1/endpoints/232");
}

TEST(CtlCommands, EndpointCreateSendsTheRequestBody) {
  FakeAgent agent;
  agent.reply("PUT", "/v1/endpoints", 201, json::parse(kEndpoints)[1].dump());
  agent.start();
  auto run = runCtl(agent.socket(), {"endpoint", "create", "--name", "xwing", "--labels", "k8s:class=xwing,k8s:a=b",
                                     "--netns", "xw", "--interface", "lxc9"});
  ASSERT_EQ(run.exitCode, 0) << run.err;
  EXPECT_NE(run.out.find("Endpoint 9 created\n"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("State:             regenerating\n"), std::string::npos) << run.out;
  json body = json::parse(agent.lastRequest().body);
  EXPECT_EQ(body, json::parse(R"({"name": "xwing", "labels": ["k8s:class=xwing", "k8s:a=b"], "netns": "xw",
                                   "interface": "lxc9"})"));
  // The peer name is sent only when given.
  run = runCtl(agent.socket(), {"endpoint", "create", "--name", "x", "--netns", "n", "--interface", "i",
                                "--container-interface", "veth0"});
  ASSERT_EQ(run.exitCode, 0) << run.err;
  EXPECT_EQ(json::parse(agent.lastRequest().body)["container_interface"], "veth0");
  EXPECT_EQ(json::parse(agent.lastRequest().body)["labels"], json::array());
}

TEST(CtlCommands, EndpointDeleteAndLabels) {
  FakeAgent agent;
  agent.reply("DELETE", "/v1/endpoints/9", 200, R"({"deleted": 9})");
  agent.reply("PATCH", "/v1/endpoints/9/labels", 200,
              R"({"id": 9, "labels": ["k8s:class=xwing", "k8s:team=red"], "identity": 400, "state": "ready"})");
  agent.start();
  auto run = runCtl(agent.socket(), {"endpoint", "delete", "9"});
  ASSERT_EQ(run.exitCode, 0) << run.err;
  EXPECT_EQ(run.out, "Endpoint 9 deleted\n");
  EXPECT_EQ(agent.lastRequest().method, "DELETE");

  run = runCtl(agent.socket(), {"endpoint", "labels", "9", "--add", "k8s:team=red", "--remove", "k8s:old=1,k8s:x"});
  ASSERT_EQ(run.exitCode, 0) << run.err;
  EXPECT_EQ(json::parse(agent.lastRequest().body),
            json::parse(R"({"add": ["k8s:team=red"], "remove": ["k8s:old=1", "k8s:x"]})"));
  EXPECT_NE(run.out.find("Identity:   400\n"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("            k8s:team=red\n"), std::string::npos) << run.out;
}

TEST(CtlCommands, IdentityListAndGet) {
  FakeAgent agent;
  agent.reply("GET", "/v1/identities", 200, R"([
      {"id": 1, "labels": ["reserved:host"], "reserved": true},
      {"id": 323, "labels": ["k8s:class=xwing", "k8s:org=alliance"], "reserved": false}])");
  agent.reply("GET", "/v1/identities/323", 200,
              R"({"id": 323, "labels": ["k8s:class=xwing", "k8s:org=alliance"], "reserved": false})");
  agent.start();
  auto run = runCtl(agent.socket(), {"identity", "list"});
  ASSERT_EQ(run.exitCode, 0) << run.err;
  EXPECT_EQ(run.out,
            "ID    LABELS\n"
            "1     reserved:host\n"
            "323   k8s:class=xwing\n"
            "      k8s:org=alliance\n");
  run = runCtl(agent.socket(), {"identity", "get", "323"});
  ASSERT_EQ(run.exitCode, 0) << run.err;
  EXPECT_EQ(run.out, "ID    LABELS\n323   k8s:class=xwing\n      k8s:org=alliance\n");
  run = runCtl(agent.socket(), {"identity", "get", "323", "-o", "json"});
  ASSERT_EQ(run.exitCode, 0) << run.err;
  EXPECT_EQ(json::parse(run.out)["labels"][1], "k8s:org=alliance");
}

TEST(CtlCommands, StatusSummary) {
  FakeAgent agent;
  agent.reply("GET", "/v1/status", 200, R"({"node": "node-a",
      "etcd": {"state": "connected", "endpoints": ["127.0.0.1:2379"]}, "endpoints": {"total": 3, "ready": 2},
      "policy_revision": 12, "enforced_revision": 11, "identities": 7, "version": "0.4.0"})");
  agent.start();
  auto run = runCtl(agent.socket(), {"status"});
  ASSERT_EQ(run.exitCode, 0) << run.err;
  EXPECT_EQ(run.out,
            "Node:              node-a\n"
            "KVStore (etcd):    connected   127.0.0.1:2379\n"
            "Endpoints:         2/3 ready\n"
            "Policy revision:   12 (enforced: 11)\n"
            "Identities:        7\n"
            "Version:           0.4.0\n");
}

class CtlPolicyFiles : public ::testing::Test {
 protected:
  std::string write(const std::string& name, const std::string& text) {
    auto path = agent.dir() / name;
    std::ofstream(path) << text;
    return path.string();
  }
  FakeAgent agent;
};

TEST_F(CtlPolicyFiles, ImportDerivesFormatAndNameAndPrintsRevision) {
  agent.reply("PUT", "/v1/policy", 200, R"({"revision": 42})");
  agent.start();
  std::string policy = write("web.policy", "policy web {}\n");
  auto run = runCtl(agent.socket(), {"policy", "import", policy});
  ASSERT_EQ(run.exitCode, 0) << run.err;
  EXPECT_EQ(run.out, "Revision: 42\n");
  EXPECT_EQ(json::parse(agent.lastRequest().body),
            (json{{"name", "web"}, {"format", "ciliumc"}, {"text", "policy web {}\n"}}));

  std::string yaml = write("np.yml", "kind: NetworkPolicy\n");
  run = runCtl(agent.socket(), {"policy", "import", yaml, "--name", "other"});
  ASSERT_EQ(run.exitCode, 0) << run.err;
  EXPECT_EQ(json::parse(agent.lastRequest().body)["format"], "yaml");
  EXPECT_EQ(json::parse(agent.lastRequest().body)["name"], "other");

  std::string odd = write("odd.txt", "policy x {}\n");
  run = runCtl(agent.socket(), {"policy", "import", odd, "--format", "ciliumc"});
  ASSERT_EQ(run.exitCode, 0) << run.err;
  EXPECT_EQ(json::parse(agent.lastRequest().body)["format"], "ciliumc");
  EXPECT_EQ(json::parse(agent.lastRequest().body)["name"], "odd");
}

TEST_F(CtlPolicyFiles, ImportRejectedWithDiagnostics) {
  agent.reply("PUT", "/v1/policy", 400, R"({"error": "policy web does not check", "diagnostics": [
      {"code": "E0301", "severity": "error", "file": "web.policy", "line": 3, "column": 7,
       "message": "unknown label source `k9s`", "hint": "did you mean `k8s`?"}]})");
  agent.start();
  auto run = runCtl(agent.socket(), {"policy", "import", write("web.policy", "x")});
  EXPECT_EQ(run.exitCode, 1);
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.err,
            "Error: policy web does not check\n"
            "  web.policy:3:7: error[E0301]: unknown label source `k9s` (hint: did you mean `k8s`?)\n");
}

TEST_F(CtlPolicyFiles, ValidateReportsValidityAndExitCode) {
  agent.reply("POST", "/v1/policy/validate", 200, R"({"valid": false, "diagnostics": [
      {"code": "E1", "severity": "error", "file": "bad.policy", "line": 1, "column": 2, "message": "broken"}]})");
  agent.start();
  auto run = runCtl(agent.socket(), {"policy", "validate", write("bad.policy", "x")});
  EXPECT_EQ(run.exitCode, 1);
  EXPECT_EQ(run.out, "bad.policy:1:2: error[E1]: broken\n");
  EXPECT_EQ(run.err, "Error: policy bad is not valid\n");
  EXPECT_EQ(agent.lastRequest().path, "/v1/policy/validate");
}

TEST_F(CtlPolicyFiles, ValidatePrefersTheCompilersRendering) {
  agent.reply("POST", "/v1/policy/validate", 200, R"({"valid": false, "diagnostics": [{"message": "broken"}],
      "text": "bad.policy:1:2: error[E1]: broken\n  policy x {\n   ^\n"})");
  agent.start();
  auto run = runCtl(agent.socket(), {"policy", "validate", write("bad.policy", "x")});
  EXPECT_EQ(run.exitCode, 1);
  EXPECT_EQ(run.out, "bad.policy:1:2: error[E1]: broken\n  policy x {\n   ^\n");
}

TEST_F(CtlPolicyFiles, ValidateValid) {
  agent.reply("POST", "/v1/policy/validate", 200, R"({"valid": true, "diagnostics": []})");
  agent.start();
  auto run = runCtl(agent.socket(), {"policy", "validate", write("good.yaml", "x")});
  EXPECT_EQ(run.exitCode, 0) << run.err;
  EXPECT_EQ(run.out, "Policy good is valid\n");
  EXPECT_EQ(json::parse(agent.lastRequest().body)["format"], "yaml");
}

TEST(CtlCommands, PolicyGetDeleteWait) {
  FakeAgent agent;
  agent.reply("GET", "/v1/policy", 200, R"({"revision": 12, "policies": [
      {"name": "web", "format": "ciliumc", "text": "policy web {}\n"},
      {"name": "np", "format": "yaml", "text": "kind: NetworkPolicy"}]})");
  agent.reply("DELETE", "/v1/policy/web old", 200, R"({"revision": 13})");
  agent.reply("GET", "/v1/policy/wait", 200, R"({"revision": 13, "enforced": true})");
  agent.start();
  auto run = runCtl(agent.socket(), {"policy", "get"});
  ASSERT_EQ(run.exitCode, 0) << run.err;
  EXPECT_EQ(run.out, "# web (ciliumc)\npolicy web {}\n\n# np (yaml)\nkind: NetworkPolicy\n\nRevision: 12\n");
  run = runCtl(agent.socket(), {"policy", "get", "np"});
  ASSERT_EQ(run.exitCode, 0) << run.err;
  EXPECT_EQ(run.out, "# np (yaml)\nkind: NetworkPolicy\n\nRevision: 12\n");
  run = runCtl(agent.socket(), {"policy", "get", "nope"});
  EXPECT_EQ(run.exitCode, 1);
  EXPECT_NE(run.err.find("no policy named `nope`"), std::string::npos) << run.err;

  run = runCtl(agent.socket(), {"policy", "delete", "web old"});
  ASSERT_EQ(run.exitCode, 0) << run.err;
  EXPECT_EQ(run.out, "Revision: 13\n");

  run = runCtl(agent.socket(), {"policy", "wait", "13", "--timeout", "5"});
  ASSERT_EQ(run.exitCode, 0) << run.err;
  EXPECT_EQ(run.out, "Revision: 13\n");
  EXPECT_EQ(agent.lastRequest().query, "revision=13&timeout=5");
}

TEST(CtlCommands, PolicyWaitTimeoutIsAnError) {
  FakeAgent agent;
  agent.reply("GET", "/v1/policy/wait", 408, R"json({"error": "revision 99 not enforced within 1s (enforced: 13)"})json");
  agent.start();
  auto run = runCtl(agent.socket(), {"policy", "wait", "99", "--timeout", "1"});
  EXPECT_EQ(run.exitCode, 1);
  EXPECT_EQ(run.err, "Error: revision 99 not enforced within 1s (enforced: 13)\n");
}

TEST(CtlCommands, IpamList) {
  FakeAgent agent;
  agent.reply("GET", "/v1/ipam", 200, R"({
      "ipv4": {"cidr": "10.0.0.0/24", "allocated": [{"ip": "10.0.0.1", "owner": "router"},
                                                     {"ip": "10.0.0.2", "owner": "endpoint 9"}]},
      "ipv6": {"cidr": "fd00::/112", "allocated": [{"ip": "fd00::1", "owner": "router"}]}})");
  agent.start();
  auto run = runCtl(agent.socket(), {"ipam", "list"});
  ASSERT_EQ(run.exitCode, 0) << run.err;
  EXPECT_EQ(run.out,
            "POOL          IP         OWNER\n"
            "10.0.0.0/24   10.0.0.1   router\n"
            "10.0.0.0/24   10.0.0.2   endpoint 9\n"
            "fd00::/112    fd00::1    router\n");
}

TEST(CtlCommands, BpfPolicyGetTable) {
  FakeAgent agent;
  agent.reply("GET", "/v1/bpf/policy/232", 200, R"({"endpoint": 232, "shape": "a1b2", "entries": [
      {"direction": "ingress", "identities": [323, 324], "labels": ["k8s:class=xwing", "k8s:class=tie"],
       "ports": "80/TCP", "action": "allow", "reason": "allowed-by-rule", "rule": "policy web rule 1"},
      {"direction": "egress", "identities": [2], "labels": ["reserved:world"], "ports": "ANY",
       "action": "deny", "reason": "default-deny", "rule": ""}]})");
  agent.start();
  auto run = runCtl(agent.socket(), {"bpf", "policy", "get", "232"});
  ASSERT_EQ(run.exitCode, 0) << run.err;
  EXPECT_EQ(run.out,
            "Endpoint 232, policy shape a1b2\n"
            "POLICY   DIRECTION   IDENTITIES   LABELS (source:key[=value])   PORT/PROTO   REASON            RULE\n"
            "Allow    Ingress     323          k8s:class=xwing               80/TCP       allowed-by-rule   policy web rule 1\n"
            "                     324          k8s:class=tie\n"
            "Deny     Egress      2            reserved:world                ANY          default-deny\n");
}

}  // namespace
}  // namespace ciliumc::ctl
