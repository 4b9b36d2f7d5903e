#include "ir/source_location.h"

namespace ciliumc {

std::string SourceLocation::toString() const {
  std::string text = fileName();
  if (line <= 0) return text;
  text += ":" + std::to_string(line);
  if (column > 0) text += ":" + std::to_string(column);
  return text;
}

}  // namespace ciliumc
