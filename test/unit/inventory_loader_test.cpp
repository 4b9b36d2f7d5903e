// The inventory YAML loader: the model it builds and every error path, with locations.
#include "frontend/inputs/inventory_loader.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace ciliumc {
namespace {

struct Loaded {
  DiagnosticEngine diags;
  std::optional<Inventory> inventory;

  const Diagnostic& only() const {
    EXPECT_EQ(diags.diagnostics().size(), 1u) << dump();
    return diags.diagnostics().at(0);
  }
  std::string dump() const {
    std::string text;
    for (const auto& d : diags.diagnostics())
      text += std::string(diagInfo(d.code).code) + " " + d.location.toString() + " " + d.message + " | " + d.hint + "\n";
    return text;
  }
};

std::unique_ptr<Loaded> load(const std::string& text) {
  auto loaded = std::make_unique<Loaded>();
  YAML::Node root = YAML::Load(text);
  loaded->inventory = inventoryFromYaml(root, "inv.yaml", loaded->diags);
  return loaded;
}

// Expects exactly one diagnostic with this code at line:col.
void expectError(const std::string& text, DiagCode code, int line, int column, const std::string& messagePart,
                 const std::string& hintPart = "") {
  auto loaded = load(text);
  EXPECT_FALSE(loaded->inventory.has_value());
  const Diagnostic& d = loaded->only();
  EXPECT_EQ(diagInfo(d.code).code, diagInfo(code).code) << loaded->dump();
  EXPECT_EQ(d.location.fileName(), "inv.yaml");
  EXPECT_EQ(d.location.line, line) << loaded->dump();
  EXPECT_EQ(d.location.column, column) << loaded->dump();
  EXPECT_NE(d.message.find(messagePart), std::string::npos) << loaded->dump();
  EXPECT_NE(d.hint.find(hintPart), std::string::npos) << loaded->dump();
}

const char* kValid = R"(cluster: prod-cluster
namespaces:
  - name: x
    labels: {team: a}
  - name: y
endpoints:
  - name: web
    namespace: x
    serviceAccount: web-sa
    labels: {app: web, container:runtime: docker, unspec:legacy: "1"}
    ips: [10.0.0.1, "fd00::1"]
  - name: web2
    namespace: x
    labels: [app=web, pod-template-hash=abc]
    ips: 10.0.0.2
  - name: vm
    labels: {role: db}
    ips: [10.0.0.9]
nodes:
  - {name: node-1, ips: [192.168.0.1], local: true}
  - {name: node-2, ips: [192.168.0.2]}
externals:
  - {name: ext-a, ips: [192.0.2.10, "2001:db8::10"]}
)";

TEST(InventoryLoaderTest, LoadsEveryKind) {
  auto loaded = load(kValid);
  ASSERT_TRUE(loaded->inventory) << loaded->dump();
  const Inventory& inv = *loaded->inventory;
  EXPECT_EQ(inv.cluster, "prod-cluster");
  ASSERT_EQ(inv.namespaces.size(), 2u);
  EXPECT_EQ(inv.namespaces[0].labels.at("team"), "a");
  EXPECT_EQ(inv.namespaces[0].location.line, 3);
  ASSERT_EQ(inv.endpoints.size(), 3u);
  EXPECT_EQ(inv.endpoints[0].serviceAccount, "web-sa");
  EXPECT_EQ(inv.endpoints[0].ips.size(), 2u);
  EXPECT_EQ(inv.endpoints[0].location.line, 7);
  EXPECT_EQ(inv.endpoints[0].location.column, 5);
  EXPECT_EQ(inv.endpoints[1].ips.size(), 1u) << "a single address is a one-element list";
  ASSERT_EQ(inv.nodes.size(), 2u);
  EXPECT_TRUE(inv.nodes[0].local);
  EXPECT_FALSE(inv.nodes[1].local);
  ASSERT_EQ(inv.externals.size(), 1u);
  EXPECT_EQ(inv.externals[0].ips[1].toString(), "2001:db8::10");
}

