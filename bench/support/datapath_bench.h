// The datapath benchmark of bench/backend_speed.cpp (issue 3 §6, first two bullets): for each
// rule count, generate a policy set + inventory, run the pipeline (resolve, passes, code
// generation of the plan's one object), load the measured endpoint's object with its maps, and
// time packets through its ingress program with BPF_PROG_TEST_RUN — interleaved, in the same
// run, with the baselines (empty program, Cilium-shaped program, naive linear rule chains).
// Prints markdown tables: ns per packet, targets, verifier processed instructions and load
// times, pipeline stage times and shape sizes.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "bench/support/baseline_programs.h"

namespace ciliumc::bench {

struct DatapathBenchOptions {
  std::vector<uint32_t> ruleCounts = {10, 1000, 10000, 100000};
  std::vector<uint32_t> chainRules = {100, 1000};
  uint32_t endpoints = 300;  // generated endpoints (plus the bench's server, client, blocked peer)
  uint32_t namespaces = 20;
  uint32_t ipcachePrefixes = 10000;  // Cilium-shaped baseline
  uint64_t packets = 1000000;        // per measurement run and program
  int runs = 9;                      // measurement runs (interleaved); medians are reported
  int reloads = 5;                   // loads of the measured object with its maps reused
  uint32_t seed = 20240611;
  std::string writeInputsTo;          // when set: write each rule count's policy and inventory there
  BpfToolchain toolchain;
};

// 0 when every step worked, 1 otherwise (the message is printed).
int runDatapathBench(const DatapathBenchOptions& options);

}  // namespace ciliumc::bench
