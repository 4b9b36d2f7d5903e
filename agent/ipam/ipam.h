// Ipam: the node's address pools, one per family (either optional), shared by every caller.
// Contract:
// - Each pool is a configured prefix (see AddressPool for the cap at 65536 addresses, the network
//   and broadcast addresses that are never handed out, and the router address, the pool's first
//   usable one, reserved here with owner "router").
// - allocate hands out the lowest free address; allocateSpecific takes a given one (restore);
//   both are idempotent only in the sense that allocateSpecific of an address the same owner
//   already holds succeeds (a restarted agent re-claims what the state file already records).
// - With a state path, every change is written to the state file atomically (temp + fsync +
//   rename) before it is reported; if that write fails the change is undone and the error is
//   returned, so memory and disk never disagree. open() loads the file; a pool whose prefix
//   differs from the saved one (or a saved pool no longer configured) is an error, as is a
//   corrupt file. A family absent from the file may be added.
// - Thread-safe: all methods may be called concurrently.
#pragma once
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "agent/ipam/address_pool.h"
#include "agent/ipam/ipam_state.h"
#include "ir/ip.h"
#include "support/expected.h"

namespace ciliumc {

class Ipam {
 public:
  static constexpr const char* kRouterOwner = "router";

  // An empty statePath keeps the state in memory only (tests, tools).
  static Expected<std::unique_ptr<Ipam>> open(std::optional<IpPrefix> ipv4, std::optional<IpPrefix> ipv6,
                                              std::filesystem::path statePath);

  Expected<IpAddress> allocate(IpFamily family, const std::string& owner);
  Expected<IpAddress> allocateSpecific(const IpAddress& ip, const std::string& owner);
  // Errors: the address is not allocated, or it is the router's.
  Expected<bool> release(const IpAddress& ip);
  // Releases every address `owner` holds (both families); answers how many.
  Expected<size_t> releaseOwner(const std::string& owner);

  // The pool's allocations sorted by address, router included; empty for an unconfigured family.
  std::vector<IpamAllocation> allocations(IpFamily family) const;
  std::vector<IpamAllocation> ownedBy(const std::string& owner) const;
  std::optional<IpAddress> router(IpFamily family) const;
  std::optional<IpPrefix> cidr(IpFamily family) const;
  const std::filesystem::path& statePath() const { return statePath_; }

 private:
  struct Pool {
    AddressPool addresses;
    std::map<uint64_t, std::string> owners;  // offset -> owner, router included
  };

  explicit Ipam(std::filesystem::path statePath) : statePath_(std::move(statePath)) {}
  Pool* poolFor(IpFamily family);
  const Pool* poolFor(IpFamily family) const;
  Expected<bool> restore(const IpamState& saved);
  IpamState snapshotLocked() const;
  Expected<bool> persistLocked() const;

  mutable std::mutex mutex_;
  std::filesystem::path statePath_;
  std::optional<Pool> ipv4_;
  std::optional<Pool> ipv6_;
};

}  // namespace ciliumc
