// The monitor end to end in the kernel: a small policy and inventory compiled into a plan,
// loaded with pinned node maps on a private bpffs, packets run through the endpoint's program
// (BPF_PROG_TEST_RUN), and the runtime's ring-buffer records read by ONE EventReader (opened
// from the pin, as the agent does) and fanned out by the EventHub to filtered subscribers.
// Checks the decoded fields and the formatted lines against the plan, that allow events appear
// only when ciliumc_config enables them, and that a lagging subscriber loses its oldest events.
#include <bpf/bpf.h>
#include <gtest/gtest.h>

#include "agent/metrics/drop_counter.h"
#include "agent/monitor/event_format.h"
#include "agent/monitor/event_hub.h"
#include "backend_bpf/codegen.h"
#include "loader/object_layout.h"
#include "loader/packet_builder.h"
#include "loader/plan_loader.h"
#include "loader/probe_runner.h"
#include "passes/pass_manager.h"
#include "test/unit/ir_builders.h"
#include "test/unit/loader_test_support.h"
#include "test/unit/privileged.h"

namespace ciliumc::monitor {
namespace {

using namespace ciliumc::testing;
using std::chrono::milliseconds;

// web accepts tcp/80 from client (ingress rule 0) and denies everything from other (rule 1);
// its ingress is default-deny otherwise.
std::vector<PolicyRule> rules() {
  return {RuleBuilder("web-in", sel({"app=web"}), "x")
              .ingress(allow(std::vector<Peer>{selPeer({"app=client"})}, ports({"tcp/80"}), 10))
              .ingress(deny(std::vector<Peer>{selPeer({"app=other"})}, {}, 11))};
}

Inventory inventory() {
  return InventoryBuilder()
      .ns("x")
      .pod("x", "web", {"app=web"}, {"10.0.0.1", "fd00::1"})
      .pod("x", "client", {"app=client"}, {"10.0.0.3", "fd00::3"})
      .pod("x", "other", {"app=other"}, {"10.0.0.5"})
      .build();
}

// Runs one packet through a program (`repeat` times: as many events); the tc verdict. Events
// stay in the ring for the hub.
int runPacket(int programFd, const loader::PacketSpec& spec, uint32_t repeat = 1) {
  auto packet = loader::buildPacket(spec);
  if (!packet) return -1;
  std::vector<uint8_t> output(packet->size() + 256);
  bpf_test_run_opts options{};
  options.sz = sizeof(options);
  options.data_in = packet->data();
  options.data_size_in = static_cast<uint32_t>(packet->size());
  options.data_out = output.data();
  options.data_size_out = static_cast<uint32_t>(output.size());
  options.repeat = repeat;
  if (bpf_prog_test_run_opts(programFd, &options) != 0) return -1;
  return static_cast<int>(options.retval);
}

class MonitorEventsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CILIUMC_REQUIRE_BPF_OR_SKIP();
    ASSERT_TRUE(bpffs_.ok()) << bpffs_.error();
    world_ = std::make_unique<World>(inventory(), rules());
    auto planned = runPasses(world_->ir, world_->inventory);
    ASSERT_TRUE(planned.ok()) << planned.error().message;
    plan_ = std::move(planned->plan);
    auto codegen = BpfCodegen::create();
    ASSERT_TRUE(codegen.ok()) << codegen.error().message;
    codegen_ = std::move(*codegen);
    loader::PlanLoaderOptions options;
    options.pins = loader::PinLayout(bpffs_.path());
    loader_ = std::make_unique<loader::PlanLoader>(plan_, planObjectSource(*codegen_, plan_), options);
    auto web = loader_->endpoint(0);
    ASSERT_TRUE(web.ok()) << web.error().message;
    webIngress_ = (*web)->programFd(Direction::Ingress);
    ASSERT_GE(webIngress_, 0);
    auto control = loader::ProbeRunner::create(loader_->nodeMap(loader::kEventsMap), loader_->nodeMap(loader::kCtMap),
                                               loader_->nodeMap(loader::kConfigMap));
    ASSERT_TRUE(control.ok()) << control.error().message;
    control_.emplace(std::move(*control));  // only for the config flag and CT; never reads events

