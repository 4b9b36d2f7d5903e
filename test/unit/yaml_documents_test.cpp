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
  for (const std::string text : {std::string(","), std::string("kind: NetworkPolicy\n---\n,\n")}) {
    DiagnosticEngine diags;
    PolicySet out;
    EXPECT_FALSE(importKubernetesPolicies("x.yaml", text, diags, out)) << text;
    ASSERT_FALSE(diags.diagnostics().empty());
    EXPECT_EQ(diags.diagnostics().back().code, DiagCode::CP4001);
  }
}

}  // namespace
}  // namespace ciliumc
