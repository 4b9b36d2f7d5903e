// Deterministic generators of large, realistic inputs for the benchmarks: policies in the
// language and inventories, of any size. Shared by bench/check_speed.cpp (the front end) and
// bench/backend_speed.cpp (the back end).
//
// Policies select `app` labels (optionally one "hot" app that many policies select, like a
// popular service), namespaced or cluster-wide, with entries of every kind: selectors of every
// operator, entities, IPv4/IPv6 CIDRs with `except`, TCP ports and ranges, UDP, SCTP, `any`,
// ICMP types, `require` clauses, about one deny in five.
//
// Determinism: choices come from the raw mt19937 output (not a distribution, whose algorithm
// varies between standard libraries) in an explicit order (never two choices in one call's
// arguments, whose evaluation order C++ leaves open), so every platform and compiler generates
// the same text for a seed.
// With the default settings the output is what check_speed has always measured.
#pragma once
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace ciliumc::bench {

struct GeneratorSettings {
  int policies = 1000;
  int entriesPerPolicy = 10;  // ingress + egress entries of one policy
  int namespaces = 50;
  int endpoints = 1000;
  int apps = 40;              // distinct `app` label values, shared by policies and inventory
  // > 0: a policy selects `app = app0` with probability 1/hotAppOneIn (else a uniform app), so
  // app0's endpoints are selected by many rules. 0 keeps every app equally likely.
  int hotAppOneIn = 0;
  // A direction block carries `require { env = ... }` with probability 1/requireOneIn (0: never).
  // Requirements AND into every selector peer of every rule selecting the endpoint, so with many
  // policies selecting one endpoint their conflicting `env` values leave no selector peer that
  // matches anything.
  int requireOneIn = 20;
  // Denies name apps (sometimes with a tier) or CIDRs, always on ports, as operators write them;
  // otherwise a deny is drawn like an allow (entities, negative selectors, every peer, L3-only),
  // which at thousands of rules ends up denying whole classes of peers on every port.
  bool narrowDenies = false;
  std::string generatedBy = "bench/check_speed.cpp";  // named in the files' first comment line
};

// A deterministic source of choices (see the header comment).
class Choices {
 public:
  explicit Choices(uint32_t seed) : engine_(seed) {}
  int below(int n) { return static_cast<int>(engine_() % static_cast<uint32_t>(n)); }
  bool oneIn(int n) { return below(n) == 0; }
  template <typename T>
  const T& among(const std::vector<T>& items) {
    return items[below(static_cast<int>(items.size()))];
  }
  // `count` different numbers from 0..n-1 (a partial Fisher-Yates shuffle).
  std::vector<int> distinct(int n, int count);
  // Two different items, for lists like `in (a, b)`.
  std::string twoOf(const std::vector<std::string>& items);

 private:
  std::mt19937 engine_;
};

// `settings.policies` policy blocks of `settings.entriesPerPolicy` allow/deny entries each.
std::string generatePolicyText(const GeneratorSettings& settings, Choices& choose);

// One generated entry line ("    allow from { ... } on tcp/80\n"); peerWord is "from" or "to".
std::string generateEntry(const GeneratorSettings& settings, Choices& choose, const char* peerWord);

// Namespaces ns0..; endpoints pod0.. spread over them (10.<ns>.<slot / 200>.<10 + slot % 200>,
// a third also with an IPv6 address), two nodes (the local one 192.168.10.1) and two externals.
// `extraEndpoints` (YAML lines under `endpoints:`) is appended to the generated endpoints.
std::string generateInventoryText(const GeneratorSettings& settings, Choices& choose,
                                  const std::string& extraEndpoints = "");

// "1,000".
std::string withThousands(long long value);

}  // namespace ciliumc::bench
