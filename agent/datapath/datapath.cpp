#include "agent/datapath/datapath.h"

#include <bpf/bpf.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <map>
#include <set>

#include <fmt/format.h>

#include "agent/datapath/agent_inventory.h"
#include "backend_bpf/codegen.h"
#include "loader/deployment.h"
#include "loader/identity_classes.h"
#include "loader/map_fill.h"
#include "loader/netns_scope.h"
#include "loader/pin_layout.h"
#include "loader/tc_attach.h"
#include "loader/unique_fd.h"
#include "passes/pass_manager.h"

namespace ciliumc::agent {

namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

Expected<std::optional<loader::NetnsScope>> enterNetns(const std::string& path) {
  if (path.empty()) return std::optional<loader::NetnsScope>();
  auto scope = loader::NetnsScope::enter(path);
  if (!scope) return scope.error();
  return std::optional<loader::NetnsScope>(std::move(*scope));
}

std::string baseShapeKey(const std::string& key) {
  size_t generation = key.rfind("-g");
  return generation == std::string::npos ? key : key.substr(0, generation);
}

Expected<loader::UniqueFd> openPinned(const std::string& path) {
  int fd = bpf_obj_get(path.c_str());
  if (fd < 0) return loader::errnoError("opening pinned map " + path, errno);
  return loader::UniqueFd(fd);
}

std::string l4RangeText(uint32_t first, uint32_t last) {
  static const char* kinds[] = {"TCP", "UDP", "SCTP", "ICMP", "ICMPv6", "NONE"};
  uint32_t kind = first >> 16;
  uint32_t from = first & 0xffff, to = last & 0xffff;
  const char* name = kind < 6 ? kinds[kind] : "?";
  if (kind == uint32_t(L4Kind::None)) return "other";
  if (kind == uint32_t(L4Kind::ICMP) || kind == uint32_t(L4Kind::ICMPv6)) {
    // ICMP types are 0..255; the key space beyond holds nothing a packet can carry.
    if (from > 255) return "";
    to = std::min<uint32_t>(to, 255);
    if (from == 0 && to == 255) return fmt::format("{} any", name);
    return from == to ? fmt::format("{} type {}", name, from) : fmt::format("{} types {}-{}", name, from, to);
  }
  if (from == 0 && to == 0xffff) return fmt::format("ANY/{}", name);
  return from == to ? fmt::format("{}/{}", from, name) : fmt::format("{}-{}/{}", from, to, name);
}

// The L4 ranges of each port class of a direction, as text ("80/TCP, 443/TCP").
std::vector<std::string> portClassTexts(const DirectionPlan& plan) {
  std::vector<std::string> texts(plan.portClassCount);
  for (size_t i = 0; i < plan.rangeStarts.size(); ++i) {
    uint32_t first = plan.rangeStarts[i];
    uint32_t end = i + 1 < plan.rangeStarts.size() ? plan.rangeStarts[i + 1] : kL4KeyEnd;
    // Split at protocol boundaries so each piece names one protocol.
    for (uint32_t from = first; from < end;) {
      uint32_t kindEnd = ((from >> 16) + 1) << 16;
      uint32_t to = std::min(end, kindEnd) - 1;
      std::string& text = texts[plan.rangeClass[i]];
      std::string piece = l4RangeText(from, to);
      if (!piece.empty()) text += (text.empty() ? "" : ", ") + piece;
      from = to + 1;
    }
  }
  return texts;
}

// Cells that only repeat the direction's default (or neighbor discovery, always allowed).
bool isDefaultCell(const VerdictCell& cell) {
  switch (cell.reason) {
    case DatapathReason::NoPolicy:
    case DatapathReason::DefaultAllow:
    case DatapathReason::DefaultDeny:
    case DatapathReason::NeighborDiscovery: return true;
    default: return false;
  }
}

}  // namespace

struct Datapath::Deployed {
  std::unique_ptr<Inventory> inventory;
  CompilePlan plan;
  std::vector<uint8_t> object;  // the plan's one compiled ELF
  std::map<uint32_t, std::string> hostInterfaces;  // endpoint id -> host-side device
};

Datapath::Datapath(DatapathOptions options) : options_(std::move(options)) {}
Datapath::~Datapath() = default;

bool Datapath::deployed() const { return deployed_ != nullptr; }
uint64_t Datapath::generation() const { return generation_; }

