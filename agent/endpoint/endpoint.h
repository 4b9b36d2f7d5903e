// An endpoint of this node: a network namespace joined to the node by a veth pair whose host
// side carries the endpoint's programs. The agent persists every endpoint in its state dir so a
// restarted agent adopts them (and their pinned programs) without touching traffic.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ir/identity.h"
#include "ir/ip.h"
#include "ir/labels.h"
#include "support/expected.h"

namespace ciliumc::agent {

// Lifecycle: WaitingForIdentity -> Regenerating -> Ready; Disconnected when its device vanished.
enum class EndpointState { WaitingForIdentity, Regenerating, Ready, Disconnected };
std::string endpointStateName(EndpointState state);

struct Endpoint {
  uint32_t id = 0;  // 1..4095, unique on the node
  std::string name;
  LabelSet labels;
  NumericIdentity identity = 0;
  std::string netns;               // namespace file (/var/run/netns/<name> or a path)
  std::string interface;           // host side of the veth, in the node namespace
  std::string containerInterface;  // the peer inside `netns`
  std::optional<IpAddress> ipv4, ipv6;
  EndpointState state = EndpointState::WaitingForIdentity;
  int64_t policyRevision = 0;  // the policy revision its loaded programs implement
  bool ingressEnforced = false, egressEnforced = false;

  std::vector<IpAddress> ips() const;
};

// The API's JSON form (docs/agent.md: Endpoint) and the state file's.
nlohmann::json endpointJson(const Endpoint& endpoint);
Expected<Endpoint> endpointFromJson(const nlohmann::json& json);

// "/var/run/netns/<name>" for a bare name; paths stay as they are.
std::string netnsPath(const std::string& netns);

}  // namespace ciliumc::agent
