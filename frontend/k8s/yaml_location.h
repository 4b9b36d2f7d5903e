// Source locations of YAML nodes. yaml-cpp marks are 0-based (line, column); SourceLocation is
// 1-based. A null mark (a node built in memory, or an absent node) maps to line 0 = unknown.
#pragma once
#include <memory>
#include <string>

#include <yaml-cpp/yaml.h>

#include "ir/source_location.h"

namespace ciliumc {

SourceLocation locationFromMark(const YAML::Mark& mark, const std::shared_ptr<const std::string>& file);

// The location of a node: where it starts (for a quoted scalar, its opening quote).
SourceLocation locationOfNode(const YAML::Node& node, const std::shared_ptr<const std::string>& file);

// The location of byte `offset` of a scalar's text. A quoted scalar's text starts one column after
// its mark (the quote); exact for single-line scalars without escapes.
SourceLocation locationInScalar(const YAML::Node& node, const std::shared_ptr<const std::string>& file,
                                size_t offset);
// Same as locationInScalar (kept for frontend/inputs, which calls it by this name).
inline SourceLocation locationOfNode(const YAML::Node& node, const std::shared_ptr<const std::string>& file,
                                     size_t offset) {
  return locationInScalar(node, file, offset);
}

// Columns to underline for a node: its scalar text (with quotes), or 1 for collections.
int underlineLength(const YAML::Node& node);

}  // namespace ciliumc
