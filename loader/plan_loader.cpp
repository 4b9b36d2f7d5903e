#include "loader/plan_loader.h"

#include <algorithm>
#include <atomic>
#include <optional>
#include <set>
#include <system_error>
#include <thread>

#include "loader/endpoint_config.h"
#include "loader/object_layout.h"

namespace ciliumc::loader {

PlanLoader::PlanLoader(const CompilePlan& plan, ShapeObjectSource source, PlanLoaderOptions options)
    : plan_(plan),
      source_(std::move(source)),
      options_(std::move(options)),
      maps_(options_.pins ? SharedMaps(*options_.pins) : SharedMaps()) {}

Expected<const std::vector<uint8_t>*> PlanLoader::shapeBytes(uint32_t shapeIndex) {
  auto cached = elves_.find(shapeIndex);
  if (cached != elves_.end()) return &cached->second;
  if (!source_) return Error{"no BPF object source for shape " + std::to_string(shapeIndex)};
  auto bytes = source_(shapeIndex);
  if (!bytes) return Error{"compiling shape " + plan_.shapes[shapeIndex].key + ": " + bytes.error().message};
  return &elves_.emplace(shapeIndex, std::move(*bytes)).first->second;
}

Status PlanLoader::fillAfterFirstLoad(const LoadedObject& object, uint32_t shapeIndex) {
  if (!options_.fillSharedMaps) return success();
  if (!nodeFilled_) {
    int ipcache = object.mapFd(kIpcacheMap);
    if (ipcache < 0) return Error{"the object has no ciliumc_ipcache map"};
    if (auto filled = fillIpcache(ipcache, plan_.ipcache); !filled) return filled.error();
    nodeFilled_ = true;
  }
  if (!shapeFills_.count(shapeIndex)) {
    const ShapePlan& shape = plan_.shapes[shapeIndex];
    auto fds = shapeMapsOf(object);
    if (!fds) return Error{"the maps of shape " + shape.key + ": " + fds.error().message};
    auto filled = fillShapeMaps(shape, *fds);
    if (!filled) return Error{"filling the maps of shape " + shape.key + ": " + filled.error().message};
    shapeFills_.emplace(shapeIndex, *filled);
  }
  return success();
}

void PlanLoader::touch(size_t endpointIndex) {
  recency_.remove(endpointIndex);
  recency_.push_front(endpointIndex);
}

void PlanLoader::unload(size_t endpointIndex) {
  loaded_.erase(endpointIndex);
  recency_.remove(endpointIndex);
}

Status PlanLoader::checkLoadable(size_t endpointIndex) const {
  if (endpointIndex >= plan_.endpoints.size()) return Error{"no endpoint #" + std::to_string(endpointIndex) + " in the plan"};
  if (plan_.endpoints[endpointIndex].shape >= plan_.shapes.size())
    return Error{"endpoint #" + std::to_string(endpointIndex) + " has no shape"};
  if (options_.maxLoadedObjects == 0) return Error{"the object cap is 0"};
  if (totalLoadMs_ > double(options_.loadBudget.count()))
    return Error{"the BPF load-time budget (" + std::to_string(options_.loadBudget.count()) + " ms) is exhausted after " +
                 std::to_string(records_.size()) + " objects"};
  return success();
}

Expected<LoadedObject> PlanLoader::loadObjectOf(size_t endpointIndex, const std::vector<uint8_t>& bytes) {
  const EndpointPlan& endpoint = plan_.endpoints[endpointIndex];
  const ShapePlan& shape = plan_.shapes[endpoint.shape];
  ShapeContext context = shapeContextOf(shape, plan_.rules);
  LoadRequest request;
  request.elf = bytes;
  request.objectName = "ciliumc_ep" + std::to_string(endpoint.endpointId);
  auto config = endpointConfigOf(plan_, endpoint);
  if (!config) return config.error();
  request.endpoint = *config;
  request.mapSizes = shapeMapSizes(shape);
  request.sharedMaps = &maps_;
  request.sharedMapsLock = &mapsLock_;
  request.shapeKey = shape.key;
  request.context = &context;
  request.fullVerifierLog = options_.fullVerifierLog;
  auto object = loadObject(request);
  if (!object) {
    std::string who = endpoint.endpoint ? endpoint.endpoint->qualifiedName() : "#" + std::to_string(endpoint.endpointId);
    return Error{"loading the object of endpoint " + who + ": " + object.error().message};
  }
  return object;
}

Expected<LoadedObject*> PlanLoader::adopt(size_t endpointIndex, LoadedObject object) {
  const EndpointPlan& endpoint = plan_.endpoints[endpointIndex];
  totalLoadMs_ += object.stats().loadMs;
  records_.push_back(EndpointLoadRecord{endpoint.endpointId, plan_.shapes[endpoint.shape].key, object.stats()});
  if (auto filled = fillAfterFirstLoad(object, endpoint.shape); !filled) return filled.error();
  auto [it, inserted] = loaded_.emplace(endpointIndex, std::move(object));
  touch(endpointIndex);
  return &it->second;
}

Expected<LoadedObject*> PlanLoader::endpoint(size_t endpointIndex) {
  if (auto it = loaded_.find(endpointIndex); it != loaded_.end()) {
    touch(endpointIndex);
    return &it->second;
  }
  if (auto loadable = checkLoadable(endpointIndex); !loadable) return loadable.error();
  while (loaded_.size() >= options_.maxLoadedObjects && !recency_.empty()) unload(recency_.back());
  auto bytes = shapeBytes(plan_.endpoints[endpointIndex].shape);
  if (!bytes) return bytes.error();
  auto object = loadObjectOf(endpointIndex, **bytes);
  if (!object) return object.error();
  return adopt(endpointIndex, std::move(*object));
}

Status PlanLoader::loadAll(const std::vector<size_t>& endpointIndices, unsigned threads) {
  // First objects of shapes (they create and fill the shared maps) here, in order; the rest later.
  std::vector<size_t> rest;
  std::set<uint32_t> shapesSeen;
  for (size_t index : endpointIndices) {
    if (loaded_.count(index)) continue;
    if (auto loadable = checkLoadable(index); !loadable) return loadable;
    uint32_t shape = plan_.endpoints[index].shape;
    if (shapeFills_.count(shape) || !shapesSeen.insert(shape).second) {
      rest.push_back(index);
      continue;
    }
    if (auto loaded = endpoint(index); !loaded) return loaded.error();
  }
  if (threads <= 1 || rest.size() <= 1 || loaded_.size() + rest.size() > options_.maxLoadedObjects) {
    for (size_t index : rest)
      if (auto loaded = endpoint(index); !loaded) return loaded.error();
    return success();
  }

  // Every shape's bytes are cached by now: workers only read elves_.
  std::vector<const std::vector<uint8_t>*> bytes(rest.size());
  for (size_t i = 0; i < rest.size(); ++i) {
    auto shapeElf = shapeBytes(plan_.endpoints[rest[i]].shape);
    if (!shapeElf) return shapeElf.error();
    bytes[i] = *shapeElf;
  }
  std::vector<std::optional<Expected<LoadedObject>>> results(rest.size());
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::atomic<int64_t> loadMicros{static_cast<int64_t>(totalLoadMs_ * 1000)};
  const int64_t budgetMicros = static_cast<int64_t>(options_.loadBudget.count()) * 1000;
  auto work = [&] {
    for (size_t i = next++; i < rest.size() && !failed; i = next++) {
      if (loadMicros.load() > budgetMicros) {
        failed = true;
        break;
      }
      results[i] = loadObjectOf(rest[i], *bytes[i]);
      if (!*results[i]) failed = true;
      else loadMicros += static_cast<int64_t>((*results[i])->stats().loadMs * 1000);
    }
  };
  std::vector<std::thread> workers;
  unsigned count = std::min<unsigned>(threads, static_cast<unsigned>(rest.size()));
  for (unsigned t = 1; t < count; ++t) {
    try {
      workers.emplace_back(work);
    } catch (const std::system_error&) {
      break;  // no more threads to be had: the ones running (and this one) do the rest
    }
  }
  work();
  for (std::thread& worker : workers) worker.join();

  // In order: adopt what loaded, stop at the first failure (or the first index the budget or an
  // earlier failure left unloaded).
  for (size_t i = 0; i < rest.size(); ++i) {
    if (!results[i]) {
      // Never loaded: the budget ran out (checkLoadable names it) or a failure stopped the workers.
      if (auto loadable = checkLoadable(rest[i]); !loadable) return loadable;
      return Error{"loading stopped after an earlier failure"};
    }
    if (!*results[i]) return results[i]->error();
    if (auto adopted = adopt(rest[i], std::move(**results[i])); !adopted) return adopted.error();
  }
  return success();
}

}  // namespace ciliumc::loader
