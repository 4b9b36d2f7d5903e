// aggregate-cidrs: fewer CIDR trie entries, same longest-match answer for every address
// Two sibling prefixes with equal classes become their parent, a prefix both of whose halves are
// listed is dropped, and so is a prefix whose classes equal those of its nearest listed ancestor
// (or, with none, the world-ipv4/-ipv6 classes).
#include <algorithm>
#include <map>

#include "passes/aggregate_cidrs.h"
#include "passes/pass_registry.h"

namespace ciliumc {

namespace {

using ClassPair = std::array<uint16_t, 2>;
using Trie = std::map<IpPrefix, ClassPair>;

constexpr int kMaxRounds = 256;  // each productive round removes an entry; a safety bound only

void setBit(IpAddress& ip, int bit, bool value) {
  auto mask = static_cast<uint8_t>(0x80u >> (bit % 8));
  if (value) ip.bytes[bit / 8] |= mask;
  else ip.bytes[bit / 8] &= static_cast<uint8_t>(~mask);
}

IpPrefix truncated(IpPrefix prefix, int length) {
  for (int bit = length; bit < prefix.length; ++bit) setBit(prefix.address, bit, false);
  prefix.length = length;
  return prefix;
}

IpPrefix child(IpPrefix prefix, bool one) {
  setBit(prefix.address, prefix.length, one);
  prefix.length += 1;
  return prefix;
}

IpPrefix sibling(IpPrefix prefix) {
  int bit = prefix.length - 1;
  setBit(prefix.address, bit, !prefix.address.bit(bit));
  return prefix;
}

std::vector<IpPrefix> prefixesByLength(const Trie& trie, bool longestFirst) {
  std::vector<IpPrefix> prefixes;
  for (const auto& [prefix, classes] : trie) prefixes.push_back(prefix);
  std::stable_sort(prefixes.begin(), prefixes.end(), [&](const IpPrefix& a, const IpPrefix& b) {
    return longestFirst ? a.length > b.length : a.length < b.length;
  });
  return prefixes;
}

// Both halves with equal classes: the parent answers for exactly their addresses.
bool mergeSiblings(Trie& trie) {
  bool changed = false;
  for (const IpPrefix& prefix : prefixesByLength(trie, true)) {
    auto self = trie.find(prefix);
    if (self == trie.end() || prefix.length == 0) continue;
    auto other = trie.find(sibling(prefix));
    if (other == trie.end() || other->second != self->second) continue;
    ClassPair classes = self->second;
    trie.erase(self);
    trie.erase(other);
    trie[truncated(prefix, prefix.length - 1)] = classes;
    changed = true;
  }
  return changed;
}

// A prefix both of whose halves are listed is never the longest match.
bool dropHiddenPrefixes(Trie& trie) {
  bool changed = false;
  for (const IpPrefix& prefix : prefixesByLength(trie, false)) {
    if (prefix.length >= prefix.address.bitLength()) continue;
    if (trie.count(child(prefix, false)) && trie.count(child(prefix, true))) {
      trie.erase(prefix);
      changed = true;
    }
  }
  return changed;
}

// In address order an ancestor comes before its descendants, so a stack of the kept prefixes
// enclosing the current one gives its nearest kept ancestor.
bool dropRedundantPrefixes(Trie& trie, const std::array<ClassPair, 2>& worldClasses) {
  bool changed = false;
  std::vector<Trie::iterator> enclosing;
  for (auto it = trie.begin(); it != trie.end();) {
    while (!enclosing.empty() && !enclosing.back()->first.contains(it->first)) enclosing.pop_back();
    const ClassPair& answer = enclosing.empty()
                                  ? worldClasses[it->first.address.family == IpFamily::V4 ? 0 : 1]
                                  : enclosing.back()->second;
    if (it->second == answer) {
      it = trie.erase(it);
      changed = true;
    } else {
      enclosing.push_back(it++);
    }
  }
  return changed;
}

ClassPair identityClasses(const ShapePlan& shape, ReservedIdentity id) {
  auto found = shape.identityClasses.find(static_cast<NumericIdentity>(id));
  return found == shape.identityClasses.end() ? ClassPair{0, 0} : found->second;
}

void runAggregateCidrs(PipelineState& state) {
  for (ShapePlan& shape : state.plan.shapes) {
    if (shape.cidr.empty()) continue;
    shape.cidr = aggregateCidrEntries(shape.cidr, {identityClasses(shape, ReservedIdentity::WorldIPv4),
                                                   identityClasses(shape, ReservedIdentity::WorldIPv6)});
  }
}

}  // namespace

std::vector<CidrClassEntry> aggregateCidrEntries(const std::vector<CidrClassEntry>& entries,
                                                 const std::array<std::array<uint16_t, 2>, 2>& worldClasses) {
  Trie trie;
  for (const CidrClassEntry& entry : entries) trie[entry.prefix] = entry.cls;
  for (int round = 0; round < kMaxRounds; ++round) {
    bool changed = mergeSiblings(trie);
    changed |= dropHiddenPrefixes(trie);
    changed |= dropRedundantPrefixes(trie, worldClasses);
    if (!changed) break;
  }
  std::vector<CidrClassEntry> aggregated;
  for (const auto& [prefix, classes] : trie) aggregated.push_back({prefix, classes});
  return aggregated;
}

PassInfo aggregateCidrsPass() {
  return {"aggregate-cidrs",
          "fewer CIDR trie entries, same longest-match answer for every address",
          PassStage::Lowering, true, runAggregateCidrs};
}

}  // namespace ciliumc
