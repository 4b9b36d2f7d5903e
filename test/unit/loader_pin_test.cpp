// Pinning under bpffs: shared maps and endpoint programs outlive the loading process and are
// adopted by the next one; unpinning and garbage collection of unused shapes.
#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "loader/endpoint_pins.h"
#include "loader/loaded_object.h"
#include "loader/map_fill.h"
#include "loader/object_layout.h"
#include "loader/packet_builder.h"
#include "loader/probe_runner.h"
#include "test/unit/loader_test_support.h"
#include "test/unit/privileged.h"

namespace ciliumc::loader {
namespace {

using ciliumc::testing::fixtureObject;
using ciliumc::testing::fixtureShape;
using ciliumc::testing::ip;
using ciliumc::testing::kRuntimeFixture;
using ciliumc::testing::PrivateBpffs;

bool exists(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0;
}

Expected<LoadedObject> loadEndpoint(SharedMaps& maps, const std::string& shapeKey, uint32_t endpointId) {
  const auto& elf = fixtureObject(kRuntimeFixture);
  if (!elf) return elf.error();
  LoadRequest request;
  request.elf = *elf;
  request.sharedMaps = &maps;
  request.shapeKey = shapeKey;
  ciliumc_endpoint_config config = testing::fixtureConfig();
  config.endpoint_id = endpointId;
  config.identity = 1000;
  request.endpoint = config;
  return loadObject(request);
}

TEST(LoaderPinLayoutTest, PathsAndShapeKeys) {
  PinLayout pins("/sys/fs/bpf/");
  EXPECT_EQ(pins.root(), "/sys/fs/bpf/ciliumc");
  EXPECT_EQ(pins.nodeMap("ciliumc_ct"), "/sys/fs/bpf/ciliumc/node/ciliumc_ct");
  EXPECT_EQ(pins.shapeMap("ab12", "ciliumc_verdict"), "/sys/fs/bpf/ciliumc/shape-ab12/ciliumc_verdict");
  EXPECT_EQ(pins.endpointProgram(7, Direction::Egress), "/sys/fs/bpf/ciliumc/endpoint-7/egress");
  EXPECT_TRUE(isValidShapeKey("0123abcdef"));
  EXPECT_FALSE(isValidShapeKey("../etc"));
  EXPECT_FALSE(isValidShapeKey(".."));
  EXPECT_FALSE(isValidShapeKey(""));
  EXPECT_FALSE(isValidShapeKey("a/b"));
}

TEST(LoaderPinTest, PinnedStateSurvivesTheLoaderAndIsAdopted) {
  CILIUMC_REQUIRE_BPF_OR_SKIP();
  PrivateBpffs bpffs;
  ASSERT_TRUE(bpffs.ok()) << bpffs.error();
  PinLayout pins(bpffs.path());
  uint32_t verdictMapId = 0, ingressProgramId = 0;
  {
    // The first "process": load endpoint 1, fill, pin its programs, then drop everything.
    SharedMaps maps(pins);
    auto object = loadEndpoint(maps, "s1", 1);
    ASSERT_TRUE(object.ok()) << object.error().message;
    ASSERT_TRUE(fillShapeMaps(fixtureShape(), *shapeMapsOf(*object)).ok());
    ASSERT_TRUE(fillIpcache(object->mapFd(kIpcacheMap), {IpcacheEntry{ip("10.0.0.2"), 1001}}).ok());
    auto pinnedPrograms = pinEndpointPrograms(*object, pins, 1);
    ASSERT_TRUE(pinnedPrograms.ok()) << pinnedPrograms.error().message;
    verdictMapId = *mapId(object->mapFd(kVerdictMap));
    ingressProgramId = object->stats().programs[0].name == "ciliumc_ingress" ? object->stats().programs[0].id
                                                                              : object->stats().programs[1].id;
  }
  for (std::string_view map : kNodeMaps) EXPECT_TRUE(exists(pins.nodeMap(map))) << map;
  EXPECT_TRUE(exists(pins.shapeMap("s1", kVerdictMap)));
  EXPECT_TRUE(exists(pins.shapeMap("s1", kClassMap)));
  EXPECT_TRUE(exists(pins.shapeMap("s1", kCidrMap))) << "ABI 2: every object has ciliumc_cidr";
  EXPECT_TRUE(exists(pins.shapeMap("s1", kColumnMap)));
  EXPECT_TRUE(exists(pins.endpointProgram(1, Direction::Ingress)));
  EXPECT_EQ(pins.pinnedShapes(), std::vector<std::string>{"s1"});
  EXPECT_EQ(pins.pinnedEndpoints(), std::vector<uint32_t>{1});

  // The second "process": a new registry finds the pinned maps by path.
  SharedMaps maps(pins);
  auto second = loadEndpoint(maps, "s1", 2);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(*mapId(second->mapFd(kVerdictMap)), verdictMapId) << "the pinned shape map is reused";
  uint32_t index = 8 + 1 * 2 + 0;
  ciliumc_verdict_cell cell{};
  ASSERT_EQ(bpf_map_lookup_elem(second->mapFd(kVerdictMap), &index, &cell), 0);
  EXPECT_EQ(cell.rule, 3u) << "the contents survived without a refill";

  // The pinned program still enforces: run a probe through it.
  auto pinned = openPinnedEndpoint(pins, 1);
  ASSERT_TRUE(pinned.ok()) << pinned.error().message;
  bpf_prog_info info{};
  uint32_t length = sizeof(info);
  ASSERT_EQ(bpf_obj_get_info_by_fd(pinned->ingress.get(), &info, &length), 0);
  EXPECT_EQ(info.id, ingressProgramId);
  auto runner = ProbeRunner::create(maps.nodeMap(kEventsMap), maps.nodeMap(kCtMap), maps.nodeMap(kConfigMap));
  ASSERT_TRUE(runner.ok()) << runner.error().message;
  auto packet = buildPacket(PacketSpec{ip("10.0.0.2"), ip("10.0.0.1"), Protocol::TCP, 80});
  auto outcome = runner->run(pinned->ingress.get(), *packet);
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  EXPECT_EQ(outcome->tcVerdict, kTcActShot);
  ASSERT_EQ(outcome->events.size(), 1u);
  EXPECT_EQ(outcome->events[0].rule, 2u) << "10.0.0.2 (identity 1001) is denied by rule 2 at ingress";

  // Adoption without loading anything: the node and shape maps by pin.
  SharedMaps adopted(pins);
  ASSERT_TRUE(adopted.adoptPinnedNode().ok());
  ASSERT_TRUE(adopted.adoptPinnedShape("s1").ok());
  EXPECT_EQ(*mapId(adopted.shapeMap("s1", kVerdictMap)), verdictMapId);
  EXPECT_GE(adopted.nodeMap(kIpcacheMap), 0);

  // Re-pinning replaces the pins; unpinning and shape GC clean up.
  ASSERT_TRUE(pinEndpointPrograms(*second, pins, 1).ok());
  auto replaced = openPinnedEndpoint(pins, 1);
  ASSERT_TRUE(replaced.ok());
  info = {};  // the kernel wrote lengths into it; reused as input they would need buffers
  ASSERT_EQ(bpf_obj_get_info_by_fd(replaced->ingress.get(), &info, &length), 0);
  EXPECT_NE(info.id, ingressProgramId);
  auto kept = removeUnusedShapePins(pins);
  ASSERT_TRUE(kept.ok()) << kept.error().message;
  EXPECT_TRUE(kept->empty()) << "endpoint 1's pinned programs use shape s1";
  ASSERT_TRUE(unpinEndpoint(pins, 1).ok());
  EXPECT_FALSE(exists(pins.endpointDirectory(1)));
  auto removed = removeUnusedShapePins(pins);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, std::vector<std::string>{"s1"});
  ASSERT_TRUE(removeAllPins(pins).ok());
  EXPECT_FALSE(exists(pins.root()));
}

TEST(LoaderPinTest, InvalidShapeKeysAreRefusedWhenPinning) {
  CILIUMC_REQUIRE_BPF_OR_SKIP();
  PrivateBpffs bpffs;
  ASSERT_TRUE(bpffs.ok()) << bpffs.error();
  SharedMaps maps{PinLayout(bpffs.path())};
  auto object = loadEndpoint(maps, "../escape", 1);
  ASSERT_FALSE(object.ok());
  EXPECT_NE(object.error().message.find("shape key"), std::string::npos);
  EXPECT_TRUE(isBpffs(bpffs.path()));
  EXPECT_FALSE(isBpffs("/tmp"));
}

}  // namespace
}  // namespace ciliumc::loader
