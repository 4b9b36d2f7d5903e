// `ciliumc load` / `unload` building blocks: a compiled plan deployed into a private bpffs with
// one endpoint attached to a veth in a temporary namespace, then removed again.
#include <gtest/gtest.h>
#include <bpf/bpf.h>
#include <sys/stat.h>

#include <set>

#include "backend_bpf/codegen.h"
#include "loader/deployment.h"
#include "loader/endpoint_pins.h"
#include "loader/netns_scope.h"
#include "passes/pass_manager.h"
#include "test/support/netns.h"
#include "test/support/random_policy.h"
#include "test/unit/ir_builders.h"
#include "test/unit/loader_test_support.h"
#include "test/unit/privileged.h"

namespace ciliumc::loader {
namespace {

using namespace ciliumc::testing;

bool exists(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0;
}

// The sample inventory under one ingress rule for web, planned, with a code generator.
class WebPolicyDeployment : public ::testing::Test {
 protected:
  void SetUp() override {
    CILIUMC_REQUIRE_BPF_OR_SKIP();
    auto planned = runPasses(world.ir, world.inventory);
    ASSERT_TRUE(planned.ok()) << planned.error().message;
    plan = std::move(planned->plan);
    auto created = BpfCodegen::create();
    ASSERT_TRUE(created.ok()) << created.error().message;
    codegen = std::move(*created);
    source = [this](uint32_t shape) { return codegen->compileShape(plan.shapes[shape]); };
  }