Expected<RegenerationReport> Datapath::regenerate(const PolicySet& policies,
                                                  const std::vector<LocalEndpointSpec>& endpoints,
                                                  const std::vector<ClusterIdentity>& identities) {
  auto start = Clock::now();
  RegenerationReport report;
  report.generation = generation_ + 1;
  auto next = std::make_unique<Deployed>();
  next->inventory = std::make_unique<Inventory>(agentInventory(options_, endpoints, identities));
  PolicyIR ir = resolvePolicy(policies, *next->inventory, options_.resolve);
  auto planned = runPasses(ir, *next->inventory);
  if (!planned) return Error{"policy passes: " + planned.error().message};
  next->plan = std::move(planned->plan);
  for (ShapePlan& shape : next->plan.shapes) shape.key += fmt::format("-g{}", report.generation);
  report.planMs = msSince(start);

  auto compileStart = Clock::now();
  if (!endpoints.empty()) {
    auto codegen = BpfCodegen::create();
    if (!codegen) return Error{"BPF code generator: " + codegen.error().message};
    auto object = (*codegen)->compilePlan(next->plan);
    if (!object) return Error{"compiling the policy: " + object.error().message};
    next->object = std::move(*object);
    ++compiles_;
    report.compiled = true;
  }
  report.compileMs = msSince(compileStart);

  auto loadStart = Clock::now();
  auto scope = enterNetns(options_.nodeNetns);
  if (!scope) return scope.error();
  loader::DeployOptions deploy;
  deploy.bpffs = options_.bpffs;
  deploy.loadThreads = options_.loadThreads;
  for (const LocalEndpointSpec& endpoint : endpoints) {
    deploy.endpoints.push_back(endpoint.id);
    next->hostInterfaces[endpoint.id] = endpoint.hostInterface;
    auto ifindex = loader::interfaceIndex(endpoint.hostInterface);
    if (!ifindex) return Error{"endpoint " + std::to_string(endpoint.id) + ": " + ifindex.error().message};
    deploy.attachments.push_back({endpoint.id, *ifindex, loader::AttachSide::Host});
  }
  if (!endpoints.empty()) {
    const std::vector<uint8_t>& bytes = next->object;
    auto deployedPlan = loader::deployPlan(next->plan, [&bytes](uint32_t) -> Expected<std::vector<uint8_t>> { return bytes; },
                                           deploy);
    if (!deployedPlan) return deployedPlan.error();
    report.removedShapes = deployedPlan->removedShapes;
  }
  report.loadMs = msSince(loadStart);
  report.endpoints = endpoints.size();
  generation_ = report.generation;
  deployed_ = std::move(next);
  report.totalMs = msSince(start);
  return report;
}

Expected<bool> Datapath::classifyIdentity(const ClusterIdentity& identity) {
  if (!deployed_) return true;  // nothing loaded: the next regeneration classifies it
  Party party = clusterIdentityParty(identity);
  loader::PinLayout pins(options_.bpffs);
  std::set<uint32_t> shapesInUse;
  for (const EndpointPlan& endpoint : deployed_->plan.endpoints)
    if (deployed_->hostInterfaces.count(endpoint.endpointId)) shapesInUse.insert(endpoint.shape);
  for (uint32_t index : shapesInUse) {
    ShapePlan& shape = deployed_->plan.shapes[index];
    auto classMap = openPinned(pins.shapeMap(shape.key, "ciliumc_class"));
    if (!classMap) return classMap.error();
    auto verdictMap = openPinned(pins.shapeMap(shape.key, "ciliumc_verdict"));
    if (!verdictMap) return verdictMap.error();
    loader::ShapeMapFds fds;
    fds.classMap = classMap->get();
    fds.verdictMap = verdictMap->get();
    auto classified = loader::classifyIdentity(shape, fds, party);
    if (!classified) return Error{"shape " + shape.key + ": " + classified.error().message};
    if (!*classified) return false;
  }
  return true;
}

Expected<bool> Datapath::forgetIdentity(NumericIdentity identity) {
  if (!deployed_) return true;
  loader::PinLayout pins(options_.bpffs);
  for (ShapePlan& shape : deployed_->plan.shapes) {
    if (!shape.identityClasses.count(identity)) continue;
    auto classMap = openPinned(pins.shapeMap(shape.key, "ciliumc_class"));
    if (!classMap) continue;  // a shape without loaded endpoints has no pinned maps
    loader::ShapeMapFds fds;
    fds.classMap = classMap->get();
    if (auto forgotten = loader::forgetIdentity(shape, fds, identity); !forgotten) return forgotten.error();
  }
  return true;
}

