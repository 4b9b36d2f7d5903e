// Addresses for parties that have none of a probe's family. The evaluator decides on identities
// and labels, so an endpoint without an IPv6 address still has an IPv6 verdict; the datapath
// needs a packet, and the packet needs an address the ipcache maps to the party's identity.
// Synthetic addresses come from ranges the inventory must not use — 100.64.0.0/10 (shared
// address space) and fd00:c111::/32 — skip every address the plan's ipcache already holds, and
// are stable per party and family for the lifetime of the allocator.
#pragma once
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "ir/ip.h"
#include "ir/party.h"
#include "passes/datapath_plan.h"

namespace ciliumc::loader {

class SyntheticAddresses {
 public:
  explicit SyntheticAddresses(const CompilePlan& plan);

  struct Assignment {
    IpAddress address;
    bool synthetic = false;  // true: the caller must map it to the party's identity in the ipcache
    bool fresh = false;      // true: allocated by this call (insert it once)
  };
  // The address `party` uses as a packet endpoint in a probe of `family`. World parties always
  // keep their own address (their address is what CIDR rules match); everyone else keeps theirs
  // when the ipcache maps it to their identity.
  Assignment addressFor(const Party& party, IpFamily family);
  bool isSynthetic(const IpAddress& ip) const { return assigned_.count(ip) != 0; }
  // Keeps `ip` out of future allocations (a world address some probe used).
  void reserve(const IpAddress& ip) { reserved_.insert(ip); }

 private:
  IpAddress allocate(IpFamily family);

  std::map<IpAddress, NumericIdentity> ipcache_;
  std::set<IpAddress> assigned_;
  std::set<IpAddress> reserved_;
  // (kind, endpoint, identity, family) -> address
  std::map<std::tuple<int, const EndpointInfo*, NumericIdentity, IpFamily>, IpAddress> byParty_;
  uint32_t next_[2] = {1, 1};
};

}  // namespace ciliumc::loader
