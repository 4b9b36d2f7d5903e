// listAndWatch: the "full listing, then every change" pattern every etcd mirror needs (IP
// cache, nodes, identities, policies). The listing is delivered first, as one batch of Put
// events at the listing's revision, on the caller's thread before the function returns; the
// watch then starts at revision + 1, so no change between the two is lost or duplicated.
// Later batches arrive on the watch thread (see KvStore::watchPrefix, incl. resynced batches).
#pragma once
#include <memory>
#include <string>

#include "agent/kvstore/kv_store.h"

namespace ciliumc::agent {

Expected<std::unique_ptr<WatchHandle>> listAndWatch(KvStore& store, const std::string& prefix, WatchCallback callback);

}  // namespace ciliumc::agent
