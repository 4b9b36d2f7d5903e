// Groups items that are equal, cheaply: by hash first, in full only on equal hashes. Groups come
// in the order of their first member; members are listed in input order.
#pragma once
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace ciliumc {

template <class Hash, class Equal>
std::vector<std::vector<size_t>> groupEqual(size_t count, Hash&& hashOf, Equal&& equal) {
  std::vector<std::vector<size_t>> groups;
  std::unordered_map<uint64_t, std::vector<size_t>> groupsByHash;
  for (size_t i = 0; i < count; ++i) {
    std::vector<size_t>& candidates = groupsByHash[hashOf(i)];
    bool placed = false;
    for (size_t group : candidates) {
      if (!equal(groups[group].front(), i)) continue;
      groups[group].push_back(i);
      placed = true;
      break;
    }
    if (placed) continue;
    candidates.push_back(groups.size());
    groups.push_back({i});
  }
  return groups;
}

}  // namespace ciliumc
