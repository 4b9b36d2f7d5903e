// Splitting YAML streams into documents (our replacement for yaml-cpp 0.7's LoadAll, which
// never returns on some malformed input).
#include "frontend/k8s/yaml_documents.h"

#include <gtest/gtest.h>

#include "frontend/k8s/import_yaml.h"

namespace ciliumc {
namespace {

TEST(YamlDocuments, StreamWithoutMarkersIsOneDocument) {
  auto docs = splitYamlDocuments("a: 1\nb: 2\n");
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0], "a: 1\nb: 2\n");
}

TEST(YamlDocuments, MarkersSplitAndLineNumbersStayThoseOfTheFile) {
  auto nodes = loadYamlDocuments("a: 1\n---\nb: 2\n---\n\nc: 3\n");
  ASSERT_EQ(nodes.size(), 3u);
  EXPECT_EQ(nodes[1]["b"].as<int>(), 2);
  EXPECT_EQ(nodes[1]["b"].Mark().line, 2);  // 0-based: third line of the file
  EXPECT_EQ(nodes[2]["c"].Mark().line, 5);
}

TEST(YamlDocuments, MarkerMustStartTheLine) {
  auto docs = splitYamlDocuments("a: \"x --- y\"\nb: |\n  ---\n");
  EXPECT_EQ(docs.size(), 1u);
}

TEST(YamlDocuments, MarkerWithContentOnItsLineKeepsTheContent) {
  auto nodes = loadYamlDocuments("--- {a: 1}\n--- {b: 2}\n");
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_EQ(nodes[0]["a"].as<int>(), 1);
  EXPECT_EQ(nodes[1]["b"].as<int>(), 2);
}

// The inputs that made YAML::LoadAll loop forever (found by fuzz/fuzz_k8s_yaml): now a syntax
// error, reported once, in bounded time.
TEST(YamlDocuments, MalformedStreamsThatHungLoadAllGiveASyntaxError) {
  for (const std::string& text : {std::string(","), std::string("kind: NetworkPolicy\n---\n,\n")}) {
    DiagnosticEngine diags;
    PolicySet out;
    EXPECT_FALSE(importKubernetesPolicies("x.yaml", text, diags, out)) << text;
    ASSERT_FALSE(diags.diagnostics().empty());
    EXPECT_EQ(diags.diagnostics().back().code, DiagCode::CP4001);
  }
}

// Found by fuzz/fuzz_k8s_yaml: invalid UTF-8 inside a quoted YAML string used to be accepted,
// and then the converted policy did not parse.
TEST(YamlDocuments, InvalidUtf8IsASyntaxErrorAtItsByte) {
  DiagnosticEngine diags;
  PolicySet out;
  std::string text = "kind: NetworkPolicy\nmetadata: {name: \"\x91\"}\n";
  EXPECT_FALSE(importKubernetesPolicies("x.yaml", text, diags, out));
  ASSERT_EQ(diags.diagnostics().size(), 1u);
  const Diagnostic& d = diags.diagnostics()[0];
  EXPECT_EQ(d.code, DiagCode::CP4001);
  EXPECT_EQ(d.location.line, 2);
  EXPECT_EQ(d.location.column, 19);
  EXPECT_NE(d.message.find("invalid UTF-8 byte 0x91"), std::string::npos) << d.message;
}

}  // namespace
}  // namespace ciliumc
