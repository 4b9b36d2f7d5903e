// Timing BPF programs with BPF_PROG_TEST_RUN: the kernel runs a program `repeat` times on one
// packet and reports the mean duration per run (bpf_test_run_opts.duration, ns). That is what
// every per-packet number of bench/backend_speed.cpp is, for ciliumc's objects and for the
// baselines alike, so they compare like with like.
#pragma once
#include <cstdint>
#include <memory>
#include <span>

#include "loader/status.h"

struct ring_buffer;

namespace ciliumc::bench {

using loader::Status;

struct TestRunResult {
  int retval = -1;      // the program's return value (TC_ACT_OK 0, TC_ACT_SHOT 2)
  double nsPerRun = 0;  // kernel-measured mean
};

Expected<TestRunResult> testRun(int programFd, std::span<const uint8_t> packet, uint32_t repeat);

// Empties a ring buffer map without looking at the records: a program that writes an event per
// packet (ciliumc drops) would otherwise fill the ring after a few thousand runs and then only
// time the cheap "ring full" path.
class RingDrain {
 public:
  static Expected<std::unique_ptr<RingDrain>> create(int ringFd);
  ~RingDrain();
  Status drain();
  // Records one run may write before the ring is full (size / record size, rounded down).
  static uint32_t capacity(uint32_t ringBytes, uint32_t recordBytes);

 private:
  explicit RingDrain(ring_buffer* ring) : ring_(ring) {}
  ring_buffer* ring_;
};

// The mean ns per packet over `packets` packets, run in BPF_PROG_TEST_RUN calls of at most
// `batch` repetitions; with a drain, the ring is emptied before each call (so every event is
// really written). Fails when the program's return value is not `expectedRetval`.
Expected<double> meanNsPerPacket(int programFd, std::span<const uint8_t> packet, uint64_t packets, uint32_t batch,
                                 int expectedRetval, RingDrain* drain = nullptr);

}  // namespace ciliumc::bench
