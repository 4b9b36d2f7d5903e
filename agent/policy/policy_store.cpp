#include "agent/policy/policy_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

namespace ciliumc::agent {
namespace {

Expected<bool> checkName(const std::string& name) {
  if (name.empty()) return Error("policy name is empty");
  for (unsigned char c : name)
    if (c == '/' || c < 0x20 || c == 0x7f) return Error(fmt::format("policy name '{}' contains '/' or a control character", name));
  return true;
}

std::string keyOf(const std::string& name) { return kPolicyPrefix + name; }

// The documents of a key -> value map, sorted by name (the map's order), bad values skipped.
PolicySnapshot snapshotOf(const std::map<std::string, std::string>& values, int64_t revision) {
  PolicySnapshot snapshot;
  snapshot.revision = revision;
  for (const auto& [key, value] : values) {
    if (auto document = decodePolicyDocument(value))
      snapshot.documents.push_back(std::move(*document));
    else
      snapshot.skipped.push_back(key);
  }
  return snapshot;
}

}  // namespace

std::string encodePolicyDocument(const PolicyDocument& document) {
  return nlohmann::json{{"name", document.name}, {"format", document.format}, {"text", document.text}}.dump();
}

std::optional<PolicyDocument> decodePolicyDocument(const std::string& value) {
  auto json = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return std::nullopt;
  for (const char* field : {"name", "format", "text"})
    if (!json.contains(field) || !json[field].is_string()) return std::nullopt;
  return PolicyDocument{json["name"].get<std::string>(), json["format"].get<std::string>(),
                        json["text"].get<std::string>()};
}

Expected<int64_t> PolicyStore::put(const PolicyDocument& document) {
  if (auto valid = checkName(document.name); !valid) return valid.error();
  return store_.put(keyOf(document.name), encodePolicyDocument(document));
}

Expected<std::optional<int64_t>> PolicyStore::remove(const std::string& name) {
  if (auto valid = checkName(name); !valid) return valid.error();
  auto current = store_.get(keyOf(name));
  if (!current) return current.error();
  if (!*current) return std::optional<int64_t>();
  // A plain delete (not compare-and-delete) because its answer carries the exact revision of
  // the delete, which `policy wait` needs. Racing deletes of the same policy both succeed.
  auto revision = store_.remove(keyOf(name));
  if (!revision) return revision.error();
  return std::optional<int64_t>(*revision);
}

Expected<std::optional<PolicyDocument>> PolicyStore::get(const std::string& name) {
  if (auto valid = checkName(name); !valid) return valid.error();
  auto current = store_.get(keyOf(name));
  if (!current) return current.error();
  if (!*current) return std::optional<PolicyDocument>();
  auto document = decodePolicyDocument((*current)->value);
  if (!document) return Error(fmt::format("policy '{}': the stored value is not a policy document", name));
  return document;
}

Expected<PolicySnapshot> PolicyStore::list() {
  auto listing = store_.list(kPolicyPrefix);
  if (!listing) return listing.error();
  std::map<std::string, std::string> values;
  for (auto& kv : listing->kvs) values[kv.key] = std::move(kv.value);
  return snapshotOf(values, listing->revision);
}

Expected<std::unique_ptr<WatchHandle>> PolicyStore::watch(ChangeCallback onChange) {
  auto listing = store_.list(kPolicyPrefix);
  if (!listing) return listing.error();
  // Owned by the watch callback (which runs on one thread, never concurrently with itself).
  auto values = std::make_shared<std::map<std::string, std::string>>();
  for (auto& kv : listing->kvs) (*values)[kv.key] = std::move(kv.value);
  onChange(snapshotOf(*values, listing->revision));
  return store_.watchPrefix(kPolicyPrefix, listing->revision + 1, [values, onChange](const WatchBatch& batch) {
    for (const auto& event : batch.events) {
      if (event.type == WatchEvent::Type::Put)
        (*values)[event.kv.key] = event.kv.value;
      else
        values->erase(event.kv.key);
    }
    onChange(snapshotOf(*values, batch.revision));
  });
}

}  // namespace ciliumc::agent