TEST(InventoryLoaderTest, PodLabelsGetK8sSourceAndDerivedLabels) {
  auto loaded = load(kValid);
  ASSERT_TRUE(loaded->inventory) << loaded->dump();
  const LabelSet& web = loaded->inventory->endpoints[0].labels;
  EXPECT_EQ(web.toString(),
            "container:runtime=docker, k8s:app=web, k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name=x, "
            "k8s:io.cilium.k8s.namespace.labels.team=a, k8s:io.cilium.k8s.policy.cluster=prod-cluster, "
            "k8s:io.cilium.k8s.policy.serviceaccount=web-sa, k8s:io.kubernetes.pod.namespace=x, unspec:legacy=1");
  EXPECT_EQ(loaded->inventory->endpoints[2].labels.toString(), "unspec:role=db") << "not a pod: no derivation";
}

TEST(InventoryLoaderTest, IdentitiesAreAssigned) {
  auto loaded = load(kValid);
  ASSERT_TRUE(loaded->inventory) << loaded->dump();
  const auto& eps = loaded->inventory->endpoints;
  for (const auto& endpoint : eps) EXPECT_GE(endpoint.identity, kMinClusterIdentity);
  EXPECT_NE(eps[0].identity, eps[1].identity) << "web has a service account and more labels";
  EXPECT_NE(eps[1].identity, eps[2].identity);
}

TEST(InventoryLoaderTest, EmptyDocumentIsAnEmptyInventory) {
  auto loaded = load("");
  ASSERT_TRUE(loaded->inventory);
  EXPECT_TRUE(loaded->inventory->endpoints.empty());
  EXPECT_EQ(loaded->inventory->cluster, "default");
}

TEST(InventoryLoaderTest, UnknownKeysSuggestTheRightOne) {
  expectError("endpoint:\n  - name: a\n", DiagCode::CP5002, 1, 1, "unknown key `endpoint` in the inventory",
              "did you mean `endpoints`?");
  expectError("endpoints:\n  - name: a\n    label: {app: web}\n", DiagCode::CP5002, 3, 5, "unknown key `label` in endpoint",
              "did you mean `labels`?");
  expectError("nodes:\n  - {name: n, ips: [192.168.0.1], locale: true}\n", DiagCode::CP5002, 2, 35, "`locale`",
              "did you mean `local`?");
}

TEST(InventoryLoaderTest, DuplicateYamlKeys) {
  expectError("endpoints:\n  - name: a\n    name: b\n", DiagCode::CP5007, 3, 5, "key `name` appears twice",
              "inv.yaml:2:5");
}

TEST(InventoryLoaderTest, WrongShapes) {
  expectError("- a\n- b\n", DiagCode::CP5003, 1, 1, "the inventory must be a mapping");
  expectError("endpoints: {name: a}\n", DiagCode::CP5003, 1, 12, "`endpoints` must be a list");
  expectError("endpoints:\n  - name: a\n    labels: web\n", DiagCode::CP5003, 3, 13, "labels must be a mapping");
  expectError("nodes:\n  - {name: n, ips: [192.168.0.1], local: yes}\n", DiagCode::CP5003, 2, 42,
              "`local` must be `true` or `false`");
  expectError("endpoints:\n  - name: [a]\n", DiagCode::CP5003, 2, 11, "`name` must be a single value");
}

TEST(InventoryLoaderTest, MissingRequiredKeys) {
  expectError("endpoints:\n  - labels: {app: web}\n", DiagCode::CP5004, 2, 5, "endpoint has no `name`");
  expectError("nodes:\n  - name: n\n", DiagCode::CP5004, 2, 5, "node `n` has no `ips`");
  expectError("externals:\n  - name: e\n", DiagCode::CP5004, 2, 5, "external `e` has no `ips`");
  expectError("endpoints:\n  - name: a\n    serviceAccount: sa\n", DiagCode::CP5004, 3, 21, "no `namespace`");
}

TEST(InventoryLoaderTest, InvalidAddresses) {
  expectError("endpoints:\n  - name: a\n    ips: [10.0.0.300]\n", DiagCode::CP5005, 3, 18, "invalid IP address `10.0.0.300`");
  expectError("externals:\n  - name: e\n    ips: [\"10.0.0.0/8\"]\n", DiagCode::CP5005, 3, 20, "invalid IP address",
              "single addresses");
}

