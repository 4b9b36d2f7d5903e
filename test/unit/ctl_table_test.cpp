// ciliumctl's text tables and field lists, and the policy file reading behind `policy import`.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/ciliumctl/json_text.h"
#include "cli/ciliumctl/policy_file.h"
#include "cli/ciliumctl/text_table.h"

namespace ciliumc::ctl {
namespace {

std::string render(const TextTable& table) {
  std::ostringstream out;
  table.print(out);
  return out.str();
}

TEST(CtlTable, AlignsColumnsAndGrowsRowsForMultiLineCells) {
  TextTable table({"A", "LONG\nSECOND", "C"});
  table.addRow({{"1"}, {"x", "yy"}, {"z"}});
  table.addRow({{"22222"}});
  EXPECT_EQ(render(table),
            "A       LONG     C\n"
            "        SECOND\n"
            "1       x        z\n"
            "        yy\n"
            "22222\n");
  EXPECT_EQ(table.rowCount(), 2u);
}

TEST(CtlTable, EmptyTablePrintsTheHeader) { EXPECT_EQ(render(TextTable({"ID", "LABELS"})), "ID   LABELS\n"); }

TEST(CtlTable, FieldListAlignsValues) {
  std::ostringstream out;
  printFields(out, {{"ID", {"7"}}, {"Labels", {"a", "b"}}, {"Empty", {}}, {"Blank", {""}}});
  EXPECT_EQ(out.str(), "ID:       7\nLabels:   a\n          b\nEmpty:\nBlank:\n");
}

TEST(CtlJsonText, FieldsNeverThrow) {
  auto doc = nlohmann::json::parse(R"({"s": "x", "n": 3, "b": true, "z": null, "a": [1, "two"], "o": {"k": 1}})");
  EXPECT_EQ(field(doc, "s"), "x");
  EXPECT_EQ(field(doc, "n"), "3");
  EXPECT_EQ(field(doc, "b"), "true");
  EXPECT_EQ(field(doc, "z"), "");
  EXPECT_EQ(field(doc, "a"), "1, two");
  EXPECT_EQ(field(doc, "o"), "{\"k\":1}");
  EXPECT_EQ(field(doc, "missing"), "");
  EXPECT_EQ(field(nlohmann::json(5), "s"), "");
  EXPECT_EQ(listField(doc, "a"), (std::vector<std::string>{"1", "two"}));
  EXPECT_EQ(listField(doc, "s"), (std::vector<std::string>{"x"}));
  EXPECT_TRUE(flagField(doc, "b"));
  EXPECT_FALSE(flagField(doc, "n"));
  EXPECT_TRUE(expectShape(doc, Shape::Object, "GET /x").ok());
  auto wrong = expectShape(doc, Shape::Array, "GET /x");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().message, "malformed answer from ciliumd to GET /x: expected a JSON array, got object");
}

TEST(CtlPolicyFile, FormatFromExtensionOrOverride) {
  EXPECT_EQ(*resolvePolicyFormat("a/web.policy", ""), "ciliumc");
  EXPECT_EQ(*resolvePolicyFormat("np.yaml", ""), "yaml");
  EXPECT_EQ(*resolvePolicyFormat("np.yml", ""), "yaml");
  EXPECT_EQ(*resolvePolicyFormat("np.txt", "yaml"), "yaml");
  EXPECT_EQ(*resolvePolicyFormat("np.yaml", "ciliumc"), "ciliumc");
  EXPECT_FALSE(resolvePolicyFormat("np.txt", "").ok());
  EXPECT_FALSE(resolvePolicyFormat("np.policy", "json").ok());
}

TEST(CtlPolicyFile, ReadsTextAndDefaultsTheNameToTheStem) {
  std::string pattern = (std::filesystem::temp_directory_path() / "ctl-policy-XXXXXX").string();
  std::filesystem::path dir = ::mkdtemp(pattern.data());
  std::ofstream(dir / "web.v2.policy") << "policy web {}\n";
  auto request = readPolicyFile((dir / "web.v2.policy").string(), "ciliumc", "");
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->name, "web.v2");
  EXPECT_EQ(request->text, "policy web {}\n");
  EXPECT_EQ(request->toJson()["format"], "ciliumc");
  EXPECT_EQ(readPolicyFile((dir / "web.v2.policy").string(), "ciliumc", "given")->name, "given");
  EXPECT_FALSE(readPolicyFile((dir / "nope.policy").string(), "ciliumc", "").ok());
  EXPECT_FALSE(readPolicyFile(dir.string(), "ciliumc", "").ok());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ciliumc::ctl
