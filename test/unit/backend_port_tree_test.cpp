// PortTree: the balanced compare tree both code printers walk.
#include "backend_bpf/port_tree.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace ciliumc {
namespace {

// The reference: the class of the last range starting at or below the key.
uint16_t classByBinarySearch(const std::vector<uint32_t>& starts, const std::vector<uint16_t>& classes,
                             uint32_t key) {
  auto after = std::upper_bound(starts.begin(), starts.end(), key);
  return classes[after - starts.begin() - 1];
}

TEST(PortTree, OneRangeIsALeaf) {
  auto tree = PortTree::build(std::vector<uint32_t>{0}, std::vector<uint16_t>{0}, 1);
  ASSERT_TRUE(tree) << tree.error().message;
  EXPECT_EQ(tree->nodes.size(), 1u);
  EXPECT_EQ(tree->depth, 0u);
  EXPECT_EQ(tree->classify(12345), 0);
}

TEST(PortTree, MergesNeighboursOfOneClass) {
  // [0,10) c0, [10,20) c1, [20,30) c1, [30,..) c0 -> three ranges, two compares.
  auto tree = PortTree::build(std::vector<uint32_t>{0, 10, 20, 30}, std::vector<uint16_t>{0, 1, 1, 0}, 2);
  ASSERT_TRUE(tree) << tree.error().message;
  EXPECT_EQ(tree->splits, 2u);
  EXPECT_EQ(tree->classify(9), 0);
  EXPECT_EQ(tree->classify(10), 1);
  EXPECT_EQ(tree->classify(29), 1);
  EXPECT_EQ(tree->classify(30), 0);
}

TEST(PortTree, IsBalancedAndAgreesWithBinarySearch) {
  std::mt19937 random(7);
  for (uint32_t ranges : {2u, 3u, 17u, 64u, 1000u}) {
    std::vector<uint32_t> starts{0};
    std::vector<uint16_t> classes{0};
    while (starts.size() < ranges) {
      starts.push_back(starts.back() + 1 + random() % 50);
      classes.push_back(static_cast<uint16_t>((classes.back() + 1 + random() % 4) % 5));
    }
    auto tree = PortTree::build(starts, classes, 5);
    ASSERT_TRUE(tree) << tree.error().message;
    uint32_t merged = 1;
    for (size_t i = 1; i < classes.size(); ++i) merged += classes[i] != classes[i - 1];
    EXPECT_EQ(tree->splits, merged - 1);
    uint32_t optimalDepth = 0;
    while ((1u << optimalDepth) < merged) ++optimalDepth;
    EXPECT_EQ(tree->depth, optimalDepth) << ranges << " ranges";
    for (uint32_t start : starts)
      for (uint32_t key : {start, start + 1, start ? start - 1 : 0})
        EXPECT_EQ(tree->classify(key), classByBinarySearch(starts, classes, key)) << "key " << key;
    EXPECT_EQ(tree->classify(0xffffffffu), classes.back());
  }
}

TEST(PortTree, RejectsInconsistentRanges) {
  EXPECT_FALSE(PortTree::build(std::vector<uint32_t>{}, std::vector<uint16_t>{}, 1));
  EXPECT_FALSE(PortTree::build(std::vector<uint32_t>{5}, std::vector<uint16_t>{0}, 1));        // not from 0
  EXPECT_FALSE(PortTree::build(std::vector<uint32_t>{0, 9, 9}, std::vector<uint16_t>{0, 1, 0}, 2));  // not increasing
  EXPECT_FALSE(PortTree::build(std::vector<uint32_t>{0, 9}, std::vector<uint16_t>{0, 2}, 2));   // class >= count
  EXPECT_FALSE(PortTree::build(std::vector<uint32_t>{0, 9}, std::vector<uint16_t>{0}, 2));      // sizes differ
  auto error = PortTree::build(std::vector<uint32_t>{0, 9, 3}, std::vector<uint16_t>{0, 1, 0}, 2);
  ASSERT_FALSE(error);
  EXPECT_NE(error.error().message.find("index 2"), std::string::npos) << error.error().message;
}

}  // namespace
}  // namespace ciliumc
