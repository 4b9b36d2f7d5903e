// The baseline programs bench/backend_speed.cpp measures next to ciliumc's objects, loaded
// into the kernel in the same run with the same loader (loader/loaded_object.h):
//   empty          bench/bpf/baseline_empty.bpf.c, compiled at build time: return TC_ACT_OK.
//   Cilium-shaped  bench/bpf/baseline_cilium.bpf.c, compiled at build time: parse, LPM ipcache
//                  lookup (filled here with 10,000 prefixes), one hash policy lookup.
//   linear chain   generated here for a rule count and compiled with clang at run time: parse,
//                  then for each rule compare masked source, masked destination, protocol and
//                  port range (fields re-read per rule, as a naive rule walk does), chunked into
//                  global subprograms of 256 rules so the verifier checks each chunk once.
//                  No rule matches the measured packet, so every rule is evaluated (a chain's
//                  cost for traffic that falls to its default).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ir/ip.h"
#include "loader/loaded_object.h"

namespace ciliumc::bench {

// Where the BPF pieces are: clang for run-time compiles, the build-time objects, include
// directories (runtime/ for ciliumc_bpf.h, bench/bpf/ for baseline_parse.h), a scratch dir.
struct BpfToolchain {
  std::string clang;
  std::string objectDir;
  std::vector<std::string> includeDirs;
  std::string workDir;
};

// The packet the baselines are measured on: IPv4, TCP or UDP.
struct BaselineFlow {
  IpAddress source, destination;
  uint8_t protocol = 6;
  uint16_t port = 0;
};

struct BaselineProgram {
  std::string name;
  uint32_t rules = 0;     // linear chain: rules in the chain
  double compileMs = -1;  // run-time clang compile (linear chain), -1 when built with the project
  std::optional<loader::LoadedObject> object;
  int fd = -1;
  uint32_t verifiedInsns = 0;
  double loadMs = 0;
  int expectedRetval = 0;  // on the measured packet
};

Expected<BaselineProgram> loadEmptyBaseline(const BpfToolchain& toolchain);

// Fills the ipcache with `prefixes` prefixes (the flow's source as a /32 among pod /32s and
// shorter CIDR prefixes) and the policy map with 4,096 entries, one of which allows the flow.
Expected<BaselineProgram> loadCiliumBaseline(const BpfToolchain& toolchain, const BaselineFlow& flow,
                                             uint32_t prefixes, uint32_t seed);

// The C source of a linear chain of `rules` rules, none of which matches `flow`.
std::string linearChainSource(const BaselineFlow& flow, uint32_t rules, uint32_t seed);
Expected<BaselineProgram> buildLinearChain(const BpfToolchain& toolchain, const BaselineFlow& flow, uint32_t rules,
                                           uint32_t seed);

// `clang -O2 -g -target bpf -c SOURCE -o OBJECT` with the toolchain's include directories;
// returns the wall time in ms.
Expected<double> compileBpfC(const BpfToolchain& toolchain, const std::string& source, const std::string& object);

}  // namespace ciliumc::bench
