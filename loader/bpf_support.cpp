#include "loader/bpf_support.h"

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include <array>
#include <cerrno>

#include "loader/libbpf_log.h"
#include "loader/unique_fd.h"

namespace ciliumc::loader {

Status checkBpfAvailable() {
  LibbpfLogCapture quiet;
  std::array<bpf_insn, 2> program{};
  program[0].code = BPF_ALU64 | BPF_MOV | BPF_K;  // r0 = 0
  program[0].dst_reg = BPF_REG_0;
  program[1].code = BPF_JMP | BPF_EXIT;
  UniqueFd fd(bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "ciliumc_probe", "GPL", program.data(), program.size(), nullptr));
  if (!fd.valid()) {
    int err = errno;
    if (err == EPERM || err == EACCES)
      return Error{"loading BPF programs is not permitted", 0, "run as root (CAP_BPF and CAP_NET_ADMIN)"};
    return errnoError("loading a BPF test program", err);
  }
  std::array<uint8_t, 64> packet{};
  packet[12] = 0x08;  // an Ethernet header with EtherType IPv4
  bpf_test_run_opts run{};
  run.sz = sizeof(run);
  run.data_in = packet.data();
  run.data_size_in = packet.size();
  run.repeat = 1;
  if (bpf_prog_test_run_opts(fd.get(), &run) != 0) return errnoError("BPF_PROG_TEST_RUN", errno);
  return success();
}

}  // namespace ciliumc::loader
