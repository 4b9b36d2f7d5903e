// ciliumc_port_table in the kernel: a plan with many port ranges classifies ports through one
// plan-wide table that the loader fills once and shares between every endpoint object (and pins
// under ports-<hash>, removed with the last endpoint); verdicts still equal the evaluator's, and
// the verifier's work no longer grows with the number of ranges.
#include <bpf/bpf.h>
#include <gtest/gtest.h>

#include <set>

#include "backend_bpf/codegen.h"
#include "backend_bpf/plan_partition.h"
#include "loader/datapath_evaluator.h"
#include "loader/deployment.h"
#include "loader/endpoint_pins.h"
#include "loader/object_layout.h"
#include "passes/pass_manager.h"
#include "test/unit/backend_shapes.h"
#include "test/unit/ir_builders.h"
#include "test/unit/loader_test_support.h"
#include "test/unit/privileged.h"

namespace ciliumc::loader {
namespace {

using namespace ciliumc::testing;

constexpr uint16_t kManyPortsFirst = 2000;
constexpr uint16_t kManyPortsStep = 7;
constexpr int kManyPorts = 40;  // 81 ingress ranges for x/web: above the default threshold of 64

L4Match manyTcpPorts() {
  L4Match l4;
  for (int i = 0; i < kManyPorts; ++i) {
    auto spec = parsePortSpec("tcp/" + std::to_string(kManyPortsFirst + kManyPortsStep * i));
    l4.ports.push_back(*spec->ports);
  }
  return l4;
}

std::vector<PolicyRule> manyPortRules() {
  return {RuleBuilder("web-in", sel({"app=web"}), "x")
              .ingress(allow(std::vector<Peer>{selPeer({"app=client"})}, manyTcpPorts(), 10))
              .ingress(deny(std::vector<Peer>{cidrPeer("192.0.2.0/24")}, ports({"tcp/2007"}), 11)),
          RuleBuilder("client-out", sel({"app=client"}), "x")
              .egress(allow(std::vector<Peer>{selPeer({"app=web"})}, ports({"tcp/80", "tcp/2014"}), 20))};
}

ShapeObjectSource sourceFor(BpfCodegen& codegen, const CompilePlan& plan) { return planObjectSource(codegen, plan); }

Probe tcpProbe(const World& world, const char* from, const char* to, uint16_t port) {
  Probe probe{world.party(from), world.party(to)};
  probe.protocol = Protocol::TCP;
  probe.port = port;
  return probe;
}

TEST(LoaderPortTableTest, ManyPortsShareOneFilledTableAndAgreeWithTheEvaluator) {
  CILIUMC_REQUIRE_BPF_OR_SKIP();
  World world(sampleInventory(), manyPortRules());
  auto planned = runPasses(world.ir, world.inventory);
  ASSERT_TRUE(planned.ok()) << planned.error().message;
  const CompilePlan& plan = planned->plan;
  auto lowering = lowerPlan(plan.shapes);
  ASSERT_TRUE(lowering.ok()) << lowering.error().message;
  ASSERT_TRUE(lowering->directions[0].portTable) << lowering->directions[0].ranges << " ingress ranges";
  auto codegen = BpfCodegen::create();
  ASSERT_TRUE(codegen.ok()) << codegen.error().message;
  auto datapath = DatapathEvaluator::create(plan, sourceFor(**codegen, plan));
  ASSERT_TRUE(datapath.ok()) << datapath.error().message;

  std::vector<uint16_t> probePorts{1, 22, 80, 1999, 2013, 2014, 2015, 2300, 65535};
  for (int i = 0; i < kManyPorts; i += 3) probePorts.push_back(uint16_t(kManyPortsFirst + kManyPortsStep * i));
  int allowedByRule = 0;
  for (const char* from : {"x/client", "ext-a", "vm"})
    for (uint16_t port : probePorts) {
      Probe probe = tcpProbe(world, from, "x/web", port);
      SCOPED_TRACE(std::string(from) + " -> x/web tcp/" + std::to_string(port));
      auto actual = (*datapath)->evaluate(probe);
      ASSERT_TRUE(actual.ok()) << actual.error().message;
      EXPECT_EQ(compareWithEvaluator(evaluateFlow(world.ir, probe), *actual, plan.rules), "")
          << describe(*actual, plan.rules);
      if (actual->ingress.reason == DatapathReason::AllowedByRule) ++allowedByRule;
    }
  EXPECT_GE(allowedByRule, kManyPorts / 3) << "the probes hit the many allowed ports";

  // One table for the whole plan, filled by the first load only.
  PlanLoader& loader = (*datapath)->loader();
  std::set<uint32_t> tableIds;
  for (size_t i = 0; i < plan.endpoints.size(); ++i) {
    auto object = loader.endpoint(i);
    ASSERT_TRUE(object.ok()) << object.error().message;
    int fd = (*object)->mapFd(kPortTableMap);
    ASSERT_GE(fd, 0) << "endpoint " << i;
    tableIds.insert(*mapId(fd));
  }
  EXPECT_EQ(tableIds.size(), 1u);
  int fills = 0;
  for (const EndpointLoadRecord& record : loader.records()) {
    if (record.stats.portTableFillMs > 0) ++fills;
    std::printf("endpoint %u: load %.2f ms, port table fill %.2f ms\n", record.endpointId, record.stats.loadMs,
                record.stats.portTableFillMs);
  }
  EXPECT_EQ(fills, 1);
  EXPECT_LT(loader.records().front().stats.portTableFillMs, 100.0) << "fill target";
}

// The programs of a table-classified shape verify in the same number of instructions whatever
// the number of ranges (a compare tree's grows with it).
TEST(LoaderPortTableTest, VerifierWorkDoesNotGrowWithTheRanges) {
  CILIUMC_REQUIRE_BPF_OR_SKIP();
  auto codegen = BpfCodegen::create();
  ASSERT_TRUE(codegen.ok()) << codegen.error().message;
  std::vector<uint32_t> verified[2];
  for (uint32_t ranges : {100u, 5000u}) {
    DirectionSpec ingress = tcpRanges(ranges, 5);
    ingress.enforced = true;
    ingress.rows = 2;
    ShapePlan shape = makeShape(ingress, tcpRanges(ranges, 3), 4, 0, "many" + std::to_string(ranges));
    auto object = (*codegen)->compileShape(shape);
    ASSERT_TRUE(object.ok()) << object.error().message;
    LoadRequest request;
    request.elf = *object;
    request.objectName = "ciliumc_pt";
    auto lowering = lowerShape(shape);
    ASSERT_TRUE(lowering.ok()) << lowering.error().message;
    ciliumc_endpoint_config config{};
    config.shape = shapeConfigOf(*lowering);
    request.endpoint = config;
    request.mapSizes = shapeMapSizes(shape);
    auto loaded = loadObject(request);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    EXPECT_GE(loaded->mapFd(kPortTableMap), 0);
    EXPECT_GT(loaded->stats().portTableFillMs, 0.0) << "a private table is filled too";
    for (const ProgramStats& program : loaded->stats().programs) {
      verified[ranges == 100 ? 0 : 1].push_back(program.verifiedInsns);
      std::printf("%u ranges: %s verified %u insns\n", ranges, program.name.c_str(), program.verifiedInsns);
    }
  }
  ASSERT_EQ(verified[0].size(), 2u);
  EXPECT_EQ(verified[0], verified[1]);
}

TEST(LoaderPortTableTest, PinnedTableIsSharedAndRemovedWithTheLastEndpoint) {
  CILIUMC_REQUIRE_BPF_OR_SKIP();
  World world(sampleInventory(), manyPortRules());
  auto planned = runPasses(world.ir, world.inventory);
  ASSERT_TRUE(planned.ok()) << planned.error().message;
  const CompilePlan& plan = planned->plan;
  auto codegen = BpfCodegen::create();
  ASSERT_TRUE(codegen.ok()) << codegen.error().message;
  PrivateBpffs bpffs;
  ASSERT_TRUE(bpffs.ok()) << bpffs.error();
  DeployOptions options;
  options.bpffs = bpffs.path();
  auto deployed = deployPlan(plan, sourceFor(**codegen, plan), options);
  ASSERT_TRUE(deployed.ok()) << deployed.error().message;
  PinLayout pins(bpffs.path());
  ASSERT_EQ(pins.pinnedPortTables().size(), 1u);
  int fills = 0;
  for (const EndpointLoadRecord& record : deployed->loads) fills += record.stats.portTableFillMs > 0;
  EXPECT_EQ(fills, 1);
  UniqueFd pinned(bpf_obj_get(pins.portsMap(pins.pinnedPortTables()[0], kPortTableMap).c_str()));
  ASSERT_TRUE(pinned.valid());
  uint32_t tableId = *mapId(pinned.get());
  for (uint32_t endpoint : pins.pinnedEndpoints()) {
    auto programs = openPinnedEndpoint(pins, endpoint);
    ASSERT_TRUE(programs.ok());
    auto ids = programMapIds(programs->ingress.get());
    ASSERT_TRUE(ids.ok());
    EXPECT_NE(std::find(ids->begin(), ids->end(), tableId), ids->end()) << "endpoint " << endpoint;
  }
  // A second deployment (a new process would do the same) reuses the pinned, complete table.
  auto again = deployPlan(plan, sourceFor(**codegen, plan), options);
  ASSERT_TRUE(again.ok()) << again.error().message;
  for (const EndpointLoadRecord& record : again->loads) EXPECT_EQ(record.stats.portTableFillMs, 0.0);
  EXPECT_EQ(pins.pinnedPortTables().size(), 1u);

  auto some = undeployEndpoints(pins, {plan.endpoints.front().endpointId});
  ASSERT_TRUE(some.ok()) << some.error().message;
  EXPECT_EQ(pins.pinnedPortTables().size(), 1u) << "other endpoints still use it";
  auto all = undeployEndpoints(pins, {}, /*allPinned=*/true);
  ASSERT_TRUE(all.ok()) << all.error().message;
  EXPECT_TRUE(pins.pinnedPortTables().empty());
}

}  // namespace
}  // namespace ciliumc::loader
