// backend_bpf/plan_partition.h: the plan-wide port partition (one object for every shape), the
// per-shape ciliumc_column contents and .rodata shape constants.
#include "backend_bpf/plan_partition.h"

#include <gtest/gtest.h>

#include <random>

#include "test/unit/backend_shapes.h"

namespace ciliumc {
namespace {

using testing::DirectionSpec;

// Random ranges over TCP and UDP ports, neighbours possibly sharing a class.
DirectionSpec randomRanges(std::mt19937& random, uint32_t count, uint16_t classes) {
  DirectionSpec spec;
  spec.portClassCount = classes;
  spec.rangeStarts = {0};
  spec.rangeClass = {static_cast<uint16_t>(random() % classes)};
  uint32_t key = 0;
  for (uint32_t i = 1; i < count; ++i) {
    key += 1 + random() % 3000;
    spec.rangeStarts.push_back(key);
    spec.rangeClass.push_back(static_cast<uint16_t>(random() % classes));
  }
  return spec;
}

TEST(BackendPlanPartition, ColumnsGiveEveryShapeItsOwnPortClassForEveryKey) {
  std::mt19937 random(7);
  std::vector<ShapePlan> shapes;
  for (int s = 0; s < 5; ++s)
    shapes.push_back(testing::makeShape(randomRanges(random, 3 + s * 7, 4), randomRanges(random, 2 + s, 3), 4, 0,
                                        "s" + std::to_string(s)));
  auto plan = lowerPlan(shapes);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  const PlanPartition& partition = plan->partition;
  std::vector<uint32_t> flat = partition.flatStarts();
  ASSERT_EQ(flat.size(), partition.columnEntries());
  for (const ShapePlan& shape : shapes) {
    auto columns = columnsOf(shape, flat);
    ASSERT_TRUE(columns.ok()) << columns.error().message;
    for (int d = 0; d < 2; ++d) {
      const DirectionPlan& direction = shape.directions[d];
      const PortTree& tree = plan->directions[d].tree;
      // Every shape boundary is a global boundary, so each key's column is its shape's class.
      for (uint32_t start : direction.rangeStarts)
        EXPECT_TRUE(std::binary_search(partition.starts[d].begin(), partition.starts[d].end(), start));
      for (uint32_t key = 0; key < 120000; key += 37) {
        uint32_t index = tree.classify(key);
        ASSERT_LT(index, columns->size());
        EXPECT_EQ(index / partition.stride, uint32_t(d)) << "the tree answers its own direction's slice";
        EXPECT_EQ((*columns)[index], direction.portClassOf(key)) << shape.key << " d " << d << " key " << key;
      }
    }
  }
  EXPECT_TRUE(columnsOf(shapes[0], std::vector<uint32_t>{0, 1, 2}).error().message.size() > 0) << "odd size";
}

TEST(BackendPlanPartition, PlanMapsAreTheLargestOfItsShapesAndConstantsAreEachShapes) {
  ShapePlan small = testing::smallShape();
  DirectionSpec cidrEgress;
  cidrEgress.cidrPeer = true;
  cidrEgress.enforced = true;
  ShapePlan other = testing::makeShape(DirectionSpec{}, cidrEgress, 9, 7, "other");
  std::vector<ShapePlan> shapes{small, other};
  auto plan = lowerPlan(shapes);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_EQ(plan->verdictEntries, std::max(small.budget.verdictEntries, other.budget.verdictEntries));
  EXPECT_EQ(plan->cidrEntries, std::max<uint32_t>(1, other.budget.cidrEntries));
  CompilePlan compile;
  compile.shapes = shapes;
  for (uint32_t s = 0; s < 2; ++s) {
    auto config = shapeConfigOf(compile, s);
    ASSERT_TRUE(config.ok()) << config.error().message;
    for (Direction d : {Direction::Ingress, Direction::Egress}) {
      int slot = d == Direction::Ingress ? 0 : 1;
      EXPECT_EQ(config->verdict_base[slot], shapes[s].verdictBase(d));
      EXPECT_EQ(config->port_classes[slot], shapes[s].direction(d).portClassCount);
    }
    EXPECT_EQ(config->class_capacity, shapes[s].budget.classCapacity);
  }
  EXPECT_EQ(shapeConfigOf(compile, 0)->cidr[1], 0) << "smallShape has no CIDR peers";
  EXPECT_EQ(shapeConfigOf(compile, 1)->cidr[1], other.budget.cidrEntries > 0 ? 1 : 0);
  EXPECT_FALSE(shapeConfigOf(compile, 2).ok());
  EXPECT_FALSE(lowerPlan(std::span<const ShapePlan>()).ok());
}

}  // namespace
}  // namespace ciliumc
