#include "loader/object_layout.h"

#include <algorithm>

namespace ciliumc::loader {

MapScope mapScopeOf(std::string_view mapName) {
  auto in = [&](const auto& names) { return std::find(names.begin(), names.end(), mapName) != names.end(); };
  if (in(kNodeMaps)) return MapScope::Node;
  if (in(kShapeMaps)) return MapScope::Shape;
  if (mapName == kPortTableMap) return MapScope::Ports;
  return MapScope::Object;
}

std::string_view programNameOf(Direction direction) {
  return direction == Direction::Ingress ? kIngressProgram : kEgressProgram;
}

bool programEnforces(std::string_view programName, Direction direction) {
  std::string_view suffix = direction == Direction::Ingress ? "ingress" : "egress";
  return programName == programNameOf(direction) ||
         (programName.size() >= suffix.size() && programName.substr(programName.size() - suffix.size()) == suffix);
}

}  // namespace ciliumc::loader
