// The pass manager's API: the pass list and contracts, option validation (unknown names with a
// suggestion, required passes), --dump-after output for IR and lowering passes, errors on
// inputs that are not parallel, timings and findings.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "passes_test_support.h"

namespace ciliumc {
namespace {

using namespace ciliumc::testing;

Inventory twoPods() {
  return InventoryBuilder()
      .ns("x")
      .pod("x", "web", {"app=web"}, {"10.0.0.1"})
      .pod("x", "client", {"app=client"}, {"10.0.0.2"})
      .build();
}

std::vector<PolicyRule> rules() {
  return {RuleBuilder("web", sel({"app=web"}), "x")
              .ingress(allow({{selPeer({"app=client"})}}, ports({"any/53"})))
              .ingress(allow({{selPeer({"app=client"})}}, ports({"any/53"})))};
}

const std::vector<std::string> kPipeline = {"normalize-l4", "dedupe-entries", "eliminate-subsumed", "deny-over-allow",
                                            "group-shapes", "intern-peers", "partition-ports", "classify-peers",
                                            "build-verdict-matrix", "aggregate-cidrs", "budget"};

TEST(PassesManagerTest, PipelineOrderAndContracts) {
  std::vector<std::string> names;
  for (const PassDescription& pass : listPasses()) {
    names.push_back(pass.name);
    EXPECT_GT(pass.contract.size(), 20u) << pass.name;
  }
  EXPECT_EQ(names, kPipeline);
  std::ostringstream out;
  printPasses(out);
  for (const std::string& name : kPipeline) EXPECT_NE(out.str().find(name), std::string::npos);
  EXPECT_NE(out.str().find("required"), std::string::npos);
  EXPECT_NE(out.str().find("optional"), std::string::npos);
}

// Each pass lives in a file of its own under passes/ whose first line is `// NAME: CONTRACT`.
TEST(PassesManagerTest, EachPassHasAFileStartingWithItsContract) {
  std::map<std::string, std::string> firstLines;  // first line -> file
  for (const auto& file : std::filesystem::directory_iterator(std::filesystem::path(CILIUMC_SOURCE_DIR) / "passes")) {
    if (file.path().extension() != ".cpp") continue;
    std::ifstream in(file.path());
    std::string line;
    std::getline(in, line);
    firstLines[line] = file.path().filename().string();
  }
  for (const PassDescription& pass : listPasses())
    EXPECT_TRUE(firstLines.count("// " + pass.name + ": " + pass.contract)) << pass.name << ": " << pass.contract;
}

TEST(PassesManagerTest, LoweringPassesAreRequired) {
  for (const PassDescription& pass : listPasses()) {
    bool optional = pass.name == "normalize-l4" || pass.name == "dedupe-entries" || pass.name == "eliminate-subsumed" ||
                    pass.name == "deny-over-allow" || pass.name == "aggregate-cidrs";
    EXPECT_EQ(pass.optional, optional) << pass.name;
  }
}

TEST(PassesManagerTest, DisablingARequiredPassIsAnError) {
  World w(twoPods(), rules());
  auto result = runPasses(w.ir, w.inventory, PassOptions{{"partition-ports"}, {}, nullptr});
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("required"), std::string::npos);
  EXPECT_NE(result.error().message.find("partition-ports"), std::string::npos);
}

TEST(PassesManagerTest, UnknownPassNamesGetASuggestion) {
  World w(twoPods(), rules());
  auto disabled = runPasses(w.ir, w.inventory, PassOptions{{"dedupe-entrie"}, {}, nullptr});
  ASSERT_FALSE(disabled);
  EXPECT_NE(disabled.error().message.find("unknown pass"), std::string::npos);
  EXPECT_NE(disabled.error().hint.find("dedupe-entries"), std::string::npos);
  std::ostringstream out;
  auto dumped = runPasses(w.ir, w.inventory, PassOptions{{}, {"budgte"}, &out});
  ASSERT_FALSE(dumped);
  EXPECT_NE(dumped.error().hint.find("budget"), std::string::npos);
  EXPECT_FALSE(validatePassOptions(PassOptions{{}, {"budget"}, nullptr})) << "a dump needs a stream";
  EXPECT_TRUE(validatePassOptions(PassOptions{{"aggregate-cidrs"}, {"budget"}, &out}));
}

TEST(PassesManagerTest, DumpAfterAnIrPassPrintsThePolicyIrPerShape) {
  World w(twoPods(), rules());
  std::ostringstream out;
  auto result = runPasses(w.ir, w.inventory, PassOptions{{}, {"normalize-l4", "dedupe-entries"}, &out});
  ASSERT_TRUE(result);
  std::string text = out.str();
  size_t normalized = text.find("# after normalize-l4");
  size_t deduped = text.find("# after dedupe-entries");
  ASSERT_NE(normalized, std::string::npos);
  ASSERT_NE(deduped, std::string::npos);
  std::string afterNormalize = text.substr(normalized, deduped - normalized);
  EXPECT_NE(afterNormalize.find("x/web"), std::string::npos);
  EXPECT_NE(afterNormalize.find("allow from { app = client"), std::string::npos) << afterNormalize;
  EXPECT_NE(afterNormalize.find("on tcp/53, udp/53, sctp/53"), std::string::npos) << afterNormalize;
  std::string afterDedupe = text.substr(deduped);
  EXPECT_NE(afterDedupe.find("finding duplicate"), std::string::npos) << afterDedupe;
  size_t first = afterDedupe.find("allow from");
  EXPECT_EQ(afterDedupe.find("allow from", first + 1), std::string::npos) << "one entry left";
  EXPECT_EQ(text.find("# after group-shapes"), std::string::npos) << "only the passes asked for";
}

TEST(PassesManagerTest, DumpAfterALoweringPassPrintsThePlan) {
  World w(twoPods(), rules());
  std::ostringstream out;
  ASSERT_TRUE(runPasses(w.ir, w.inventory, PassOptions{{}, {"build-verdict-matrix"}, &out}));
  std::string text = out.str();
  for (const char* part : {"# after build-verdict-matrix", "plan shapes 2", "shape 0 key ", "ingress enforced",
                           "port-ranges", "rows", "allow rule 1", "deny default-deny", "identity-classes", "ipcache"})
    EXPECT_NE(text.find(part), std::string::npos) << part << "\n" << text;
}

TEST(PassesManagerTest, DumpOfADisabledPassSaysSo) {
  World w(twoPods(), rules());
  std::ostringstream out;
  ASSERT_TRUE(runPasses(w.ir, w.inventory, PassOptions{{"dedupe-entries"}, {"dedupe-entries"}, &out}));
  EXPECT_NE(out.str().find("# dedupe-entries is disabled"), std::string::npos);
  EXPECT_EQ(out.str().find("finding duplicate"), std::string::npos);
}

TEST(PassesManagerTest, InventoryMustBeTheResolvedOne) {
  World w(twoPods(), rules());
  Inventory other = twoPods();
  auto result = runPasses(w.ir, other);
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("parallel"), std::string::npos);
  Inventory bigger = InventoryBuilder().ns("x").pod("x", "solo", {"app=solo"}, {"10.0.0.9"}).build();
  EXPECT_FALSE(runPasses(w.ir, bigger));
}

TEST(PassesManagerTest, TimingsAndFindingsAreReturned) {
  World w(twoPods(), rules());
  auto result = runPasses(w.ir, w.inventory, PassOptions{{"aggregate-cidrs"}, {}, nullptr});
  ASSERT_TRUE(result);
  ASSERT_EQ(result->timings.size(), kPipeline.size());
  for (size_t i = 0; i < kPipeline.size(); ++i) EXPECT_EQ(result->timings[i].pass, kPipeline[i]);
  EXPECT_EQ(result->timings[9].milliseconds, 0.0) << "disabled";
  EXPECT_GE(result->totalMilliseconds, 0.0);
  ASSERT_EQ(result->findings.size(), 1u);
  EXPECT_EQ(result->findings[0].kind, FindingKind::Duplicate);
}

TEST(PassesManagerTest, EmptyInputsPlan) {
  Inventory empty;
  PolicyIR ir = resolvePolicy(PolicySet{}, empty, {});
  auto result = runPasses(ir, empty);
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->plan.shapes.empty());
  EXPECT_TRUE(result->plan.endpoints.empty());
}

}  // namespace
}  // namespace ciliumc
