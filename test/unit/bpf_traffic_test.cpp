// Real traffic through compiled policy: network namespaces joined by veth pairs, each endpoint's
// two programs attached with tc, and real sockets — TCP (connect, send, receive), UDP (request
// and response), ICMP and ICMPv6 echo. Allowed flows must deliver; denied flows must not within a
// bounded wait, and the drop must come from the endpoint and direction the policy names (its
// ring-buffer event). Also: replies of allowed connections pass a default-deny direction
// (connection tracking), deploying a changed policy over the running one switches verdicts, and
// unloading restores the unenforced network.
//
// The policy and inventory are text written to a temporary directory and read back through the
// real front end (loadPolicyFiles, loadInventoryFile), then resolvePolicy -> runPasses ->
// BpfCodegen -> deployPlan: the path `ciliumc compile` + `ciliumc load` take.
//
// Two topologies, same flows and assertions (the test is parameterised over them):
//   Direct       [client ns] dev ==veth== dev [server ns]; each endpoint's programs on its own
//                interface (AttachSide::Endpoint).
//   ThroughNode  [client ns] dev ==veth== lxc [node ns] lxc ==veth== dev [server ns]; the node
//                routes between /32 (/128) endpoint addresses, programs on the host side of each
//                veth (AttachSide::Host, Cilium's layout).
//
// Sockets and namespaces: a socket belongs, for its whole life, to the network namespace of the
// thread that created it. Every socket here is created by the test thread inside a NetnsScope
// (setns on this thread only, undone when the scope ends); later calls on the socket (bind,
// connect, send, poll) work from any thread and namespace. tc attach/detach and ifindex lookups
// likewise run inside the device's namespace.
//
// Isolation and cleanup: a private bpffs mounted in a temporary directory (never
// /sys/fs/bpf/ciliumc), namespaces and devices named after the pid, all removed by RAII on every
// exit path (deleting a namespace deletes its devices and their tc filters). Every wait is
// bounded: a flow expected to be blocked gets kBlockedWait, one expected to deliver kDeliverWait
// (spent only when it fails).
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "backend_bpf/codegen.h"
#include "frontend/inputs/input_files.h"
#include "frontend/inputs/inventory_loader.h"
#include "loader/deployment.h"
#include "loader/netns_scope.h"
#include "loader/pin_layout.h"
#include "loader/tc_attach.h"
#include "loader/unique_fd.h"
#include "passes/pass_manager.h"
#include "runtime/ciliumc_abi.h"
#include "test/support/netns.h"
#include "test/support/temporary_directory.h"
#include "test/support/traffic.h"
#include "test/unit/loader_test_support.h"
#include "test/unit/privileged.h"

namespace ciliumc {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using loader::UniqueFd;
using testing::runQuietly;
using testing::TemporaryNetns;
using testing::uniqueNetName;
using testing::Flow;
using testing::FlowKind;
using testing::FlowOutcome;
using testing::runFlow;
using testing::TrafficHost;

// A blocked flow is declared blocked after this long without an answer. Veth round trips take
// microseconds; ARP/ND are let through by the runtime and warmed up by earlier flows anyway.
constexpr auto kBlockedWait = 300ms;
// Bound for a flow that should deliver (only spent when it does not).
constexpr auto kDeliverWait = 3s;

// ---- the policy under test ---------------------------------------------------------------------

// Ports and what decides them (version 1):
constexpr uint16_t kOpenTcp = 8080;           // client egress allows, server ingress allows
constexpr uint16_t kServerClosedTcp = 9090;   // client egress allows, server ingress denies
constexpr uint16_t kClientClosedTcp = 7070;   // client egress denies
constexpr uint16_t kToClientTcp = 7000;       // server egress allows, client ingress denies
constexpr uint16_t kOpenUdp = 5353;           // both allow
constexpr uint16_t kServerClosedUdp = 5354;   // client egress allows, server ingress denies
constexpr uint16_t kClientClosedUdp = 5300;   // client egress denies

// The namespaces carry exactly these addresses.
constexpr const char* kClientIpv4 = "10.77.0.10";
constexpr const char* kClientIpv6 = "fd00:77::10";
constexpr const char* kServerIpv4 = "10.77.0.20";
constexpr const char* kServerIpv6 = "fd00:77::20";

std::string inventoryText() {
  return std::string("cluster: traffic-test\nnamespaces:\n  - name: app\nendpoints:\n") +
         "  - {name: client, namespace: app, labels: {app: client}, ips: [" + kClientIpv4 + ", \"" + kClientIpv6 + "\"]}\n" +
         "  - {name: server, namespace: app, labels: {app: server}, ips: [" + kServerIpv4 + ", \"" + kServerIpv6 + "\"]}\n";
}

// Both endpoints are default-deny in both directions (each direction has a rule), so every
// reply below passes only as the reply of a tracked connection.
constexpr const char* kClientPolicy = R"(
policy client {
  namespace app
  select { app = client }
  ingress {}
  egress {
    allow to { app = server } on tcp/8080, tcp/9090, udp/5353, udp/5354, icmp/echo-request, icmpv6/echo-request
  }
}
)";

