// group-shapes: endpoints with equal policies share a shape keyed by a content hash; endpoint constants; IP cache
// Equal = both directions' entries (verdict, peers, L4, provenance) in order and enforced flags.
#include <algorithm>
#include <set>

#include "passes/content_hash.h"
#include "passes/grouping.h"
#include "passes/pass_registry.h"

namespace ciliumc {

namespace {

// Stable across runs: from the entries' content hashes, never from ids or pointers.
std::string shapeKey(const PipelineState& state, const ShapeWork& shape) {
  StableHash hash;
  for (const DirectionWork& direction : shape.directions) {
    hash.add(direction.enforced ? 1 : 0).add(direction.entries.size());
    for (EntryId id : direction.entries) hash.add(state.entry(id).contentHash);
  }
  hash.add(state.ir.options.allowLocalhost ? 1 : 0);
  return hexDigest(hash.value());
}

std::vector<ShapeWork> mergeEqualShapes(std::vector<ShapeWork> shapes) {
  auto groups = groupEqual(
      shapes.size(), [&](size_t i) { return shapeIdHash(shapes[i]); },
      [&](size_t a, size_t b) { return shapes[a].directions == shapes[b].directions; });
  std::vector<ShapeWork> merged;
  merged.reserve(groups.size());
  for (const auto& members : groups) {
    ShapeWork& shape = merged.emplace_back();
    shape.directions = std::move(shapes[members.front()].directions);
    for (size_t member : members)
      shape.endpoints.insert(shape.endpoints.end(), shapes[member].endpoints.begin(), shapes[member].endpoints.end());
    std::sort(shape.endpoints.begin(), shape.endpoints.end());
  }
  // Numbered in the order of their first endpoint, so numbering follows the inventory.
  std::sort(merged.begin(), merged.end(),
            [](const ShapeWork& a, const ShapeWork& b) { return a.endpoints.front() < b.endpoints.front(); });
  return merged;
}

std::optional<IpAddress> firstOfFamily(const std::vector<IpAddress>& ips, IpFamily family) {
  for (const IpAddress& ip : ips)
    if (ip.family == family) return ip;
  return std::nullopt;
}

// Endpoint addresses first, then node addresses; an address listed twice keeps its first
// owner, as partyForIp resolves it.
std::vector<IpcacheEntry> ipcacheOf(const Inventory& inventory) {
  std::vector<IpcacheEntry> entries;
  std::set<IpAddress> seen;
  auto add = [&](const IpAddress& ip, NumericIdentity identity) {
    if (seen.insert(ip).second) entries.push_back({ip, identity});
  };
  for (const EndpointInfo& endpoint : inventory.endpoints)
    for (const IpAddress& ip : endpoint.ips) add(ip, endpoint.identity);
  for (const NodeInfo& node : inventory.nodes) {
    auto identity = node.local ? ReservedIdentity::Host : ReservedIdentity::RemoteNode;
    for (const IpAddress& ip : node.ips) add(ip, static_cast<NumericIdentity>(identity));
  }
  return entries;
}

void runGroupShapes(PipelineState& state) {
  state.shapes = mergeEqualShapes(std::move(state.shapes));
  CompilePlan& plan = state.plan;
  plan.shapes.assign(state.shapes.size(), ShapePlan{});
  state.lowering.assign(state.shapes.size(), ShapeLowering{});
  plan.endpoints.assign(state.inventory.endpoints.size(), EndpointPlan{});
  for (size_t s = 0; s < state.shapes.size(); ++s) {
    plan.shapes[s].key = shapeKey(state, state.shapes[s]);
    for (size_t position : state.shapes[s].endpoints) plan.endpoints[position].shape = static_cast<uint32_t>(s);
  }
  for (size_t position = 0; position < state.inventory.endpoints.size(); ++position) {
    const EndpointInfo& endpoint = state.inventory.endpoints[position];
    EndpointPlan& planned = plan.endpoints[position];
    planned.endpoint = &endpoint;
    planned.endpointId = endpoint.id ? endpoint.id : static_cast<uint32_t>(position + 1);
    planned.identity = endpoint.identity;
    planned.ipv4 = firstOfFamily(endpoint.ips, IpFamily::V4);
    planned.ipv6 = firstOfFamily(endpoint.ips, IpFamily::V6);
  }
  plan.ipcache = ipcacheOf(state.inventory);
}

}  // namespace

PassInfo groupShapesPass() {
  return {"group-shapes",
          "endpoints with equal policies share a shape keyed by a content hash; endpoint constants; IP cache",
          PassStage::Lowering, false, runGroupShapes};
}

}  // namespace ciliumc
