// A deterministic random generator of policies, inventories and probes, for property and
// differential tests (reference evaluator vs. other implementations of the same semantics).
// Contract: a seed and options reproduce the same scenario on every platform and standard
// library — the generator uses std::mt19937_64 (fully specified by the standard) and its own
// range reduction, never std::*_distribution.
#pragma once
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "ir/evaluator.h"
#include "ir/inventory.h"
#include "ir/l4.h"
#include "ir/policy.h"
#include "support/expected.h"

namespace ciliumc::testing {

// Uniform choices on top of mt19937_64. Modulo bias is irrelevant for test generation and
// keeps the output identical everywhere.
class RandomSource {
 public:
  explicit RandomSource(uint64_t seed) : engine_(seed) {}
  uint64_t next() { return engine_(); }
  uint64_t below(uint64_t bound) { return bound == 0 ? 0 : next() % bound; }  // [0, bound)
  int between(int low, int high) { return low + static_cast<int>(below(static_cast<uint64_t>(high - low) + 1)); }
  bool chance(int percent) { return below(100) < static_cast<uint64_t>(percent); }
  template <class T>
  const T& pick(const std::vector<T>& items) { return items[below(items.size())]; }

 private:
  std::mt19937_64 engine_;
};

struct GeneratorOptions {
  int maxPolicies = 5;
  int maxEntriesPerDirection = 4;
  int maxPeersPerEntry = 3;
  int namespaces = 3;
  int endpoints = 7;  // one of them namespace-less
  int externals = 2;
  int probes = 40;
  // Directions with entries that do not switch default-deny on (Cilium's enableDefaultDeny:
  // false). The policy language cannot express them, so round-trip tests turn this off.
  bool nonEnforcingDirections = true;
};

// One flow to evaluate: references as resolveParty accepts them ("ns/name", node or external
// name, or an IP). `family` picks the address of named parties.
struct ProbeSpec {
  std::string from;
  std::string to;
  IpFamily family = IpFamily::V4;
  Protocol protocol = Protocol::TCP;
  uint16_t port = 0;  // destination port, or ICMP type
  std::string toString() const;  // "x/a -> 10.0.0.1 tcp/80 (IPv4)"
};

struct RandomScenario {
  uint64_t seed = 0;
  PolicySet policies;
  Inventory inventory;  // identities assigned
  std::vector<ProbeSpec> probes;
};

RandomScenario generateScenario(uint64_t seed, const GeneratorOptions& options = {});

// Pieces for mutation properties: a random rule entry whose peers and ports draw on the same
// vocabulary as the scenario's, so it actually matches some probes.
RuleEntry generateRuleEntry(RandomSource& random, const Inventory& inventory, Verdict verdict,
                            const GeneratorOptions& options = {});

// Resolves a probe against the inventory with resolveParty (ir/party.h).
Expected<Probe> resolveProbe(const Inventory& inventory, const ProbeSpec& spec);

// A minimal human-readable reproducer: the policies in the language, the inventory and the
// probes, one per line.
std::string describe(const RandomScenario& scenario);

}  // namespace ciliumc::testing
