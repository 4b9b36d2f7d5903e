// The YAML test-file loader: suites it builds, path resolution, and every error path.
#include "frontend/inputs/test_file_loader.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace ciliumc {
namespace {

namespace fs = std::filesystem;

class TestFileLoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ciliumc-testfile-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_ / "policies");
    std::ofstream(dir_ / "policies" / "web.policy") << "policy web { select {} }\n";
    std::ofstream(dir_ / "inventory.yaml") << "endpoints: [{name: a}]\n";
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::optional<TestSuite> load(const std::string& text) {
    path_ = (dir_ / "suite.yaml").string();
    return loadTestFile(path_, text, diags_);
  }
  std::string dump() const {
    std::string text;
    for (const auto& d : diags_.diagnostics())
      text += std::string(diagInfo(d.code).code) + " " + d.location.toString() + " " + d.message + " | " + d.hint + "\n";
    return text;
  }
  // Exactly one diagnostic, with this code and location.
  void expectError(const std::string& text, DiagCode code, int line, int column, const std::string& messagePart,
                   const std::string& hintPart = "") {
    diags_ = DiagnosticEngine();
    EXPECT_FALSE(load(text)) << text;
    ASSERT_EQ(diags_.diagnostics().size(), 1u) << dump();
    const Diagnostic& d = diags_.diagnostics()[0];
    EXPECT_EQ(diagInfo(d.code).code, diagInfo(code).code) << dump();
    EXPECT_EQ(d.location.fileName(), path_);
    EXPECT_EQ(d.location.line, line) << dump();
    EXPECT_EQ(d.location.column, column) << dump();
    EXPECT_NE(d.message.find(messagePart), std::string::npos) << dump();
    EXPECT_NE(d.hint.find(hintPart), std::string::npos) << dump();
  }

  static std::string withCases(const std::string& cases) {
    return "policies: [policies/web.policy]\ninventory: inventory.yaml\ncases:\n" + cases;
  }

  fs::path dir_;
  std::string path_;
  DiagnosticEngine diags_;
};

TEST_F(TestFileLoaderTest, LoadsASuite) {
  auto suite = load(withCases(
      "  - name: client reaches web\n"
      "    from: x/client\n    to: x/web\n    proto: tcp\n    port: 80\n    expect: allow\n"
      "  - {from: x/web, to: 192.0.2.10, proto: icmp, type: echo-request, expect: deny}\n"
      "  - {from: a, to: b, proto: icmpv6, type: 128, expect: allow}\n"
      "  - {from: a, to: b, port: 53, proto: UDP, expect: Deny}\n"
      "  - {from: a, to: b, port: 9, proto: sctp, expect: allow}\n"
      "  - {from: a, to: b, port: 443, expect: allow}\n"));
  ASSERT_TRUE(suite) << dump();
  EXPECT_EQ(suite->name, path_);
  ASSERT_EQ(suite->policyFiles.size(), 1u);
  EXPECT_EQ(suite->policyFiles[0], (dir_ / "policies" / "web.policy").string());
  EXPECT_EQ(suite->inventoryFile, (dir_ / "inventory.yaml").string());
  EXPECT_FALSE(suite->inlineInventory);
  ASSERT_EQ(suite->cases.size(), 6u);
  const TestCase& first = suite->cases[0];
  EXPECT_EQ(first.name, "client reaches web");
  EXPECT_EQ(first.from, "x/client");
  EXPECT_EQ(first.to, "x/web");
  EXPECT_EQ(first.protocol, Protocol::TCP);
  EXPECT_EQ(first.port, 80);
  EXPECT_EQ(first.expect, Verdict::Allow);
  EXPECT_EQ(first.location.line, 4);
  EXPECT_EQ(first.location.column, 5);
  EXPECT_EQ(suite->cases[1].protocol, Protocol::ICMP);
  EXPECT_EQ(suite->cases[1].port, 8) << "echo-request";
  EXPECT_EQ(suite->cases[1].expect, Verdict::Deny);
  EXPECT_EQ(suite->cases[2].protocol, Protocol::ICMPv6);
  EXPECT_EQ(suite->cases[2].port, 128);
  EXPECT_EQ(suite->cases[3].protocol, Protocol::UDP) << "case-insensitive";
  EXPECT_EQ(suite->cases[3].expect, Verdict::Deny);
  EXPECT_EQ(suite->cases[4].protocol, Protocol::SCTP);
  EXPECT_EQ(suite->cases[5].protocol, Protocol::TCP) << "tcp is the default";
}

TEST_F(TestFileLoaderTest, InlineInventory) {
  auto suite = load("policies: []\ninventory:\n  endpoints: [{name: a, ips: [10.0.0.1]}]\ncases: []\n");
  ASSERT_TRUE(suite) << dump();
  ASSERT_TRUE(suite->inlineInventory);
  ASSERT_EQ(suite->inlineInventory->endpoints.size(), 1u);
  EXPECT_EQ(suite->inlineInventory->endpoints[0].location.fileName(), path_);
  EXPECT_EQ(suite->inlineInventory->endpoints[0].location.line, 3);
  EXPECT_TRUE(suite->inventoryFile.empty());
}

TEST_F(TestFileLoaderTest, InlineInventoryErrorsAreReported) {
  expectError("policies: []\ninventory:\n  endpoints: [{name: a, ips: [10.0.0.256]}]\ncases: []\n", DiagCode::CP5005, 3, 38,
              "invalid IP address");
}

TEST_F(TestFileLoaderTest, SyntaxError) {
  expectError("policies: [a\ncases: []\n", DiagCode::CP5001, 2, 6, "invalid YAML");
}

