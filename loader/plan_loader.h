// PlanLoader: loads the endpoint objects of one compile plan on demand, sharing maps the way
// the datapath expects — node maps across all objects, shape maps across the endpoints of a
// shape — and fills them from the plan.
// Contract: endpoint(i) returns the loaded object of plan.endpoints[i]. The first object of a
// shape obtains the shape's ELF bytes once (ShapeObjectSource) and, once loaded, fills the shape
// maps (ciliumc_column from the object's own ciliumc_range_starts); the first object overall
// also fills the node maps (ipcache). Every object gets its endpoint's and shape's constants in
// .rodata, and the shape maps it creates get the shape's sizes. Later endpoints of the same
// shape reuse the same bytes and maps (only .rodata differs). Loading stops with an Error when
// the object cap or the load-time budget is exhausted; with an object cap, the least recently
// used endpoint object is unloaded to make room (its shape maps stay).
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "loader/loaded_object.h"
#include "loader/map_fill.h"
#include "loader/pin_layout.h"
#include "loader/shared_maps.h"
#include "passes/datapath_plan.h"

namespace ciliumc::loader {

// The ELF bytes of a shape (plan.shapes[shapeIndex]): backend_bpf's planObjectSource (one
// compilePlan object for every shape: the common path) or compileShape per shape.
using ShapeObjectSource = std::function<Expected<std::vector<uint8_t>>(uint32_t shapeIndex)>;

struct PlanLoaderOptions {
  std::optional<PinLayout> pins;  // pin shared maps (and adopt existing pins)
  size_t maxLoadedObjects = 1024;
  std::chrono::milliseconds loadBudget{std::chrono::minutes(5)};  // total time in bpf_object__load
  bool fullVerifierLog = false;
  // false: the maps this loader shares (node maps, shape maps) are pinned and filled already —
  // objects only reuse them, nothing is written into them.
  bool fillSharedMaps = true;
};

struct EndpointLoadRecord {
  uint32_t endpointId = 0;
  std::string shapeKey;
  LoadStats stats;
};

class PlanLoader {
 public:
  PlanLoader(const CompilePlan& plan, ShapeObjectSource source, PlanLoaderOptions options = {});
  PlanLoader(const PlanLoader&) = delete;
  PlanLoader& operator=(const PlanLoader&) = delete;

  // The pointer stays valid until a later endpoint() call evicts the object (object cap) or
  // unload() removes it.
  Expected<LoadedObject*> endpoint(size_t endpointIndex);

  // Loads the objects of plan.endpoints[i] for every i in `endpointIndices` not loaded yet, on
  // up to `threads` threads, so that endpoint(i) then returns them without loading. The first
  // object of each shape is loaded and fills its maps on the calling thread; the rest — which
  // only reuse maps by then — load concurrently (the kernel verifies programs in parallel).
  // Records: the shapes' first objects, then the rest, each in `endpointIndices` order. When the objects would exceed the object cap, this
  // loads one at a time like endpoint(). On failure: the Error of the first failing index in
  // `endpointIndices` order; what loaded stays loaded.
  Status loadAll(const std::vector<size_t>& endpointIndices, unsigned threads);
  void unload(size_t endpointIndex);

  const CompilePlan& plan() const { return plan_; }
  SharedMaps& maps() { return maps_; }
  int nodeMap(std::string_view name) const { return maps_.nodeMap(name); }
  // Every load so far, in order (for load time / verified instruction reports).
  const std::vector<EndpointLoadRecord>& records() const { return records_; }
  const std::map<uint32_t, FillStats>& shapeFills() const { return shapeFills_; }
  size_t loadedObjects() const { return loaded_.size(); }
  double totalLoadMs() const { return totalLoadMs_; }

 private:
  Expected<const std::vector<uint8_t>*> shapeBytes(uint32_t shapeIndex);
  Status checkLoadable(size_t endpointIndex) const;
  // Loads one object; touches nothing of this loader but the shared-map registry (under its
  // lock), so several threads may call it once the shape's bytes are cached.
  Expected<LoadedObject> loadObjectOf(size_t endpointIndex, const std::vector<uint8_t>& bytes);
  // Bookkeeping of a loaded object: record, first-load fills, the loaded set.
  Expected<LoadedObject*> adopt(size_t endpointIndex, LoadedObject object);
  Status fillAfterFirstLoad(const LoadedObject& object, uint32_t shapeIndex);
  void touch(size_t endpointIndex);

  const CompilePlan& plan_;
  ShapeObjectSource source_;
  PlanLoaderOptions options_;
  SharedMaps maps_;
  std::mutex mapsLock_;  // guards maps_ while loadAll loads on several threads
  std::map<uint32_t, std::vector<uint8_t>> elves_;  // by shape index
  std::map<uint32_t, FillStats> shapeFills_;        // shapes whose maps are filled
  bool nodeFilled_ = false;
  std::map<size_t, LoadedObject> loaded_;           // by endpoint index
  std::list<size_t> recency_;                       // most recent first
  std::vector<EndpointLoadRecord> records_;
  double totalLoadMs_ = 0;
};

}  // namespace ciliumc::loader
