#include "agent/kvstore/list_and_watch.h"

namespace ciliumc::agent {

Expected<std::unique_ptr<WatchHandle>> listAndWatch(KvStore& store, const std::string& prefix, WatchCallback callback) {
  auto listing = store.list(prefix);
  if (!listing) return listing.error();
  WatchBatch initial;
  initial.revision = listing->revision;
  initial.events.reserve(listing->kvs.size());
  for (auto& kv : listing->kvs) initial.events.push_back(WatchEvent{WatchEvent::Type::Put, std::move(kv)});
  callback(initial);
  return store.watchPrefix(prefix, listing->revision + 1, std::move(callback));
}

}  // namespace ciliumc::agent
