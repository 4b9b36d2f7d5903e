// Daemon: endpoint, identity, IPAM and status operations of the API.
#include <fmt/format.h>

#include "agent/api/request_fields.h"
#include "agent/daemon/cluster_state.h"
#include "agent/daemon/daemon.h"
#include "agent/endpoint/endpoint_plumbing.h"
#include "agent/ipam/ipam.h"
#include "agent/metrics/agent_metrics.h"
#include "passes/print_plan.h"

namespace ciliumc::agent {

namespace {

constexpr uint32_t kMaxEndpointId = 4095;

bool validInterfaceName(const std::string& name) {
  if (name.empty() || name.size() > 15) return false;
  for (char c : name)
    if (c == '/' || c == ' ' || c == ':' || static_cast<unsigned char>(c) < 33) return false;
  return true;
}

// Undoes the steps of a failed endpoint creation in reverse order.
struct CreationRollback {
  std::vector<std::function<void()>> steps;
  bool committed = false;
  ~CreationRollback() {
    if (committed) return;
    for (auto step = steps.rbegin(); step != steps.rend(); ++step) (*step)();
  }
};

}  // namespace

ApiReply Daemon::listEndpoints() {
  std::lock_guard lock(mutex_);
  nlohmann::json all = nlohmann::json::array();
  for (const auto& [id, endpoint] : endpoints_) all.push_back(endpointJson(endpoint));
  return ApiReply::ok(all);
}

ApiReply Daemon::getEndpoint(uint32_t id) {
  std::lock_guard lock(mutex_);
  auto found = endpoints_.find(id);
  if (found == endpoints_.end()) return ApiReply::error(404, "no endpoint " + std::to_string(id));
  return ApiReply::ok(endpointJson(found->second));
}

ApiReply Daemon::createEndpoint(const nlohmann::json& request) {
  if (auto rejected = rejectUnknownFields(request, {"name", "labels", "netns", "interface", "container_interface"}))
    return *rejected;
  std::optional<ApiReply> error;
  Endpoint endpoint;
  endpoint.name = stringField(request, "name", error, true);
  std::vector<std::string> labelTexts = stringListField(request, "labels", error);
  endpoint.netns = stringField(request, "netns", error, true);
  endpoint.interface = stringField(request, "interface", error, true);
  endpoint.containerInterface = stringField(request, "container_interface", error);
  if (error) return *error;
  if (endpoint.containerInterface.empty()) endpoint.containerInterface = "eth0";
  if (endpoint.name.empty() || endpoint.name.size() > 253) return ApiReply::error(400, "`name` must be 1..253 characters", "name");
  for (const char* field : {"interface", "container_interface"}) {
    const std::string& name = std::string(field) == "interface" ? endpoint.interface : endpoint.containerInterface;
    if (!validInterfaceName(name))
      return ApiReply::error(400, fmt::format("`{}` `{}` is not an interface name (1..15 characters, no '/', ':' or spaces)", field, name), field);
  }
  for (size_t i = 0; i < labelTexts.size(); ++i) {
    auto label = Label::parse(labelTexts[i], LabelContext::Endpoint);
    if (!label)
      return ApiReply::error(400, fmt::format("label `{}`: {}{}", labelTexts[i], label.error().message,
                                              label.error().hint.empty() ? "" : " (" + label.error().hint + ")"),
                             fmt::format("labels[{}]", i));
    if (label->source == "reserved")
      return ApiReply::error(400, fmt::format("label `{}`: reserved labels belong to the agent", labelTexts[i]), fmt::format("labels[{}]", i));
    endpoint.labels.add(*label);
  }

  std::lock_guard lock(mutex_);
  for (const auto& [id, existing] : endpoints_) {
    if (existing.name == endpoint.name) return ApiReply::error(409, "an endpoint named `" + endpoint.name + "` exists (id " + std::to_string(id) + ")", "name");
    if (existing.interface == endpoint.interface)
      return ApiReply::error(409, "interface `" + endpoint.interface + "` belongs to endpoint " + std::to_string(id), "interface");
  }
  for (uint32_t id = 1; id <= kMaxEndpointId && !endpoint.id; ++id)
    if (!endpoints_.count(id)) endpoint.id = id;
  if (!endpoint.id) return ApiReply::error(507, "no free endpoint id (the node holds 4095 endpoints)");
  if (auto devices = checkEndpointDevices(config_.nodeNetns, endpoint); !devices) return ApiReply::error(400, devices.error().message);
  if (!cluster_ || !cluster_->connected()) return unavailable("cannot allocate an identity for the endpoint");

  CreationRollback rollback;
  std::string owner = "endpoint-" + std::to_string(endpoint.id);
  for (IpFamily family : {IpFamily::V4, IpFamily::V6}) {
    if (!ipam_->cidr(family)) continue;
    auto ip = ipam_->allocate(family, owner);
    if (!ip) return ApiReply::error(507, ip.error().message);
    (family == IpFamily::V4 ? endpoint.ipv4 : endpoint.ipv6) = *ip;
  }
  rollback.steps.push_back([this, owner] { (void)ipam_->releaseOwner(owner); });

  LabelSet identityLabels = identityRelevantLabels(endpoint.labels);
  auto identity = cluster_->allocateIdentity(identityLabels);
  if (!identity) return unavailable("allocating an identity: " + identity.error().message);
  endpoint.identity = *identity;
  rollback.steps.push_back([this, identityLabels] { cluster_->releaseIdentity(identityLabels); });
  identities_[endpoint.identity] = identityLabels;

  if (auto plumbed = plumbEndpoint(config_.nodeNetns, endpoint); !plumbed)
    return ApiReply::error(500, "configuring the endpoint's network: " + plumbed.error().message);
  rollback.steps.push_back([this, endpoint] { unplumbEndpoint(config_.nodeNetns, endpoint); });

  endpoint.state = EndpointState::Regenerating;
  endpoints_[endpoint.id] = endpoint;
  rollback.steps.push_back([this, id = endpoint.id] {
    endpoints_.erase(id);
    (void)datapath_->removeEndpoint(id);
  });
  // A loaded shape with the same policy serves the endpoint without a compile; otherwise the
  // node regenerates (one compile for every endpoint).
  LocalEndpointSpec spec{endpoint.id, endpoint.name, endpoint.labels, endpoint.ips(), endpoint.identity, endpoint.interface};
  std::vector<std::string> skipped;
  auto start = std::chrono::steady_clock::now();
  auto added = datapath_->addEndpoint(policies_.policySet(&skipped), spec, clusterIdentitiesLocked());
  if (added && *added) {
    metrics_->regenerated(true, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    updateEndpointsAfterRegeneration({});
  } else {
    auto regenerated = regenerateAllLocked("endpoint created");
    if (!regenerated) return ApiReply::error(500, "loading the endpoint's programs: " + regenerated.error().message);
  }
  for (const IpAddress& ip : endpoint.ips())
    if (auto published = cluster_->publishIp(ip, endpoint.identity, endpoint.name); !published)
      return unavailable("publishing the endpoint's address: " + published.error().message);
  if (auto saved = saveEndpointsLocked(); !saved) return ApiReply::error(500, saved.error().message);
  rollback.committed = true;
  return ApiReply::ok(endpointJson(endpoints_[endpoint.id]), 201);
}

ApiReply Daemon::deleteEndpoint(uint32_t id) {
  std::lock_guard lock(mutex_);
  auto found = endpoints_.find(id);
  if (found == endpoints_.end()) return ApiReply::error(404, "no endpoint " + std::to_string(id));
  Endpoint endpoint = found->second;
  if (auto removed = datapath_->removeEndpoint(id); !removed)
    return ApiReply::error(500, "removing endpoint " + std::to_string(id) + "'s programs: " + removed.error().message);
  unplumbEndpoint(config_.nodeNetns, endpoint);
  endpoints_.erase(found);
  (void)ipam_->releaseOwner("endpoint-" + std::to_string(id));
  if (cluster_) {
    for (const IpAddress& ip : endpoint.ips()) cluster_->withdrawIp(ip);
    cluster_->releaseIdentity(identityRelevantLabels(endpoint.labels));
  }
  (void)saveEndpointsLocked();
  return ApiReply::ok({{"deleted", id}});
}

ApiReply Daemon::changeLabels(uint32_t id, const nlohmann::json& request) {
  if (auto rejected = rejectUnknownFields(request, {"add", "remove"})) return *rejected;
  std::optional<ApiReply> error;
  auto add = stringListField(request, "add", error);
  auto remove = stringListField(request, "remove", error);
  if (error) return *error;
  std::vector<Label> added, removed;
  for (auto* list : {&add, &remove})
    for (size_t i = 0; i < list->size(); ++i) {
      auto label = Label::parse((*list)[i], LabelContext::Endpoint);
      const char* field = list == &add ? "add" : "remove";
      if (!label)
        return ApiReply::error(400, fmt::format("label `{}`: {}{}", (*list)[i], label.error().message,
                                                label.error().hint.empty() ? "" : " (" + label.error().hint + ")"),
                               fmt::format("{}[{}]", field, i));
      if (label->source == "reserved") return ApiReply::error(400, "reserved labels belong to the agent", fmt::format("{}[{}]", field, i));
      (list == &add ? added : removed).push_back(*label);
    }
  std::lock_guard lock(mutex_);
  auto found = endpoints_.find(id);
  if (found == endpoints_.end()) return ApiReply::error(404, "no endpoint " + std::to_string(id));
  if (!cluster_ || !cluster_->connected()) return unavailable("changing labels needs a new identity");
  Endpoint& endpoint = found->second;
  std::vector<Label> labels;
  for (const Label& label : endpoint.labels.labels())
    if (std::none_of(removed.begin(), removed.end(), [&](const Label& r) { return r.source == label.source && r.key == label.key; }))
      labels.push_back(label);
  for (const Label& label : added) labels.push_back(label);
  LabelSet next(std::move(labels));
  LabelSet oldIdentityLabels = identityRelevantLabels(endpoint.labels), newIdentityLabels = identityRelevantLabels(next);
  auto identity = cluster_->allocateIdentity(newIdentityLabels);
  if (!identity) return unavailable("allocating the new identity: " + identity.error().message);
  Endpoint before = endpoint;
  endpoint.labels = next;
  endpoint.identity = *identity;
  identities_[*identity] = newIdentityLabels;
  auto regenerated = regenerateAllLocked("labels changed");
  if (!regenerated) {
    endpoint = before;
    cluster_->releaseIdentity(newIdentityLabels);
    (void)regenerateAllLocked("labels change rolled back");
    return ApiReply::error(500, "regenerating with the new labels: " + regenerated.error().message);
  }
  for (const IpAddress& ip : endpoint.ips()) (void)cluster_->publishIp(ip, endpoint.identity, endpoint.name);
  if (oldIdentityLabels != newIdentityLabels) cluster_->releaseIdentity(oldIdentityLabels);
  return ApiReply::ok(endpointJson(endpoint));
}

namespace {

nlohmann::json identityJson(NumericIdentity id, const LabelSet& labels, bool reserved) {
  return {{"id", id}, {"labels", labelStrings(labels)}, {"reserved", reserved}};
}

}  // namespace

ApiReply Daemon::listIdentities() {
  std::lock_guard lock(mutex_);
  nlohmann::json all = nlohmann::json::array();
  for (NumericIdentity id = 1; id <= static_cast<NumericIdentity>(ReservedIdentity::WorldIPv6); ++id)
    all.push_back(identityJson(id, LabelSet({reservedIdentityLabel(static_cast<ReservedIdentity>(id))}), true));
  for (const auto& [id, labels] : identities_) all.push_back(identityJson(id, labels, false));
  return ApiReply::ok(all);
}

ApiReply Daemon::getIdentity(uint32_t id) {
  if (id >= 1 && id <= static_cast<uint32_t>(ReservedIdentity::WorldIPv6))
    return ApiReply::ok(identityJson(id, LabelSet({reservedIdentityLabel(static_cast<ReservedIdentity>(id))}), true));
  std::lock_guard lock(mutex_);
  auto found = identities_.find(id);
  if (found == identities_.end()) return ApiReply::error(404, "no identity " + std::to_string(id));
  return ApiReply::ok(identityJson(id, found->second, false));
}

ApiReply Daemon::ipam() {
  nlohmann::json body = nlohmann::json::object();
  for (IpFamily family : {IpFamily::V4, IpFamily::V6}) {
    auto cidr = ipam_->cidr(family);
    if (!cidr) continue;
    nlohmann::json allocated = nlohmann::json::array();
    for (const IpamAllocation& allocation : ipam_->allocations(family))
      allocated.push_back({{"ip", allocation.ip.toString()}, {"owner", allocation.owner}});
    body[family == IpFamily::V4 ? "ipv4" : "ipv6"] = {{"cidr", cidr->toString()}, {"allocated", allocated}};
  }
  return ApiReply::ok(body);
}

ApiReply Daemon::bpfPolicy(uint32_t id) {
  std::lock_guard lock(mutex_);
  if (!endpoints_.count(id)) return ApiReply::error(404, "no endpoint " + std::to_string(id));
  auto view = datapath_->policyView(id);
  if (!view) return ApiReply::error(409, "endpoint " + std::to_string(id) + " has no programs loaded yet");
  nlohmann::json entries = nlohmann::json::array();
  for (const PolicyViewEntry& entry : *view) {
    nlohmann::json labels = nlohmann::json::array();
    if (entry.identities.empty()) labels.push_back("(default: every identity and port not listed)");
    for (NumericIdentity identity : entry.identities) {
      if (identity < kMinClusterIdentity)
        labels.push_back("reserved:" + reservedIdentityName(static_cast<ReservedIdentity>(identity)));
      else if (auto found = identities_.find(identity); found != identities_.end())
        labels.push_back(found->second.toString());
      else
        labels.push_back("identity " + std::to_string(identity));
    }
    entries.push_back({{"direction", entry.direction == Direction::Ingress ? "ingress" : "egress"},
                       {"identities", entry.identities},
                       {"labels", labels},
                       {"ports", entry.ports},
                       {"action", entry.cell.deny ? "deny" : "allow"},
                       {"reason", datapathReasonName(entry.cell.reason)},
                       {"rule", entry.rule}});
  }
  return ApiReply::ok({{"endpoint", id}, {"shape", datapath_->shapeKeyOf(id)}, {"entries", entries}});
}

ApiReply Daemon::status() {
  std::lock_guard lock(mutex_);
  size_t ready = 0;
  for (const auto& [id, endpoint] : endpoints_) ready += endpoint.state == EndpointState::Ready;
  bool connected = cluster_ && cluster_->connected();
  nlohmann::json lastRegeneration = nullptr;
  if (lastRegeneration_)
    lastRegeneration = {{"why", lastRegenerationWhy_},        {"endpoints", lastRegeneration_->endpoints},
                        {"compiled", lastRegeneration_->compiled}, {"plan_ms", lastRegeneration_->planMs},
                        {"compile_ms", lastRegeneration_->compileMs}, {"load_ms", lastRegeneration_->loadMs},
                        {"total_ms", lastRegeneration_->totalMs}};
  return ApiReply::ok({
      {"node", config_.nodeName},
      {"cluster", config_.cluster},
      {"etcd", {{"state", connected ? "connected" : "disconnected"}, {"endpoints", config_.etcdEndpoints}}},
      {"endpoints", {{"total", endpoints_.size()}, {"ready", ready}}},
      {"policy_revision", policies_.revision()},
      {"enforced_revision", enforcedRevision_},
      {"identities", identities_.size()},
      {"compiles", datapath_->compiles()},
      {"generation", datapath_->generation()},
      {"last_regeneration", lastRegeneration},
      {"uptime_seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count()},
      {"version", "ciliumd 0.4"},
  });
}

}  // namespace ciliumc::agent