// The server opens one TCP port: version 1 (deployed by SetUp) kOpenTcp; the replacement test
// deploys version 2 with kServerClosedTcp instead over the running one.
std::string serverPolicy(uint16_t tcpPort) {
  return R"(
policy server {
  namespace app
  select { app = server }
  ingress {
    allow from { app = client } on tcp/)" +
         std::to_string(tcpPort) + R"(, udp/5353, icmp/echo-request, icmpv6/echo-request
  }
  egress {
    allow to { app = client } on tcp/7000
  }
}
)";
}

// ---- compiling through the real front end ------------------------------------------------------

// A compiled policy: the plan points into the inventory, so both live here together.
struct CompiledPolicy {
  std::unique_ptr<Inventory> inventory;
  PlanResult planned;
  std::shared_ptr<BpfCodegen> codegen;

  const CompilePlan& plan() const { return planned.plan; }
  loader::ShapeObjectSource source() const {
    return [codegen = codegen, plan = &planned.plan](uint32_t shape) { return codegen->compileShape(plan->shapes[shape]); };
  }
  uint32_t endpointId(const std::string& reference) const {
    const EndpointInfo* info = inventory->findEndpoint(reference);
    for (const EndpointPlan& endpoint : planned.plan.endpoints)
      if (info && endpoint.endpoint == info) return endpoint.endpointId;
    return 0;
  }
};

std::string renderedDiagnostics(const DiagnosticEngine& diags) {
  std::ostringstream out;
  diags.renderText(out, false);
  return out.str();
}

Expected<CompiledPolicy> compilePolicy(const std::string& policyText) {
  testing::TemporaryDirectory directory("ciliumc-traffic");
  if (!directory.ok()) return Error{"mkdtemp failed"};
  std::string policyFile = directory.write("traffic.policy", policyText);
  std::string inventoryFile = directory.write("inventory.yaml", inventoryText());
  DiagnosticEngine diags;
  PolicySet policies;
  bool loaded = loadPolicyFiles({policyFile}, diags, policies);
  std::optional<Inventory> inventory = loadInventoryFile(inventoryFile, diags);
  if (!loaded || !inventory || diags.hasErrors()) return Error{"front end: " + renderedDiagnostics(diags)};
  CompiledPolicy compiled;
  compiled.inventory = std::make_unique<Inventory>(std::move(*inventory));
  PolicyIR ir = resolvePolicy(policies, *compiled.inventory, ResolveOptions{});
  auto planned = runPasses(ir, *compiled.inventory);
  if (!planned) return Error{"passes: " + planned.error().message};
  compiled.planned = std::move(*planned);
  auto codegen = BpfCodegen::create();
  if (!codegen) return Error{"codegen: " + codegen.error().message};
  compiled.codegen = std::move(*codegen);
  return compiled;
}

// ---- topology ------------------------------------------------------------------------------------

enum class Topology { Direct, ThroughNode };

std::string topologyName(const ::testing::TestParamInfo<Topology>& info) {
  return info.param == Topology::Direct ? "Direct" : "ThroughNode";
}

