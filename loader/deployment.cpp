#include "loader/deployment.h"

#include <net/if.h>

#include <cerrno>

#include <algorithm>
#include <set>
#include <thread>

#include "loader/endpoint_pins.h"
#include "loader/loaded_object.h"

namespace ciliumc::loader {

namespace {

bool wanted(const std::vector<uint32_t>& ids, uint32_t id) {
  return ids.empty() || std::find(ids.begin(), ids.end(), id) != ids.end();
}

Expected<uint32_t> programIdOf(int fd) {
  auto stats = programStats(fd);
  if (!stats) return stats.error();
  return stats->id;
}

unsigned loadThreadsFor(unsigned asked) {
  if (asked > 0) return asked;
  return std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
}

}  // namespace

Expected<DeployReport> deployPlan(const CompilePlan& plan, ShapeObjectSource source, const DeployOptions& options) {
  if (!isBpffs(options.bpffs)) return Error{options.bpffs + " is not a bpffs mount", 0, "mount -t bpf bpf " + options.bpffs};
  PinLayout pins(options.bpffs);
  PlanLoaderOptions loaderOptions;
  loaderOptions.pins = pins;
  loaderOptions.maxLoadedObjects = std::max<size_t>(plan.endpoints.size(), 1);
  loaderOptions.fullVerifierLog = options.fullVerifierLog;
  loaderOptions.fillSharedMaps = options.fillSharedMaps;
  PlanLoader loader(plan, std::move(source), loaderOptions);
  DeployReport report;
  std::vector<size_t> indices;
  for (size_t i = 0; i < plan.endpoints.size(); ++i)
    if (wanted(options.endpoints, plan.endpoints[i].endpointId)) indices.push_back(i);
  if (auto loaded = loader.loadAll(indices, loadThreadsFor(options.loadThreads)); !loaded) return loaded.error();
  for (size_t i = 0; i < plan.endpoints.size(); ++i) {
    uint32_t endpointId = plan.endpoints[i].endpointId;
    if (!wanted(options.endpoints, endpointId)) continue;
    auto object = loader.endpoint(i);
    if (!object) return object.error();
    if (auto pinned = pinEndpointPrograms(**object, pins, endpointId); !pinned) return pinned.error();
    for (const DeviceAttachment& attachment : options.attachments) {
      if (attachment.endpointId != endpointId) continue;
      auto attached = attachEndpoint(attachment.ifindex, attachment.side, (*object)->programFd(Direction::Ingress),
                                     (*object)->programFd(Direction::Egress));
      if (!attached) return attached.error();
      ++report.attached;
    }
  }
  // Shapes no pinned endpoint uses any more (after a policy change moved endpoints away).
  if (options.sweepUnusedShapes) {
    auto removed = removeUnusedShapePins(pins);
    if (!removed) return removed.error();
    report.removedShapes = *removed;
  }
  report.loads = loader.records();
  for (const auto& [shape, fill] : loader.shapeFills()) report.shapeFills.emplace_back(plan.shapes[shape].key, fill);
  return report;
}

Expected<std::vector<DeviceFilter>> findAttachments(const std::vector<uint32_t>& programIds) {
  std::vector<DeviceFilter> found;
  struct if_nameindex* devices = if_nameindex();
  if (!devices) return errnoError("listing network devices", errno);
  for (struct if_nameindex* device = devices; device->if_index != 0; ++device) {
    auto attachments = queryAttachments(static_cast<int>(device->if_index));
    if (!attachments) continue;  // a device that vanished meanwhile
    for (const TcAttachment& attachment : *attachments)
      if (std::find(programIds.begin(), programIds.end(), attachment.programId) != programIds.end())
        found.push_back(DeviceFilter{device->if_name, static_cast<int>(device->if_index), attachment.hook,
                                     attachment.programId});
  }
  if_freenameindex(devices);
  return found;
}

Expected<UndeployReport> undeployEndpoints(const PinLayout& pins, const std::vector<uint32_t>& endpointIds,
                                           bool allPinned) {
  UndeployReport report;
  std::vector<uint32_t> programIds;
  std::map<uint32_t, uint32_t> endpointOfProgram;
  std::vector<uint32_t> candidates;
  for (uint32_t endpoint : pins.pinnedEndpoints()) {
    if (!wanted(endpointIds, endpoint)) continue;
    auto programs = openPinnedEndpoint(pins, endpoint);
    if (!programs) continue;
    for (const UniqueFd* fd : {&programs->ingress, &programs->egress})
      if (fd->valid())
        if (auto id = programIdOf(fd->get())) {
          programIds.push_back(*id);
          endpointOfProgram[*id] = endpoint;
        }
    candidates.push_back(endpoint);
  }
  auto filters = findAttachments(programIds);
  if (!filters) return filters.error();
  if (endpointIds.empty() && !allPinned) {
    std::set<uint32_t> attachedHere;
    for (const DeviceFilter& filter : *filters) attachedHere.insert(endpointOfProgram[filter.programId]);
    std::erase_if(candidates, [&](uint32_t endpoint) { return !attachedHere.count(endpoint); });
  }
  report.endpoints = candidates;
  for (const DeviceFilter& filter : *filters) {
    if (auto detached = detachProgram(filter.ifindex, filter.hook); !detached) return detached.error();
    report.detachedFrom.push_back(filter.device + (filter.hook == TcHook::Ingress ? " tc ingress" : " tc egress"));
  }
  for (uint32_t endpoint : report.endpoints)
    if (auto gone = unpinEndpoint(pins, endpoint); !gone) return gone.error();
  auto removed = removeUnusedShapePins(pins);
  if (!removed) return removed.error();
  report.removedShapes = *removed;
  if (pins.pinnedEndpoints().empty()) {
    if (auto gone = removeAllPins(pins); !gone) return gone.error();
    report.removedNode = true;
  }
  return report;
}

}  // namespace ciliumc::loader
