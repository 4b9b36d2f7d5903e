// `test` blocks: inventory, extra policy files and `expect` lines -> TestSuite.
#include <filesystem>
#include <fmt/format.h>

#include "frontend/lang/model_builder.h"
#include "frontend/lang/value_checks.h"

namespace ciliumc {

std::string ModelBuilder::resolvePath(const std::string& written) const {
  std::filesystem::path path(written);
  std::filesystem::path directory = std::filesystem::path(*source_.path()).parent_path();
  if (path.is_absolute() || directory.empty()) return path.lexically_normal().string();
  return (directory / path).lexically_normal().string();
}

std::optional<TestSuite> ModelBuilder::buildTest(P::TestBlockContext* block) {
  TestSuite suite;
  suite.name = wordOf(block->name()).text;
  suite.location = locationOf(block->TEST()->getSymbol());
  suite.policyFiles.push_back(*source_.path());  // the test's own file always contributes
  std::vector<std::pair<std::string, SourceLocation>> seen;
  bool hasInventory = false;
  bool hasExpect = false;
  for (auto* statement : block->testStatement()) {
    if (auto* expect = dynamic_cast<P::ExpectStatementContext*>(statement)) {
      hasExpect = true;
      if (auto testCase = buildExpect(expect)) suite.cases.push_back(std::move(*testCase));
      continue;
    }
    if (!firstOccurrence(seen, statement->getStart())) continue;
    if (auto* inventory = dynamic_cast<P::InventoryStatementContext*>(statement)) {
      suite.inventoryFile = resolvePath(wordOf(inventory->text()).text);
      hasInventory = true;
    } else if (auto* policies = dynamic_cast<P::PoliciesStatementContext*>(statement)) {
      for (auto* file : policies->text()) suite.policyFiles.push_back(resolvePath(wordOf(file).text));
    }
  }
  int nameLength = static_cast<int>(block->name()->getText().size());
  if (!hasInventory) {
    diags_.report(DiagCode::CP2006, locationOf(block->name()),
                  fmt::format("test `{}` has no `inventory`", suite.name),
                  "add `inventory \"inventory.yaml\"` (a path relative to this file)", nameLength);
  }
  if (!hasExpect) {
    diags_.report(DiagCode::CP2009, locationOf(block->name()),
                  fmt::format("test `{}` has no `expect` lines", suite.name),
                  "add e.g. `expect allow from ns/client to ns/server on tcp/80`", nameLength);
  }
  return suite;
}

namespace {

// A probe is one packet: exactly one protocol and one port (or ICMP type). Returns the problem.
std::string probeProblem(const PortSpec& spec) {
  if (spec.icmp) return "";
  const PortRange& range = *spec.ports;
  if (range.protocol == Protocol::Any) return "the protocol `any` names three protocols; pick one";
  if (range.allPorts()) return "a bare protocol names every port; give one, e.g. `tcp/80`";
  if (range.first != range.last) return "a port range names many ports; give one";
  if (range.first == 0) return "port 0 means every port; give one";
  return "";
}

}  // namespace

std::optional<TestCase> ModelBuilder::buildExpect(P::ExpectStatementContext* statement) {
  TestCase testCase;
  testCase.expect = statement->verdict->getType() == P::ALLOW ? Verdict::Allow : Verdict::Deny;
  testCase.location = locationOf(statement->EXPECT()->getSymbol());
  testCase.from = wordOf(statement->endpoint(0)).text;
  testCase.to = wordOf(statement->endpoint(1)).text;
  WrittenWord port = wordOf(statement->port());
  auto spec = checkedPortSpec(port.text, port.at, diags_);
  if (!spec) return std::nullopt;
  if (std::string problem = probeProblem(*spec); !problem.empty()) {
    diags_.report(DiagCode::CP2007, port.at,
                  fmt::format("`{}` is not a single port: {}", port.text, problem),
                  "an expectation describes one packet, e.g. `tcp/80`, `udp/53` or `icmp/echo-request`",
                  static_cast<int>(port.text.size()));
    return std::nullopt;
  }
  if (spec->icmp) {
    testCase.protocol = spec->icmp->protocol;
    testCase.port = spec->icmp->type;
  } else {
    testCase.protocol = spec->ports->protocol;
    testCase.port = spec->ports->first;
  }
  testCase.name = fmt::format("{} {} -> {} {}", verdictName(testCase.expect), testCase.from, testCase.to, port.text);
  return testCase;
}

}  // namespace ciliumc
