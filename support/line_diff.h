// A unified diff of two texts (for `ciliumc fmt --diff`). Hunks with 3 lines of context, like
// `diff -u`. Exact LCS on the region between the common prefix and suffix; formatting changes
// are local, so that region stays small.
#pragma once
#include <string>

namespace ciliumc {

// "" when the texts are equal.
std::string unifiedDiff(const std::string& before, const std::string& after,
                        const std::string& beforeName, const std::string& afterName);

}  // namespace ciliumc
