#include "frontend/lang/source_text.h"

#include <algorithm>

#include "support/utf8.h"

namespace ciliumc {

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
