// Where pinned objects live under a bpffs mount, so enforcement and state outlive the process
// and a later process (the agent, `ciliumc unload`) can adopt them:
//   <bpffs>/ciliumc/node/<map>                 node-wide maps (ipcache, ct, events, config)
//   <bpffs>/ciliumc/shape-<key>/<map>          per-shape maps (class, verdict, cidr)
//   <bpffs>/ciliumc/ports-<hash>/<map>         per-plan ciliumc_port_table (hash: 16 hex digits
//                                              of the range starts, see SharedMaps::portsKeyOf)
//   <bpffs>/ciliumc/endpoint-<id>/ingress      an endpoint's programs
//   <bpffs>/ciliumc/endpoint-<id>/egress
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ir/policy.h"
#include "loader/status.h"

namespace ciliumc::loader {

class PinLayout {
 public:
  // `bpffs` is a bpffs mount point (normally /sys/fs/bpf).
  explicit PinLayout(std::string bpffs);

  const std::string& bpffs() const { return bpffs_; }
  std::string root() const;  // <bpffs>/ciliumc
  std::string nodeDirectory() const;
  std::string nodeMap(std::string_view map) const;
  std::string shapeDirectory(std::string_view shapeKey) const;
  std::string shapeMap(std::string_view shapeKey, std::string_view map) const;
  std::string portsDirectory(std::string_view portsKey) const;
  std::string portsMap(std::string_view portsKey, std::string_view map) const;
  std::string endpointDirectory(uint32_t endpointId) const;
  std::string endpointProgram(uint32_t endpointId, Direction direction) const;

  // Shape keys of the shape directories and ids of the endpoint directories that exist.
  std::vector<std::string> pinnedShapes() const;
  std::vector<std::string> pinnedPortTables() const;  // their ports keys
  std::vector<uint32_t> pinnedEndpoints() const;

 private:
  std::string bpffs_;
};

// Shape keys become path components: only [A-Za-z0-9_-] (bpffs refuses dots in names).
bool isValidShapeKey(std::string_view shapeKey);

// mkdir -p.
Status ensureDirectory(const std::string& path);
// The path is on a bpffs mount (statfs magic BPF_FS_MAGIC).
bool isBpffs(const std::string& path);
// Mounts a bpffs instance at `path` (created if missing). Each mount is a separate instance:
// tests mount a private one in a temporary directory and unmount it afterwards.
Status mountBpffs(const std::string& path);
Status unmountBpffs(const std::string& path);
// Unlinks every pin in `directory` (not recursive) and removes the directory. Missing = done.
Status removePinDirectory(const std::string& directory);

}  // namespace ciliumc::loader