Expected<bool> Datapath::addEndpoint(const PolicySet& policies, const LocalEndpointSpec& endpoint,
                                     const std::vector<ClusterIdentity>& identities) {
  if (!deployed_) return false;
  // Which shape would the endpoint have? Resolve and run the passes on the inventory with it
  // (cheap: no code generation), then look for a loaded shape with the same content key.
  std::vector<LocalEndpointSpec> probeEndpoints = {endpoint};
  Inventory probeInventory = agentInventory(options_, probeEndpoints, identities);
  PolicyIR ir = resolvePolicy(policies, probeInventory, options_.resolve);
  auto planned = runPasses(ir, probeInventory);
  if (!planned) return Error{"policy passes: " + planned.error().message};
  const std::string wanted = planned->plan.shapes[planned->plan.endpoints[0].shape].key;
  auto& shapes = deployed_->plan.shapes;
  auto found = std::find_if(shapes.begin(), shapes.end(), [&](const ShapePlan& s) { return baseShapeKey(s.key) == wanted; });
  if (found == shapes.end()) return false;
  // Same policy content: the loaded shape's classes and ELF serve the new endpoint as they are.
  ClusterIdentity own{endpoint.identity, identityRelevantLabels(endpoint.labels)};
  auto classified = classifyIdentity(own);
  if (!classified || !*classified) return classified;

  Deployed& d = *deployed_;
  d.inventory->endpoints.push_back(agentEndpointInfo(endpoint));
  EndpointPlan planned1;
  planned1.endpointId = endpoint.id;
  planned1.identity = endpoint.identity;
  planned1.shape = static_cast<uint32_t>(found - shapes.begin());
  for (const IpAddress& ip : endpoint.ips) {
    if (ip.family == IpFamily::V4 && !planned1.ipv4) planned1.ipv4 = ip;
    if (ip.family == IpFamily::V6 && !planned1.ipv6) planned1.ipv6 = ip;
    d.plan.ipcache.push_back({ip, endpoint.identity});
  }
  d.plan.endpoints.push_back(planned1);
  for (size_t i = 0; i < d.plan.endpoints.size() && i < d.inventory->endpoints.size(); ++i)
    d.plan.endpoints[i].endpoint = &d.inventory->endpoints[i];

  // Its addresses in the node's ipcache before its programs run (peers classify its packets by
  // them); the load below writes no shared map.
  for (const IpAddress& ip : endpoint.ips)
    if (auto written = upsertIp(ip, endpoint.identity); !written) return written.error();

  auto scope = enterNetns(options_.nodeNetns);
  if (!scope) return scope.error();
  auto ifindex = loader::interfaceIndex(endpoint.hostInterface);
  if (!ifindex) return ifindex.error();
  loader::DeployOptions deploy;
  deploy.bpffs = options_.bpffs;
  deploy.loadThreads = options_.loadThreads;
  deploy.endpoints = {endpoint.id};
  deploy.fillSharedMaps = false;  // the shape is loaded: its maps and the node's are filled
  deploy.sweepUnusedShapes = false;
  deploy.attachments.push_back({endpoint.id, *ifindex, loader::AttachSide::Host});
  const std::vector<uint8_t>& bytes = d.object;
  auto loaded = loader::deployPlan(d.plan, [&bytes](uint32_t) -> Expected<std::vector<uint8_t>> { return bytes; }, deploy);
  if (!loaded) return loaded.error();
  d.hostInterfaces[endpoint.id] = endpoint.hostInterface;
  return true;
}

Expected<bool> Datapath::removeEndpoint(uint32_t endpointId) {
  auto scope = enterNetns(options_.nodeNetns);
  if (!scope) return scope.error();
  if (deployed_) {
    if (auto device = deployed_->hostInterfaces.find(endpointId); device != deployed_->hostInterfaces.end()) {
      if (auto ifindex = loader::interfaceIndex(device->second)) (void)loader::detachEndpoint(*ifindex);
      deployed_->hostInterfaces.erase(device);
    }
  }
  auto removed = loader::undeployEndpoints(loader::PinLayout(options_.bpffs), {endpointId}, true);
  if (!removed) return removed.error();
  return true;
}

Expected<bool> Datapath::upsertIp(const IpAddress& ip, NumericIdentity identity) {
  loader::PinLayout pins(options_.bpffs);
  auto map = openPinned(pins.nodeMap("ciliumc_ipcache"));
  if (!map) return true;  // nothing loaded yet: the next deployment fills it
  if (auto written = loader::upsertIpcache(map->get(), ip, identity); !written) return written.error();
  return true;
}

Expected<bool> Datapath::removeIp(const IpAddress& ip) {
  loader::PinLayout pins(options_.bpffs);
  auto map = openPinned(pins.nodeMap("ciliumc_ipcache"));
  if (!map) return true;
  if (auto removed = loader::removeIpcache(map->get(), ip); !removed) return removed.error();
  return true;
}

Expected<bool> Datapath::setAllowEvents(bool on) {
  loader::PinLayout pins(options_.bpffs);
  auto map = openPinned(pins.nodeMap("ciliumc_config"));
  if (!map) return false;
  if (auto set = loader::setConfigFlags(map->get(), on ? CILIUMC_CONFIG_EMIT_ALLOW_EVENTS : 0u); !set) return set.error();
  return true;
}

