#include "loader/shared_maps.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>

#include <cerrno>
#include <cstdio>

#include "backend_bpf/plan_partition.h"
#include "loader/endpoint_config.h"
#include "loader/object_layout.h"

namespace ciliumc::loader {

namespace {

template <class Map>
int fdIn(const Map& maps, std::string_view name) {
  auto it = maps.find(name);
  return it == maps.end() ? -1 : it->second.get();
}

}  // namespace

int SharedMaps::nodeMap(std::string_view name) const { return fdIn(node_, name); }

int SharedMaps::shapeMap(std::string_view shapeKey, std::string_view name) const {
  auto shape = shapes_.find(shapeKey);
  return shape == shapes_.end() ? -1 : fdIn(shape->second, name);
}

int SharedMaps::portTable(std::string_view portsKey) const { return fdIn(portTables_, portsKey); }

Expected<std::string> SharedMaps::portsKeyOf(bpf_object* object) {
  if (!bpf_object__find_map_by_name(object, std::string(kPortTableMap).c_str())) return std::string();
  auto starts = rangeStartsIn(object);
  if (!starts) return starts.error();
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(rangeStartsHash(*starts)));
  return std::string(hex);
}

std::vector<std::string> SharedMaps::shapeKeys() const {
  std::vector<std::string> keys;
  for (const auto& [key, maps] : shapes_) keys.push_back(key);
  return keys;
}

int SharedMaps::knownFd(std::string_view shapeKey, std::string_view portsKey, std::string_view name) const {
  switch (mapScopeOf(name)) {
    case MapScope::Node: return nodeMap(name);
    case MapScope::Shape: return shapeMap(shapeKey, name);
    case MapScope::Ports: return portTable(portsKey);
    case MapScope::Object: return -1;
  }
  return -1;
}

std::string SharedMaps::pinPath(std::string_view shapeKey, std::string_view portsKey, std::string_view name) const {
  if (!pins_) return {};
  switch (mapScopeOf(name)) {
    case MapScope::Node: return pins_->nodeMap(name);
    case MapScope::Shape: return pins_->shapeMap(shapeKey, name);
    case MapScope::Ports: return pins_->portsMap(portsKey, name);
    case MapScope::Object: return {};
  }
  return {};
}

Status SharedMaps::prepare(bpf_object* object, std::string_view shapeKey) {
  if (pins_ && !isValidShapeKey(shapeKey))
    return Error{"shape key `" + std::string(shapeKey) + "` cannot name a pin directory"};
  auto portsKey = portsKeyOf(object);
  if (!portsKey) return portsKey.error();
  bpf_map* map = nullptr;
  bpf_object__for_each_map(map, object) {
    std::string_view name = bpf_map__name(map);
    if (mapScopeOf(name) == MapScope::Object) continue;
    if (int fd = knownFd(shapeKey, *portsKey, name); fd >= 0) {
      if (int err = bpf_map__reuse_fd(map, fd); err != 0)
        return errnoError("reusing the shared map " + std::string(name), err);
      continue;
    }
    std::string path = pinPath(shapeKey, *portsKey, name);
    if (path.empty()) continue;
    std::string directory = path.substr(0, path.rfind('/'));
    if (auto made = ensureDirectory(directory); !made) return made;
    if (int err = bpf_map__set_pin_path(map, path.c_str()); err != 0)
      return errnoError("setting the pin path " + path, err);
  }
  return success();
}

Status SharedMaps::remember(bpf_object* object, std::string_view shapeKey) {
  auto portsKey = portsKeyOf(object);
  if (!portsKey) return portsKey.error();
  bpf_map* map = nullptr;
  bpf_object__for_each_map(map, object) {
    std::string name = bpf_map__name(map);
    MapScope scope = mapScopeOf(name);
    if (scope == MapScope::Object || knownFd(shapeKey, *portsKey, name) >= 0) continue;
    int fd = ::fcntl(bpf_map__fd(map), F_DUPFD_CLOEXEC, 3);
    if (fd < 0) return errnoError("dup of map " + name, errno);
    if (scope == MapScope::Node) node_[name] = UniqueFd(fd);
    else if (scope == MapScope::Ports) portTables_[*portsKey] = UniqueFd(fd);
    else shapes_[std::string(shapeKey)][name] = UniqueFd(fd);
  }
  return success();
}

Status SharedMaps::adoptPinnedNode() {
  if (!pins_) return Error{"no bpffs pin directory configured"};
  for (std::string_view name : kNodeMaps) {
    if (nodeMap(name) >= 0) continue;
    int fd = bpf_obj_get(pins_->nodeMap(name).c_str());
    if (fd >= 0) node_[std::string(name)] = UniqueFd(fd);
  }
  return success();
}

Status SharedMaps::adoptPinnedShape(std::string_view shapeKey) {
  if (!pins_) return Error{"no bpffs pin directory configured"};
  if (!isValidShapeKey(shapeKey)) return Error{"invalid shape key `" + std::string(shapeKey) + "`"};
  for (std::string_view name : kShapeMaps) {
    if (shapeMap(shapeKey, name) >= 0) continue;
    int fd = bpf_obj_get(pins_->shapeMap(shapeKey, name).c_str());
    if (fd >= 0) shapes_[std::string(shapeKey)][std::string(name)] = UniqueFd(fd);
  }
  return success();
}

void SharedMaps::forgetShape(std::string_view shapeKey) {
  auto it = shapes_.find(shapeKey);
  if (it != shapes_.end()) shapes_.erase(it);
}

}  // namespace ciliumc::loader
