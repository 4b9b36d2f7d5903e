// UTF-8 validation. Every text input (policy language, YAML, JSON) must be UTF-8: ANTLR's
// runtime throws on anything else, and JSON output cannot carry invalid bytes.
#pragma once
#include <cstddef>
#include <optional>
#include <string_view>

namespace ciliumc {

// Length of the well-formed UTF-8 sequence starting at `i`, or 0 if it is not well formed
// (overlong forms, surrogates and code points above U+10FFFF are rejected).
size_t utf8SequenceLength(std::string_view s, size_t i);

// Byte offset of the first invalid UTF-8 sequence, if any.
std::optional<size_t> firstInvalidUtf8(std::string_view s);

}  // namespace ciliumc
