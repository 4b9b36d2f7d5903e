#include "loader/plan_loader.h"

#include <algorithm>

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

Expected<LoadedObject*> PlanLoader::endpoint(size_t endpointIndex) {
  if (endpointIndex >= plan_.endpoints.size()) return Error{"no endpoint #" + std::to_string(endpointIndex) + " in the plan"};
  if (auto it = loaded_.find(endpointIndex); it != loaded_.end()) {
    touch(endpointIndex);
    return &it->second;
  }
  const EndpointPlan& endpoint = plan_.endpoints[endpointIndex];
  if (endpoint.shape >= plan_.shapes.size()) return Error{"endpoint #" + std::to_string(endpointIndex) + " has no shape"};
  if (options_.maxLoadedObjects == 0) return Error{"the object cap is 0"};
  if (totalLoadMs_ > double(options_.loadBudget.count()))
    return Error{"the BPF load-time budget (" + std::to_string(options_.loadBudget.count()) + " ms) is exhausted after " +
                 std::to_string(records_.size()) + " objects"};
  while (loaded_.size() >= options_.maxLoadedObjects && !recency_.empty()) unload(recency_.back());

  const ShapePlan& shape = plan_.shapes[endpoint.shape];
  auto bytes = shapeBytes(endpoint.shape);
  if (!bytes) return bytes.error();
  ShapeContext context = shapeContextOf(shape, plan_.rules);
  LoadRequest request;
  request.elf = **bytes;
  request.objectName = "ciliumc_ep" + std::to_string(endpoint.endpointId);
  auto config = endpointConfigOf(plan_, endpoint);
  if (!config) return config.error();
  request.endpoint = *config;
  request.mapSizes = shapeMapSizes(shape);
  request.sharedMaps = &maps_;
  request.shapeKey = shape.key;
  request.context = &context;
  request.fullVerifierLog = options_.fullVerifierLog;
  auto object = loadObject(request);
  if (!object) {
    std::string who = endpoint.endpoint ? endpoint.endpoint->qualifiedName() : "#" + std::to_string(endpoint.endpointId);
    return Error{"loading the object of endpoint " + who + ": " + object.error().message};
  }
  totalLoadMs_ += object->stats().loadMs;
  records_.push_back(EndpointLoadRecord{endpoint.endpointId, shape.key, object->stats()});
  if (auto filled = fillAfterFirstLoad(*object, endpoint.shape); !filled) return filled.error();
  auto [it, inserted] = loaded_.emplace(endpointIndex, std::move(*object));
  touch(endpointIndex);
  return &it->second;
}

}  // namespace ciliumc::loader
