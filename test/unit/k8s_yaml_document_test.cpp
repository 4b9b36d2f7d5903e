// The YAML importer's document level: streams, lists, JSON, kinds, apiVersions, syntax errors,
// and robustness on arbitrary input.
#include "k8s_import_test_util.h"

#include <random>

namespace ciliumc {
namespace {

using testing::expectEachRejected;
using testing::expectOnlyDiagnostic;
using testing::importClean;
using testing::importText;

const std::string kNetworkPolicy =
    "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: a}\n"
    "spec: {podSelector: {}}\n";
const std::string kCiliumPolicy =
    "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: cnp, namespace: a}\n"
    "spec: {endpointSelector: {}}\n";

TEST(K8sYamlDocument, MultiDocumentStream) {
  auto r = importClean("---\n" + kNetworkPolicy + "---\n# only a comment\n---\n" + kCiliumPolicy + "...\n");
  ASSERT_EQ(r->policies.rules.size(), 2u);
  EXPECT_EQ(r->rule(0).origin, "NetworkPolicy");
  EXPECT_EQ(r->rule(1).origin, "CiliumNetworkPolicy");
  EXPECT_EQ(r->rule(1).location.line, 10);
}

TEST(K8sYamlDocument, EmptyFileHasNoPolicies) {
  auto r = importClean("");
  EXPECT_TRUE(r->policies.rules.empty());
  auto comments = importClean("# nothing here\n---\n");
  EXPECT_TRUE(comments->policies.rules.empty());
}

TEST(K8sYamlDocument, JsonInput) {
  auto r = importClean(R"({
  "apiVersion": "cilium.io/v2",
  "kind": "CiliumNetworkPolicy",
  "metadata": {"name": "j", "namespace": "x"},
  "spec": {
    "endpointSelector": {"matchLabels": {"app": "web"}},
    "ingress": [{"fromEndpoints": [{"matchLabels": {"k8s:app": "client"}}],
                 "toPorts": [{"ports": [{"port": "80", "protocol": "TCP"}]}]}]
  }
})");
  ASSERT_EQ(r->policies.rules.size(), 1u);
  const RuleEntry& entry = r->rule().ingress.entries.at(0);
  EXPECT_EQ(entry.peers->at(0).selector, LabelSelector({testing::eq("k8s", "app", "client")}));
  EXPECT_EQ(entry.l4.ports, (std::vector<PortRange>{{Protocol::TCP, 80, 80}}));
  EXPECT_EQ(entry.location.line, 7);
  EXPECT_EQ(entry.location.column, 17);
}

TEST(K8sYamlDocument, JsonUnknownFieldHasLocation) {
  auto r = importText(R"({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
 "metadata": {"name": "a", "namespace": "b"}, "spec": {"podSelector": {}, "ingres": []}})");
  ASSERT_EQ(r->count(DiagCode::CP4005), 1u) << r->dump();
  EXPECT_EQ(r->find(DiagCode::CP4005)->location.line, 2);
  EXPECT_EQ(r->find(DiagCode::CP4005)->location.column, 75);
  EXPECT_EQ(r->find(DiagCode::CP4005)->length, 8);  // the key with its quotes
}

TEST(K8sYamlDocument, KindListWithMixedItems) {
  auto r = importClean("apiVersion: v1\nkind: List\nitems:\n"
                       "- apiVersion: networking.k8s.io/v1\n  kind: NetworkPolicy\n  metadata: {name: a, namespace: n}\n"
                       "  spec: {podSelector: {}}\n"
                       "- apiVersion: cilium.io/v2\n  kind: CiliumClusterwideNetworkPolicy\n  metadata: {name: b}\n"
                       "  spec: {endpointSelector: {}}\n");
  ASSERT_EQ(r->policies.rules.size(), 2u);
  EXPECT_EQ(r->rule(0).name, "a");
  EXPECT_EQ(r->rule(1).origin, "CiliumClusterwideNetworkPolicy");
  EXPECT_EQ(r->rule(1).location.line, 9);
}

TEST(K8sYamlDocument, TypedListItemsMayOmitKindAndApiVersion) {
  auto r = importClean("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicyList\nmetadata: {resourceVersion: \"1\"}\n"
                       "items:\n- metadata: {name: a, namespace: n}\n  spec: {podSelector: {}}\n"
                       "- kind: NetworkPolicy\n  metadata: {name: b, namespace: n}\n  spec: {podSelector: {}}\n");
  ASSERT_EQ(r->policies.rules.size(), 2u);
  EXPECT_EQ(r->rule(0).origin, "NetworkPolicy");
  EXPECT_EQ(r->rule(0).location.line, 5);
  EXPECT_EQ(r->rule(1).location.line, 7);
}

