#include "loader/netns_scope.h"

#include <fcntl.h>
#include <sched.h>

#include <cerrno>
#include <cstdio>

namespace ciliumc::loader {

Expected<NetnsScope> NetnsScope::enter(const std::string& path) {
  UniqueFd original(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!original.valid()) return errnoError("opening the current network namespace", errno);
  UniqueFd target(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!target.valid()) return errnoError("opening network namespace " + path, errno);
  if (::setns(target.get(), CLONE_NEWNET) != 0) return errnoError("entering network namespace " + path, errno);
  return NetnsScope(std::move(original));
}

NetnsScope::~NetnsScope() {
  if (original_.valid() && ::setns(original_.get(), CLONE_NEWNET) != 0)
    std::perror("ciliumc: returning to the original network namespace");
}

}  // namespace ciliumc::loader
