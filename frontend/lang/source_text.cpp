#include "frontend/lang/source_text.h"

#include <algorithm>

namespace ciliumc {
namespace {

// Length of the UTF-8 sequence starting at `i`, or 0 if it is not well formed (overlong forms,
// surrogates and code points above U+10FFFF are rejected, as the ANTLR runtime does).
size_t utf8SequenceLength(const std::string& s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char b0 = byte(i);
  if (b0 < 0x80) return 1;
  size_t length = 0;
  unsigned long codePoint = 0;
  if ((b0 & 0xE0) == 0xC0) { length = 2; codePoint = b0 & 0x1F; }
  else if ((b0 & 0xF0) == 0xE0) { length = 3; codePoint = b0 & 0x0F; }
  else if ((b0 & 0xF8) == 0xF0) { length = 4; codePoint = b0 & 0x07; }
  else return 0;
  if (i + length > s.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    codePoint = (codePoint << 6) | (byte(i + k) & 0x3F);
  }
  static const unsigned long kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
  if (codePoint < kMinimum[length] || codePoint > 0x10FFFF) return 0;
  if (codePoint >= 0xD800 && codePoint <= 0xDFFF) return 0;
  return length;
}

}  // namespace

SourceText::SourceText(const std::string& path, const std::string& text)
    : path_(std::make_shared<const std::string>(path)), text_(text), lexerInput_(text) {
  if (lexerInput_.compare(0, 3, "\xEF\xBB\xBF") == 0) lexerInput_.replace(0, 3, "   ");
  lineStarts_.push_back(0);
  bool ascii = true;
  for (size_t i = 0; i < text_.size();) {
    if (text_[i] == '\n') lineStarts_.push_back(i + 1);
    size_t length = utf8SequenceLength(text_, i);
    if (length == 0) {
      if (!invalidAt_) invalidAt_ = i;
      length = 1;
    }
    if (length > 1) ascii = false;
    i += length;
  }
  if (ascii || invalidAt_) return;
  // ANTLR sees one code point per sequence; the BOM (now three spaces) counts as three.
  size_t bomEnd = lexerInput_.size() >= 3 && text_.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
  for (size_t i = 0; i < text_.size();) {
    codePointOffsets_.push_back(i);
    i += i < bomEnd ? 1 : utf8SequenceLength(text_, i);
  }
}

size_t SourceText::byteOffsetOfCodePoint(size_t codePoint) const {
  if (codePointOffsets_.empty()) return std::min(codePoint, text_.size());
  if (codePoint >= codePointOffsets_.size()) return text_.size();
  return codePointOffsets_[codePoint];
}

SourceLocation SourceText::locationOfByte(size_t byteOffset) const {
  byteOffset = std::min(byteOffset, text_.size());
  auto next = std::upper_bound(lineStarts_.begin(), lineStarts_.end(), byteOffset);
  size_t lineIndex = static_cast<size_t>(next - lineStarts_.begin()) - 1;
  SourceLocation location;
  location.file = path_;
  location.line = static_cast<int>(lineIndex + 1);
  location.column = static_cast<int>(byteOffset - lineStarts_[lineIndex] + 1);
  return location;
}

}  // namespace ciliumc