// A veth pair with one end in each of two namespaces, both up. Deleting one end deletes the
// pair; so does deleting either namespace.
class VethBetween {
 public:
  VethBetween(const TemporaryNetns& first, const TemporaryNetns& second)
      : first_(first), firstName_(uniqueNetName("tv")), secondName_(uniqueNetName("tv")) {
    ok_ = runQuietly("ip link add " + firstName_ + " netns " + first.name() + " type veth peer name " + secondName_ +
                     " netns " + second.name()) &&
          runQuietly(first.ip() + "link set " + firstName_ + " up") &&
          runQuietly(second.ip() + "link set " + secondName_ + " up");
  }
  ~VethBetween() { runQuietly(first_.ip() + "link del " + firstName_); }
  VethBetween(const VethBetween&) = delete;
  VethBetween& operator=(const VethBetween&) = delete;

  bool ok() const { return ok_; }
  const std::string& firstName() const { return firstName_; }
  const std::string& secondName() const { return secondName_; }

 private:
  const TemporaryNetns& first_;
  std::string firstName_, secondName_;
  bool ok_ = false;
};

// One endpoint as the network sees it (test/support/traffic.h: its sockets' namespace and
// addresses), plus where its programs are attached.
struct Host : TrafficHost {
  const TemporaryNetns* netns = nullptr;        // where its sockets live (netnsPath is its path)
  const TemporaryNetns* attachNetns = nullptr;  // where the device its programs go on lives
  std::string device;
  uint32_t endpointId = 0;
};

// The namespaces, links and addresses of one topology. Declaration order is destruction order in
// reverse: links go before the namespaces they live in.
class Network {
 public:
  explicit Network(Topology topology) : topology_(topology) {
    client_.reference = "app/client", client_.ipv4 = kClientIpv4, client_.ipv6 = kClientIpv6;
    server_.reference = "app/server", server_.ipv4 = kServerIpv4, server_.ipv6 = kServerIpv6;
  }

  // Empty on success, else the first command that failed.
  std::string build() {
    clientNs_ = std::make_unique<TemporaryNetns>();
    serverNs_ = std::make_unique<TemporaryNetns>();
    if (!clientNs_->ok() || !serverNs_->ok()) return "ip netns add";
    client_.netns = clientNs_.get();
    server_.netns = serverNs_.get();
    client_.netnsPath = clientNs_->path();
    server_.netnsPath = serverNs_->path();
    // Addresses are usable at once (no duplicate address detection on these private links).
    for (const TemporaryNetns* ns : {clientNs_.get(), serverNs_.get()})
      if (auto failed = run(sysctl(*ns, "net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0"));
          !failed.empty())
        return failed;
    return topology_ == Topology::Direct ? buildDirect() : buildThroughNode();
  }

  Host& client() { return client_; }
  Host& server() { return server_; }

  loader::AttachSide attachSide() const {
    return topology_ == Topology::Direct ? loader::AttachSide::Endpoint : loader::AttachSide::Host;
  }

 private:
  static std::string sysctl(const TemporaryNetns& ns, const std::string& settings) {
    return "ip netns exec " + ns.name() + " sysctl -qw " + settings;
  }
  static std::string run(const std::string& command) { return runQuietly(command) ? "" : command; }
  static std::string runAll(const std::vector<std::string>& commands) {
    for (const std::string& command : commands)
      if (auto failed = run(command); !failed.empty()) return failed;
    return "";
  }

  // client dev (10.77.0.10/24, fd00:77::10/64) ==== server dev (.20): one L2 segment.
  std::string buildDirect() {
    link_ = std::make_unique<VethBetween>(*clientNs_, *serverNs_);
    if (!link_->ok()) return "ip link add (veth between client and server)";
    client_.device = link_->firstName(), server_.device = link_->secondName();
    client_.attachNetns = clientNs_.get(), server_.attachNetns = serverNs_.get();
    std::vector<std::string> commands;
    for (const Host* host : {&client_, &server_})
      commands.insert(commands.end(), {host->netns->ip() + "addr add " + host->ipv4 + "/24 dev " + host->device,
                                       host->netns->ip() + "addr add " + host->ipv6 + "/64 dev " + host->device + " nodad"});
    return runAll(commands);
  }

