// Filling and sharing maps: the verdict table layout (unused rows behave like row 0), key
// encodings, shape maps shared by the endpoints of one shape, batch fill cost of a large shape.
#include <bpf/bpf.h>
#include <gtest/gtest.h>

#include "loader/endpoint_pins.h"
#include "loader/loaded_object.h"
#include "loader/map_fill.h"
#include "loader/object_layout.h"
#include "loader/shared_maps.h"
#include "test/unit/loader_test_support.h"
#include "test/unit/privileged.h"

namespace ciliumc::loader {
namespace {

using ciliumc::testing::fixtureObject;
using ciliumc::testing::fixtureShape;
using ciliumc::testing::ip;
using ciliumc::testing::kRuntimeFixture;

bool sameCell(const ciliumc_verdict_cell& a, const ciliumc_verdict_cell& b) {
  return a.rule == b.rule && a.reason == b.reason && a.deny == b.deny;
}

TEST(LoaderVerdictTableTest, RowsBeyondThePlanRepeatRowZero) {
  ShapePlan shape = fixtureShape();
  auto table = verdictTableOf(shape, 16);
  ASSERT_TRUE(table.ok()) << table.error().message;
  const auto& cells = *table;
  ASSERT_EQ(cells.size(), 16u);
  // ingress: base 0, 2 port classes; class 1 port class 1 = allowed by rule 1.
  EXPECT_EQ(cells[1 * 2 + 1].rule, 1u);
  EXPECT_EQ(cells[1 * 2 + 1].deny, 0);
  EXPECT_EQ(cells[1 * 2 + 1].reason, CILIUMC_REASON_ALLOWED_BY_RULE);
  // ingress class 3 has no row: it repeats row 0 (default deny), it must not be a zero (allow) cell.
  for (int port = 0; port < 2; ++port) {
    EXPECT_TRUE(sameCell(cells[3 * 2 + port], cells[0 * 2 + port]));
    EXPECT_EQ(cells[3 * 2 + port].deny, 1);
    EXPECT_EQ(cells[3 * 2 + port].reason, CILIUMC_REASON_DEFAULT_DENY);
  }
  // egress: base 8; class 1 port class 0 denied by rule 3; classes 2 and 3 repeat row 0 (allow).
  uint32_t egress = shape.verdictBase(Direction::Egress);
  EXPECT_EQ(egress, 8u);
  EXPECT_EQ(cells[egress + 1 * 2 + 0].rule, 3u);
  EXPECT_EQ(cells[egress + 1 * 2 + 0].deny, 1);
  for (int cls = 2; cls < 4; ++cls)
    for (int port = 0; port < 2; ++port) {
      EXPECT_TRUE(sameCell(cells[egress + cls * 2 + port], cells[egress + port]));
      EXPECT_EQ(cells[egress + cls * 2 + port].reason, CILIUMC_REASON_DEFAULT_ALLOW);
    }
}

TEST(LoaderVerdictTableTest, CellsNoDirectionOwnsDrop) {
  auto table = verdictTableOf(fixtureShape(), 20);
  ASSERT_TRUE(table.ok()) << table.error().message;
  for (size_t i = 16; i < 20; ++i) {
    EXPECT_EQ((*table)[i].deny, 1) << i;
    EXPECT_EQ((*table)[i].reason, CILIUMC_REASON_BAD_CLASS) << i;
  }
}

TEST(LoaderVerdictTableTest, InconsistentPlansAreErrors) {
  EXPECT_FALSE(verdictTableOf(fixtureShape(), 15).ok()) << "map too small for the egress table";
  ShapePlan tooManyRows = fixtureShape();
  tooManyRows.budget.classCapacity = 2;  // ingress has 3 rows
  EXPECT_FALSE(verdictTableOf(tooManyRows, 16).ok());
  ShapePlan shortRow = fixtureShape();
  shortRow.directions[0].rows[1].pop_back();
  EXPECT_FALSE(verdictTableOf(shortRow, 16).ok());
  ShapePlan noRows = fixtureShape();
  noRows.directions[1].rows.clear();
  EXPECT_FALSE(verdictTableOf(noRows, 16).ok());
}

TEST(LoaderKeysTest, EncodeFamilyAndPrefixLength) {
  ciliumc_cidr_key v4 = cidrKeyOf(*IpPrefix::parse("192.0.2.0/24"));
  EXPECT_EQ(v4.prefixlen, 32u);
  EXPECT_EQ(v4.family, 4);
  EXPECT_EQ(v4.addr[0], 192);
  EXPECT_EQ(v4.addr[2], 2);
  EXPECT_EQ(v4.addr[4], 0);
  ciliumc_cidr_key v6 = cidrKeyOf(*IpPrefix::parse("2001:db8::/32"));
  EXPECT_EQ(v6.prefixlen, 40u);
  EXPECT_EQ(v6.family, 6);
  EXPECT_EQ(v6.addr[1], 0x01);
  ciliumc_ipcache_key key = ipcacheKeyOf(ip("10.1.2.3"));
  EXPECT_EQ(key.family, 4);
  EXPECT_EQ(key.addr[3], 3);
  EXPECT_EQ(key.addr[4], 0);
  VerdictCell deny{9, DatapathReason::DeniedByRule, true};
  ciliumc_verdict_cell cell = verdictCellOf(deny);
  EXPECT_EQ(cell.rule, 9u);
  EXPECT_EQ(cell.reason, CILIUMC_REASON_DENIED_BY_RULE);
  EXPECT_EQ(cell.deny, 1);
}

Expected<LoadedObject> loadFixture(SharedMaps& maps, const std::string& shapeKey, uint32_t endpointId,
                                   const std::string& flags = "") {
  const auto& elf = fixtureObject(kRuntimeFixture, flags);
  if (!elf) return elf.error();
  LoadRequest request;
  request.elf = *elf;
  request.sharedMaps = &maps;
  request.shapeKey = shapeKey;
  ciliumc_endpoint_config config = testing::fixtureConfig();
  config.endpoint_id = endpointId;
  request.endpoint = config;
  return loadObject(request);
}

uint32_t idOfMap(const LoadedObject& object, std::string_view name) {
  auto id = mapId(object.mapFd(name));
  return id ? *id : 0;
}

TEST(LoaderSharedMapsTest, EndpointsOfOneShapeShareItsMapsAndEveryObjectTheNodeMaps) {
  CILIUMC_REQUIRE_BPF_OR_SKIP();
  SharedMaps maps;
  auto first = loadFixture(maps, "shapeA", 1);
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto second = loadFixture(maps, "shapeA", 2);
  ASSERT_TRUE(second.ok()) << second.error().message;
  auto other = loadFixture(maps, "shapeB", 3);
  ASSERT_TRUE(other.ok()) << other.error().message;

  for (std::string_view map : kShapeMaps) {
    if (map == kCidrMap) continue;  // the fixture has no CIDR map by default
    EXPECT_NE(idOfMap(*first, map), 0u) << map;
    EXPECT_EQ(idOfMap(*first, map), idOfMap(*second, map)) << map << ": one map per shape";
    EXPECT_NE(idOfMap(*first, map), idOfMap(*other, map)) << map << ": different shapes, different maps";
  }
  for (std::string_view map : kNodeMaps) {
    EXPECT_EQ(idOfMap(*first, map), idOfMap(*other, map)) << map << ": one map per node";
    EXPECT_EQ(mapId(maps.nodeMap(map)).ok() ? *mapId(maps.nodeMap(map)) : 0, idOfMap(*first, map)) << map;
  }
  EXPECT_EQ(*mapId(maps.shapeMap("shapeA", kVerdictMap)), idOfMap(*second, kVerdictMap));
  // Each endpoint keeps its own .rodata.
  EXPECT_NE(idOfMap(*first, ".rodata"), idOfMap(*second, ".rodata"));

  // The programs really use the shared map: the verdict map id is among each program's maps.
  for (const LoadedObject* object : {&*first, &*second}) {
    auto used = programMapIds(object->programFd(Direction::Ingress));
    ASSERT_TRUE(used.ok()) << used.error().message;
    EXPECT_NE(std::find(used->begin(), used->end(), idOfMap(*first, kVerdictMap)), used->end());
  }
}

TEST(LoaderFillTest, ShapeMapsHoldThePlan) {
  CILIUMC_REQUIRE_BPF_OR_SKIP();
  SharedMaps maps;
  auto object = loadFixture(maps, "fill", 1);
  ASSERT_TRUE(object.ok()) << object.error().message;
  ShapePlan shape = fixtureShape();
  auto stats = fillShapeMaps(shape, {object->mapFd(kClassMap), object->mapFd(kVerdictMap), object->mapFd(kCidrMap), -1, {}});
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_EQ(stats->verdictCells, 16u);
  EXPECT_EQ(stats->classSlots, CILIUMC_CLASS_SLOTS);

  uint32_t slotIndex = 1001 / CILIUMC_CLASS_SLOT_IDS;
  ciliumc_class_slot slot{};
  ASSERT_EQ(bpf_map_lookup_elem(object->mapFd(kClassMap), &slotIndex, &slot), 0);
  EXPECT_EQ(slot.cls[1001 % 16][CILIUMC_INGRESS], 2);
  EXPECT_EQ(slot.cls[1001 % 16][CILIUMC_EGRESS], 1);
  EXPECT_EQ(slot.cls[1002 % 16][CILIUMC_INGRESS], 0) << "an identity the plan does not name is class 0";

  uint32_t index = 8 + 1 * 2 + 0;
  ciliumc_verdict_cell cell{};
  ASSERT_EQ(bpf_map_lookup_elem(object->mapFd(kVerdictMap), &index, &cell), 0);
  EXPECT_EQ(cell.rule, 3u);
  EXPECT_EQ(cell.deny, 1);

  // A refill after identity churn replaces the old classes.
  shape.identityClasses.erase(1001);
  ASSERT_TRUE(fillShapeMaps(shape, {object->mapFd(kClassMap), object->mapFd(kVerdictMap), -1, -1, {}}).ok());
  ASSERT_EQ(bpf_map_lookup_elem(object->mapFd(kClassMap), &slotIndex, &slot), 0);
  EXPECT_EQ(slot.cls[1001 % 16][CILIUMC_INGRESS], 0);
}

TEST(LoaderFillTest, CidrFillReplacesStalePrefixes) {
  CILIUMC_REQUIRE_BPF_OR_SKIP();
  SharedMaps maps;
  auto object = loadFixture(maps, "cidr", 1, "-DFIXTURE_CIDR_ENTRIES=64");
  ASSERT_TRUE(object.ok()) << object.error().message;
  int cidr = object->mapFd(kCidrMap);
  ASSERT_GE(cidr, 0);
  ShapePlan shape = fixtureShape();
  shape.cidr = {CidrClassEntry{*IpPrefix::parse("192.0.2.0/24"), {1, 0}},
                CidrClassEntry{*IpPrefix::parse("2001:db8::/32"), {2, 1}}};
  ShapeMapFds fds{object->mapFd(kClassMap), object->mapFd(kVerdictMap), cidr, -1, {}};
  ASSERT_TRUE(fillShapeMaps(shape, fds).ok());
  // An LPM lookup with a full-length key finds the covering prefix.
  ciliumc_cidr_key probe = cidrKeyOf(*IpPrefix::parse("192.0.2.77/32"));
  ciliumc_cidr_value value{};
  ASSERT_EQ(bpf_map_lookup_elem(cidr, &probe, &value), 0);
  EXPECT_EQ(value.cls[0], 1);
  shape.cidr.erase(shape.cidr.begin());
  ASSERT_TRUE(fillShapeMaps(shape, fds).ok());
  EXPECT_NE(bpf_map_lookup_elem(cidr, &probe, &value), 0) << "the removed prefix is gone";
  ciliumc_cidr_key v6 = cidrKeyOf(*IpPrefix::parse("2001:db8::1/128"));
  ASSERT_EQ(bpf_map_lookup_elem(cidr, &v6, &value), 0);
  EXPECT_EQ(value.cls[1], 1);
}

// A large shape: 4096 classes x 64 port classes per direction (524,288 verdict cells, 6 MiB),
// plus 16,384 CIDR prefixes. Batched array updates keep the fill to a few syscalls.
TEST(LoaderFillTest, LargeShapeFillIsBatched) {
  CILIUMC_REQUIRE_BPF_OR_SKIP();
  constexpr uint32_t kClasses = 4096, kPorts = 64, kPrefixes = 16384;
  SharedMaps maps;
  auto object = loadFixture(maps, "large", 1,
                            "-DFIXTURE_CAPACITY=4096 -DFIXTURE_PORT_CLASSES=64 -DFIXTURE_CIDR_ENTRIES=16384");
  ASSERT_TRUE(object.ok()) << object.error().message;
  ShapePlan shape;
  shape.key = "large";
  for (int d = 0; d < 2; ++d) {
    DirectionPlan& plan = shape.directions[d];
    plan.direction = d == 0 ? Direction::Ingress : Direction::Egress;
    plan.portClassCount = kPorts;
    for (uint32_t cls = 0; cls < kClasses; ++cls) {
      std::vector<VerdictCell> row(kPorts);
      for (uint32_t port = 0; port < kPorts; ++port)
        row[port] = VerdictCell{cls * kPorts + port + 1, DatapathReason::AllowedByRule, (cls + port) % 2 == 1};
      plan.rows.push_back(std::move(row));
    }
  }
  for (NumericIdentity identity = 256; identity < 256 + 50000; ++identity)
    shape.identityClasses[identity] = {uint16_t(identity % kClasses), uint16_t((identity * 7) % kClasses)};
  for (uint32_t i = 0; i < kPrefixes; ++i) {
    IpPrefix prefix;
    prefix.address.family = IpFamily::V4;
    prefix.address.bytes[0] = 10;
    prefix.address.bytes[1] = uint8_t(i >> 8);
    prefix.address.bytes[2] = uint8_t(i);
    prefix.length = 24;
    shape.cidr.push_back(CidrClassEntry{prefix, {uint16_t(i % kClasses), 0}});
  }
  shape.budget.classCapacity = kClasses;
  shape.budget.verdictEntries = 2 * kClasses * kPorts;
  auto stats = fillShapeMaps(shape, {object->mapFd(kClassMap), object->mapFd(kVerdictMap), object->mapFd(kCidrMap), -1, {}});
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_EQ(stats->verdictCells, 2 * kClasses * kPorts);
  EXPECT_EQ(stats->cidrEntries, kPrefixes);
  // class + verdict: one batch each; CIDR: one batch, or one syscall per prefix without LPM batch support.
  EXPECT_LE(stats->syscalls, 3u + kPrefixes);
  RecordProperty("fill_ms", std::to_string(stats->ms));
  RecordProperty("syscalls", std::to_string(stats->syscalls));
  std::printf("large shape fill: %u verdict cells, %u class slots, %u CIDR prefixes in %.1f ms (%u syscalls)\n",
              stats->verdictCells, stats->classSlots, stats->cidrEntries, stats->ms, stats->syscalls);
  uint32_t index = shape.verdictBase(Direction::Egress) + 4095 * kPorts + 63;
  ciliumc_verdict_cell cell{};
  ASSERT_EQ(bpf_map_lookup_elem(object->mapFd(kVerdictMap), &index, &cell), 0);
  EXPECT_EQ(cell.rule, 4095 * kPorts + 63 + 1);
  EXPECT_EQ(cell.deny, 0);
}

TEST(LoaderFillTest, IpcacheFillAndConfigFlags) {
  CILIUMC_REQUIRE_BPF_OR_SKIP();
  SharedMaps maps;
  auto object = loadFixture(maps, "ipcache", 1);
  ASSERT_TRUE(object.ok()) << object.error().message;
  int ipcache = object->mapFd(kIpcacheMap);
  auto stats = fillIpcache(ipcache, {IpcacheEntry{ip("10.0.0.1"), 1000}, IpcacheEntry{ip("fd00::1"), 1001}});
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  ciliumc_ipcache_key key = ipcacheKeyOf(ip("fd00::1"));
  ciliumc_ipcache_value value{};
  ASSERT_EQ(bpf_map_lookup_elem(ipcache, &key, &value), 0);
  EXPECT_EQ(value.identity, 1001u);
  ASSERT_TRUE(removeIpcache(ipcache, ip("fd00::1")).ok());
  EXPECT_NE(bpf_map_lookup_elem(ipcache, &key, &value), 0);
  ASSERT_TRUE(setConfigFlags(object->mapFd(kConfigMap), CILIUMC_CONFIG_EMIT_ALLOW_EVENTS).ok());
  uint32_t zero = 0;
  ciliumc_config config{};
  ASSERT_EQ(bpf_map_lookup_elem(object->mapFd(kConfigMap), &zero, &config), 0);
  EXPECT_EQ(config.flags, CILIUMC_CONFIG_EMIT_ALLOW_EVENTS);
}

}  // namespace
}  // namespace ciliumc::loader
