#include "agent/ipam/ipam_state.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace ciliumc {

namespace {

using nlohmann::json;

json poolToJson(const std::optional<IpamPoolState>& pool) {
  if (!pool) return nullptr;
  json allocations = json::array();
  for (const IpamAllocation& a : pool->allocations) allocations.push_back({{"ip", a.ip.toString()}, {"owner", a.owner}});
  return {{"cidr", pool->cidr.toString()}, {"allocations", std::move(allocations)}};
}

Expected<std::optional<IpamPoolState>> poolFromJson(const json& root, const char* key) {
  auto it = root.find(key);
  if (it == root.end() || it->is_null()) return std::optional<IpamPoolState>{};
  const json& pool = *it;
  if (!pool.is_object() || !pool.contains("cidr") || !pool["cidr"].is_string() || !pool.contains("allocations") ||
      !pool["allocations"].is_array())
    return Error{fmt::format("`{}` must be an object with a string `cidr` and an array `allocations`", key)};
  auto cidr = IpPrefix::parse(pool["cidr"].get<std::string>());
  if (!cidr) return Error{fmt::format("`{}.cidr`: {}", key, cidr.error().message)};
  IpamPoolState state{*cidr, {}};
  for (size_t i = 0; i < pool["allocations"].size(); ++i) {
    const json& entry = pool["allocations"][i];
    const std::string where = fmt::format("`{}.allocations[{}]`", key, i);
    if (!entry.is_object() || !entry.contains("ip") || !entry["ip"].is_string() || !entry.contains("owner") ||
        !entry["owner"].is_string() || entry["owner"].get<std::string>().empty())
      return Error{where + " must be an object with a string `ip` and a non-empty string `owner`"};
    auto ip = IpAddress::parse(entry["ip"].get<std::string>());
    if (!ip) return Error{fmt::format("{}: {}", where, ip.error().message)};
    state.allocations.push_back({*ip, entry["owner"].get<std::string>()});
  }
  return std::optional<IpamPoolState>{std::move(state)};
}

}  // namespace

std::string serializeIpamState(const IpamState& state) {
  json root = {{"version", IpamState::kVersion}, {"ipv4", poolToJson(state.ipv4)}, {"ipv6", poolToJson(state.ipv6)}};
  return root.dump(2) + "\n";
}

Expected<IpamState> parseIpamState(std::string_view text) {
  json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return Error{"not valid JSON"};
  if (!root.is_object()) return Error{"the top level must be a JSON object"};
  if (!root.contains("version") || !root["version"].is_number_integer() ||
      root["version"].get<int64_t>() != IpamState::kVersion)
    return Error{fmt::format("unsupported or missing `version` (expected {})", IpamState::kVersion)};
  IpamState state;
  auto v4 = poolFromJson(root, "ipv4");
  if (!v4) return v4.error();
  auto v6 = poolFromJson(root, "ipv6");
  if (!v6) return v6.error();
  state.ipv4 = std::move(*v4);
  state.ipv6 = std::move(*v6);
  return state;
}

}  // namespace ciliumc