  // Each endpoint has its address alone (/32, /128) and a default route to a gateway address
  // that every host-side device of the node carries (169.254.1.1, fe80::1); the node forwards
  // by /32 and /128 routes to the host-side devices.
  std::string buildThroughNode() {
    nodeNs_ = std::make_unique<TemporaryNetns>();
    if (!nodeNs_->ok()) return "ip netns add (node)";
    if (auto failed = run(sysctl(*nodeNs_, "net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 "
                                           "net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0"));
        !failed.empty())
      return failed;
    clientLink_ = std::make_unique<VethBetween>(*nodeNs_, *clientNs_);
    serverLink_ = std::make_unique<VethBetween>(*nodeNs_, *serverNs_);
    if (!clientLink_->ok() || !serverLink_->ok()) return "ip link add (veth between node and endpoint)";
    std::vector<std::string> commands;
    for (auto [host, link] : {std::pair{&client_, clientLink_.get()}, std::pair{&server_, serverLink_.get()}}) {
      host->device = link->firstName();  // the host side, in the node
      host->attachNetns = nodeNs_.get();
      const std::string& lxc = link->firstName();
      const std::string& eth = link->secondName();
      const TemporaryNetns& ns = *host->netns;
      commands.insert(commands.end(),
                      {nodeNs_->ip() + "addr add 169.254.1.1/32 dev " + lxc,
                       nodeNs_->ip() + "addr add fe80::1/64 dev " + lxc + " nodad",
                       nodeNs_->ip() + "route add " + host->ipv4 + "/32 dev " + lxc,
                       nodeNs_->ip() + "-6 route add " + host->ipv6 + "/128 dev " + lxc,
                       ns.ip() + "addr add " + host->ipv4 + "/32 dev " + eth,
                       ns.ip() + "addr add " + host->ipv6 + "/128 dev " + eth + " nodad",
                       ns.ip() + "route add 169.254.1.1 dev " + eth + " scope link",
                       ns.ip() + "route add default via 169.254.1.1 dev " + eth,
                       ns.ip() + "-6 route add default via fe80::1 dev " + eth});
    }
    return runAll(commands);
  }

  Topology topology_;
  Host client_, server_;
  std::unique_ptr<TemporaryNetns> clientNs_, serverNs_, nodeNs_;
  std::unique_ptr<VethBetween> link_, clientLink_, serverLink_;
};

// ---- events ----------------------------------------------------------------------------------

// The node's pinned ciliumc_events ring buffer, read from this process, and the
// ciliumc_config switch that makes allow verdicts emit events too.
class EventTap {
 public:
  static Expected<std::unique_ptr<EventTap>> open(const loader::PinLayout& pins) {
    std::unique_ptr<EventTap> tap(new EventTap());
    tap->events_.reset(bpf_obj_get(pins.nodeMap("ciliumc_events").c_str()));
    tap->config_.reset(bpf_obj_get(pins.nodeMap("ciliumc_config").c_str()));
    if (!tap->events_.valid() || !tap->config_.valid()) return Error{"the node maps are not pinned"};
    tap->ring_ = ring_buffer__new(tap->events_.get(), &EventTap::onEvent, tap.get(), nullptr);
    if (!tap->ring_) return Error{"ring_buffer__new failed"};
    return tap;
  }
  ~EventTap() {
    if (ring_) ring_buffer__free(ring_);
  }

  bool emitAllowEvents() {
    uint32_t key = 0;
    ciliumc_config config{};
    config.flags = CILIUMC_CONFIG_EMIT_ALLOW_EVENTS;
    return bpf_map_update_elem(config_.get(), &key, &config, BPF_ANY) == 0;
  }
  // Every event written since the last drain.
  std::vector<ciliumc_event> drain() {
    received_.clear();
    (void)ring_buffer__consume(ring_);
    return std::move(received_);
  }

 private:
  EventTap() = default;
  static int onEvent(void* context, void* data, size_t size) {
    auto* tap = static_cast<EventTap*>(context);
    ciliumc_event event{};
    if (size >= sizeof(event)) {
      std::memcpy(&event, data, sizeof(event));
      tap->received_.push_back(event);
    }
    return 0;
  }
  UniqueFd events_, config_;
  ring_buffer* ring_ = nullptr;
  std::vector<ciliumc_event> received_;
};