std::optional<std::string> Datapath::ruleName(uint32_t rule) const {
  if (!deployed_) return std::nullopt;
  const Provenance* provenance = deployed_->plan.rules.find(rule);
  if (!provenance) return std::nullopt;
  std::string name = "policy " + provenance->policy;
  if (provenance->ruleIndex >= 0)
    name += fmt::format(", {} rule {}", provenance->direction == Direction::Ingress ? "ingress" : "egress",
                        provenance->ruleIndex + 1);
  return name;
}

std::optional<std::string> Datapath::ruleSource(uint32_t rule) const {
  if (!deployed_) return std::nullopt;
  const Provenance* provenance = deployed_->plan.rules.find(rule);
  if (!provenance) return std::nullopt;
  return provenance->toString();
}

std::string Datapath::shapeKeyOf(uint32_t endpointId) const {
  if (!deployed_) return {};
  for (const EndpointPlan& endpoint : deployed_->plan.endpoints)
    if (endpoint.endpointId == endpointId) return deployed_->plan.shapes[endpoint.shape].key;
  return {};
}

std::optional<std::array<bool, 2>> Datapath::enforcement(uint32_t endpointId) const {
  if (!deployed_) return std::nullopt;
  for (const EndpointPlan& endpoint : deployed_->plan.endpoints)
    if (endpoint.endpointId == endpointId) {
      const ShapePlan& shape = deployed_->plan.shapes[endpoint.shape];
      return std::array<bool, 2>{shape.directions[0].enforced, shape.directions[1].enforced};
    }
  return std::nullopt;
}

std::optional<std::vector<PolicyViewEntry>> Datapath::policyView(uint32_t endpointId) const {
  if (!deployed_ || !deployed_->hostInterfaces.count(endpointId)) return std::nullopt;
  const EndpointPlan* endpoint = nullptr;
  for (const EndpointPlan& candidate : deployed_->plan.endpoints)
    if (candidate.endpointId == endpointId) endpoint = &candidate;
  if (!endpoint) return std::nullopt;
  const ShapePlan& shape = deployed_->plan.shapes[endpoint->shape];
  std::vector<PolicyViewEntry> view;
  for (int slot = 0; slot < 2; ++slot) {
    const DirectionPlan& plan = shape.directions[slot];
    // What every (identity, port) no line below names gets: the direction's default.
    PolicyViewEntry fallback;
    fallback.direction = plan.direction;
    fallback.ports = "ANY";
    fallback.cell.reason = plan.enforced ? DatapathReason::DefaultDeny : DatapathReason::DefaultAllow;
    fallback.cell.deny = plan.enforced;
    view.push_back(fallback);
    std::vector<std::string> ports = portClassTexts(plan);
    std::map<uint16_t, std::vector<NumericIdentity>> byClass;
    for (const auto& [identity, classes] : shape.identityClasses) byClass[classes[slot]].push_back(identity);
    byClass.try_emplace(0);  // class 0: every identity nobody classified
    for (const auto& [cls, members] : byClass) {
      if (cls >= plan.rows.size()) continue;
      // One line per distinct cell of the class: its port classes' ranges joined.
      std::vector<std::pair<VerdictCell, std::string>> cells;
      for (uint32_t port = 0; port < plan.portClassCount; ++port) {
        const VerdictCell& cell = plan.rows[cls][port];
        auto same = std::find_if(cells.begin(), cells.end(), [&](const auto& c) { return c.first == cell; });
        if (same == cells.end()) cells.emplace_back(cell, ports[port]);
        else if (!ports[port].empty()) same->second += (same->second.empty() ? "" : ", ") + ports[port];
      }
      for (auto& [cell, text] : cells) {
        if (isDefaultCell(cell)) continue;  // summarised by the direction's default line below
        PolicyViewEntry entry;
        entry.direction = plan.direction;
        entry.identities = members;
        entry.ports = cells.size() == 1 ? "ANY" : text;
        entry.cell = cell;
        entry.rule = ruleName(cell.rule).value_or("");
        view.push_back(std::move(entry));
      }
    }
  }
  return view;
}

std::pair<size_t, size_t> Datapath::ipcacheUsage() const {
  loader::PinLayout pins(options_.bpffs);
  auto map = openPinned(pins.nodeMap("ciliumc_ipcache"));
  if (!map) return {0, 0};
  bpf_map_info info{};
  uint32_t length = sizeof(info);
  if (bpf_obj_get_info_by_fd(map->get(), &info, &length) != 0) return {0, 0};
  size_t count = 0;
  ciliumc_ipcache_key key{}, next{};
  const void* previous = nullptr;
  while (count < info.max_entries && bpf_map_get_next_key(map->get(), previous, &next) == 0) {
    key = next;
    previous = &key;
    ++count;
  }
  return {count, info.max_entries};
}

}  // namespace ciliumc::agent
