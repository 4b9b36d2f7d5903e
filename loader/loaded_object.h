// Loading one BPF object (ELF bytes in memory) into the kernel with libbpf.
// Contract: loadObject either returns an object whose programs are all verified and loaded,
// with BTF, the requested endpoint constants and shared maps — or an Error whose message says
// what failed; a verifier rejection carries the complete verifier log plus the policy context.
// The first attempt loads without a verifier log (fast); on a rejection libbpf reloads the
// failing program with log level 1 and prints the log, which we capture.
// An object with a ciliumc_port_table gets it filled (map_fill.h ensurePortTable) before
// loadObject returns, so its programs never run on an empty table.
// libbpf's "BTF is optional, ignoring" fallback is a failure here: without BTF the maps and
// line info the rest of the system relies on are missing.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ir/policy.h"
#include "loader/map_fill.h"
#include "loader/shared_maps.h"
#include "loader/status.h"
#include "loader/verifier_report.h"
#include "runtime/ciliumc_abi.h"

struct bpf_object;
struct bpf_program;

namespace ciliumc::loader {

struct ProgramStats {
  std::string name;
  uint32_t id = 0;             // kernel program id
  uint32_t verifiedInsns = 0;  // "processed N insns"
  uint32_t xlatedBytes = 0;
  uint32_t jitedBytes = 0;
};

struct LoadStats {
  double openMs = 0;  // ELF parsing (bpf_object__open_mem)
  double loadMs = 0;  // map creation/reuse + verification of every program (bpf_object__load)
  double portTableFillMs = 0;  // filling a new ciliumc_port_table (0: none, or shared and full)
  std::vector<ProgramStats> programs;
};

struct LoadRequest {
  std::span<const uint8_t> elf;
  std::string objectName = "ciliumc";  // shows in libbpf messages
  std::optional<ciliumc_endpoint_config> endpoint;  // written into .rodata `ciliumc_endpoint`
  SharedMaps* sharedMaps = nullptr;                // share node/shape maps (and pin them)
  // Held around every use of sharedMaps, for loads on several threads sharing one registry
  // (SharedMaps itself is not thread-safe). bpf_object__load runs without it.
  std::mutex* sharedMapsLock = nullptr;
  std::string shapeKey;                            // the shape's key, for shape maps
  // max_entries of named maps, set before load; a map reused from SharedMaps (or a pin) keeps
  // the size it was created with. Maps the object lacks are skipped.
  std::vector<std::pair<std::string, uint32_t>> mapSizes;
  const ShapeContext* context = nullptr;           // named in rejection messages
  bool fullVerifierLog = false;                    // log level 2 from the start (slow; debugging)
  // Filled on a verifier rejection (the Error's message holds the rendered form).
  std::optional<VerifierRejection>* rejection = nullptr;
  std::string* libbpfLog = nullptr;                // everything libbpf printed, on success too
};

class LoadedObject {
 public:
  LoadedObject(LoadedObject&&) noexcept;
  LoadedObject& operator=(LoadedObject&&) noexcept;
  ~LoadedObject();

  bpf_object* object() const { return object_.get(); }
  // The program enforcing a direction (object_layout.h), nullptr/-1 when the object has none.
  bpf_program* program(Direction direction) const;
  int programFd(Direction direction) const;
  int mapFd(std::string_view name) const;
  const LoadStats& stats() const { return stats_; }

 private:
  friend Expected<LoadedObject> loadObject(const LoadRequest& request);
  struct Close {
    void operator()(bpf_object* object) const;
  };
  LoadedObject() = default;
  std::unique_ptr<bpf_object, Close> object_;
  LoadStats stats_;
};

Expected<LoadedObject> loadObject(const LoadRequest& request);

// The fds of a loaded object's shape maps, with its ciliumc_range_starts (for ciliumc_column),
// ready for fillShapeMaps. A missing ciliumc_cidr or ciliumc_column stays -1.
Expected<ShapeMapFds> shapeMapsOf(const LoadedObject& object);

// The max_entries a shape needs of the maps the loader sizes per shape (ciliumc_verdict,
// ciliumc_cidr); for LoadRequest::mapSizes.
std::vector<std::pair<std::string, uint32_t>> shapeMapSizes(const ShapePlan& shape);

// Kernel facts about a loaded program (bpf_obj_get_info_by_fd).
Expected<ProgramStats> programStats(int programFd);

}  // namespace ciliumc::loader
