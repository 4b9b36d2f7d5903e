// SharedMaps: the maps several BPF objects must share, so that one fill serves them all.
// Node maps (ciliumc_ipcache, _ct, _events, _config) are shared by every object; shape maps
// (ciliumc_class, _verdict, _cidr) by every endpoint object of the same shape key; the per-plan
// ciliumc_port_table by every object with the same ciliumc_range_starts (its ports key).
// Contract: prepare() before bpf_object__load makes each shared map of the object either reuse
// the fd of a map this registry already knows (bpf_map__reuse_fd), or — when pinning — carry
// its pin path, so libbpf reuses the pinned map or creates and pins it; remember() after the
// load records the fds of the maps the load created. Maps of other scopes are left alone.
// Not thread-safe; one registry per loading thread (or guard it).
#pragma once
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "loader/pin_layout.h"
#include "loader/status.h"
#include "loader/unique_fd.h"

struct bpf_object;

namespace ciliumc::loader {

class SharedMaps {
 public:
  SharedMaps() = default;                     // in-process sharing only
  explicit SharedMaps(PinLayout pins) : pins_(std::move(pins)) {}

  const std::optional<PinLayout>& pins() const { return pins_; }

  Status prepare(bpf_object* object, std::string_view shapeKey);
  Status remember(bpf_object* object, std::string_view shapeKey);

  // -1 when the map is not known (no object of that scope loaded yet).
  int nodeMap(std::string_view name) const;
  int shapeMap(std::string_view shapeKey, std::string_view name) const;
  int portTable(std::string_view portsKey) const;
  std::vector<std::string> shapeKeys() const;

  // Opens the pinned maps of the node (and of a shape) so that fills and probes work without
  // loading any object: adoption by a new process. Missing pins are skipped.
  Status adoptPinnedNode();
  Status adoptPinnedShape(std::string_view shapeKey);

  // Drops the registry's references to a shape's maps (the kernel frees them once no program
  // and no pin holds them).
  void forgetShape(std::string_view shapeKey);

  // The ports key of an object: 16 hex digits of rangeStartsHash(ciliumc_range_starts) when the
  // object has a ciliumc_port_table, else empty.
  static Expected<std::string> portsKeyOf(bpf_object* object);

 private:
  int knownFd(std::string_view shapeKey, std::string_view portsKey, std::string_view name) const;
  std::string pinPath(std::string_view shapeKey, std::string_view portsKey, std::string_view name) const;

  std::optional<PinLayout> pins_;
  std::map<std::string, UniqueFd, std::less<>> node_;
  std::map<std::string, std::map<std::string, UniqueFd, std::less<>>, std::less<>> shapes_;
  std::map<std::string, UniqueFd, std::less<>> portTables_;  // by ports key
};

}  // namespace ciliumc::loader