TEST(K8sYamlDocument, ListErrors) {
  expectEachRejected("", {{"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicyList\nitems:\n"
                           "- kind: CiliumNetworkPolicy\n  metadata: {name: a}\n  spec: {endpointSelector: {}}",
                           DiagCode::CP4003},
                          {"apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: List, items: []}",
                           DiagCode::CP4003},
                          {"apiVersion: v1\nkind: List\nitems:\n- metadata: {name: a}", DiagCode::CP4002},
                          {"apiVersion: v1\nkind: List", DiagCode::CP4007},
                          {"apiVersion: v1\nkind: List\nitems: [3]", DiagCode::CP4002},
                          {"apiVersion: v2\nkind: List\nitems: []", DiagCode::CP4004}});
}

TEST(K8sYamlDocument, UnknownKindWithNearMissHint) {
  auto r = importText("apiVersion: networking.k8s.io/v1\nkind: NetworkPolcy\nmetadata: {name: a}\n");
  expectOnlyDiagnostic(*r, {DiagCode::CP4003, "unknown kind `NetworkPolcy` in a policy file",
                            "did you mean `NetworkPolicy`?", 2, 7, 12});
  EXPECT_FALSE(r->ok);

  auto cilium = importText("apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicies\n");
  EXPECT_EQ(cilium->onlyHint(DiagCode::CP4003), "did you mean `CiliumNetworkPolicy`?");

  auto far = importText("apiVersion: v1\nkind: ConfigMap\n");
  ASSERT_NE(far->find(DiagCode::CP4003), nullptr) << far->dump();
  EXPECT_NE(far->find(DiagCode::CP4003)->hint.find("ciliumc imports"), std::string::npos);
}

TEST(K8sYamlDocument, ApiVersionErrors) {
  auto wrong = importText("apiVersion: cilium.io/v1\nkind: CiliumNetworkPolicy\nmetadata: {name: a}\nspec: {}\n");
  ASSERT_EQ(wrong->count(DiagCode::CP4004), 1u) << wrong->dump();
  EXPECT_EQ(wrong->find(DiagCode::CP4004)->hint, "use `apiVersion: cilium.io/v2`");
  EXPECT_EQ(wrong->find(DiagCode::CP4004)->location.line, 1);
  auto missing = importText("kind: NetworkPolicy\nmetadata: {name: a}\nspec: {podSelector: {}}\n");
  EXPECT_EQ(missing->onlyHint(DiagCode::CP4004), "add `apiVersion: networking.k8s.io/v1`");
  auto extensions = importText("apiVersion: extensions/v1beta1\nkind: NetworkPolicy\nmetadata: {name: a}\n");
  EXPECT_EQ(extensions->count(DiagCode::CP4004), 1u) << extensions->dump();
}

TEST(K8sYamlDocument, DocumentWithoutKindIsError) {
  auto r = importText(kNetworkPolicy + "---\napiVersion: v1\nmetadata: {name: x}\n");
  ASSERT_EQ(r->count(DiagCode::CP4002), 1u) << r->dump();
  EXPECT_EQ(r->find(DiagCode::CP4002)->location.line, 6);
  EXPECT_FALSE(r->ok);
  EXPECT_TRUE(r->policies.rules.empty());  // nothing from a file with errors
}

TEST(K8sYamlDocument, NonMappingDocumentIsError) {
  expectEachRejected("", {{"- a\n- b", DiagCode::CP4002}, {"hello", DiagCode::CP4002}});
}

TEST(K8sYamlDocument, SyntaxErrorHasLocation) {
  auto r = importText("apiVersion: v1\nkind: List\nitems: [\n  {a: b}\n");
  ASSERT_EQ(r->count(DiagCode::CP4001), 1u) << r->dump();
  EXPECT_GT(r->find(DiagCode::CP4001)->location.line, 0);
  EXPECT_FALSE(r->ok);

  auto mapping = importText("kind: NetworkPolicy\nspec:\n  podSelector: {}\n bad: indentation\n");
  ASSERT_EQ(mapping->count(DiagCode::CP4001), 1u) << mapping->dump();
  EXPECT_EQ(mapping->find(DiagCode::CP4001)->location.line, 4);
}

TEST(K8sYamlDocument, TabIndentationHint) {
  auto r = importText("kind: NetworkPolicy\nspec:\n\tpodSelector: {}\n");
  EXPECT_EQ(r->onlyHint(DiagCode::CP4001), "YAML does not allow tabs for indentation; use spaces");
}

