// RAII helpers for tests that need real network devices: a temporary network namespace and a
// veth pair. Names are unique per process and per object (pid + counter) so parallel test runs
// do not collide; destructors remove what the constructors made, also when a test fails.
// They use iproute2 (`ip`), which the privileged test environment provides; creation failures
// are reported through ok()/error() rather than exceptions.
#pragma once
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <string>

namespace ciliumc::testing {

// Runs a shell command quietly; true on exit status 0.
inline bool runQuietly(const std::string& command) {
  std::string quiet = command + " >/dev/null 2>&1";
  return std::system(quiet.c_str()) == 0;
}

// A short unique name: "<prefix><pid % 100000>x<counter>", at most 15 characters for prefixes of
// up to 3 characters (the limit of network device names).
inline std::string uniqueNetName(const std::string& prefix) {
  static std::atomic<unsigned> counter{0};
  return prefix + std::to_string(::getpid() % 100000) + "x" + std::to_string(counter++ % 10000);
}

class TemporaryNetns {
 public:
  TemporaryNetns() : name_("ciliumc-test-" + uniqueNetName("ns")) {
    ok_ = runQuietly("ip netns add " + name_);
    if (ok_) runQuietly("ip -n " + name_ + " link set lo up");
  }
  ~TemporaryNetns() {
    if (ok_) runQuietly("ip netns del " + name_);
  }
  TemporaryNetns(const TemporaryNetns&) = delete;
  TemporaryNetns& operator=(const TemporaryNetns&) = delete;

  bool ok() const { return ok_; }
  const std::string& name() const { return name_; }
  std::string path() const { return "/var/run/netns/" + name_; }
  // "ip -n <name> ..." prefix for commands inside the namespace.
  std::string ip() const { return "ip -n " + name_ + " "; }

 private:
  std::string name_;
  bool ok_ = false;
};

// A veth pair with both ends inside `netns`, both up. Deleting one end deletes the pair.
class VethPair {
 public:
  explicit VethPair(const TemporaryNetns& netns) : netns_(netns), first_(uniqueNetName("va")), second_(uniqueNetName("vb")) {
    ok_ = netns.ok() &&
          runQuietly(netns.ip() + "link add " + first_ + " type veth peer name " + second_) &&
          runQuietly(netns.ip() + "link set " + first_ + " up") &&
          runQuietly(netns.ip() + "link set " + second_ + " up");
  }
  ~VethPair() {
    if (netns_.ok()) runQuietly(netns_.ip() + "link del " + first_);
  }
  VethPair(const VethPair&) = delete;
  VethPair& operator=(const VethPair&) = delete;

  bool ok() const { return ok_; }
  const std::string& first() const { return first_; }
  const std::string& second() const { return second_; }

 private:
  const TemporaryNetns& netns_;
  std::string first_, second_;
  bool ok_ = false;
};

}  // namespace ciliumc::testing
