// Running a helper program (iproute2's `ip`, `sysctl`) without a shell: argv as given, output
// captured, bounded in time. The endpoint plumbing is the CNI plugin's job in Cilium; the agent
// does the few route and address changes it needs through iproute2 rather than re-implementing
// rtnetlink requests (see docs/agent.md).
#pragma once
#include <chrono>
#include <string>
#include <vector>

#include "support/expected.h"

namespace ciliumc::agent {

// Runs argv[0] (searched in PATH) and returns its stdout + stderr. A non-zero exit is an Error
// whose message holds the command line and its output. Killed after `timeout`.
Expected<std::string> runCommand(const std::vector<std::string>& argv,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(10));

// argv prefixed to run inside the network namespace file `netns` (nsenter --net=...); empty
// `netns` = the caller's own namespace.
std::vector<std::string> inNetns(const std::string& netns, std::vector<std::string> argv);

}  // namespace ciliumc::agent