std::string describeEvents(const std::vector<ciliumc_event>& events) {
  std::ostringstream out;
  for (const ciliumc_event& e : events)
    out << "\n    endpoint " << e.endpoint_id << (e.direction == CILIUMC_INGRESS ? " ingress" : " egress")
        << (e.deny ? " DROP" : " allow") << " reason " << int(e.reason) << " l4 " << int(e.l4_kind) << " "
        << e.sport << "->" << e.dport << " rule " << e.rule << " peer identity " << e.peer_identity;
  return events.empty() ? " (none)" : out.str();
}

// ---- the fixture -----------------------------------------------------------------------------------

class BpfTrafficTest : public ::testing::TestWithParam<Topology> {
 protected:
  void SetUp() override {
    CILIUMC_REQUIRE_BPF_OR_SKIP();
    auto compiled = compilePolicy(std::string(kClientPolicy) + serverPolicy(kOpenTcp));
    ASSERT_TRUE(compiled.ok()) << compiled.error().message;
    policy_ = std::make_unique<CompiledPolicy>(std::move(*compiled));
    ASSERT_TRUE(bpffs_.ok()) << bpffs_.error();
    network_ = std::make_unique<Network>(GetParam());
    std::string failed = network_->build();
    ASSERT_EQ(failed, "") << "building the topology failed at: " << failed;
    client().endpointId = policy_->endpointId(client().reference);
    server().endpointId = policy_->endpointId(server().reference);
    ASSERT_NE(client().endpointId, 0u);
    ASSERT_NE(server().endpointId, 0u);
    ASSERT_TRUE(deploy(*policy_));
    auto tap = EventTap::open(pins());
    ASSERT_TRUE(tap.ok()) << tap.error().message;
    tap_ = std::move(*tap);
    ASSERT_TRUE(tap_->emitAllowEvents());
  }

  Host& client() { return network_->client(); }
  Host& server() { return network_->server(); }
  loader::PinLayout pins() const { return loader::PinLayout(bpffs_.path()); }

  // Hosts grouped by the namespace their device is in: one deployPlan / undeploy per namespace
  // (ifindexes and tc are per namespace), as `ciliumc load --netns` does.
  std::map<const TemporaryNetns*, std::vector<const Host*>> hostsByAttachNamespace() {
    std::map<const TemporaryNetns*, std::vector<const Host*>> groups;
    for (const Host* host : {&client(), &server()}) groups[host->attachNetns].push_back(host);
    return groups;
  }

  ::testing::AssertionResult deploy(const CompiledPolicy& policy) {
    for (const auto& [netns, hosts] : hostsByAttachNamespace()) {
      auto scope = loader::NetnsScope::enter(netns->path());
      if (!scope) return ::testing::AssertionFailure() << scope.error().message;
      loader::DeployOptions options;
      options.bpffs = bpffs_.path();
      for (const Host* host : hosts) {
        auto ifindex = loader::interfaceIndex(host->device);
        if (!ifindex) return ::testing::AssertionFailure() << ifindex.error().message;
        options.endpoints.push_back(host->endpointId);
        options.attachments.push_back(loader::DeviceAttachment{host->endpointId, *ifindex, network_->attachSide()});
      }
      auto report = loader::deployPlan(policy.plan(), policy.source(), options);
      if (!report) return ::testing::AssertionFailure() << "deployPlan: " << report.error().message;
      if (report->attached != hosts.size())
        return ::testing::AssertionFailure() << "attached " << report->attached << " of " << hosts.size();
    }
    return ::testing::AssertionSuccess();
  }

  // Program ids attached to a host's device, by hook.
  std::map<loader::TcHook, uint32_t> attachedPrograms(const Host& host) {
    std::map<loader::TcHook, uint32_t> ids;
    auto scope = loader::NetnsScope::enter(host.attachNetns->path());
    if (!scope) return ids;
    auto ifindex = loader::interfaceIndex(host.device);
    if (!ifindex) return ids;
    auto attachments = loader::queryAttachments(*ifindex);
    if (attachments)
      for (const loader::TcAttachment& attachment : *attachments) ids[attachment.hook] = attachment.programId;
    return ids;
  }

  Flow flow(FlowKind kind, int family, const Host& from, const Host& to, uint16_t port = 0) {
    return Flow{kind, family, &from, &to, port};
  }

