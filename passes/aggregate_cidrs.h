// The core of aggregate-cidrs, exposed for tests.
#pragma once
#include <array>
#include <vector>

#include "passes/datapath_plan.h"

namespace ciliumc {

// Fewer LPM entries with the same answer for every address: the class pair of the longest
// matching prefix, or `worldClasses[family]` (0 = IPv4, 1 = IPv6) when no prefix matches.
std::vector<CidrClassEntry> aggregateCidrEntries(const std::vector<CidrClassEntry>& entries,
                                                 const std::array<std::array<uint16_t, 2>, 2>& worldClasses);

}  // namespace ciliumc