TEST(InventoryLoaderTest, DuplicateAddressesAcrossKinds) {
  expectError("endpoints:\n  - {name: a, ips: [10.0.0.1]}\nnodes:\n  - {name: n, ips: [10.0.0.1]}\n", DiagCode::CP5006, 4,
              21, "already used by `a`", "inv.yaml:2:21");
  expectError("externals:\n  - {name: e, ips: [\"fd00::1\"]}\n  - {name: f, ips: [\"fd00:0::1\"]}\n", DiagCode::CP5006, 3,
              22, "IP address fd00::1 of `f` is already used by `e`");
}

TEST(InventoryLoaderTest, DuplicateNames) {
  expectError("namespaces: [{name: x}, {name: x}]\n", DiagCode::CP5007, 1, 25, "duplicate namespace `x`");
  expectError("namespaces: [{name: x}]\nendpoints:\n  - {name: a, namespace: x}\n  - {name: a, namespace: x}\n",
              DiagCode::CP5007, 4, 5, "duplicate endpoint `x/a`", "inv.yaml:3:5");
  expectError("endpoints:\n  - {name: a}\nexternals:\n  - {name: a, ips: [192.0.2.1]}\n", DiagCode::CP5007, 4, 5,
              "external `a` has the same name as an endpoint");
  expectError("nodes:\n  - {name: n, ips: [192.168.0.1]}\nexternals:\n  - {name: n, ips: [192.0.2.1]}\n",
              DiagCode::CP5007, 4, 5, "duplicate node or external name `n`");
  expectError("endpoints:\n  - name: a\n    labels: {app: x, app: y}\n", DiagCode::CP5007, 3, 22, "duplicate label key `app`");
}

TEST(InventoryLoaderTest, SameNameInTwoNamespacesIsFine) {
  auto loaded = load("namespaces: [{name: x}, {name: y}]\nendpoints:\n  - {name: a, namespace: x}\n  - {name: a, namespace: y}\n");
  ASSERT_TRUE(loaded->inventory) << loaded->dump();
  EXPECT_EQ(loaded->inventory->endpoints.size(), 2u);
}

TEST(InventoryLoaderTest, UndeclaredNamespace) {
  expectError("namespaces: [{name: prod}]\nendpoints:\n  - {name: a, namespace: prd}\n", DiagCode::CP5008, 3, 26,
              "namespace `prd` is not declared", "did you mean `prod`?");
  expectError("endpoints:\n  - {name: a, namespace: prod}\n", DiagCode::CP5008, 2, 26, "not declared",
              "namespaces: [{name: prod}]");
}

TEST(InventoryLoaderTest, OnlyOneLocalNode) {
  expectError("nodes:\n  - {name: a, ips: [192.168.0.1], local: true}\n  - {name: b, ips: [192.168.0.2], local: true}\n",
              DiagCode::CP5009, 3, 42, "`b` is the second node marked `local: true`", "`a` (inv.yaml:2:5)");
  auto none = load("nodes:\n  - {name: a, ips: [192.168.0.1]}\n");
  ASSERT_TRUE(none->inventory) << "no local node is fine";
}

TEST(InventoryLoaderTest, InvalidLabelsUseTheSharedLabelChecksAtTheByte) {
  expectError("endpoints:\n  - name: a\n    labels: {\"app name\": web}\n", DiagCode::CP3001, 3, 18,
              "invalid label key `app name`");
  expectError("endpoints:\n  - name: a\n    labels: {app: \"we b\"}\n", DiagCode::CP3002, 3, 22,
              "invalid label value `we b`");
  expectError("endpoints:\n  - name: a\n    labels: [k8s:app=-web]\n", DiagCode::CP3002, 3, 22, "invalid label value");
  expectError("endpoints:\n  - name: a\n    labels: [k8z:app=web]\n", DiagCode::CP3003, 3, 14, "unknown label source `k8z`",
              "did you mean `k8s`?");
  expectError("endpoints:\n  - name: a\n    labels: {any:app: web}\n", DiagCode::CP3004, 3, 14, "only valid in selectors");
  expectError("namespaces:\n  - name: x\n    labels: {k8s:team: a}\n", DiagCode::CP5010, 3, 14, "has a source");
  expectError("namespaces:\n  - name: x\n    labels: {team: \"a b\"}\n", DiagCode::CP3002, 3, 22, "invalid label value");
}