  // The flow delivers, and each default-deny side passed its reply as a tracked connection's:
  // a REPLY event from the sender's ingress and from the receiver's egress.
  void expectDelivered(const Flow& flow) {
    SCOPED_TRACE(flow.describe());
    tap_->drain();
    FlowOutcome outcome = runFlow(flow, kDeliverWait);
    std::vector<ciliumc_event> events = tap_->drain();
    EXPECT_TRUE(outcome.delivered) << "stopped: " << outcome.stage << " after " << outcome.milliseconds
                                   << " ms; events:" << describeEvents(events);
    for (const ciliumc_event& event : events)
      EXPECT_FALSE(event.deny && flow.owns(event)) << "a drop of an allowed flow's packet:" << describeEvents(events);
    auto sawReplyAt = [&](const Host& host, uint8_t direction) {
      for (const ciliumc_event& event : events)
        if (event.endpoint_id == host.endpointId && event.direction == direction && !event.deny &&
            event.reason == CILIUMC_REASON_REPLY && flow.owns(event) &&
            (flow.kind == FlowKind::Echo ? event.dport == flow.echoReplyType() : event.sport == flow.port))
          return true;
      return false;
    };
    EXPECT_TRUE(sawReplyAt(static_cast<const Host&>(*flow.to), CILIUMC_EGRESS)) << "receiver's egress: no REPLY event" << describeEvents(events);
    EXPECT_TRUE(sawReplyAt(static_cast<const Host&>(*flow.from), CILIUMC_INGRESS)) << "sender's ingress: no REPLY event" << describeEvents(events);
  }

  // The flow gets no answer within kBlockedWait, and its first packet was dropped by `where`'s
  // `direction` program.
  void expectBlockedBy(const Flow& flow, const Host& where, uint8_t direction) {
    SCOPED_TRACE(flow.describe());
    tap_->drain();
    FlowOutcome outcome = runFlow(flow, kBlockedWait);
    std::vector<ciliumc_event> events = tap_->drain();
    EXPECT_FALSE(outcome.delivered) << "a denied flow was delivered; events:" << describeEvents(events);
    bool dropped = false;
    for (const ciliumc_event& event : events)
      dropped |= event.deny && event.endpoint_id == where.endpointId && event.direction == direction &&
                 flow.owns(event) && event.dport == flow.firstPacketDport() && event.reason == CILIUMC_REASON_DEFAULT_DENY;
    EXPECT_TRUE(dropped) << "no DEFAULT_DENY drop from " << where.reference
                         << (direction == CILIUMC_INGRESS ? " ingress" : " egress") << "; events:" << describeEvents(events);
  }

  // The flow gets through with no program in the way (after unload).
  void expectOpen(const Flow& flow) {
    SCOPED_TRACE(flow.describe());
    FlowOutcome outcome = runFlow(flow, kDeliverWait);
    EXPECT_TRUE(outcome.delivered) << "stopped: " << outcome.stage;
  }

  testing::PrivateBpffs bpffs_;  // first: unmounted last, after the devices are gone
  std::unique_ptr<CompiledPolicy> policy_;
  std::unique_ptr<Network> network_;
  std::unique_ptr<EventTap> tap_;
};

TEST_P(BpfTrafficTest, AllowedFlowsDeliverAndTheirRepliesPassDefaultDenyAsTrackedConnections) {
  for (int family : {AF_INET, AF_INET6}) {
    expectDelivered(flow(FlowKind::Tcp, family, client(), server(), kOpenTcp));
    expectDelivered(flow(FlowKind::Udp, family, client(), server(), kOpenUdp));
    expectDelivered(flow(FlowKind::Echo, family, client(), server()));
  }
}

