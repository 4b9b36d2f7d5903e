// watchEntries: listAndWatch over a prefix of JSON entries, decoded to T. A Delete carries no
// value in etcd, so the last decoded entry of each key is remembered and delivered with
// present=false. Undecodable values are skipped (a Put that replaces a good value with a bad
// one is delivered as the removal of the good one). Same threading as listAndWatch: the
// listing on the caller's thread before the call returns, then the watch thread.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "agent/kvstore/list_and_watch.h"

namespace ciliumc::agent {

template <class T>
using EntryCallback = std::function<void(const std::string& key, const T& entry, bool present)>;

template <class T>
Expected<std::unique_ptr<WatchHandle>> watchEntries(KvStore& store, const std::string& prefix,
                                                    std::function<std::optional<T>(const std::string&)> decode,
                                                    EntryCallback<T> callback) {
  // Touched only by the watch callback, which never runs concurrently with itself.
  auto last = std::make_shared<std::map<std::string, T>>();
  return listAndWatch(store, prefix, [last, decode, callback](const WatchBatch& batch) {
    for (const auto& event : batch.events) {
      auto known = last->find(event.kv.key);
      std::optional<T> entry;
      if (event.type == WatchEvent::Type::Put) entry = decode(event.kv.value);
      if (entry) {
        (*last)[event.kv.key] = *entry;
        callback(event.kv.key, *entry, true);
      } else if (known != last->end()) {
        T gone = std::move(known->second);
        last->erase(known);
        callback(event.kv.key, gone, false);
      }
    }
  });
}

}  // namespace ciliumc::agent
