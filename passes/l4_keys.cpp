#include "passes/l4_keys.h"

#include <algorithm>

#include "ir/evaluator.h"

namespace ciliumc {

namespace {

constexpr uint32_t kKindSpan = 1u << 16;

const char* kindName(uint32_t kind) {
  return kind <= static_cast<uint32_t>(L4Kind::None) ? l4KindName(static_cast<L4Kind>(kind)) : "?";
}

void addPortRange(std::vector<KeyInterval>& out, Protocol protocol, uint16_t first, uint16_t last) {
  auto add = [&](L4Kind kind) { out.push_back({l4Key(kind, first), l4Key(kind, last) + 1}); };
  if (protocol == Protocol::Any) {
    for (L4Kind kind : {L4Kind::TCP, L4Kind::UDP, L4Kind::SCTP}) add(kind);
  } else if (auto kind = l4KindOf(protocol)) {
    add(*kind);
  }
}

}  // namespace

std::optional<L4Kind> l4KindOf(Protocol protocol) {
  switch (protocol) {
    case Protocol::TCP: return L4Kind::TCP;
    case Protocol::UDP: return L4Kind::UDP;
    case Protocol::SCTP: return L4Kind::SCTP;
    case Protocol::ICMP: return L4Kind::ICMP;
    case Protocol::ICMPv6: return L4Kind::ICMPv6;
    case Protocol::Any: break;
  }
  return std::nullopt;
}

KeySet canonicalKeySet(std::vector<KeyInterval> intervals) {
  std::sort(intervals.begin(), intervals.end());
  KeySet merged;
  for (const KeyInterval& interval : intervals) {
    if (interval.first >= interval.end) continue;
    if (!merged.empty() && interval.first <= merged.back().end)
      merged.back().end = std::max(merged.back().end, interval.end);
    else
      merged.push_back(interval);
  }
  return merged;
}

KeySet keySetOf(const L4Match& l4) {
  if (l4.isWildcard()) return {{0, kL4KeyEnd}};
  std::vector<KeyInterval> intervals;
  for (const PortRange& range : l4.ports) addPortRange(intervals, range.protocol, range.first, range.last);
  for (const IcmpType& icmp : l4.icmps)
    if (auto kind = l4KindOf(icmp.protocol)) intervals.push_back({l4Key(*kind, icmp.type), l4Key(*kind, icmp.type) + 1});
  return canonicalKeySet(std::move(intervals));
}

bool keySetContains(const KeySet& outer, const KeySet& inner) {
  auto candidate = outer.begin();
  for (const KeyInterval& piece : inner) {
    while (candidate != outer.end() && candidate->end <= piece.first) ++candidate;
    if (candidate == outer.end() || candidate->first > piece.first || candidate->end < piece.end) return false;
  }
  return true;
}

bool keySetsIntersect(const KeySet& a, const KeySet& b) {
  auto i = a.begin();
  auto j = b.begin();
  while (i != a.end() && j != b.end()) {
    if (i->end <= j->first) ++i;
    else if (j->end <= i->first) ++j;
    else return true;
  }
  return false;
}

std::string keyRangeText(uint32_t first, uint32_t end) {
  if (first == 0 && end >= kL4KeyEnd) return "everything";
  std::string text;
  for (uint32_t kind = first / kKindSpan; kind * kKindSpan < end && kind <= uint32_t(L4Kind::None); ++kind) {
    uint32_t low = std::max(first, kind * kKindSpan) - kind * kKindSpan;
    uint32_t high = std::min(end, (kind + 1) * kKindSpan) - kind * kKindSpan - 1;  // inclusive
    std::string piece = kindName(kind);
    if (static_cast<L4Kind>(kind) != L4Kind::None && !(low == 0 && high == kKindSpan - 1))
      piece += "/" + std::to_string(low) + (low == high ? "" : "-" + std::to_string(high));
    text += (text.empty() ? "" : ", ") + piece;
  }
  return text;
}

const KeySet& neighborDiscoveryKeys() {
  static const KeySet keys = [] {
    std::vector<KeyInterval> intervals;
    for (uint32_t type = 0; type < kKindSpan; ++type)
      if (isNeighborDiscovery(Protocol::ICMPv6, static_cast<uint16_t>(type)))
        intervals.push_back({l4Key(L4Kind::ICMPv6, type), l4Key(L4Kind::ICMPv6, type) + 1});
    return canonicalKeySet(std::move(intervals));
  }();
  return keys;
}

}  // namespace ciliumc