TEST_F(TestFileLoaderTest, UnknownKeys) {
  expectError("policies: []\ninventory: inventory.yaml\ncase: []\n", DiagCode::CP5002, 3, 1, "unknown key `case`",
              "did you mean `cases`?");
  expectError(withCases("  - {from: a, to: b, port: 80, expected: allow}\n"), DiagCode::CP5002, 4, 32,
              "unknown key `expected` in a test case", "did you mean `expect`?");
}

TEST_F(TestFileLoaderTest, MissingTopLevelKeys) {
  expectError("inventory: inventory.yaml\ncases: []\n", DiagCode::CP5004, 1, 1, "the test file has no `policies`");
  expectError("policies: []\ncases: []\n", DiagCode::CP5004, 1, 1, "no `inventory`");
  expectError("policies: []\ninventory:\ncases: []\n", DiagCode::CP5004, 2, 1, "`inventory` is empty");
}

TEST_F(TestFileLoaderTest, MissingCaseKeys) {
  expectError(withCases("  - {from: a, port: 80, expect: allow}\n"), DiagCode::CP5004, 4, 5, "test case has no `to`");
  expectError(withCases("  - {from: a, to: \"\", port: 80, expect: allow}\n"), DiagCode::CP5004, 4, 20, "`to` is empty");
}

TEST_F(TestFileLoaderTest, ReferencedFilesMustExist) {
  expectError("policies: [policies/wbe.policy]\ninventory: inventory.yaml\ncases: []\n", DiagCode::CP5016, 1, 12,
              "policy file `policies/wbe.policy` not found", "relative to the test file");
  expectError("policies: []\ninventory: inv.yaml\ncases: []\n", DiagCode::CP5016, 2, 12, "inventory file `inv.yaml` not found");
}

TEST_F(TestFileLoaderTest, Protocols) {
  expectError(withCases("  - {from: a, to: b, proto: tpc, port: 80, expect: allow}\n"), DiagCode::CP5012, 4, 29,
              "unknown protocol `tpc`", "did you mean `tcp`?");
  expectError(withCases("  - {from: a, to: b, proto: any, port: 80, expect: allow}\n"), DiagCode::CP5012, 4, 29,
              "unknown protocol `any`", "one concrete packet");
}

TEST_F(TestFileLoaderTest, Ports) {
  expectError(withCases("  - {from: a, to: b, expect: allow}\n"), DiagCode::CP5013, 4, 5, "has no `port`");
  expectError(withCases("  - {from: a, to: b, port: 0, expect: allow}\n"), DiagCode::CP5013, 4, 28, "invalid port `0`");
  expectError(withCases("  - {from: a, to: b, port: 65536, expect: allow}\n"), DiagCode::CP5013, 4, 28, "invalid port");
  expectError(withCases("  - {from: a, to: b, port: http, expect: allow}\n"), DiagCode::CP5013, 4, 28, "invalid port");
}

TEST_F(TestFileLoaderTest, IcmpTypes) {
  expectError(withCases("  - {from: a, to: b, proto: icmp, expect: allow}\n"), DiagCode::CP5014, 4, 5, "has no `type`");
  expectError(withCases("  - {from: a, to: b, proto: icmp, type: echo-requets, expect: allow}\n"), DiagCode::CP5014, 4,
              41, "unknown icmp type `echo-requets`", "did you mean `echo-request`?");
  expectError(withCases("  - {from: a, to: b, proto: icmp, type: 256, expect: allow}\n"), DiagCode::CP5014, 4, 41,
              "unknown icmp type `256`");
  auto camel = load(withCases("  - {from: a, to: b, proto: icmp, type: EchoReply, expect: allow}\n"));
  ASSERT_TRUE(camel) << dump();
  EXPECT_EQ(camel->cases[0].port, 0) << "Cilium's CamelCase names are accepted";
}

TEST_F(TestFileLoaderTest, KeysThatDoNotApplyToTheProtocol) {
  expectError(withCases("  - {from: a, to: b, proto: icmp, port: 8, expect: allow}\n"), DiagCode::CP5018, 4, 35,
              "`port` does not apply to icmp probes", "use `type`");
  expectError(withCases("  - {from: a, to: b, port: 80, type: 8, expect: allow}\n"), DiagCode::CP5018, 4, 32,
              "`type` does not apply to tcp probes", "use `port`");
}

TEST_F(TestFileLoaderTest, Expectations) {
  expectError(withCases("  - {from: a, to: b, port: 80, expect: alow}\n"), DiagCode::CP5015, 4, 40,
              "`expect` must be `allow` or `deny`", "did you mean `allow`?");
}

TEST_F(TestFileLoaderTest, WrongShapes) {
  expectError("policies: []\ninventory: [a]\ncases: []\n", DiagCode::CP5003, 2, 12, "inventory file");
  expectError("policies: []\ninventory: inventory.yaml\ncases: {from: a}\n", DiagCode::CP5003, 3, 8, "`cases` must be a list");
  expectError(withCases("  - just a string\n"), DiagCode::CP5003, 4, 5, "a test case must be a mapping");
}

TEST_F(TestFileLoaderTest, ReportsEveryBadCase) {
  EXPECT_FALSE(load(withCases("  - {from: a, to: b, port: 0, expect: allow}\n"
                              "  - {from: a, to: b, port: 80, expect: maybe}\n"
                              "  - {from: a, to: b, port: 80, expect: allow}\n")));
  EXPECT_EQ(diags_.errorCount(), 2u) << dump();
}

}  // namespace
}  // namespace ciliumc
