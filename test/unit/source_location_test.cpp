// SourceLocation printing: "file:line:col", "file:line" without a column, "<unknown>" without a file.
#include "ir/source_location.h"

#include <gtest/gtest.h>

namespace ciliumc {
namespace {

TEST(SourceLocationTest, Forms) {
  auto file = std::make_shared<const std::string>("web.policy");
  EXPECT_EQ((SourceLocation{file, 12, 5}).toString(), "web.policy:12:5");
  EXPECT_EQ((SourceLocation{file, 12, 0}).toString(), "web.policy:12");
  EXPECT_EQ((SourceLocation{file, 0, 0}).toString(), "web.policy");
  EXPECT_EQ(SourceLocation{}.toString(), "<unknown>");
  EXPECT_EQ((SourceLocation{nullptr, 3, 4}).toString(), "<unknown>:3:4");
}

}  // namespace
}  // namespace ciliumc