    // The agent's way in: the pinned ring buffer.
    auto reader = EventReader::openPinned(bpffs_.path());
    ASSERT_TRUE(reader.ok()) << reader.error().message;
    hub_ = std::make_unique<EventHub>(EventHubOptions{4096, milliseconds(20)});
    auto started = hub_->start(std::move(*reader));
    ASSERT_TRUE(started.ok()) << started.error().message;

    std::map<uint32_t, std::string> labels;
    for (const EndpointPlan& endpoint : plan_.endpoints) labels[endpoint.identity] = endpoint.endpoint->labels.toString();
    names_ = std::make_unique<PlanEventNames>(plan_.rules, [labels](uint32_t identity) -> std::optional<std::string> {
      auto it = labels.find(identity);
      return it == labels.end() ? std::nullopt : std::optional<std::string>(it->second);
    });
  }

  void TearDown() override {
    if (hub_) hub_->stop();
  }

  const EndpointPlan& endpoint(size_t index) const { return plan_.endpoints[index]; }
  // A fresh flow to web's ingress: CT cleared so an earlier allowed flow cannot turn it into a reply.
  int toWeb(const char* from, const char* to, Protocol protocol, uint16_t port, uint16_t sourcePort = 40000) {
    EXPECT_TRUE(control_->clearConnections().ok());
    return runPacket(webIngress_, loader::PacketSpec(ip(from), ip(to), protocol, port, sourcePort));
  }
  static MonitorEvent expectNext(Subscription& subscription) {
    auto event = subscription.next(milliseconds(3000));
    EXPECT_TRUE(event.has_value()) << "no event within 3 s";
    return event.value_or(MonitorEvent{});
  }

  PrivateBpffs bpffs_;
  std::unique_ptr<World> world_;
  CompilePlan plan_;
  std::unique_ptr<BpfCodegen> codegen_;
  std::unique_ptr<loader::PlanLoader> loader_;
  int webIngress_ = -1;
  std::optional<loader::ProbeRunner> control_;
  std::unique_ptr<EventHub> hub_;
  std::unique_ptr<PlanEventNames> names_;
};