TEST(InventoryLoaderTest, ExplicitSourcesAndReservedShorthand) {
  auto loaded = load("namespaces: [{name: x}]\nendpoints:\n  - name: a\n    namespace: x\n"
                     "    labels: [unspec:u=1, container:c=2, $special]\n");
  ASSERT_TRUE(loaded->inventory) << loaded->dump();
  const LabelSet& labels = loaded->inventory->endpoints[0].labels;
  EXPECT_TRUE(labels.has(Label{"unspec", "u", "1"})) << "an explicit unspec source is kept";
  EXPECT_TRUE(labels.has(Label{"container", "c", "2"}));
  EXPECT_TRUE(labels.has(Label{"reserved", "special", ""}));
}

TEST(InventoryLoaderTest, DerivedLabelConflicts) {
  expectError("namespaces: [{name: x}]\nendpoints:\n  - name: a\n    namespace: x\n"
              "    labels: {io.kubernetes.pod.namespace: y}\n",
              DiagCode::CP5011, 5, 14, "contradicts the derived label `k8s:io.kubernetes.pod.namespace=x`");
  expectError("namespaces:\n  - name: x\n    labels: {kubernetes.io/metadata.name: z}\n", DiagCode::CP5011, 3, 14,
              "must equal the namespace name");
  auto same = load("namespaces: [{name: x}]\nendpoints:\n  - {name: a, namespace: x, labels: {io.kubernetes.pod.namespace: x}}\n");
  EXPECT_TRUE(same->inventory) << "repeating the derived value is harmless: " << same->dump();
}

TEST(InventoryLoaderTest, InvalidNames) {
  expectError("endpoints:\n  - name: x/a\n", DiagCode::CP5017, 2, 12, "contains `/`", "namespace:");
  expectError("endpoints:\n  - name: \"\"\n", DiagCode::CP5017, 2, 12, "name is empty");
  expectError("nodes:\n  - {name: \"node 1\", ips: [192.168.0.1]}\n", DiagCode::CP5017, 2, 17, "contains whitespace");
  expectError("cluster: \"bad cluster\"\n", DiagCode::CP3002, 1, 14, "invalid label value `bad cluster`");
  expectError("namespaces: [{name: Prod}]\n", DiagCode::CP3006, 1, 21, "invalid namespace name `Prod`", "`prod`");
  expectError("namespaces: [{name: x}]\nendpoints:\n  - {name: a, namespace: x, serviceAccount: \"-sa\"}\n",
              DiagCode::CP3002, 3, 46, "invalid label value `-sa`");
}

TEST(InventoryLoaderTest, ReportsEveryProblemInOnePass) {
  auto loaded = load("endpoints:\n  - {name: a, ips: [bad]}\n  - {name: b, colour: red}\nnodes:\n  - {name: n}\n");
  EXPECT_FALSE(loaded->inventory);
  EXPECT_EQ(loaded->diags.errorCount(), 3u) << loaded->dump();
}

class InventoryFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ciliumc-inventory-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    auto path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }
  std::filesystem::path dir_;
};

TEST_F(InventoryFileTest, LoadsAFile) {
  DiagnosticEngine diags;
  auto inv = loadInventoryFile(write("inv.yaml", kValid), diags);
  ASSERT_TRUE(inv);
  EXPECT_EQ(inv->endpoints.size(), 3u);
  EXPECT_EQ(*inv->endpoints[0].location.file, (dir_ / "inv.yaml").string());
}

TEST_F(InventoryFileTest, SyntaxErrorHasALocation) {
  DiagnosticEngine diags;
  auto path = write("bad.yaml", "endpoints:\n  - {name: a, ips: [10.0.0.1}\n");
  EXPECT_FALSE(loadInventoryFile(path, diags));
  ASSERT_EQ(diags.diagnostics().size(), 1u);
  const Diagnostic& d = diags.diagnostics()[0];
  EXPECT_EQ(d.code, DiagCode::CP5001);
  EXPECT_EQ(d.location.fileName(), path);
  EXPECT_EQ(d.location.line, 2);
  EXPECT_GT(d.location.column, 0);
}

TEST_F(InventoryFileTest, MissingFile) {
  DiagnosticEngine diags;
  EXPECT_FALSE(loadInventoryFile((dir_ / "absent.yaml").string(), diags));
  ASSERT_EQ(diags.diagnostics().size(), 1u);
  EXPECT_EQ(diags.diagnostics()[0].code, DiagCode::CP1001);
}

}  // namespace
}  // namespace ciliumc
