// Small string helpers shared by every stage (splitting, trimming, "did you mean").
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace ciliumc {

std::vector<std::string_view> splitString(std::string_view s, char sep);
std::string_view trimString(std::string_view s);
bool startsWith(std::string_view s, std::string_view prefix);

// Levenshtein distance, used for "did you mean" hints.
size_t editDistance(std::string_view a, std::string_view b);

// The candidate closest to `word` if it is close enough to be a plausible typo, else "".
std::string closestMatch(std::string_view word, const std::vector<std::string>& candidates);

// Parses a decimal unsigned integer that fits in `max`; false on anything else.
bool parseUnsigned(std::string_view s, unsigned long max, unsigned long& out);

}  // namespace ciliumc