TEST_F(MonitorEventsTest, DropsAndVerdictsReachFilteredSubscribersWithTheirFields) {
  const EndpointPlan& web = endpoint(0);
  const EndpointPlan& client = endpoint(1);
  const EndpointPlan& other = endpoint(2);
  ASSERT_NE(web.identity, client.identity);
  auto all = hub_->subscribe({});
  auto drops = hub_->subscribe({EventType::Drop, std::nullopt});
  auto verdicts = hub_->subscribe({EventType::Verdict, std::nullopt});
  auto webOnly = hub_->subscribe({EventType::All, web.endpointId});
  auto clientOnly = hub_->subscribe({EventType::All, client.endpointId});  // client has no program here

  // 1. Default deny: client -> web tcp/22.
  ASSERT_TRUE(control_->setEmitAllowEvents(false).ok());
  EXPECT_EQ(toWeb("10.0.0.3", "10.0.0.1", Protocol::TCP, 22), loader::kTcActShot);
  MonitorEvent drop = expectNext(*drops);
  EXPECT_EQ(drop.endpointId, web.endpointId);
  EXPECT_EQ(drop.identity, web.identity);
  EXPECT_EQ(drop.peerIdentity, client.identity);
  EXPECT_EQ(drop.direction, Direction::Ingress);
  EXPECT_EQ(drop.reason, DatapathReason::DefaultDeny);
  EXPECT_TRUE(drop.deny);
  EXPECT_EQ(drop.ruleId, 0u);
  EXPECT_EQ(drop.family, IpFamily::V4);
  EXPECT_EQ(drop.source.toString(), "10.0.0.3");
  EXPECT_EQ(drop.destination.toString(), "10.0.0.1");
  EXPECT_EQ(drop.protocol, 6);
  EXPECT_EQ(drop.l4Kind, L4Kind::TCP);
  EXPECT_EQ(drop.sourcePort, 40000);
  EXPECT_EQ(drop.destinationPort, 22);
  EXPECT_GT(drop.timestampNs, 0u);
  EXPECT_EQ(formatEventLine(drop, *names_),
            "xx drop (Policy denied) flow 0x0 to endpoint " + std::to_string(web.endpointId) + ", ingress, identity " +
                std::to_string(client.identity) + "->" + std::to_string(web.identity) +
                ": 10.0.0.3:40000 -> 10.0.0.1:22 tcp, DENIED by default deny, labels " + std::to_string(client.identity) +
                "=[" + client.endpoint->labels.toString() + "] " + std::to_string(web.identity) + "=[" +
                web.endpoint->labels.toString() + "]");
  EXPECT_EQ(expectNext(*all), drop);
  EXPECT_EQ(expectNext(*verdicts), drop) << "a default-deny drop is also a policy verdict";
  EXPECT_EQ(expectNext(*webOnly), drop);

  // 2. Denied by rule 1 of web-in: other -> web tcp/80.
  EXPECT_EQ(toWeb("10.0.0.5", "10.0.0.1", Protocol::TCP, 80), loader::kTcActShot);
  MonitorEvent denied = expectNext(*drops);
  EXPECT_EQ(denied.reason, DatapathReason::DeniedByRule);
  EXPECT_EQ(denied.peerIdentity, other.identity);
  ASSERT_NE(plan_.rules.find(denied.ruleId), nullptr);
  EXPECT_EQ(plan_.rules.find(denied.ruleId)->location.line, 11);
  EXPECT_NE(formatDropLine(denied, *names_).find(": 10.0.0.5:40000 -> 10.0.0.1:80 tcp, DENIED by policy web-in rule 1"),
            std::string::npos)
      << formatDropLine(denied, *names_);

  // 3. Allowed, allow events off: nothing is reported.
  EXPECT_EQ(toWeb("10.0.0.3", "10.0.0.1", Protocol::TCP, 80), loader::kTcActOk);
  for (Subscription* s : {all.get(), verdicts.get(), webOnly.get()}) (void)s->next(milliseconds(1000));  // events of 2.
  EXPECT_FALSE(all->next(milliseconds(200)).has_value()) << "no allow events unless ciliumc_config enables them";

  // 4. Allowed with allow events on: a verdict naming rule 0.
  ASSERT_TRUE(control_->setEmitAllowEvents(true).ok());
  EXPECT_EQ(toWeb("10.0.0.3", "10.0.0.1", Protocol::TCP, 80, 40080), loader::kTcActOk);
  MonitorEvent allowed = expectNext(*verdicts);
  EXPECT_FALSE(allowed.deny);
  EXPECT_EQ(allowed.reason, DatapathReason::AllowedByRule);
  ASSERT_NE(plan_.rules.find(allowed.ruleId), nullptr);
  EXPECT_EQ(plan_.rules.find(allowed.ruleId)->location.line, 10);
  EXPECT_EQ(allowed.sourcePort, 40080);
  std::string line = formatEventLine(allowed, *names_);
  EXPECT_EQ(line.rfind("Policy verdict log: flow 0x0 local EP ID " + std::to_string(web.endpointId) + ", local ID " +
                           std::to_string(web.identity) + ", remote ID " + std::to_string(client.identity) +
                           ", proto 6, ingress, action allow, match allowed-by-rule, 10.0.0.3:40080 -> 10.0.0.1:80 tcp, "
                           "ALLOWED by policy web-in rule 0",
                       0),
            0u)
      << line;
  EXPECT_FALSE(drops->next(milliseconds(200)).has_value()) << "an allowed packet is no drop";

  // 5. IPv6 and UDP: default deny.
  EXPECT_EQ(toWeb("fd00::3", "fd00::1", Protocol::UDP, 53), loader::kTcActShot);
  MonitorEvent v6 = expectNext(*drops);
  EXPECT_EQ(v6.family, IpFamily::V6);
  EXPECT_EQ(v6.l4Kind, L4Kind::UDP);
  EXPECT_EQ(v6.peerIdentity, client.identity);
  EXPECT_NE(formatDropLine(v6, *names_).find("[fd00::3]:40000 -> [fd00::1]:53 udp, DENIED by default deny"),
            std::string::npos);
  // 6. ICMP echo: default deny, EchoRequest.
  EXPECT_EQ(toWeb("10.0.0.3", "10.0.0.1", Protocol::ICMP, 8), loader::kTcActShot);
  MonitorEvent echo = expectNext(*drops);
  EXPECT_EQ(echo.l4Kind, L4Kind::ICMP);
  EXPECT_NE(formatDropLine(echo, *names_).find("10.0.0.3 -> 10.0.0.1 EchoRequest, DENIED by default deny"),
            std::string::npos);

  EXPECT_FALSE(clientOnly->next(milliseconds(0)).has_value()) << "every event was web's";
  EXPECT_EQ(hub_->stats().readErrors, 0u);
  EXPECT_EQ(hub_->stats().malformedRecords, 0u);
}

