#include "agent/ipam/ipam.h"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "agent/ipam/atomic_file.h"

namespace ciliumc {

namespace {

Expected<bool> validateOwner(const std::string& owner) {
  if (owner.empty()) return Error{"an IPAM owner must not be empty"};
  if (owner == Ipam::kRouterOwner) return Error{"the IPAM owner `router` is reserved for the node's router address"};
  return true;
}

std::string describe(const std::optional<IpPrefix>& prefix) { return prefix ? prefix->toString() : "no pool"; }

}  // namespace

Expected<std::unique_ptr<Ipam>> Ipam::open(std::optional<IpPrefix> ipv4, std::optional<IpPrefix> ipv6,
                                           std::filesystem::path statePath) {
  if (ipv4 && ipv4->address.family != IpFamily::V4)
    return Error{fmt::format("the IPv4 pool {} is not an IPv4 prefix", ipv4->toString())};
  if (ipv6 && ipv6->address.family != IpFamily::V6)
    return Error{fmt::format("the IPv6 pool {} is not an IPv6 prefix", ipv6->toString())};
  std::unique_ptr<Ipam> ipam(new Ipam(std::move(statePath)));
  for (auto [prefix, pool] : {std::pair{&ipv4, &ipam->ipv4_}, std::pair{&ipv6, &ipam->ipv6_}}) {
    if (!*prefix) continue;
    auto addresses = AddressPool::create(**prefix);
    if (!addresses) return addresses.error();
    uint64_t router = AddressPool::kRouterOffset;
    addresses->allocateAt(router);
    pool->emplace(Pool{std::move(*addresses), {{router, kRouterOwner}}});
  }
  if (ipam->statePath_.empty()) return ipam;

  std::error_code ec;
  if (std::filesystem::exists(ipam->statePath_, ec)) {
    std::ifstream in(ipam->statePath_, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) return Error{fmt::format("cannot read the IPAM state file {}", ipam->statePath_.string())};
    auto saved = parseIpamState(text.str());
    if (!saved)
      return Error{fmt::format("corrupt IPAM state file {}: {}", ipam->statePath_.string(), saved.error().message)};
    if (auto restored = ipam->restore(*saved); !restored) return restored.error();
  }
  // Written at once so an unwritable state directory is reported at startup, not at the first
  // endpoint.
  std::lock_guard lock(ipam->mutex_);
  if (auto written = ipam->persistLocked(); !written) return written.error();
  return ipam;
}

Expected<bool> Ipam::restore(const IpamState& saved) {
  const std::string file = statePath_.string();
  for (auto [family, savedPool] : {std::pair{IpFamily::V4, &saved.ipv4}, std::pair{IpFamily::V6, &saved.ipv6}}) {
    if (!*savedPool) continue;  // adding a family is fine: nothing was allocated from it
    Pool* pool = poolFor(family);
    std::optional<IpPrefix> configured = pool ? std::optional(pool->addresses.prefix()) : std::nullopt;
    if (configured != (*savedPool)->cidr)
      return Error{fmt::format("the {} pool changed: the IPAM state file {} was written for {} but the agent is "
                               "configured with {}; endpoints hold addresses from the old pool (delete them, or "
                               "remove the state file if none is running)",
                               familyName(family), file, (*savedPool)->cidr.toString(), describe(configured))};
    for (const IpamAllocation& entry : (*savedPool)->allocations) {
      auto offset = pool->addresses.offsetOf(entry.ip);
      if (!offset) return Error{fmt::format("corrupt IPAM state file {}: {}", file, offset.error().message)};
      if (*offset == AddressPool::kRouterOffset) {
        if (entry.owner != kRouterOwner)
          return Error{fmt::format("corrupt IPAM state file {}: the router address {} is recorded for `{}`", file,
                                   entry.ip.toString(), entry.owner)};
        continue;
      }
      if (entry.owner == kRouterOwner)
        return Error{fmt::format("corrupt IPAM state file {}: {} is recorded for `router` but the router address is {}",
                                 file, entry.ip.toString(), pool->addresses.router().toString())};
      if (!pool->addresses.allocateAt(*offset))
        return Error{fmt::format("corrupt IPAM state file {}: {} is recorded twice", file, entry.ip.toString())};
      pool->owners.emplace(*offset, entry.owner);
    }
  }
  return true;
}

Ipam::Pool* Ipam::poolFor(IpFamily family) {
  auto& pool = family == IpFamily::V4 ? ipv4_ : ipv6_;
  return pool ? &*pool : nullptr;
}

const Ipam::Pool* Ipam::poolFor(IpFamily family) const {
  const auto& pool = family == IpFamily::V4 ? ipv4_ : ipv6_;
  return pool ? &*pool : nullptr;
}

Expected<IpAddress> Ipam::allocate(IpFamily family, const std::string& owner) {
  if (auto ok = validateOwner(owner); !ok) return ok.error();
  std::lock_guard lock(mutex_);
  Pool* pool = poolFor(family);
  if (!pool) return Error{fmt::format("no {} pool is configured on this node", familyName(family))};
  auto offset = pool->addresses.allocateLowest();
  if (!offset)
    return Error{fmt::format("the {} pool {} is exhausted: all {} endpoint addresses are allocated",
                             familyName(family), pool->addresses.prefix().toString(), pool->addresses.capacity())};
  pool->owners.emplace(*offset, owner);
  if (auto written = persistLocked(); !written) {
    pool->owners.erase(*offset);
    pool->addresses.release(*offset);
    return written.error();
  }
  return pool->addresses.addressAt(*offset);
}

Expected<IpAddress> Ipam::allocateSpecific(const IpAddress& ip, const std::string& owner) {
  if (auto ok = validateOwner(owner); !ok) return ok.error();
  std::lock_guard lock(mutex_);
  Pool* pool = poolFor(ip.family);
  if (!pool) return Error{fmt::format("no {} pool is configured on this node", familyName(ip.family))};
  auto offset = pool->addresses.offsetOf(ip);
  if (!offset) return offset.error();
  if (auto held = pool->owners.find(*offset); held != pool->owners.end()) {
    if (held->second == owner) return ip;
    return Error{fmt::format("{} is already allocated to `{}`", ip.toString(), held->second)};
  }
  pool->addresses.allocateAt(*offset);
  pool->owners.emplace(*offset, owner);
  if (auto written = persistLocked(); !written) {
    pool->owners.erase(*offset);
    pool->addresses.release(*offset);
    return written.error();
  }
  return ip;
}

Expected<bool> Ipam::release(const IpAddress& ip) {
  std::lock_guard lock(mutex_);
  Pool* pool = poolFor(ip.family);
  if (!pool) return Error{fmt::format("no {} pool is configured on this node", familyName(ip.family))};
  auto offset = pool->addresses.offsetOf(ip);
  if (!offset) return offset.error();
  auto held = pool->owners.find(*offset);
  if (held == pool->owners.end()) return Error{fmt::format("{} is not allocated", ip.toString())};
  if (*offset == AddressPool::kRouterOffset)
    return Error{fmt::format("{} is the node's router address and cannot be released", ip.toString())};
  std::string owner = std::move(held->second);
  pool->owners.erase(held);
  pool->addresses.release(*offset);
  if (auto written = persistLocked(); !written) {
    pool->addresses.allocateAt(*offset);
    pool->owners.emplace(*offset, std::move(owner));
    return written.error();
  }
  return true;
}

Expected<size_t> Ipam::releaseOwner(const std::string& owner) {
  if (auto ok = validateOwner(owner); !ok) return ok.error();
  std::lock_guard lock(mutex_);
  std::vector<std::pair<Pool*, uint64_t>> released;
  for (Pool* pool : {poolFor(IpFamily::V4), poolFor(IpFamily::V6)}) {
    if (!pool) continue;
    for (auto it = pool->owners.begin(); it != pool->owners.end();) {
      if (it->second != owner) {
        ++it;
        continue;
      }
      pool->addresses.release(it->first);
      released.emplace_back(pool, it->first);
      it = pool->owners.erase(it);
    }
  }
  if (released.empty()) return size_t{0};
  if (auto written = persistLocked(); !written) {
    for (auto [pool, offset] : released) {
      pool->addresses.allocateAt(offset);
      pool->owners.emplace(offset, owner);
    }
    return written.error();
  }
  return released.size();
}

std::vector<IpamAllocation> Ipam::allocations(IpFamily family) const {
  std::lock_guard lock(mutex_);
  std::vector<IpamAllocation> result;
  if (const Pool* pool = poolFor(family))
    for (const auto& [offset, owner] : pool->owners) result.push_back({pool->addresses.addressAt(offset), owner});
  return result;
}

std::vector<IpamAllocation> Ipam::ownedBy(const std::string& owner) const {
  std::lock_guard lock(mutex_);
  std::vector<IpamAllocation> result;
  for (const Pool* pool : {poolFor(IpFamily::V4), poolFor(IpFamily::V6)}) {
    if (!pool) continue;
    for (const auto& [offset, held] : pool->owners)
      if (held == owner) result.push_back({pool->addresses.addressAt(offset), held});
  }
  return result;
}

std::optional<IpAddress> Ipam::router(IpFamily family) const {
  std::lock_guard lock(mutex_);
  const Pool* pool = poolFor(family);
  return pool ? std::optional(pool->addresses.router()) : std::nullopt;
}

std::optional<IpPrefix> Ipam::cidr(IpFamily family) const {
  std::lock_guard lock(mutex_);
  const Pool* pool = poolFor(family);
  return pool ? std::optional(pool->addresses.prefix()) : std::nullopt;
}

IpamState Ipam::snapshotLocked() const {
  IpamState state;
  for (auto [pool, saved] : {std::pair{poolFor(IpFamily::V4), &state.ipv4}, std::pair{poolFor(IpFamily::V6), &state.ipv6}}) {
    if (!pool) continue;
    IpamPoolState& out = saved->emplace(IpamPoolState{pool->addresses.prefix(), {}});
    for (const auto& [offset, owner] : pool->owners) out.allocations.push_back({pool->addresses.addressAt(offset), owner});
  }
  return state;
}

Expected<bool> Ipam::persistLocked() const {
  if (statePath_.empty()) return true;
  auto written = writeFileAtomically(statePath_, serializeIpamState(snapshotLocked()));
  if (!written) return Error{"cannot save the IPAM state: " + written.error().message};
  return true;
}

}  // namespace ciliumc
