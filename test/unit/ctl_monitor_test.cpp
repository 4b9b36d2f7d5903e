// `ciliumctl monitor`: streamed JSON lines from GET /v1/monitor, printed as their "line" (or as
// JSON with -o json); ends cleanly when the agent closes the stream, on stopStreaming() and on
// SIGINT (Ctrl-C).
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <future>

#include <fmt/format.h>

#include "cli/ciliumctl/agent_client.h"
#include "ctl_fake_agent.h"

namespace ciliumc::ctl {
namespace {

using testing::CtlRun;
using testing::FakeAgent;
using testing::runCtl;

std::string event(int n) {
  return fmt::format(
      R"({{"type":"drop","line":"xx drop (Policy denied) flow 0x{:x} to endpoint 25, identity 261->264: 10.0.0.{} -> 10.0.0.9 EchoRequest","endpoint":25}})",
      n, n);
}

// Streams `count` events (split across chunk borders on purpose) then closes; count < 0 streams
// until the client goes away (at most 3000 events, 5 ms apart).
void serveEvents(FakeAgent& agent, int count, std::atomic<int>& sent) {
  agent.route("GET", "/v1/monitor", [&agent, count, &sent](const httplib::Request& request, httplib::Response& response) {
    agent.record(request);
    response.set_chunked_content_provider("application/x-ndjson", [count, &sent](size_t, httplib::DataSink& sink) {
      int n = sent.load();
      if (count >= 0 && n >= count) {
        sink.done();
        return true;
      }
      if (n >= 3000) return false;
      std::string line = event(n) + "\n";
      size_t half = line.size() / 2;  // a line arriving in two chunks must still print once
      if (!sink.write(line.data(), half) || !sink.write(line.data() + half, line.size() - half)) return false;
      sent.store(n + 1);
      if (count < 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      return true;
    });
  });
}

TEST(CtlMonitor, PrintsEachEventsLineUntilTheAgentCloses) {
  FakeAgent agent;
  std::atomic<int> sent{0};
  serveEvents(agent, 5, sent);
  agent.start();
  auto run = runCtl(agent.socket(), {"monitor", "--type", "drop", "--endpoint", "25"});
  EXPECT_EQ(run.exitCode, 0) << run.err;
  std::string expected;
  for (int n = 0; n < 5; ++n)
    expected += fmt::format(
        "xx drop (Policy denied) flow 0x{:x} to endpoint 25, identity 261->264: 10.0.0.{} -> 10.0.0.9 EchoRequest\n",
        n, n);
  EXPECT_EQ(run.out, expected);
  EXPECT_NE(run.err.find("Press Ctrl-C to quit"), std::string::npos);
  EXPECT_EQ(agent.lastRequest().query, "endpoint=25&type=drop");
}

TEST(CtlMonitor, JsonOutputIsTheEventLines) {
  FakeAgent agent;
  std::atomic<int> sent{0};
  serveEvents(agent, 3, sent);
  agent.start();
  auto run = runCtl(agent.socket(), {"monitor", "-o", "json"});
  EXPECT_EQ(run.exitCode, 0) << run.err;
  EXPECT_EQ(run.out, event(0) + "\n" + event(1) + "\n" + event(2) + "\n");
  EXPECT_EQ(run.err, "");
  EXPECT_EQ(agent.lastRequest().query, "");
}

TEST(CtlMonitor, MalformedEventsAreSkippedWithAWarning) {
  FakeAgent agent;
  agent.reply("GET", "/v1/monitor", 200, "{\"line\":\"first\"}\n{broken\n{\"type\":\"verdict\"}\n{\"line\":\"last\"}");
  agent.start();
  auto run = runCtl(agent.socket(), {"monitor"});
  EXPECT_EQ(run.exitCode, 0) << run.err;
  EXPECT_EQ(run.out, "first\n{\"type\":\"verdict\"}\nlast\n");
  EXPECT_NE(run.err.find("skipping a malformed event from ciliumd: {broken"), std::string::npos) << run.err;
}

TEST(CtlMonitor, AgentRejectingTheFilterIsAnError) {
  FakeAgent agent;
  agent.reply("GET", "/v1/monitor", 404, R"({"error": "endpoint 99 not found", "field": "endpoint"})");
  agent.start();
  auto run = runCtl(agent.socket(), {"monitor", "--endpoint", "99"});
  EXPECT_EQ(run.exitCode, 1);
  EXPECT_NE(run.err.find("Error: endpoint 99 not found (field `endpoint`)"), std::string::npos) << run.err;
}

// Runs the monitor until `stop` is called once at least 3 events arrived; answers its result.
CtlRun monitorUntil(const std::function<void()>& stop) {
  FakeAgent agent;
  std::atomic<int> sent{0};
  serveEvents(agent, -1, sent);
  agent.start();
  auto running = std::async(std::launch::async, [&] { return runCtl(agent.socket(), {"monitor"}); });
  for (int i = 0; i < 1000 && sent.load() < 3; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_GE(sent.load(), 3);
  stop();
  EXPECT_EQ(running.wait_for(std::chrono::seconds(10)), std::future_status::ready) << "monitor did not stop";
  CtlRun run = running.get();
  EXPECT_LT(sent.load(), 3000);
  return run;
}

void expectCleanStop(const CtlRun& run) {
  EXPECT_EQ(run.exitCode, 0) << run.err;
  EXPECT_GE(std::count(run.out.begin(), run.out.end(), '\n'), 3);
  EXPECT_EQ(run.out.back(), '\n');  // no half line
  EXPECT_EQ(run.err.find("Error"), std::string::npos) << run.err;
}

TEST(CtlMonitor, StopStreamingEndsAnEndlessStreamCleanly) { expectCleanStop(monitorUntil([] { stopStreaming(); })); }

TEST(CtlMonitor, CtrlCEndsAnEndlessStreamCleanly) {
  expectCleanStop(monitorUntil([] { std::raise(SIGINT); }));
  // The previous SIGINT disposition is back.
  struct sigaction current{};
  sigaction(SIGINT, nullptr, &current);
  EXPECT_EQ(current.sa_handler, SIG_DFL);
}

}  // namespace
}  // namespace ciliumc::ctl
