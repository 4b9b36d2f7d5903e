#include "agent/ipcache/node_registry.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "agent/ipcache/entry_watch.h"

namespace ciliumc::agent {

std::string encodeNodeEntry(const NodeEntry& entry) {
  return nlohmann::json{{"name", entry.name},
                        {"ipv4_cidr", entry.ipv4Cidr},
                        {"ipv6_cidr", entry.ipv6Cidr},
                        {"addresses", entry.addresses}}
      .dump();
}

std::optional<NodeEntry> decodeNodeEntry(const std::string& value) {
  auto json = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || !json.contains("name") || !json["name"].is_string()) return std::nullopt;
  NodeEntry entry;
  entry.name = json["name"].get<std::string>();
  if (json.contains("ipv4_cidr") && json["ipv4_cidr"].is_string()) entry.ipv4Cidr = json["ipv4_cidr"].get<std::string>();
  if (json.contains("ipv6_cidr") && json["ipv6_cidr"].is_string()) entry.ipv6Cidr = json["ipv6_cidr"].get<std::string>();
  if (json.contains("addresses") && json["addresses"].is_array())
    for (const auto& address : json["addresses"])
      if (address.is_string()) entry.addresses.push_back(address.get<std::string>());
  return entry;
}

NodeRegistry::NodeRegistry(NodeSession& session, std::string cluster)
    : session_(session), prefix_(kNodesPrefix + cluster + "/"), published_(session) {}

Expected<int64_t> NodeRegistry::publish(const NodeEntry& self) {
  if (self.name.empty() || self.name.find('/') != std::string::npos)
    return Error(fmt::format("node name '{}' is empty or contains '/'", self.name));
  return published_.publish(prefix_ + self.name, encodeNodeEntry(self));
}

Expected<int64_t> NodeRegistry::withdraw(const std::string& nodeName) { return published_.withdraw(prefix_ + nodeName); }

Expected<std::unique_ptr<WatchHandle>> NodeRegistry::watch(ChangeCallback onChange) {
  return watchEntries<NodeEntry>(session_.store(), prefix_, decodeNodeEntry,
                                 [onChange](const std::string&, const NodeEntry& entry, bool present) {
                                   onChange(entry, present);
                                 });
}

}  // namespace ciliumc::agent
