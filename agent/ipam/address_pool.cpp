#include "agent/ipam/address_pool.h"

#include <algorithm>

#include <fmt/format.h>

namespace ciliumc {

std::string familyName(IpFamily family) { return family == IpFamily::V4 ? "IPv4" : "IPv6"; }

namespace {

// 2^hostBits, saturated at the cap (host bits can be up to 128).
uint64_t trackedSize(int hostBits) {
  if (hostBits >= 17) return AddressPool::kMaxPoolAddresses;
  return std::min<uint64_t>(uint64_t{1} << hostBits, AddressPool::kMaxPoolAddresses);
}

}  // namespace

Expected<AddressPool> AddressPool::create(const IpPrefix& prefix) {
  const int hostBits = prefix.address.bitLength() - prefix.length;
  const uint64_t size = trackedSize(hostBits);
  // IPv4's broadcast address is the prefix's last one; it only matters when the cap reaches it.
  const bool broadcastTracked = prefix.address.family == IpFamily::V4 && hostBits < 17 &&
                                (uint64_t{1} << hostBits) <= kMaxPoolAddresses;
  const uint64_t lastUsable = size - 1 - (broadcastTracked ? 1 : 0);
  if (size < 2 || lastUsable < kRouterOffset + 1)
    return Error{fmt::format("{} pool {} is too small: it needs room for the router address and at least one "
                             "endpoint address (use at most /30 for IPv4, /126 for IPv6)",
                             familyName(prefix.address.family), prefix.toString())};
  return AddressPool(prefix, size, lastUsable);
}

AddressPool::AddressPool(const IpPrefix& prefix, uint64_t size, uint64_t lastUsable)
    : prefix_(prefix), lastUsable_(lastUsable), used_(size, false) {
  // The network address is never handed out; marking it used keeps the scan simple.
  used_[0] = true;
  if (lastUsable_ + 1 < size) used_[lastUsable_ + 1] = true;  // IPv4 broadcast
  freeCount_ = lastUsable_;  // offsets 1..lastUsable
  lowestMaybeFree_ = 1;
}

IpAddress AddressPool::addressAt(uint64_t offset) const {
  IpAddress ip = prefix_.address;
  int index = ip.bitLength() / 8 - 1;
  unsigned carry = 0;
  while (index >= 0 && (offset != 0 || carry != 0)) {
    unsigned sum = ip.bytes[index] + static_cast<unsigned>(offset & 0xff) + carry;
    ip.bytes[index] = static_cast<uint8_t>(sum);
    carry = sum >> 8;
    offset >>= 8;
    --index;
  }
  return ip;
}

Expected<uint64_t> AddressPool::offsetOf(const IpAddress& ip) const {
  if (ip.family != prefix_.address.family)
    return Error{fmt::format("{} is not an {} address (pool {})", ip.toString(),
                             familyName(prefix_.address.family), prefix_.toString())};
  if (!prefix_.contains(ip))
    return Error{fmt::format("{} is outside the {} pool {}", ip.toString(), familyName(ip.family), prefix_.toString())};
  uint64_t offset = 0;
  for (int bit = prefix_.length; bit < ip.bitLength(); ++bit) {
    offset = offset * 2 + (ip.bit(bit) ? 1 : 0);
    if (offset >= used_.size())
      return Error{fmt::format("{} is beyond the first {} addresses of the {} pool {}, which are all this node uses",
                               ip.toString(), kMaxPoolAddresses, familyName(ip.family), prefix_.toString())};
  }
  if (offset == 0)
    return Error{fmt::format("{} is the network address of the {} pool {}", ip.toString(), familyName(ip.family),
                             prefix_.toString())};
  if (offset > lastUsable_)
    return Error{fmt::format("{} is the broadcast address of the {} pool {}", ip.toString(), familyName(ip.family),
                             prefix_.toString())};
  return offset;
}

std::optional<uint64_t> AddressPool::allocateLowest() {
  if (freeCount_ == 0) return std::nullopt;
  for (uint64_t offset = lowestMaybeFree_; offset <= lastUsable_; ++offset) {
    if (!used_[offset]) {
      used_[offset] = true;
      --freeCount_;
      lowestMaybeFree_ = offset + 1;
      return offset;
    }
  }
  return std::nullopt;  // unreachable while freeCount_ is right
}

bool AddressPool::allocateAt(uint64_t offset) {
  if (offset == 0 || offset > lastUsable_ || used_[offset]) return false;
  used_[offset] = true;
  --freeCount_;
  return true;
}

bool AddressPool::release(uint64_t offset) {
  if (offset == 0 || offset > lastUsable_ || !used_[offset]) return false;
  used_[offset] = false;
  ++freeCount_;
  lowestMaybeFree_ = std::min(lowestMaybeFree_, offset);
  return true;
}

}  // namespace ciliumc
