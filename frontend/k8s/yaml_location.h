// Source locations of YAML nodes. yaml-cpp marks are 0-based (line, column); SourceLocation is
// 1-based. A null mark (a node built in memory, or an absent node) maps to line 0 = unknown.
#pragma once
#include <memory>
#include <string>

#include <yaml-cpp/yaml.h>

#include "ir/source_location.h"

namespace ciliumc {

SourceLocation locationFromMark(const YAML::Mark& mark, const std::shared_ptr<const std::string>& file);

// The location of a node, shifted by `offset` bytes into its scalar text. Quoted scalars start
// one column after their mark (the quote), so offsets into the text land on the right byte for
// single-line scalars.
SourceLocation locationOfNode(const YAML::Node& node, const std::shared_ptr<const std::string>& file,
                              size_t offset = 0);

// Columns to underline for a node: its scalar text (with quotes), or 1 for collections.
int underlineLength(const YAML::Node& node);

}  // namespace ciliumc
