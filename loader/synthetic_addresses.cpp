#include "loader/synthetic_addresses.h"

namespace ciliumc::loader {

SyntheticAddresses::SyntheticAddresses(const CompilePlan& plan) {
  for (const IpcacheEntry& entry : plan.ipcache) ipcache_.emplace(entry.ip, entry.identity);
}

IpAddress SyntheticAddresses::allocate(IpFamily family) {
  uint32_t& counter = next_[family == IpFamily::V4 ? 0 : 1];
  while (true) {
    uint32_t n = counter++;
    IpAddress ip;
    ip.family = family;
    if (family == IpFamily::V4) {
      // 100.64.0.0/10: 22 host bits.
      uint32_t value = (100u << 24) | (64u << 16) | (n & 0x3fffff);
      for (int i = 0; i < 4; ++i) ip.bytes[i] = uint8_t(value >> (24 - 8 * i));
    } else {
      // fd00:c111::/32, counter in the low 32 bits.
      ip.bytes[0] = 0xfd; ip.bytes[1] = 0x00; ip.bytes[2] = 0xc1; ip.bytes[3] = 0x11;
      for (int i = 0; i < 4; ++i) ip.bytes[12 + i] = uint8_t(n >> (24 - 8 * i));
    }
    if (!ipcache_.count(ip) && !assigned_.count(ip) && !reserved_.count(ip)) return ip;
  }
}

SyntheticAddresses::Assignment SyntheticAddresses::addressFor(const Party& party, IpFamily family) {
  if (party.kind == Party::Kind::World) {
    reserve(party.ip);
    return Assignment{party.ip, false, false};
  }
  if (party.ip.family == family) {
    auto known = ipcache_.find(party.ip);
    if (known != ipcache_.end() && known->second == party.identity) return Assignment{party.ip, false, false};
  }
  auto key = std::make_tuple(int(party.kind), party.endpoint, party.identity, family);
  if (auto it = byParty_.find(key); it != byParty_.end()) return Assignment{it->second, true, false};
  IpAddress ip = allocate(family);
  assigned_.insert(ip);
  byParty_.emplace(key, ip);
  return Assignment{ip, true, true};
}

}  // namespace ciliumc::loader