TEST_P(BpfTrafficTest, DeniedFlowsAreDroppedByTheSideWhosePolicyDeniesThem) {
  for (int family : {AF_INET, AF_INET6}) {
    // The client's egress policy.
    expectBlockedBy(flow(FlowKind::Tcp, family, client(), server(), kClientClosedTcp), client(), CILIUMC_EGRESS);
    expectBlockedBy(flow(FlowKind::Udp, family, client(), server(), kClientClosedUdp), client(), CILIUMC_EGRESS);
    // The server's ingress policy (the client's egress allows these).
    expectBlockedBy(flow(FlowKind::Tcp, family, client(), server(), kServerClosedTcp), server(), CILIUMC_INGRESS);
    expectBlockedBy(flow(FlowKind::Udp, family, client(), server(), kServerClosedUdp), server(), CILIUMC_INGRESS);
    // The server's egress policy: it may not open what the client may.
    expectBlockedBy(flow(FlowKind::Tcp, family, server(), client(), kOpenTcp), server(), CILIUMC_EGRESS);
    expectBlockedBy(flow(FlowKind::Echo, family, server(), client()), server(), CILIUMC_EGRESS);
    // The client's default-deny ingress (the server's egress allows this one).
    expectBlockedBy(flow(FlowKind::Tcp, family, server(), client(), kToClientTcp), client(), CILIUMC_INGRESS);
  }
}

TEST_P(BpfTrafficTest, DeployingAChangedPolicyOverTheRunningOneSwitchesVerdicts) {
  expectDelivered(flow(FlowKind::Tcp, AF_INET, client(), server(), kOpenTcp));
  expectBlockedBy(flow(FlowKind::Tcp, AF_INET, client(), server(), kServerClosedTcp), server(), CILIUMC_INGRESS);
  auto before = attachedPrograms(server());
  ASSERT_EQ(before.size(), 2u);

  auto changed = compilePolicy(std::string(kClientPolicy) + serverPolicy(kServerClosedTcp));
  ASSERT_TRUE(changed.ok()) << changed.error().message;
  ASSERT_TRUE(deploy(*changed));
  auto after = attachedPrograms(server());
  ASSERT_EQ(after.size(), 2u) << "replaced in place: still one filter per hook";
  for (auto [hook, id] : after) EXPECT_NE(id, before[hook]) << "a new program runs on each hook";

  for (int family : {AF_INET, AF_INET6}) {
    expectDelivered(flow(FlowKind::Tcp, family, client(), server(), kServerClosedTcp));
    expectBlockedBy(flow(FlowKind::Tcp, family, client(), server(), kOpenTcp), server(), CILIUMC_INGRESS);
    // What did not change keeps working.
    expectDelivered(flow(FlowKind::Udp, family, client(), server(), kOpenUdp));
  }
}

TEST_P(BpfTrafficTest, UnloadingDetachesEverythingAndDeniedFlowsWorkAgain) {
  std::vector<Flow> denied = {flow(FlowKind::Tcp, AF_INET, client(), server(), kClientClosedTcp),
                              flow(FlowKind::Tcp, AF_INET6, client(), server(), kServerClosedTcp),
                              flow(FlowKind::Udp, AF_INET, client(), server(), kClientClosedUdp),
                              flow(FlowKind::Echo, AF_INET, server(), client()),
                              flow(FlowKind::Echo, AF_INET6, server(), client())};
  for (const Flow& f : denied) EXPECT_FALSE(runFlow(f, kBlockedWait).delivered) << f.describe();

  size_t detached = 0;
  bool removedNode = false;
  for (const auto& [netns, hosts] : hostsByAttachNamespace()) {
    auto scope = loader::NetnsScope::enter(netns->path());
    ASSERT_TRUE(scope.ok()) << scope.error().message;
    std::vector<uint32_t> ids;
    for (const Host* host : hosts) ids.push_back(host->endpointId);
    auto report = loader::undeployEndpoints(pins(), ids);
    ASSERT_TRUE(report.ok()) << report.error().message;
    detached += report->detachedFrom.size();
    removedNode = report->removedNode;
  }
  EXPECT_EQ(detached, 4u) << "two hooks on each endpoint's device";
  EXPECT_TRUE(removedNode) << "no endpoint left: node maps unpinned";
  EXPECT_FALSE(std::filesystem::exists(pins().root()));
  EXPECT_TRUE(attachedPrograms(client()).empty());
  EXPECT_TRUE(attachedPrograms(server()).empty());

  for (const Flow& f : denied) expectOpen(f);
}

INSTANTIATE_TEST_SUITE_P(Topologies, BpfTrafficTest, ::testing::Values(Topology::Direct, Topology::ThroughNode),
                         topologyName);

}  // namespace
}  // namespace ciliumc
