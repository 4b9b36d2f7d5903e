#include "agent/ipcache/ipcache_sync.h"

#include <nlohmann/json.hpp>

#include "agent/ipcache/entry_watch.h"

namespace ciliumc::agent {

std::string encodeIpCacheEntry(const IpCacheEntry& entry) {
  return nlohmann::json{{"ip", entry.ip.toString()},
                        {"identity", entry.identity},
                        {"node", entry.node},
                        {"endpoint", entry.endpoint}}
      .dump();
}

std::optional<IpCacheEntry> decodeIpCacheEntry(const std::string& value) {
  auto json = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || !json.contains("ip") || !json["ip"].is_string() || !json.contains("identity") ||
      !json["identity"].is_number_unsigned())
    return std::nullopt;
  auto ip = IpAddress::parse(json["ip"].get<std::string>());
  if (!ip) return std::nullopt;
  uint64_t identity = json["identity"].get<uint64_t>();
  if (identity > UINT32_MAX) return std::nullopt;
  IpCacheEntry entry;
  entry.ip = *ip;
  entry.identity = static_cast<NumericIdentity>(identity);
  if (json.contains("node") && json["node"].is_string()) entry.node = json["node"].get<std::string>();
  if (json.contains("endpoint") && json["endpoint"].is_string()) entry.endpoint = json["endpoint"].get<std::string>();
  return entry;
}

IpCacheSync::IpCacheSync(NodeSession& session, std::string cluster, std::string nodeName)
    : session_(session), prefix_(kIpCachePrefix + cluster + "/"), nodeName_(std::move(nodeName)), published_(session) {}

Expected<int64_t> IpCacheSync::publish(const IpAddress& ip, NumericIdentity identity, const std::string& endpointName) {
  return published_.publish(prefix_ + ip.toString(), encodeIpCacheEntry(IpCacheEntry{ip, identity, nodeName_, endpointName}));
}

Expected<int64_t> IpCacheSync::withdraw(const IpAddress& ip) { return published_.withdraw(prefix_ + ip.toString()); }

Expected<std::unique_ptr<WatchHandle>> IpCacheSync::watch(ChangeCallback onChange) {
  return watchEntries<IpCacheEntry>(session_.store(), prefix_, decodeIpCacheEntry,
                                    [onChange](const std::string&, const IpCacheEntry& entry, bool present) {
                                      onChange(entry.ip, entry.identity, entry.node, present);
                                    });
}

}  // namespace ciliumc::agent
