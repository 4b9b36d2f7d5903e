// ciliumctl's error paths: agent not running, the agent's 4xx with "field", malformed answers
// (never a crash), usage errors (exit 2), and the socket from CILIUMD_SOCKET.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include <sys/socket.h>
#include <sys/un.h>

#include "cli/ciliumctl/agent_client.h"
#include "ctl_fake_agent.h"

namespace ciliumc::ctl {
namespace {

using testing::FakeAgent;
using testing::runCtl;

TEST(CtlErrors, AgentNotRunningIsOneClearLineNamingTheSocket) {
  FakeAgent agent;  // not started: no socket file
  for (auto args : {std::vector<std::string>{"status"}, std::vector<std::string>{"endpoint", "list"},
                    std::vector<std::string>{"monitor"}, std::vector<std::string>{"-o", "json", "ipam", "list"}}) {
    auto run = runCtl(agent.socket(), args);
    EXPECT_EQ(run.exitCode, 1) << args[0];
    EXPECT_EQ(run.out, "") << args[0];
    std::string expected = "Error: cannot connect to ciliumd at " + agent.socket() + ": No such file or directory.";
    EXPECT_EQ(run.err.rfind(expected, 0), 0u) << run.err;
    EXPECT_NE(run.err.find("Start it"), std::string::npos) << run.err;
    EXPECT_NE(run.err.find("ciliumd --socket " + agent.socket()), std::string::npos) << run.err;
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
  }
}

TEST(CtlErrors, StaleSocketFileSaysConnectionRefused) {
  FakeAgent agent;
  // A socket file nobody listens on (what a killed agent leaves behind).
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::snprintf(address.sun_path, sizeof(address.sun_path), "%s", agent.socket().c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ::close(fd);
  auto run = runCtl(agent.socket(), {"status"});
  EXPECT_EQ(run.exitCode, 1);
  EXPECT_NE(run.err.find("Connection refused"), std::string::npos) << run.err;
}

TEST(CtlErrors, AgentErrorWithFieldIsPrinted) {
  FakeAgent agent;
  agent.reply("PUT", "/v1/endpoints", 400,
              R"({"error": "invalid label `k8s:=x`: empty key", "field": "labels[1]"})");
  agent.reply("GET", "/v1/endpoints/77", 404, R"({"error": "endpoint 77 not found"})");
  agent.start();
  auto run = runCtl(agent.socket(), {"endpoint", "create", "--name", "a", "--labels", "k8s:a=b,k8s:=x", "--netns",
                                     "n", "--interface", "i"});
  EXPECT_EQ(run.exitCode, 1);
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.err, "Error: invalid label `k8s:=x`: empty key (field `labels[1]`)\n");
  run = runCtl(agent.socket(), {"-o", "json", "endpoint", "get", "77"});
  EXPECT_EQ(run.exitCode, 1);
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.err, "Error: endpoint 77 not found\n");
}

TEST(CtlErrors, FieldOfAMultiLineErrorGoesOnItsFirstLine) {
  EXPECT_EQ(agentErrorMessage(400, R"({"error": "policy `web` does not check:\nweb.policy:2:3: error\n", "field": "text"})"),
            "policy `web` does not check: (field `text`)\nweb.policy:2:3: error");
}

TEST(CtlErrors, ErrorAnswerThatIsNotJsonStillReadsWell) {
  FakeAgent agent;
  agent.reply("GET", "/v1/status", 500, "internal meltdown");
  agent.start();
  auto run = runCtl(agent.socket(), {"status"});
  EXPECT_EQ(run.exitCode, 1);
  EXPECT_EQ(run.err, "Error: ciliumd answered HTTP 500: internal meltdown\n");
}

TEST(CtlErrors, MalformedJsonAnswerIsAClearErrorNotACrash) {
  FakeAgent agent;
  agent.reply("GET", "/v1/endpoints", 200, R"([{"id": 1, "labels": [)");
  agent.reply("GET", "/v1/status", 200, R"(["not", "an", "object"])");
  agent.start();
  auto run = runCtl(agent.socket(), {"endpoint", "list"});
  EXPECT_EQ(run.exitCode, 1);
  EXPECT_NE(run.err.find("malformed answer from ciliumd to GET /v1/endpoints: not valid JSON"), std::string::npos)
      << run.err;
  run = runCtl(agent.socket(), {"status"});
  EXPECT_EQ(run.exitCode, 1);
  EXPECT_EQ(run.err, "Error: malformed answer from ciliumd to GET /v1/status: expected a JSON object, got array\n");
}

TEST(CtlErrors, FieldsOfUnexpectedTypesPrintWithoutCrashing) {
  FakeAgent agent;
  // Wrong types everywhere: labels a string, enforcement a number, ids as objects, entries not objects.
  agent.reply("GET", "/v1/endpoints", 200,
              R"([{"id": {"x": 1}, "labels": "k8s:a=b", "enforcement": 3, "ipv4": 7}, 5, null])");
  agent.reply("GET", "/v1/bpf/policy/1", 200, R"({"entries": [1, "x", {"identities": "2"}]})");
  agent.reply("GET", "/v1/ipam", 200, R"({"ipv4": [], "ipv6": {"cidr": 5, "allocated": [1]}})");
  agent.start();
  auto run = runCtl(agent.socket(), {"endpoint", "list"});
  EXPECT_EQ(run.exitCode, 0) << run.err;
  EXPECT_NE(run.out.find("{\"x\":1}"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("k8s:a=b"), std::string::npos) << run.out;
  run = runCtl(agent.socket(), {"bpf", "policy", "get", "1"});
  EXPECT_EQ(run.exitCode, 0) << run.err;
  run = runCtl(agent.socket(), {"ipam", "list"});
  EXPECT_EQ(run.exitCode, 0) << run.err;
  EXPECT_NE(run.out.find("5"), std::string::npos) << run.out;
}

TEST(CtlErrors, UsageErrorsExitTwo) {
  FakeAgent agent;
  agent.start();
  const std::vector<std::vector<std::string>> cases = {
      {},
      {"frobnicate"},
      {"endpoint"},
      {"endpoint", "get"},
      {"endpoint", "get", "abc"},
      {"endpoint", "create", "--name", "x"},
      {"endpoint", "labels", "3"},
      {"policy", "import"},
      {"policy", "import", "/etc/hostname"},
      {"policy", "import", "x.policy", "--format", "toml"},
      {"policy", "wait", "5", "--timeout", "0"},
      {"monitor", "--type", "everything"},
      {"-o", "xml", "status"},
      {"bpf", "policy"},
  };
  for (const auto& args : cases) {
    auto run = runCtl(agent.socket(), args);
    std::string joined;
    for (const auto& arg : args) joined += arg + " ";
    EXPECT_EQ(run.exitCode, 2) << joined << "\n" << run.err;
    EXPECT_NE(run.err.find("--help"), std::string::npos) << joined << "\n" << run.err;
  }
  EXPECT_TRUE(agent.requests().empty());  // nothing reached the agent
}

TEST(CtlErrors, UnreadablePolicyFileIsAFailureNotAUsageError) {
  FakeAgent agent;
  agent.start();
  auto run = runCtl(agent.socket(), {"policy", "import", (agent.dir() / "missing.policy").string()});
  EXPECT_EQ(run.exitCode, 1);
  EXPECT_NE(run.err.find("cannot read"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("missing.policy"), std::string::npos) << run.err;
}

TEST(CtlErrors, HelpEverywhereExitsZero) {
  for (auto args : {std::vector<std::string>{"--help"}, std::vector<std::string>{"endpoint", "--help"},
                    std::vector<std::string>{"policy", "wait", "--help"},
                    std::vector<std::string>{"bpf", "policy", "get", "--help"}}) {
    auto run = runCtl("/nonexistent.sock", args);
    EXPECT_EQ(run.exitCode, 0) << args[0];
    EXPECT_NE(run.out.find("Usage: ciliumctl"), std::string::npos) << run.out;
  }
}

TEST(CtlErrors, SocketComesFromTheEnvironment) {
  FakeAgent agent;
  agent.reply("GET", "/v1/ipam", 200, R"({"ipv4": {"cidr": "10.9.0.0/24", "allocated": []}})");
  agent.start();
  ::setenv("CILIUMD_SOCKET", agent.socket().c_str(), 1);
  const char* argv[] = {"ciliumctl", "ipam", "list"};
  std::ostringstream out, err;
  int code = runCiliumctl(3, argv, out, err);
  ::unsetenv("CILIUMD_SOCKET");
  EXPECT_EQ(code, 0) << err.str();
  EXPECT_NE(out.str().find("10.9.0.0/24"), std::string::npos) << out.str();
  // And the default names the standard path when nothing is set.
  const char* bare[] = {"ciliumctl", "status"};
  std::ostringstream out2, err2;
  if (!std::filesystem::exists(kDefaultSocket)) {
    EXPECT_EQ(runCiliumctl(2, bare, out2, err2), 1);
    EXPECT_NE(err2.str().find(kDefaultSocket), std::string::npos) << err2.str();
  }
}

TEST(CtlErrors, UrlSegmentEscapesReservedCharacters) {
  EXPECT_EQ(urlSegment("web-1.x_y~"), "web-1.x_y~");
  EXPECT_EQ(urlSegment("a b/c?d"), "a%20b%2Fc%3Fd");
}

}  // namespace
}  // namespace ciliumc::ctl
