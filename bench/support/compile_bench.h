// The compile-time benchmark of bench/backend_speed.cpp (issue 3 §6, third bullet): every
// object for 1,000 endpoints under a 1,000-rule policy set, ciliumc's way (resolve + passes +
// one code generation for the whole plan + one .rodata patch per endpoint) against
// Cilium's way (emit C per endpoint and run `clang -O2 -g -target bpf -c` on it), the latter
// measured on a sample of endpoints and extrapolated, clearly labelled as such.
#pragma once
#include <cstdint>
#include <string>

#include "bench/support/baseline_programs.h"

namespace ciliumc::bench {

struct CompileBenchOptions {
  uint32_t rules = 1000;
  uint32_t endpoints = 1000;
  uint32_t namespaces = 50;
  int runs = 5;              // repetitions of ciliumc's pipeline (median reported)
  uint32_t clangSample = 50; // endpoints compiled with clang (all of them when >= endpoints)
  unsigned jobs = 1;         // concurrent clang processes (ciliumc compiles the plan once)
  uint32_t seed = 20240611;
  std::string ciliumc;       // when set: also time the `ciliumc compile` process
  std::string writeInputsTo; // when set: write the generated policy and inventory there
  BpfToolchain toolchain;
};

int runCompileBench(const CompileBenchOptions& options);

}  // namespace ciliumc::bench
