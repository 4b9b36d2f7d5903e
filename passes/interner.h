// Interning of values into dense ids (first appearance = next id) with open addressing on a
// 64-bit hash; equal hashes are compared in full, so ids are exact. Used where the passes turn
// many candidate values (peer sets, entry lists, verdict rows) into few distinct ones.
#pragma once
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "passes/datapath_plan.h"

namespace ciliumc {

template <class Value, class Hash, class Equal = std::equal_to<>>
class Interner {
 public:
  // The id of `value`, and whether it was new.
  std::pair<uint32_t, bool> intern(const Value& value) {
    return internWith(value, Hash()(value), [&] { return value; });
  }
  // The same, looked up by a `probe` that Equal compares with stored values; `make()` builds the
  // value when the probe is new (so a hit costs no copy).
  template <class Probe, class Make>
  std::pair<uint32_t, bool> internWith(const Probe& probe, uint64_t hash, Make&& make) {
    size_t slot = hash & (slots_.size() - 1);
    for (; slots_[slot].index != 0; slot = (slot + 1) & (slots_.size() - 1))
      if (slots_[slot].hash == hash && Equal()(values_[slots_[slot].index - 1], probe)) return {slots_[slot].index - 1, false};
    uint32_t id = static_cast<uint32_t>(values_.size());
    values_.push_back(make());
    slots_[slot] = {hash, id + 1};
    if (2 * values_.size() > slots_.size()) grow();
    return {id, true};
  }
  const Value& operator[](uint32_t id) const { return values_[id]; }
  size_t size() const { return values_.size(); }
  std::vector<Value> release() { return std::move(values_); }

 private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t index = 0;  // id + 1; 0 = empty
  };
  void grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    for (const Slot& entry : old) {
      if (entry.index == 0) continue;
      size_t slot = entry.hash & (slots_.size() - 1);
      while (slots_[slot].index != 0) slot = (slot + 1) & (slots_.size() - 1);
      slots_[slot] = entry;
    }
  }
  std::vector<Slot> slots_ = std::vector<Slot>(16);
  std::vector<Value> values_;
};

inline uint64_t mixHash(uint64_t h) {
  h ^= h >> 31;
  h *= 0x7fb5d329728ea185ull;
  h ^= h >> 27;
  return h;
}

struct IndexListHash {
  uint64_t operator()(const std::vector<uint32_t>& values) const {
    uint64_t h = 0xcbf29ce484222325ull ^ values.size();
    for (uint32_t v : values) h = (h ^ v) * 0x100000001b3ull;
    return mixHash(h);
  }
};

struct PeerSetHash {
  uint64_t operator()(const PeerSet& set) const { return IndexListHash()(set.peers) ^ (set.localHost ? 0x51ed27ull : 0); }
};

struct VerdictRowHash {
  uint64_t operator()(const std::vector<VerdictCell>& row) const {
    uint64_t h = 0xcbf29ce484222325ull ^ row.size();
    for (const VerdictCell& cell : row)
      h = (h ^ (uint64_t(cell.rule) << 16 | uint64_t(cell.reason) << 1 | uint64_t(cell.deny))) * 0x100000001b3ull;
    return mixHash(h);
  }
};

}  // namespace ciliumc
