// runCiliumctl: the whole ciliumctl command line, with its output streams as parameters so the
// unit tests run it in-process. Answers the exit code (0 ok, 1 failure, 2 usage error).
#pragma once
#include <ostream>

namespace ciliumc::ctl {

int runCiliumctl(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace ciliumc::ctl
