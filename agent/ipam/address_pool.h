// AddressPool: the addresses of one family (IPv4 or IPv6) that the node hands to its endpoints.
// Contract:
// - The pool is the configured prefix, capped at its first kMaxPoolAddresses addresses so that a
//   big IPv6 prefix (a /64) is never materialised: only that many offsets are tracked.
// - Offset 0 (the network address; for IPv6 the subnet-router anycast address) and, for IPv4,
//   the broadcast address (the prefix's last address, when it lies inside the cap) are never
//   handed out. The first usable address (offset 1) is the node's router address.
// - allocateLowest returns the lowest free address (amortized O(1): a "lowest possibly free" hint
//   that release moves back). Not thread-safe: Ipam serialises access.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ir/ip.h"
#include "support/expected.h"

namespace ciliumc {

class AddressPool {
 public:
  static constexpr uint64_t kMaxPoolAddresses = 65536;

  // Fails when the prefix is too small to hold the router plus one endpoint address.
  static Expected<AddressPool> create(const IpPrefix& prefix);

  const IpPrefix& prefix() const { return prefix_; }
  IpAddress router() const { return addressAt(kRouterOffset); }
  // Addresses endpoints can get (the router's excluded).
  uint64_t capacity() const { return lastUsable_ - kRouterOffset; }
  uint64_t freeCount() const { return freeCount_; }

  // The offset of `ip` in the pool, or an error saying why it cannot be allocated from this pool
  // (other family, outside the prefix, beyond the cap, network or broadcast address).
  Expected<uint64_t> offsetOf(const IpAddress& ip) const;
  IpAddress addressAt(uint64_t offset) const;

  bool isAllocated(uint64_t offset) const { return offset < used_.size() && used_[offset]; }
  // The lowest free offset, marked used; nullopt when the pool is exhausted.
  std::optional<uint64_t> allocateLowest();
  // Marks a free, usable offset (from offsetOf) used. Returns false when it is already used.
  bool allocateAt(uint64_t offset);
  // Marks a used offset free again. Returns false when it was not used.
  bool release(uint64_t offset);

  static constexpr uint64_t kRouterOffset = 1;

 private:
  AddressPool(const IpPrefix& prefix, uint64_t size, uint64_t lastUsable);

  IpPrefix prefix_;
  uint64_t lastUsable_ = 0;        // highest offset that may be handed out
  std::vector<bool> used_;         // indexed by offset, size = tracked addresses
  uint64_t lowestMaybeFree_ = 0;   // no free usable offset below this
  uint64_t freeCount_ = 0;
};

std::string familyName(IpFamily family);

}  // namespace ciliumc
