// Whether this process may load and run BPF programs here (`ciliumc test --exec auto` picks
// the BPF executor when it may, the reference evaluator otherwise, and says which and why).
#pragma once
#include "loader/status.h"

namespace ciliumc::loader {

// Loads a two-instruction tc program (r0 = 0; exit) and runs it once with BPF_PROG_TEST_RUN.
// The Error says why not (missing privileges, no BPF syscall, no test_run support).
Status checkBpfAvailable();

}  // namespace ciliumc::loader
