// The second lowering of port classification (backend_bpf/plan_partition.h): directions with
// more plan-wide ranges than the threshold classify through the plan-wide ciliumc_port_table.
// Pure checks here (lowering decision, table contents, generated object and C); the kernel side
// is loader_port_table_test.
#include <gtest/gtest.h>

#include "backend_bpf/codegen.h"
#include "backend_bpf/generated_names.h"
#include "backend_bpf/plan_partition.h"
#include "test/unit/backend_object_inspect.h"
#include "test/unit/backend_shapes.h"

namespace ciliumc {
namespace {

using testing::tcpRanges;

ShapePlan manyIngressRanges(uint32_t ranges) { return testing::makeShape(tcpRanges(ranges, 4), tcpRanges(3, 2)); }

TEST(BackendPortTable, OnlyDirectionsAboveTheThresholdUseTheTable) {
  ShapePlan shape = manyIngressRanges(100);
  auto plan = lowerPlan(std::span<const ShapePlan>(&shape, 1), 64);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_TRUE(plan->directions[0].portTable);
  EXPECT_TRUE(plan->directions[0].treeInline) << "the lookup is always inlined";
  EXPECT_FALSE(plan->directions[1].portTable);
  EXPECT_TRUE(plan->usesPortTable());
  auto below = lowerPlan(std::span<const ShapePlan>(&shape, 1), 100);
  ASSERT_TRUE(below.ok());
  EXPECT_FALSE(below->usesPortTable()) << "100 ranges are not more than 100";
  auto byDefault = lowerPlan(std::span<const ShapePlan>(&shape, 1));
  ASSERT_TRUE(byDefault.ok());
  EXPECT_EQ(byDefault->directions[0].portTable, 100 > kDefaultPortTableThreshold);
}

TEST(BackendPortTable, TableAnswersWhatTheTreeAnswersForEveryKey) {
  std::vector<ShapePlan> shapes{manyIngressRanges(300), testing::makeShape(tcpRanges(7, 3), tcpRanges(90, 5), 8, 0, "b")};
  auto plan = lowerPlan(shapes, 0);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  auto table = portTableOf(plan->partition.flatStarts());
  ASSERT_TRUE(table.ok()) << table.error().message;
  ASSERT_EQ(table->size(), kL4KeyEnd);
  for (uint32_t key = 0; key < kL4KeyEnd; ++key)
    for (int d = 0; d < 2; ++d)
      ASSERT_EQ((*table)[key].range[d], plan->directions[d].tree.classify(key)) << "key " << key << " d " << d;
  EXPECT_NE((*table)[0].range[1], 0u) << "the completeness mark of the loader";
  EXPECT_FALSE(portTableOf(std::vector<uint32_t>{0, 1, 2}).ok()) << "odd size";
  EXPECT_FALSE(portTableOf(std::vector<uint32_t>{5, CILIUMC_NO_RANGE, 0, CILIUMC_NO_RANGE}).ok()) << "not from 0";
  EXPECT_FALSE(portTableOf(std::vector<uint32_t>{0, 9, 4, 0, CILIUMC_NO_RANGE, CILIUMC_NO_RANGE}).ok()) << "decreasing";
  std::vector<uint32_t> flat = plan->partition.flatStarts();
  uint64_t hash = rangeStartsHash(flat);
  flat[1] += 1;
  EXPECT_NE(rangeStartsHash(flat), hash);
}

TEST(BackendPortTable, ObjectHasTheMapOnlyWhenADirectionUsesIt) {
  auto codegen = BpfCodegen::create();
  ASSERT_TRUE(codegen.ok()) << codegen.error().message;
  ShapePlan shape = manyIngressRanges(100);
  CodegenOptions options;
  options.portTableThreshold = 64;
  auto withTable = (*codegen)->compileShape(shape, options);
  ASSERT_TRUE(withTable.ok()) << withTable.error().message;
  testing::ObjectInfo info = testing::inspectObject(*withTable);
  ASSERT_TRUE(info.error.empty()) << info.error;
  ASSERT_TRUE(info.maps.count(std::string(bpfnames::kPortTableMap)));
  const testing::MapInfo& map = info.maps.at(std::string(bpfnames::kPortTableMap));
  EXPECT_EQ(map.maxEntries, kL4KeyEnd);
  EXPECT_EQ(map.valueSize, sizeof(ciliumc_port_table_entry));
  EXPECT_EQ(map.keySize, sizeof(uint32_t));

  options.portTableThreshold = 1000;
  auto withoutTable = (*codegen)->compileShape(shape, options);
  ASSERT_TRUE(withoutTable.ok()) << withoutTable.error().message;
  EXPECT_FALSE(testing::inspectObject(*withoutTable).maps.count(std::string(bpfnames::kPortTableMap)));
}

TEST(BackendPortTable, EmittedCDefinesTheTableAndLooksUpInIt) {
  ShapePlan shape = manyIngressRanges(100);
  CodegenOptions options;
  options.portTableThreshold = 64;
  auto source = emitC(shape, options);
  ASSERT_TRUE(source.ok()) << source.error().message;
  EXPECT_NE(source->find("} ciliumc_port_table SEC(\".maps\");"), std::string::npos);
  EXPECT_NE(source->find("bpf_map_lookup_elem(&ciliumc_port_table, &l4key)"), std::string::npos);
  EXPECT_NE(source->find("entry->range[0]"), std::string::npos);
  EXPECT_EQ(source->find("entry->range[1]"), std::string::npos) << "egress keeps its tree";
  auto plain = emitC(manyIngressRanges(30));  // under the default threshold
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  EXPECT_EQ(plain->find("ciliumc_port_table SEC"), std::string::npos);
  EXPECT_EQ(plain->find("bpf_map_lookup_elem(&ciliumc_port_table"), std::string::npos);
}

}  // namespace
}  // namespace ciliumc
