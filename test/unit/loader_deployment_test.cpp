// `ciliumc load` / `unload` building blocks: a compiled plan deployed into a private bpffs with
// one endpoint attached to a veth in a temporary namespace, then removed again.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "backend_bpf/codegen.h"
#include "loader/deployment.h"
#include "loader/endpoint_pins.h"
#include "loader/netns_scope.h"
#include "passes/pass_manager.h"
#include "test/support/netns.h"
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

TEST(LoaderDeploymentTest, DeployPinsAndAttachesThenUndeployRemovesEverything) {
  CILIUMC_REQUIRE_BPF_OR_SKIP();
  World world(sampleInventory(),
              {RuleBuilder("web-in", sel({"app=web"}), "x")
                   .ingress(allow(std::vector<Peer>{selPeer({"app=client"})}, ports({"tcp/80"}), 10))});
  auto planned = runPasses(world.ir, world.inventory);
  ASSERT_TRUE(planned.ok()) << planned.error().message;
  const CompilePlan& plan = planned->plan;
  auto codegen = BpfCodegen::create();
  ASSERT_TRUE(codegen.ok()) << codegen.error().message;
  ShapeObjectSource source = [&](uint32_t shape) { return (*codegen)->compileShape(plan.shapes[shape]); };

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