  World world{sampleInventory(),
              {RuleBuilder("web-in", sel({"app=web"}), "x")
                   .ingress(allow(std::vector<Peer>{selPeer({"app=client"})}, ports({"tcp/80"}), 10))}};
  CompilePlan plan;
  std::unique_ptr<BpfCodegen> codegen;
  ShapeObjectSource source;
};

TEST_F(WebPolicyDeployment, DeployPinsAndAttachesThenUndeployRemovesEverything) {

  PrivateBpffs bpffs;
  ASSERT_TRUE(bpffs.ok()) << bpffs.error();
  TemporaryNetns netns;
  ASSERT_TRUE(netns.ok());
  VethPair veth(netns);
  ASSERT_TRUE(veth.ok());
  auto scope = NetnsScope::enter(netns.path());
  ASSERT_TRUE(scope.ok()) << scope.error().message;
  auto ifindex = interfaceIndex(veth.first());
  ASSERT_TRUE(ifindex.ok());

  DeployOptions options;
  options.bpffs = bpffs.path();
  options.attachments = {DeviceAttachment{plan.endpoints[0].endpointId, *ifindex, AttachSide::Host}};
  auto deployed = deployPlan(plan, source, options);
  ASSERT_TRUE(deployed.ok()) << deployed.error().message;
  EXPECT_EQ(deployed->loads.size(), plan.endpoints.size());
  EXPECT_EQ(deployed->attached, 1u);
  EXPECT_EQ(deployed->shapeFills.size(), plan.shapes.size());
  PinLayout pins(bpffs.path());
  EXPECT_EQ(pins.pinnedEndpoints().size(), plan.endpoints.size());
  EXPECT_EQ(pins.pinnedShapes().size(), plan.shapes.size());
  EXPECT_TRUE(exists(pins.nodeMap("ciliumc_ipcache")));

  auto pinned = openPinnedEndpoint(pins, plan.endpoints[0].endpointId);
  ASSERT_TRUE(pinned.ok());
  auto egressId = programStats(pinned->egress.get());
  ASSERT_TRUE(egressId.ok());
  auto attachments = queryAttachments(*ifindex);
  ASSERT_TRUE(attachments.ok());
  ASSERT_EQ(attachments->size(), 2u);
  bool sawEgressOnTcIngress = false;
  for (const TcAttachment& attachment : *attachments)
    if (attachment.hook == TcHook::Ingress && attachment.programId == egressId->id) sawEgressOnTcIngress = true;
  EXPECT_TRUE(sawEgressOnTcIngress) << "the enforcing programs are the pinned ones";

  // Deploying again (same plan) reuses the pinned maps and replaces programs in place.
  auto again = deployPlan(plan, source, options);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_TRUE(again->removedShapes.empty());
  attachments = queryAttachments(*ifindex);
  ASSERT_TRUE(attachments.ok());
  EXPECT_EQ(attachments->size(), 2u);

  // Unload one endpoint that is not attached, then everything.
  auto one = undeployEndpoints(pins, {plan.endpoints.back().endpointId});
  ASSERT_TRUE(one.ok()) << one.error().message;
  EXPECT_EQ(one->endpoints.size(), 1u);
  EXPECT_FALSE(one->removedNode);
  // Without a list, only what is attached in this namespace goes; unattached pins stay.
  size_t pinnedBefore = pins.pinnedEndpoints().size();
  auto attachedHere = undeployEndpoints(pins);
  ASSERT_TRUE(attachedHere.ok()) << attachedHere.error().message;
  EXPECT_EQ(attachedHere->detachedFrom.size(), 2u) << "both hooks of the veth";
  EXPECT_EQ(attachedHere->endpoints.size(), 1u) << "only the attached endpoint";
  EXPECT_EQ(pins.pinnedEndpoints().size(), pinnedBefore - 1);
  auto all = undeployEndpoints(pins, {}, /*allPinned=*/true);
  ASSERT_TRUE(all.ok()) << all.error().message;
  EXPECT_TRUE(all->removedNode);
  EXPECT_FALSE(exists(pins.root()));
  attachments = queryAttachments(*ifindex);
  ASSERT_TRUE(attachments.ok());
  EXPECT_TRUE(attachments->empty());
}

// Kernel ids of the maps a program uses.
std::set<uint32_t> mapIdsOf(int programFd) {
  uint32_t ids[64] = {};
  bpf_prog_info info{};
  info.nr_map_ids = 64;
  info.map_ids = reinterpret_cast<uint64_t>(ids);
  uint32_t length = sizeof(info);
  if (bpf_obj_get_info_by_fd(programFd, &info, &length) != 0) return {};
  return std::set<uint32_t>(ids, ids + std::min<uint32_t>(info.nr_map_ids, 64));
}

uint32_t pinnedMapId(const std::string& path) {
  int fd = bpf_obj_get(path.c_str());
  if (fd < 0) return 0;
  bpf_map_info info{};
  uint32_t length = sizeof(info);
  uint32_t id = bpf_obj_get_info_by_fd(fd, &info, &length) == 0 ? info.id : 0;
  ::close(fd);
  return id;
}

// Loading on several threads deploys every endpoint, and every endpoint's programs use the
// node maps and its own shape's maps — the ones the first object of the shape created and
// filled — exactly as a one-thread deployment does.
TEST(LoaderDeploymentTest, ParallelLoadingSharesTheMapsLikeSequentialLoading) {
  CILIUMC_REQUIRE_BPF_OR_SKIP();
  GeneratorOptions generator;
  generator.endpoints = 40;
  generator.maxPolicies = 8;
  // The first generated scenario with several shapes (deterministic).
  RandomScenario scenario;
  PolicyIR ir;
  std::optional<CompilePlan> found;
  for (uint64_t seed = 1; seed <= 50 && !found; ++seed) {
    scenario = generateScenario(seed, generator);
    ir = resolvePolicy(scenario.policies, scenario.inventory, {});
    auto planned = runPasses(ir, scenario.inventory);
    ASSERT_TRUE(planned.ok()) << planned.error().message;
    if (planned->plan.shapes.size() >= 4) found = std::move(planned->plan);
  }
  ASSERT_TRUE(found) << "no scenario with several shapes";
  const CompilePlan& plan = *found;
  auto codegen = BpfCodegen::create();
  ASSERT_TRUE(codegen.ok()) << codegen.error().message;
  auto object = (*codegen)->compilePlan(plan);
  ASSERT_TRUE(object.ok()) << object.error().message;
  ShapeObjectSource source = [&](uint32_t) -> Expected<std::vector<uint8_t>> { return *object; };

  std::vector<uint32_t> recordOrder;
  for (unsigned threads : {4u, 1u}) {
    SCOPED_TRACE(::testing::Message() << threads << " load threads");
    PrivateBpffs bpffs;
    ASSERT_TRUE(bpffs.ok()) << bpffs.error();
    DeployOptions options;
    options.bpffs = bpffs.path();
    options.loadThreads = threads;
    auto deployed = deployPlan(plan, source, options);
    ASSERT_TRUE(deployed.ok()) << deployed.error().message;
    ASSERT_EQ(deployed->loads.size(), plan.endpoints.size());
    std::vector<uint32_t> order;
    for (const EndpointLoadRecord& record : deployed->loads) order.push_back(record.endpointId);
    if (recordOrder.empty()) recordOrder = order;
    EXPECT_EQ(order, recordOrder) << "the records' order does not depend on the thread count";
    std::set<uint32_t> loadedIds(order.begin(), order.end());
    EXPECT_EQ(loadedIds.size(), plan.endpoints.size());
    EXPECT_EQ(deployed->shapeFills.size(), plan.shapes.size());
    PinLayout pins(bpffs.path());
    ASSERT_EQ(pins.pinnedEndpoints().size(), plan.endpoints.size());
    uint32_t ipcache = pinnedMapId(pins.nodeMap("ciliumc_ipcache"));
    ASSERT_NE(ipcache, 0u);
    for (const EndpointPlan& endpoint : plan.endpoints) {
      const std::string& shape = plan.shapes[endpoint.shape].key;
      uint32_t verdicts = pinnedMapId(pins.shapeMap(shape, "ciliumc_verdict"));
      ASSERT_NE(verdicts, 0u) << shape;
      auto programs = openPinnedEndpoint(pins, endpoint.endpointId);
      ASSERT_TRUE(programs.ok()) << programs.error().message;
      std::set<uint32_t> used = mapIdsOf(programs->ingress.get());
      used.merge(mapIdsOf(programs->egress.get()));
      EXPECT_TRUE(used.count(ipcache)) << "endpoint " << endpoint.endpointId << " has its own ipcache";
      EXPECT_TRUE(used.count(verdicts)) << "endpoint " << endpoint.endpointId << " does not use the maps of shape "
                                        << shape;
    }
    auto removed = undeployEndpoints(pins, {}, /*allPinned=*/true);
    ASSERT_TRUE(removed.ok()) << removed.error().message;
  }
}

// Adding an endpoint to a deployed plan with fillSharedMaps = false writes nothing into the
// shared maps (an ipcache entry deleted behind its back stays deleted) yet the endpoint uses
// them; a default deployment fills them again.
TEST_F(WebPolicyDeployment, AddingAnEndpointWithoutFillsLeavesTheSharedMapsAlone) {
  ASSERT_GE(plan.endpoints.size(), 2u);
  ASSERT_FALSE(plan.ipcache.empty());
  PrivateBpffs bpffs;
  ASSERT_TRUE(bpffs.ok()) << bpffs.error();
  PinLayout pins(bpffs.path());

  DeployOptions all;
  all.bpffs = bpffs.path();
  all.endpoints = {plan.endpoints[1].endpointId};
  ASSERT_TRUE(deployPlan(plan, source, all).ok());
  UniqueFd ipcache(bpf_obj_get(pins.nodeMap("ciliumc_ipcache").c_str()));
  ASSERT_TRUE(ipcache.valid());
  ciliumc_ipcache_key key = ipcacheKeyOf(plan.ipcache.front().ip);
  ASSERT_EQ(bpf_map_delete_elem(ipcache.get(), &key), 0);

  DeployOptions adding;
  adding.bpffs = bpffs.path();
  adding.endpoints = {plan.endpoints[0].endpointId};
  adding.fillSharedMaps = false;
  adding.sweepUnusedShapes = false;
  auto added = deployPlan(plan, source, adding);
  ASSERT_TRUE(added.ok()) << added.error().message;
  EXPECT_EQ(added->loads.size(), 1u);
  EXPECT_TRUE(added->shapeFills.empty());
  ciliumc_ipcache_value value{};
  EXPECT_NE(bpf_map_lookup_elem(ipcache.get(), &key, &value), 0) << "the ipcache was written";
  auto programs = openPinnedEndpoint(pins, plan.endpoints[0].endpointId);
  ASSERT_TRUE(programs.ok()) << programs.error().message;
  std::set<uint32_t> used = mapIdsOf(programs->ingress.get());
  EXPECT_TRUE(used.count(pinnedMapId(pins.nodeMap("ciliumc_ipcache")))) << "the endpoint has its own ipcache";

  all.endpoints = {};
  ASSERT_TRUE(deployPlan(plan, source, all).ok());
  EXPECT_EQ(bpf_map_lookup_elem(ipcache.get(), &key, &value), 0) << "a default deployment fills the ipcache";
  ASSERT_TRUE(undeployEndpoints(pins, {}, /*allPinned=*/true).ok());
}

TEST(LoaderDeploymentTest, RefusesAPathThatIsNotBpffs) {
  CILIUMC_REQUIRE_BPF_OR_SKIP();
  CompilePlan plan;
  DeployOptions options;
  options.bpffs = "/tmp";
  auto deployed = deployPlan(plan, nullptr, options);
  ASSERT_FALSE(deployed.ok());
  EXPECT_NE(deployed.error().message.find("not a bpffs"), std::string::npos);
}

}  // namespace
}  // namespace ciliumc::loader
