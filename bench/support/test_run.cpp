#include "bench/support/test_run.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <string>

namespace ciliumc::bench {

Expected<TestRunResult> testRun(int programFd, std::span<const uint8_t> packet, uint32_t repeat) {
  LIBBPF_OPTS(bpf_test_run_opts, options, .data_in = packet.data(), .data_size_in = static_cast<uint32_t>(packet.size()),
              .repeat = static_cast<int>(std::clamp<uint32_t>(repeat, 1, INT32_MAX)));
  if (bpf_prog_test_run_opts(programFd, &options) != 0) return loader::errnoError("BPF_PROG_TEST_RUN", errno);
  return TestRunResult{static_cast<int>(options.retval), static_cast<double>(options.duration)};
}

namespace {
int discardRecord(void*, void*, size_t) { return 0; }
}  // namespace

Expected<std::unique_ptr<RingDrain>> RingDrain::create(int ringFd) {
  ring_buffer* ring = ring_buffer__new(ringFd, &discardRecord, nullptr, nullptr);
  if (!ring) return loader::errnoError("opening a ring buffer", errno);
  return std::unique_ptr<RingDrain>(new RingDrain(ring));
}

RingDrain::~RingDrain() { ring_buffer__free(ring_); }

Status RingDrain::drain() {
  int consumed = ring_buffer__consume(ring_);
  if (consumed < 0) return loader::errnoError("draining a ring buffer", -consumed);
  return loader::success();
}

uint32_t RingDrain::capacity(uint32_t ringBytes, uint32_t recordBytes) {
  constexpr uint32_t kRecordHeader = 8;  // BPF_RINGBUF_HDR_SZ; records are 8-byte aligned
  uint32_t slot = (recordBytes + kRecordHeader + 7) / 8 * 8;
  return ringBytes / slot;
}

Expected<double> meanNsPerPacket(int programFd, std::span<const uint8_t> packet, uint64_t packets, uint32_t batch,
                                 int expectedRetval, RingDrain* drain) {
  double totalNs = 0;
  uint64_t done = 0;
  while (done < packets) {
    uint32_t repeat = static_cast<uint32_t>(std::min<uint64_t>(batch, packets - done));
    if (drain)
      if (auto drained = drain->drain(); !drained) return drained.error();
    auto run = testRun(programFd, packet, repeat);
    if (!run) return run.error();
    if (run->retval != expectedRetval)
      return Error{"the program returned " + std::to_string(run->retval) + ", expected " +
                   std::to_string(expectedRetval)};
    totalNs += run->nsPerRun * repeat;
    done += repeat;
  }
  return totalNs / double(std::max<uint64_t>(1, done));
}

}  // namespace ciliumc::bench
