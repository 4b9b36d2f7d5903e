// Deploying a compile plan on this node (`ciliumc load`) and removing it (`ciliumc unload`):
// every endpoint object loaded with shared maps pinned under bpffs, maps filled, the endpoint's
// programs pinned (pin_layout.h) and, when asked, attached to tc on a device. What is pinned
// and attached keeps enforcing after the process exits; a later process adopts it by pin.
// Devices are resolved in the calling thread's network namespace (see tc_attach.h).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "loader/pin_layout.h"
#include "loader/plan_loader.h"
#include "loader/tc_attach.h"

namespace ciliumc::loader {

struct DeviceAttachment {
  uint32_t endpointId = 0;  // EndpointPlan::endpointId
  int ifindex = 0;
  AttachSide side = AttachSide::Host;
};

struct DeployOptions {
  std::string bpffs = "/sys/fs/bpf";
  std::vector<DeviceAttachment> attachments;
  // Endpoints to deploy (EndpointPlan::endpointId); empty = all.
  std::vector<uint32_t> endpoints;
  bool fullVerifierLog = false;
  // Threads loading endpoint objects (PlanLoader::loadAll); 0 = one per CPU, at most 8.
  // Pinning and attaching stay on the calling thread (devices are resolved in its namespace).
  unsigned loadThreads = 0;
  // Adding endpoints of shapes that are deployed already (the agent's new endpoint of a loaded
  // shape): their node and shape maps are pinned and filled, and no shape can have become unused,
  // so neither the fills nor the sweep of unused shape pins (a look at every pinned endpoint)
  // is needed. Both stay on by default.
  bool fillSharedMaps = true;
  bool sweepUnusedShapes = true;
};

struct DeployReport {
  std::vector<EndpointLoadRecord> loads;
  std::vector<std::pair<std::string, FillStats>> shapeFills;  // shape key, fill
  size_t attached = 0;
  std::vector<std::string> removedShapes;  // pins of shapes no endpoint uses any more
};

Expected<DeployReport> deployPlan(const CompilePlan& plan, ShapeObjectSource source, const DeployOptions& options);

struct UndeployReport {
  std::vector<uint32_t> endpoints;         // unpinned
  std::vector<std::string> detachedFrom;   // "<device> tc ingress", ...
  std::vector<std::string> removedShapes;  // shape pin directories removed
  bool removedNode = false;                // no endpoint left: node maps unpinned too
};

// Detaches the endpoints' pinned programs from every device of this network namespace they are
// attached to (our tc filters whose program is the pinned one), unpins them, removes shape pins
// no pinned endpoint uses, and the node pins when no endpoint is left.
// Which endpoints: `endpointIds`; when empty, the endpoints whose programs are attached to a
// device of this network namespace — or every pinned endpoint with `allPinned`. (An endpoint
// attached in another namespace must not lose its pins from here: its filter would keep running
// a program nobody can find any more.)
Expected<UndeployReport> undeployEndpoints(const PinLayout& pins, const std::vector<uint32_t>& endpointIds = {},
                                           bool allPinned = false);

// Our tc filters on every device of this network namespace whose program id is in `programIds`.
struct DeviceFilter {
  std::string device;
  int ifindex = 0;
  TcHook hook = TcHook::Ingress;
  uint32_t programId = 0;
};
Expected<std::vector<DeviceFilter>> findAttachments(const std::vector<uint32_t>& programIds);

}  // namespace ciliumc::loader
