// Running a tool (clang) from a benchmark: argv in, exit status and wall time out, stderr kept
// for the error message. No shell is involved, so paths need no quoting.
#pragma once
#include <string>
#include <vector>

#include "support/expected.h"

namespace ciliumc::bench {

// Runs argv[0] (searched in PATH) with the arguments; returns the wall time in ms. Fails when the
// process cannot start or exits with a non-zero status (the message includes its stderr).
Expected<double> runProcess(const std::vector<std::string>& argv);

}  // namespace ciliumc::bench