TEST(K8sYamlDocument, UnknownTopLevelField) {
  auto r = importText(kNetworkPolicy + "sepc: {}\n");
  EXPECT_EQ(r->onlyHint(DiagCode::CP4005), "did you mean `spec`?");
  auto specs = importText(kNetworkPolicy + "specs: []\n");  // `specs` is Cilium-only
  EXPECT_EQ(specs->count(DiagCode::CP4005), 1u) << specs->dump();
}

TEST(K8sYamlDocument, NothingAppendedAfterAnErrorAndExistingRulesKept) {
  DiagnosticEngine diags;
  PolicySet set;
  ASSERT_TRUE(importKubernetesPolicies("one.yaml", kNetworkPolicy, diags, set));
  EXPECT_FALSE(importKubernetesPolicies("two.yaml", kCiliumPolicy + "---\nkind: Nope\n", diags, set));
  ASSERT_EQ(set.rules.size(), 1u);
  EXPECT_EQ(*set.rules[0].location.file, "one.yaml");
  // A later good file still imports although the engine holds errors of another file.
  EXPECT_TRUE(importKubernetesPolicies("three.yaml", kCiliumPolicy, diags, set));
  EXPECT_EQ(set.rules.size(), 2u);
}

TEST(K8sYamlDocument, WarningsAsErrorsFailTheImport) {
  DiagnosticEngine diags;
  diags.setWarningsAsErrors(true);
  PolicySet set;
  EXPECT_FALSE(importKubernetesPolicies(
      "w.yaml", "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a}\nspec: {podSelector: {}}\n",
      diags, set));
  EXPECT_TRUE(set.rules.empty());
}

TEST(K8sYamlDocument, DisabledWarningIsNotReported) {
  DiagnosticEngine diags;
  ASSERT_TRUE(diags.disableWarning("missing-namespace"));
  PolicySet set;
  EXPECT_TRUE(importKubernetesPolicies(
      "w.yaml", "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a}\nspec: {podSelector: {}}\n",
      diags, set));
  EXPECT_TRUE(diags.diagnostics().empty());
  EXPECT_EQ(set.rules.at(0).namespaceName, "default");
}

TEST(K8sYamlDocument, SourceTextIsRegisteredForQuoting) {
  DiagnosticEngine diags;
  PolicySet set;
  (void)importKubernetesPolicies("q.yaml", "kind: Foo\n", diags, set);
  ASSERT_NE(diags.sourceText("q.yaml"), nullptr);
  EXPECT_EQ(*diags.sourceText("q.yaml"), "kind: Foo\n");
}

TEST(K8sYamlDocument, AnchorsAndAliasesAreResolved) {
  auto r = importClean("apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: a, namespace: b}\n"
                       "spec:\n  endpointSelector: &sel {matchLabels: {app: x}}\n"
                       "  ingress:\n  - fromEndpoints: [*sel]\n");
  EXPECT_EQ(r->rule().ingress.entries.at(0).peers->at(0).selector, r->rule().subject);
}

// Arbitrary bytes and mutations of a valid policy never crash or throw; each either imports or
// reports an error.
TEST(K8sYamlDocument, ArbitraryInputNeverCrashes) {
  const std::string seed = kCiliumPolicy +
                           "  ingress:\n  - fromEndpoints: [{matchLabels: {app: a}}]\n"
                           "    toPorts: [{ports: [{port: \"80\", protocol: TCP}], rules: {http: [{}]}}]\n"
                           "---\n" + kNetworkPolicy;
  std::mt19937 random(12345);
  const std::string alphabet = ":-[]{},'\"&*!|>#\t\n %@`ab01";
  for (int round = 0; round < 2000; ++round) {
    std::string text = seed;
    int edits = 1 + static_cast<int>(random() % 4);
    for (int e = 0; e < edits; ++e) {
      size_t at = random() % (text.size() + 1);
      switch (random() % 3) {
        case 0: text.insert(at, 1, alphabet[random() % alphabet.size()]); break;
        case 1: if (at < text.size()) text.erase(at, 1); break;
        default: if (at < text.size()) text[at] = alphabet[random() % alphabet.size()]; break;
      }
    }
    DiagnosticEngine diags;
    PolicySet set;
    bool ok = false;
    EXPECT_NO_THROW(ok = importKubernetesPolicies("fuzz.yaml", text, diags, set)) << text;
    if (!ok) EXPECT_TRUE(diags.hasErrors()) << text;
    else EXPECT_FALSE(diags.hasErrors()) << text;
  }
}

}  // namespace
}  // namespace ciliumc
