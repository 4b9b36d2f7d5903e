#include "loader/pin_layout.h"

#include <dirent.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "support/strings.h"

namespace ciliumc::loader {

namespace {

constexpr std::string_view kShapePrefix = "shape-";
constexpr std::string_view kEndpointPrefix = "endpoint-";
constexpr std::string_view kPortsPrefix = "ports-";

std::vector<std::string> directoryEntries(const std::string& directory) {
  std::vector<std::string> names;
  DIR* dir = ::opendir(directory.c_str());
  if (!dir) return names;
  while (const dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(std::move(name));
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

PinLayout::PinLayout(std::string bpffs) : bpffs_(std::move(bpffs)) {
  while (bpffs_.size() > 1 && bpffs_.back() == '/') bpffs_.pop_back();
}

std::string PinLayout::root() const { return bpffs_ + "/ciliumc"; }
std::string PinLayout::nodeDirectory() const { return root() + "/node"; }
std::string PinLayout::nodeMap(std::string_view map) const { return nodeDirectory() + "/" + std::string(map); }
std::string PinLayout::shapeDirectory(std::string_view shapeKey) const {
  return root() + "/" + std::string(kShapePrefix) + std::string(shapeKey);
}
std::string PinLayout::shapeMap(std::string_view shapeKey, std::string_view map) const {
  return shapeDirectory(shapeKey) + "/" + std::string(map);
}
std::string PinLayout::portsDirectory(std::string_view portsKey) const {
  return root() + "/" + std::string(kPortsPrefix) + std::string(portsKey);
}
std::string PinLayout::portsMap(std::string_view portsKey, std::string_view map) const {
  return portsDirectory(portsKey) + "/" + std::string(map);
}
std::string PinLayout::endpointDirectory(uint32_t endpointId) const {
  return root() + "/" + std::string(kEndpointPrefix) + std::to_string(endpointId);
}
std::string PinLayout::endpointProgram(uint32_t endpointId, Direction direction) const {
  return endpointDirectory(endpointId) + (direction == Direction::Ingress ? "/ingress" : "/egress");
}

std::vector<std::string> PinLayout::pinnedShapes() const {
  std::vector<std::string> keys;
  for (const std::string& name : directoryEntries(root()))
    if (startsWith(name, kShapePrefix)) keys.push_back(name.substr(kShapePrefix.size()));
  return keys;
}

std::vector<std::string> PinLayout::pinnedPortTables() const {
  std::vector<std::string> keys;
  for (const std::string& name : directoryEntries(root()))
    if (startsWith(name, kPortsPrefix)) keys.push_back(name.substr(kPortsPrefix.size()));
  return keys;
}

std::vector<uint32_t> PinLayout::pinnedEndpoints() const {
  std::vector<uint32_t> ids;
  for (const std::string& name : directoryEntries(root())) {
    unsigned long id = 0;
    if (startsWith(name, kEndpointPrefix) &&
        parseUnsigned(std::string_view(name).substr(kEndpointPrefix.size()), UINT32_MAX, id))
      ids.push_back(static_cast<uint32_t>(id));
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

bool isValidShapeKey(std::string_view shapeKey) {
  if (shapeKey.empty() || shapeKey.size() > 128) return false;
  return std::all_of(shapeKey.begin(), shapeKey.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

Status ensureDirectory(const std::string& path) {
  if (path.empty()) return Error{"empty directory path"};
  for (size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    std::string prefix = path.substr(0, slash);
    if (::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST) return errnoError("mkdir " + prefix, errno);
    if (slash == std::string::npos) return success();
  }
}

bool isBpffs(const std::string& path) {
  struct statfs info {};
  return ::statfs(path.c_str(), &info) == 0 && static_cast<unsigned long>(info.f_type) == BPF_FS_MAGIC;
}

Status mountBpffs(const std::string& path) {
  if (auto made = ensureDirectory(path); !made) return made;
  if (::mount("bpf", path.c_str(), "bpf", 0, "mode=0700") != 0) return errnoError("mount bpffs at " + path, errno);
  return success();
}

Status unmountBpffs(const std::string& path) {
  if (::umount2(path.c_str(), MNT_DETACH) != 0) return errnoError("umount " + path, errno);
  return success();
}

Status removePinDirectory(const std::string& directory) {
  for (const std::string& name : directoryEntries(directory)) {
    std::string path = directory + "/" + name;
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return errnoError("unlink " + path, errno);
  }
  if (::rmdir(directory.c_str()) != 0 && errno != ENOENT) return errnoError("rmdir " + directory, errno);
  return success();
}

}  // namespace ciliumc::loader
