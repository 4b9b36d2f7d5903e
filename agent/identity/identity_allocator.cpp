#include "agent/identity/identity_allocator.h"

#include <fmt/format.h>

#include <charconv>
#include <set>
#include <vector>

#include "agent/kvstore/list_and_watch.h"

namespace ciliumc::agent {
namespace {

// Rounds of "list id/, try the free ids" and create-only races lost per round before giving up.
constexpr int kAllocationRounds = 8;
constexpr int kRacesPerRound = 64;

std::string idKey(NumericIdentity id) { return kIdentityIdPrefix + std::to_string(id); }

std::optional<NumericIdentity> parseNumber(std::string_view text) {
  NumericIdentity value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// The id of an id/ key, when it is a cluster identity.
std::optional<NumericIdentity> idOfKey(const std::string& key) {
  std::string_view prefix = kIdentityIdPrefix;
  if (key.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  auto id = parseNumber(std::string_view(key).substr(prefix.size()));
  if (!id || *id < kMinClusterIdentity || *id > kMaxClusterIdentity) return std::nullopt;
  return id;
}

std::string describe(const std::string& identityKey) { return identityKey.empty() ? "(no labels)" : identityKey; }

}  // namespace

std::optional<LabelSet> parseIdentityKey(const std::string& identityKey) {
  std::vector<Label> labels;
  size_t start = 0;
  while (start < identityKey.size()) {
    size_t end = identityKey.find(';', start);
    if (end == std::string::npos) return std::nullopt;  // every label ends with ';'
    auto label = Label::parse(std::string_view(identityKey).substr(start, end - start), LabelContext::Endpoint);
    if (!label) return std::nullopt;
    labels.push_back(std::move(*label));
    start = end + 1;
  }
  LabelSet set(std::move(labels));
  // Only the canonical form round-trips; anything else was not written by identityKey().
  if (ciliumc::identityKey(set) != identityKey) return std::nullopt;
  return set;
}

IdentityAllocator::IdentityAllocator(NodeSession& session, std::string nodeName)
    : session_(session), store_(session.store()), nodeName_(std::move(nodeName)) {
  republishToken_ = session_.addRepublisher([this](LeaseId) { republish(); });
}

IdentityAllocator::~IdentityAllocator() { session_.removeRepublisher(republishToken_); }

std::string IdentityAllocator::valueKey(const std::string& identityKey) const {
  return kIdentityValuePrefix + identityKey + "/" + nodeName_;
}

std::shared_ptr<IdentityAllocator::Held> IdentityAllocator::heldFor(const std::string& identityKey) {
  std::lock_guard lock(heldMutex_);
  auto& held = held_[identityKey];
  if (!held) held = std::make_shared<Held>();
  return held;
}

std::optional<NumericIdentity> IdentityAllocator::cachedIdOf(const std::string& identityKey) const {
  std::lock_guard lock(cacheMutex_);
  auto it = cacheByKey_.find(identityKey);
  if (it == cacheByKey_.end()) return std::nullopt;
  return it->second;
}

Expected<NumericIdentity> IdentityAllocator::allocate(const LabelSet& identityLabels) {
  if (identityLabels.empty()) return Error("identity allocation: the label set is empty");
  if (identityLabels.size() == 1 && identityLabels.labels()[0].source == source::kReserved) {
    if (auto reserved = reservedIdentityFromName(identityLabels.labels()[0].key))
      return static_cast<NumericIdentity>(*reserved);
  }
  const std::string key = identityKey(identityLabels);
  auto held = heldFor(key);
  std::lock_guard lock(held->mutex);
  if (held->references > 0) {
    ++held->references;
    return held->id;
  }
  auto id = allocateInEtcd(key);
  if (!id) return id.error();
  held->id = *id;
  held->references = 1;
  return *id;
}

Expected<bool> IdentityAllocator::claim(const std::string& identityKey, NumericIdentity id) {
  const std::string reference = valueKey(identityKey);
  {
    std::lock_guard lock(heldMutex_);
    pendingReleases_.erase(identityKey);  // a failed release of these labels must not delete this
  }
  // Reference first, then check the id: garbage collection never deletes an id/ key that has a
  // reference, so once the id key is seen after this write it stays.
  if (auto written = session_.putLeased(reference, std::to_string(id)); !written) return written.error();
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto current = store_.get(idKey(id));
    if (!current) return current.error();
    if (*current) {
      if ((*current)->value == identityKey) return true;
      break;  // the id means other labels
    }
    // Collected between our lookup and our reference: claim it again.
    auto created = store_.createOnly(idKey(id), identityKey);
    if (!created) return created.error();
    if (*created) return true;
  }
  (void)store_.remove(reference);
  return false;
}

Expected<NumericIdentity> IdentityAllocator::allocateInEtcd(const std::string& identityKey) {
  // Fast path: the watch cache knows the id of these labels.
  if (auto hint = cachedIdOf(identityKey)) {
    auto claimed = claim(identityKey, *hint);
    if (!claimed) return claimed.error();
    if (*claimed) return *hint;
  }
  for (int round = 0; round < kAllocationRounds; ++round) {
    auto listing = store_.list(kIdentityIdPrefix);
    if (!listing) return listing.error();
    std::set<NumericIdentity> used;
    std::optional<NumericIdentity> existing;
    for (const auto& kv : listing->kvs) {
      auto id = idOfKey(kv.key);
      if (!id) continue;
      used.insert(*id);
      if (kv.value == identityKey) existing = id;
    }
    if (existing) {
      auto claimed = claim(identityKey, *existing);
      if (!claimed) return claimed.error();
      if (*claimed) return *existing;
      continue;
    }
    NumericIdentity candidate = kMinClusterIdentity;
    for (int race = 0; race < kRacesPerRound; ++race) {
      while (used.count(candidate) && candidate <= kMaxClusterIdentity) ++candidate;
      if (candidate > kMaxClusterIdentity)
        return Error(fmt::format("identity allocation for '{}': all cluster identities {}..{} are in use",
                                 describe(identityKey), kMinClusterIdentity, kMaxClusterIdentity));
      auto created = store_.createOnly(idKey(candidate), identityKey);
      if (!created) return created.error();
      if (!*created) {
        // Lost the race: maybe to another node allocating the same labels.
        auto winner = store_.get(idKey(candidate));
        if (!winner) return winner.error();
        if (!*winner || (*winner)->value != identityKey) {
          used.insert(candidate);
          continue;
        }
      }
      auto claimed = claim(identityKey, candidate);
      if (!claimed) return claimed.error();
      if (*claimed) return candidate;
      used.insert(candidate);
    }
  }
  return Error(fmt::format("identity allocation for '{}': gave up after {} rounds of lost races",
                           describe(identityKey), kAllocationRounds));
}

Expected<bool> IdentityAllocator::release(const LabelSet& identityLabels) {
  const std::string key = identityKey(identityLabels);
  std::shared_ptr<Held> held;
  {
    std::lock_guard lock(heldMutex_);
    auto it = held_.find(key);
    if (it != held_.end()) held = it->second;
  }
  if (!held) return Error(fmt::format("identity release for '{}': this node holds no reference", describe(key)));
  std::lock_guard lock(held->mutex);
  if (held->references == 0)
    return Error(fmt::format("identity release for '{}': this node holds no reference", describe(key)));
  if (--held->references > 0) return false;
  auto removed = store_.remove(valueKey(key));
  if (!removed) {
    std::lock_guard pending(heldMutex_);
    pendingReleases_.insert(key);
    return removed.error();
  }
  return true;
}

size_t IdentityAllocator::references(const LabelSet& identityLabels) const {
  std::shared_ptr<Held> held;
  {
    std::lock_guard lock(heldMutex_);  // never held while taking a Held's mutex (lock order)
    auto it = held_.find(identityKey(identityLabels));
    if (it == held_.end()) return 0;
    held = it->second;
  }
  std::lock_guard heldLock(held->mutex);
  return held->references;
}

std::optional<LabelSet> IdentityAllocator::lookup(NumericIdentity id) {
  {
    std::lock_guard lock(cacheMutex_);
    if (auto it = cache_.find(id); it != cache_.end()) return it->second;
  }
  auto stored = store_.get(idKey(id));
  if (!stored || !*stored) return std::nullopt;
  return parseIdentityKey((*stored)->value);
}

std::map<NumericIdentity, LabelSet> IdentityAllocator::identities() const {
  std::lock_guard lock(cacheMutex_);
  return cache_;
}

Expected<std::unique_ptr<WatchHandle>> IdentityAllocator::watch(ChangeCallback onChange) {
  return listAndWatch(store_, kIdentityIdPrefix, [this, onChange](const WatchBatch& batch) {
    struct Change {
      NumericIdentity id;
      LabelSet labels;
      bool added;
    };
    std::vector<Change> changes;
    {
      std::lock_guard lock(cacheMutex_);
      for (const auto& event : batch.events) {
        auto id = idOfKey(event.kv.key);
        if (!id) continue;
        auto known = cache_.find(*id);
        std::optional<LabelSet> labels;
        if (event.type == WatchEvent::Type::Put) {
          labels = parseIdentityKey(event.kv.value);
          if (known != cache_.end() && labels && known->second == *labels) continue;  // nothing new
        }
        if (known != cache_.end()) {
          changes.push_back({*id, known->second, false});
          cacheByKey_.erase(identityKey(known->second));
          cache_.erase(known);
        }
        if (labels) {
          changes.push_back({*id, *labels, true});
          cacheByKey_[event.kv.value] = *id;
          cache_[*id] = std::move(*labels);
        }
      }
    }
    // Outside the lock: the callback may call lookup() or identities().
    if (onChange)
      for (const auto& change : changes) onChange(change.id, change.labels, change.added);
  });
}

Expected<size_t> IdentityAllocator::collectGarbage() {
  std::set<std::string> pending;
  {
    std::lock_guard lock(heldMutex_);
    pending.swap(pendingReleases_);
  }
  for (const auto& key : pending) {
    auto held = heldFor(key);
    std::lock_guard heldLock(held->mutex);
    if (held->references > 0 || store_.remove(valueKey(key))) continue;  // re-taken, or deleted now
    std::lock_guard lock(heldMutex_);
    pendingReleases_.insert(key);
  }
  auto listing = store_.list(kIdentityIdPrefix);
  if (!listing) return listing.error();
  size_t deleted = 0;
  for (const auto& kv : listing->kvs) {
    if (!idOfKey(kv.key)) continue;
    auto removed = store_.removeIf(kv.key, kv.modRevision, kIdentityValuePrefix + kv.value + "/");
    if (!removed) return removed.error();
    if (*removed) ++deleted;
  }
  return deleted;
}

size_t IdentityAllocator::republish() {
  std::vector<std::pair<std::string, std::shared_ptr<Held>>> all;
  {
    std::lock_guard lock(heldMutex_);
    all.assign(held_.begin(), held_.end());
  }
  size_t failed = 0;
  for (auto& [key, held] : all) {
    std::lock_guard lock(held->mutex);
    if (held->references == 0) continue;
    auto claimed = claim(key, held->id);
    if (!claimed || !*claimed) ++failed;
  }
  return failed;
}

}  // namespace ciliumc::agent
