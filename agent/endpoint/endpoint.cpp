#include "agent/endpoint/endpoint.h"

namespace ciliumc::agent {

std::string endpointStateName(EndpointState state) {
  switch (state) {
    case EndpointState::WaitingForIdentity: return "waiting-for-identity";
    case EndpointState::Regenerating: return "regenerating";
    case EndpointState::Ready: return "ready";
    case EndpointState::Disconnected: return "disconnected";
  }
  return "unknown";
}

std::vector<IpAddress> Endpoint::ips() const {
  std::vector<IpAddress> all;
  if (ipv4) all.push_back(*ipv4);
  if (ipv6) all.push_back(*ipv6);
  return all;
}

std::string netnsPath(const std::string& netns) {
  return netns.find('/') == std::string::npos ? "/var/run/netns/" + netns : netns;
}

nlohmann::json endpointJson(const Endpoint& endpoint) {
  nlohmann::json labels = nlohmann::json::array();
  for (const Label& label : endpoint.labels.labels()) labels.push_back(label.toString());
  return {
      {"id", endpoint.id},
      {"name", endpoint.name},
      {"labels", labels},
      {"identity", endpoint.identity},
      {"netns", endpoint.netns},
      {"interface", endpoint.interface},
      {"container_interface", endpoint.containerInterface},
      {"ipv4", endpoint.ipv4 ? endpoint.ipv4->toString() : ""},
      {"ipv6", endpoint.ipv6 ? endpoint.ipv6->toString() : ""},
      {"state", endpointStateName(endpoint.state)},
      {"policy_revision", endpoint.policyRevision},
      {"enforcement", {{"ingress", endpoint.ingressEnforced}, {"egress", endpoint.egressEnforced}}},
  };
}

Expected<Endpoint> endpointFromJson(const nlohmann::json& json) {
  try {
    Endpoint endpoint;
    endpoint.id = json.at("id").get<uint32_t>();
    endpoint.name = json.at("name").get<std::string>();
    std::vector<Label> labels;
    for (const auto& text : json.at("labels")) {
      auto label = Label::parse(text.get<std::string>(), LabelContext::Endpoint);
      if (!label) return Error{"label `" + text.get<std::string>() + "`: " + label.error().message};
      labels.push_back(*label);
    }
    endpoint.labels = LabelSet(std::move(labels));
    endpoint.identity = json.at("identity").get<NumericIdentity>();
    endpoint.netns = json.at("netns").get<std::string>();
    endpoint.interface = json.at("interface").get<std::string>();
    endpoint.containerInterface = json.at("container_interface").get<std::string>();
    for (const char* family : {"ipv4", "ipv6"}) {
      std::string text = json.value(family, "");
      if (text.empty()) continue;
      auto ip = IpAddress::parse(text);
      if (!ip) return Error{std::string(family) + " `" + text + "`: " + ip.error().message};
      (std::string(family) == "ipv4" ? endpoint.ipv4 : endpoint.ipv6) = *ip;
    }
    endpoint.policyRevision = json.value("policy_revision", int64_t{0});
    endpoint.state = EndpointState::Regenerating;
    return endpoint;
  } catch (const nlohmann::json::exception& error) {
    return Error{std::string("endpoint record: ") + error.what()};
  }
}

}  // namespace ciliumc::agent
