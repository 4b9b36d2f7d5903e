// The YAML helpers under the importers: 0-based marks to 1-based locations, offsets into quoted
// scalars, and schema-checked mappings (unknown, duplicate and null fields).
#include <gtest/gtest.h>

#include "frontend/k8s/yaml_fields.h"
#include "frontend/k8s/yaml_location.h"

namespace ciliumc {
namespace {

const auto kFile = std::make_shared<const std::string>("f.yaml");

TEST(K8sYamlLocation, MarksBecomeOneBased) {
  YAML::Node root = YAML::Load("a:\n  b: value\n");
  SourceLocation at = locationOfNode(root["a"]["b"], kFile);
  EXPECT_EQ(at.line, 2);
  EXPECT_EQ(at.column, 6);
  EXPECT_EQ(at.fileName(), "f.yaml");
  EXPECT_EQ(underlineLength(root["a"]["b"]), 5);
}

TEST(K8sYamlLocation, OffsetsSkipTheOpeningQuote) {
  YAML::Node root = YAML::Load("k: \"abc\"\np: abc\n");
  EXPECT_EQ(locationOfNode(root["k"], kFile).column, 4);  // the quote
  EXPECT_EQ(locationInScalar(root["k"], kFile, 2).column, 7);  // `c`
  EXPECT_EQ(locationInScalar(root["p"], kFile, 2).column, 6);
  EXPECT_EQ(underlineLength(root["k"]), 5);
}

TEST(K8sYamlLocation, UnknownMarkIsLineZero) {
  SourceLocation at = locationFromMark(YAML::Mark::null_mark(), kFile);
  EXPECT_EQ(at.line, 0);
  EXPECT_EQ(at.toString(), "f.yaml");
  YAML::Node built;  // built in memory: no mark
  built["x"] = 1;
  EXPECT_EQ(locationOfNode(built["x"], kFile).line, 0);
}

TEST(K8sYamlFields, KnownFieldsAndNullAsAbsent) {
  DiagnosticEngine diags;
  YamlReader reader("f.yaml", diags);
  YAML::Node node = YAML::Load("a: 1\nb:\nc: [x]\n");
  YamlFields fields(reader, node, "thing", {"a", "b", "c"});
  EXPECT_TRUE(fields.isMapping());
  EXPECT_TRUE(fields.has("a"));
  EXPECT_FALSE(fields.has("b"));  // null = omitted
  EXPECT_FALSE(fields.has("d"));
  EXPECT_EQ(reader.locationOf(fields.keyNode("b")).line, 2);
  ASSERT_TRUE(fields.get("c").has_value());
  EXPECT_TRUE(fields.get("c")->IsSequence());
  EXPECT_TRUE(diags.diagnostics().empty());
  EXPECT_FALSE(fields.require(reader, "b").has_value());
  ASSERT_EQ(diags.diagnostics().size(), 1u);
  EXPECT_EQ(diags.diagnostics()[0].code, DiagCode::CP4007);
  EXPECT_EQ(diags.diagnostics()[0].message, "thing needs field `b`");
}

TEST(K8sYamlFields, UnknownAndDuplicateFields) {
  DiagnosticEngine diags;
  YamlReader reader("f.yaml", diags);
  YAML::Node node = YAML::Load("egres: 1\nzzz: 2\ningress: 3\ningress: 4\n[x]: 5\n");
  YamlFields fields(reader, node, "rule", {"ingress", "egress"});
  const auto& d = diags.diagnostics();
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d[0].code, DiagCode::CP4005);
  EXPECT_EQ(d[0].hint, "did you mean `egress`?");
  EXPECT_EQ(d[1].code, DiagCode::CP4005);
  EXPECT_EQ(d[1].hint, "known fields: `ingress`, `egress`");
  EXPECT_EQ(d[2].code, DiagCode::CP4009);
  EXPECT_EQ(d[2].location.line, 4);
  EXPECT_EQ(d[3].code, DiagCode::CP4005);
  // The first `ingress` wins for reading; the duplicate was reported.
  EXPECT_EQ(fields.get("ingress")->Scalar(), "3");
}

TEST(K8sYamlFields, NonMappingIsWrongType) {
  DiagnosticEngine diags;
  YamlReader reader("f.yaml", diags);
  YamlFields fields(reader, YAML::Load("- a: 1\n"), "spec", {"a"});
  EXPECT_FALSE(fields.isMapping());
  ASSERT_EQ(diags.diagnostics().size(), 1u);
  EXPECT_EQ(diags.diagnostics()[0].code, DiagCode::CP4006);
  EXPECT_EQ(diags.diagnostics()[0].message, "spec must be a mapping, found a list");
  EXPECT_FALSE(fields.has("a"));
}

TEST(K8sYamlFields, TypedScalarReads) {
  DiagnosticEngine diags;
  YamlReader reader("f.yaml", diags);
  YAML::Node node = YAML::Load("t: true\nf: False\nx: maybe\ns: text\nl: [1]\n");
  EXPECT_EQ(reader.readBool(node["t"], "t"), std::optional<bool>(true));
  EXPECT_EQ(reader.readBool(node["f"], "f"), std::optional<bool>(false));
  EXPECT_FALSE(reader.readBool(node["x"], "x").has_value());
  EXPECT_EQ(reader.readString(node["s"], "s"), std::optional<std::string>("text"));
  EXPECT_FALSE(reader.readString(node["l"], "`l`").has_value());
  ASSERT_EQ(diags.diagnostics().size(), 2u);
  EXPECT_EQ(diags.diagnostics()[1].message, "`l` must be a string, found a list");
}

}  // namespace
}  // namespace ciliumc
