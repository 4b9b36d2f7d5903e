// The budget analysis: compare-tree depth and inlining, peer-class capacity with headroom, map
// sizes, verdict bases, notes.
#include <gtest/gtest.h>

#include "passes_test_support.h"

namespace ciliumc {
namespace {

using namespace ciliumc::testing;

uint32_t ceilLog2(size_t n) {
  uint32_t depth = 0;
  while ((size_t{1} << depth) < n) ++depth;
  return depth;
}

// `apps` pods app=a0.. and one web pod whose ingress allows each app on its own port, so web's
// ingress has about 2 * apps port ranges and apps + 1 distinct rows.
PlannedWorld manyApps(int apps, bool withCidr = false) {
  InventoryBuilder builder;
  builder.ns("x").pod("x", "web", {"app=web"}, {"10.0.0.1"});
  static std::vector<std::string> labels, names, addresses;
  labels.clear(), names.clear(), addresses.clear();
  for (int i = 0; i < apps; ++i) {
    labels.push_back("app=a" + std::to_string(i));
    names.push_back("a" + std::to_string(i));
    addresses.push_back("10.0.1." + std::to_string(i + 1));
  }
  for (int i = 0; i < apps; ++i) builder.pod("x", names[i], {labels[i].c_str()}, {addresses[i].c_str()});
  RuleBuilder rule("web", sel({"app=web"}), "x");
  for (int i = 0; i < apps; ++i) {
    std::string port = "tcp/" + std::to_string(1000 + 2 * i);
    rule.ingress(allow({{selPeer({labels[i].c_str()})}}, ports({port.c_str()})));
  }
  if (withCidr) rule.egress(allow({{cidrPeer("203.0.113.0/24", {"203.0.113.128/25"})}}));
  return PlannedWorld(builder.build(), {rule});
}

TEST(PassesBudgetTest, SmallTreesAreInlined) {
  PlannedWorld w = manyApps(3);
  const ShapePlan& web = w.shapeOf("x/web");
  const DirectionPlan& ingress = web.direction(Direction::Ingress);
  EXPECT_TRUE(web.budget.portTreeInline[0]);
  EXPECT_EQ(web.budget.treeDepth[0], ceilLog2(ingress.rangeStarts.size()));
  EXPECT_GE(web.budget.treeDepth[0], 3u);
  EXPECT_EQ(web.budget.treeDepth[1], ceilLog2(web.direction(Direction::Egress).rangeStarts.size()));
  EXPECT_GT(web.budget.estimatedInstructions, 0u);
}

TEST(PassesBudgetTest, LargeTreesBecomeAGlobalSubprogram) {
  PlannedWorld w = manyApps(40);
  const ShapePlan& web = w.shapeOf("x/web");
  ASSERT_GT(web.direction(Direction::Ingress).rangeStarts.size(), 64u);
  EXPECT_FALSE(web.budget.portTreeInline[0]);
  EXPECT_TRUE(web.budget.portTreeInline[1]);
  bool noted = std::any_of(web.budget.notes.begin(), web.budget.notes.end(),
                           [](const std::string& note) { return note.find("global-subprogram") != std::string::npos; });
  EXPECT_TRUE(noted);
  EXPECT_GT(web.budget.estimatedInstructions, manyApps(3).shapeOf("x/web").budget.estimatedInstructions);
}

TEST(PassesBudgetTest, ClassCapacityHasHeadroom) {
  PlannedWorld small = manyApps(3);
  const ShapePlan& web = small.shapeOf("x/web");
  uint32_t rows = std::max(web.directions[0].rows.size(), web.directions[1].rows.size());
  EXPECT_EQ(web.budget.classCapacity, rows + 64);
  PlannedWorld large = manyApps(80);
  const ShapePlan& big = large.shapeOf("x/web");
  uint32_t bigRows = std::max(big.directions[0].rows.size(), big.directions[1].rows.size());
  ASSERT_GT(bigRows, 64u);
  EXPECT_EQ(big.budget.classCapacity, 2 * bigRows);
}

TEST(PassesBudgetTest, VerdictMapLayout) {
  PlannedWorld w = manyApps(5);
  for (const ShapePlan& shape : w.plan().shapes) {
    uint32_t ingressClasses = shape.directions[0].portClassCount, egressClasses = shape.directions[1].portClassCount;
    EXPECT_EQ(shape.budget.verdictEntries, shape.budget.classCapacity * (ingressClasses + egressClasses));
    EXPECT_EQ(shape.verdictBase(Direction::Ingress), 0u);
    EXPECT_EQ(shape.verdictBase(Direction::Egress), shape.budget.classCapacity * ingressClasses);
    // The last cell of egress fits.
    uint32_t last = shape.verdictBase(Direction::Egress) + (shape.budget.classCapacity - 1) * egressClasses + egressClasses - 1;
    EXPECT_LT(last, shape.budget.verdictEntries);
    for (const DirectionPlan& direction : shape.directions) EXPECT_LE(direction.rows.size(), shape.budget.classCapacity);
  }
}

TEST(PassesBudgetTest, CidrEntriesOnlyWithCidrPeers) {
  PlannedWorld without = manyApps(2);
  EXPECT_EQ(without.shapeOf("x/web").budget.cidrEntries, 0u);
  PlannedWorld with = manyApps(2, true);
  const ShapePlan& web = with.shapeOf("x/web");
  ASSERT_FALSE(web.cidr.empty());
  EXPECT_GE(web.budget.cidrEntries, web.cidr.size() + 16);
}

}  // namespace
}  // namespace ciliumc
