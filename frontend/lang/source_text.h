// One policy-language file as the front end sees it: the bytes, their mapping to lines and byte
// columns, and the text handed to ANTLR. ANTLR counts code points; diagnostics count bytes (so
// the caret lines up with the quoted source line), and this class converts between the two.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ir/source_location.h"

namespace ciliumc {

class SourceText {
 public:
  SourceText(const std::string& path, const std::string& text);

  const std::shared_ptr<const std::string>& path() const { return path_; }
  const std::string& bytes() const { return text_; }
  // The text for the lexer: identical to bytes() except that a UTF-8 byte-order mark is
  // blanked out (three spaces), so byte offsets stay the same.
  const std::string& lexerInput() const { return lexerInput_; }

  // Byte offset of the first invalid UTF-8 sequence, if any. ANTLR's runtime throws on invalid
  // UTF-8, so callers must check this before lexing.
  std::optional<size_t> firstInvalidUtf8() const { return invalidAt_; }

  // Code point index (ANTLR's Token::getStartIndex) -> byte offset.
  size_t byteOffsetOfCodePoint(size_t codePoint) const;
  // Byte offset -> file:line:col (1-based, column in bytes).
  SourceLocation locationOfByte(size_t byteOffset) const;
  SourceLocation locationOfCodePoint(size_t codePoint) const {
    return locationOfByte(byteOffsetOfCodePoint(codePoint));
  }

 private:
  std::shared_ptr<const std::string> path_;
  std::string text_;
  std::string lexerInput_;
  std::optional<size_t> invalidAt_;
  std::vector<size_t> lineStarts_;        // byte offset of each line's first byte
  std::vector<size_t> codePointOffsets_;  // empty when the text is pure ASCII
};

}  // namespace ciliumc
