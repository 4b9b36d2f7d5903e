// NetnsScope: runs the current thread inside another network namespace until destroyed
// (setns(CLONE_NEWNET) there and back). Network namespaces are per thread; other threads are
// unaffected. Use it around tc attach/detach/query for devices that live in another namespace.
#pragma once
#include <string>

#include "loader/status.h"
#include "loader/unique_fd.h"

namespace ciliumc::loader {

class NetnsScope {
 public:
  // `path`: a namespace file, e.g. /var/run/netns/<name> or /proc/<pid>/ns/net.
  static Expected<NetnsScope> enter(const std::string& path);
  NetnsScope(NetnsScope&&) noexcept = default;
  NetnsScope& operator=(NetnsScope&&) = delete;
  NetnsScope(const NetnsScope&) = delete;
  ~NetnsScope();  // returns to the original namespace

 private:
  explicit NetnsScope(UniqueFd original) : original_(std::move(original)) {}
  UniqueFd original_;
};

}  // namespace ciliumc::loader
