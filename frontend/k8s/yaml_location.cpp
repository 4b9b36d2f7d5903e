#include "frontend/k8s/yaml_location.h"

namespace ciliumc {

namespace {

// yaml-cpp tags plain scalars "?" and quoted ones "!".
bool isQuotedScalar(const YAML::Node& node) { return node.IsScalar() && node.Tag() == "!"; }

}  // namespace

SourceLocation locationFromMark(const YAML::Mark& mark, const std::shared_ptr<const std::string>& file) {
  SourceLocation location;
  location.file = file;
  if (mark.is_null() || mark.line < 0) return location;
  location.line = mark.line + 1;
  location.column = mark.column + 1;
  return location;
}

SourceLocation locationOfNode(const YAML::Node& node, const std::shared_ptr<const std::string>& file) {
  if (!node.IsDefined()) return locationFromMark(YAML::Mark::null_mark(), file);
  return locationFromMark(node.Mark(), file);
}

SourceLocation locationInScalar(const YAML::Node& node, const std::shared_ptr<const std::string>& file,
                                size_t offset) {
  SourceLocation location = locationOfNode(node, file);
  if (location.line > 0) location.column += static_cast<int>(offset) + (isQuotedScalar(node) ? 1 : 0);
  return location;
}

int underlineLength(const YAML::Node& node) {
  if (!node.IsDefined() || !node.IsScalar() || node.Scalar().empty()) return 1;
  return static_cast<int>(node.Scalar().size()) + (isQuotedScalar(node) ? 2 : 0);
}

}  // namespace ciliumc