TEST_F(MonitorEventsTest, LaggingSubscriberLosesOldestKernelEvents) {
  ASSERT_TRUE(control_->setEmitAllowEvents(false).ok());
  auto keeper = hub_->subscribe({EventType::Drop, std::nullopt});
  auto lagging = hub_->subscribe({EventType::Drop, std::nullopt}, 2);
  metrics::MetricsRegistry registry;
  metrics::AgentMetrics agentMetrics(registry);
  metrics::DropCounter counter(*hub_, agentMetrics);
  constexpr uint16_t kPackets = 6;
  for (uint16_t i = 1; i <= kPackets; ++i)
    EXPECT_EQ(toWeb("10.0.0.3", "10.0.0.1", Protocol::TCP, 22, 41000 + i), loader::kTcActShot);
  for (uint16_t i = 1; i <= kPackets; ++i) EXPECT_EQ(expectNext(*keeper).sourcePort, 41000 + i) << "in order";
  // The keeper saw every event, so the hub has fanned all of them out.
  EXPECT_EQ(lagging->lost(), kPackets - 2u);
  EXPECT_EQ(lagging->next(milliseconds(0))->sourcePort, 41000 + kPackets - 1);
  EXPECT_EQ(lagging->next(milliseconds(0))->sourcePort, 41000 + kPackets);
  EXPECT_FALSE(lagging->next(milliseconds(0)).has_value());
  EXPECT_NE(registry.render().find("ciliumc_drop_count_total{reason=\"Policy denied\",direction=\"INGRESS\"} 6\n"),
            std::string::npos)
      << registry.render();
}

TEST_F(MonitorEventsTest, BurstOfKernelEventsIsDeliveredCompletely) {
  ASSERT_TRUE(control_->setEmitAllowEvents(false).ok());
  constexpr uint32_t kBurst = 2000;  // fits the 256 KiB ring (80 bytes a record)
  auto subscription = hub_->subscribe({EventType::Drop, endpoint(0).endpointId}, kBurst);
  ASSERT_TRUE(control_->clearConnections().ok());
  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(runPacket(webIngress_, loader::PacketSpec(ip("10.0.0.3"), ip("10.0.0.1"), Protocol::TCP, 22), kBurst),
            loader::kTcActShot);
  uint32_t received = 0;
  uint64_t lastTimestamp = 0;
  while (received < kBurst) {
    auto event = subscription->next(milliseconds(3000));
    if (!event) break;
    EXPECT_GE(event->timestampNs, lastTimestamp) << "kernel order";
    lastTimestamp = event->timestampNs;
    ++received;
  }
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  EXPECT_EQ(received, kBurst);
  EXPECT_EQ(subscription->lost(), 0u);
  std::printf("%u kernel events to one subscriber in %.1f ms (incl. the test run)\n", kBurst, ms);
}

TEST_F(MonitorEventsTest, StopEndsTheReaderPromptly) {
  auto subscription = hub_->subscribe({});
  auto started = std::chrono::steady_clock::now();
  hub_->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(1000));
  EXPECT_TRUE(subscription->closed());
  EXPECT_FALSE(hub_->running());
  // A new reader can take over the ring after the old one is gone.
  auto reader = EventReader::fromFd(loader_->nodeMap(loader::kEventsMap));
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  EXPECT_EQ(toWeb("10.0.0.3", "10.0.0.1", Protocol::TCP, 23), loader::kTcActShot);
  std::vector<MonitorEvent> seen;
  auto polled = (*reader)->poll(milliseconds(1000), [&](const MonitorEvent& event) { seen.push_back(event); });
  ASSERT_TRUE(polled.ok()) << polled.error().message;
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(*polled, 1u);
  EXPECT_EQ(seen[0].destinationPort, 23);
  EXPECT_FALSE(EventReader::fromFd(-1).ok());
  EXPECT_FALSE(EventReader::fromFd(loader_->nodeMap(loader::kCtMap)).ok()) << "not a ring buffer";
  EXPECT_FALSE(EventReader::openPinned("/nonexistent").ok());
}

}  // namespace
}  // namespace ciliumc::monitor
