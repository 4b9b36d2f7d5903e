#include "loader/endpoint_pins.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include <cerrno>
#include <cstdio>
#include <set>

#include "loader/object_layout.h"

namespace ciliumc::loader {

Status pinEndpointPrograms(const LoadedObject& object, const PinLayout& pins, uint32_t endpointId) {
  if (auto made = ensureDirectory(pins.endpointDirectory(endpointId)); !made) return made;
  for (Direction direction : {Direction::Ingress, Direction::Egress}) {
    int fd = object.programFd(direction);
    if (fd < 0) continue;
    std::string path = pins.endpointProgram(endpointId, direction);
    std::string temporary = path + "-new";  // bpffs refuses names with dots
    ::unlink(temporary.c_str());
    if (bpf_obj_pin(fd, temporary.c_str()) != 0) return errnoError("pinning " + temporary, errno);
    if (std::rename(temporary.c_str(), path.c_str()) != 0) {
      int err = errno;
      ::unlink(temporary.c_str());
      return errnoError("renaming " + temporary + " to " + path, err);
    }
  }
  return success();
}

Expected<PinnedEndpoint> openPinnedEndpoint(const PinLayout& pins, uint32_t endpointId) {
  PinnedEndpoint pinned;
  pinned.ingress.reset(bpf_obj_get(pins.endpointProgram(endpointId, Direction::Ingress).c_str()));
  pinned.egress.reset(bpf_obj_get(pins.endpointProgram(endpointId, Direction::Egress).c_str()));
  if (!pinned.ingress.valid() && !pinned.egress.valid())
    return Error{"no pinned programs for endpoint " + std::to_string(endpointId) + " under " + pins.root()};
  return pinned;
}

Status unpinEndpoint(const PinLayout& pins, uint32_t endpointId) {
  return removePinDirectory(pins.endpointDirectory(endpointId));
}

Expected<std::vector<uint32_t>> programMapIds(int programFd) {
  bpf_prog_info info{};
  uint32_t length = sizeof(info);
  if (bpf_obj_get_info_by_fd(programFd, &info, &length) != 0) return errnoError("reading program info", errno);
  std::vector<uint32_t> ids(info.nr_map_ids);
  if (ids.empty()) return ids;
  uint32_t count = info.nr_map_ids;
  info = {};
  info.nr_map_ids = count;
  info.map_ids = reinterpret_cast<uint64_t>(ids.data());
  length = sizeof(info);
  if (bpf_obj_get_info_by_fd(programFd, &info, &length) != 0) return errnoError("reading program map ids", errno);
  ids.resize(std::min(count, info.nr_map_ids));
  return ids;
}

Expected<uint32_t> mapId(int mapFd) {
  bpf_map_info info{};
  uint32_t length = sizeof(info);
  if (bpf_obj_get_info_by_fd(mapFd, &info, &length) != 0) return errnoError("reading map info", errno);
  return info.id;
}

Expected<std::vector<std::string>> removeUnusedShapePins(const PinLayout& pins) {
  std::set<uint32_t> used;
  for (uint32_t endpoint : pins.pinnedEndpoints()) {
    auto programs = openPinnedEndpoint(pins, endpoint);
    if (!programs) continue;
    for (const UniqueFd* fd : {&programs->ingress, &programs->egress}) {
      if (!fd->valid()) continue;
      auto ids = programMapIds(fd->get());
      if (!ids) return ids.error();
      used.insert(ids->begin(), ids->end());
    }
  }
  std::vector<std::string> removed;
  for (const std::string& shape : pins.pinnedShapes()) {
    bool inUse = false;
    for (std::string_view map : kShapeMaps) {
      UniqueFd fd(bpf_obj_get(pins.shapeMap(shape, map).c_str()));
      if (!fd.valid()) continue;
      auto id = mapId(fd.get());
      if (id && used.count(*id)) inUse = true;
    }
    if (inUse) continue;
    if (auto gone = removePinDirectory(pins.shapeDirectory(shape)); !gone) return gone.error();
    removed.push_back(shape);
  }
  for (const std::string& ports : pins.pinnedPortTables()) {
    UniqueFd fd(bpf_obj_get(pins.portsMap(ports, kPortTableMap).c_str()));
    if (fd.valid()) {
      auto id = mapId(fd.get());
      if (id && used.count(*id)) continue;
    }
    if (auto gone = removePinDirectory(pins.portsDirectory(ports)); !gone) return gone.error();
    removed.push_back("ports-" + ports);
  }
  return removed;
}

Status removeAllPins(const PinLayout& pins) {
  for (uint32_t endpoint : pins.pinnedEndpoints())
    if (auto gone = unpinEndpoint(pins, endpoint); !gone) return gone;
  for (const std::string& shape : pins.pinnedShapes())
    if (auto gone = removePinDirectory(pins.shapeDirectory(shape)); !gone) return gone;
  for (const std::string& ports : pins.pinnedPortTables())
    if (auto gone = removePinDirectory(pins.portsDirectory(ports)); !gone) return gone;
  if (auto gone = removePinDirectory(pins.nodeDirectory()); !gone) return gone;
  return removePinDirectory(pins.root());
}

}  // namespace ciliumc::loader
