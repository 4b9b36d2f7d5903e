// Policy unit tests: a set of policies, an inventory, and probes with an expected verdict.
// Written as YAML test files (`cases:`) or as `test` blocks in the language; both become this.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "ir/inventory.h"
#include "ir/l4.h"
#include "ir/policy.h"
#include "ir/source_location.h"

namespace ciliumc {

struct TestCase {
  std::string name;  // optional; shown in PASS/FAIL lines and matched by --run
  std::string from;  // "ns/name", bare endpoint or external name, or an IP
  std::string to;
  Protocol protocol = Protocol::TCP;
  uint16_t port = 0;  // destination port, or ICMP type for icmp/icmpv6
  Verdict expect = Verdict::Allow;
  SourceLocation location;
};

struct TestSuite {
  std::string name;  // test block name, or the test file path
  // Policy files, already resolved relative to the file that named them.
  std::vector<std::string> policyFiles;
  // Either a path (resolved) or an inline inventory.
  std::string inventoryFile;
  std::optional<Inventory> inlineInventory;
  std::vector<TestCase> cases;
  SourceLocation location;
};

}  // namespace ciliumc
