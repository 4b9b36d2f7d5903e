#include "agent/endpoint/endpoint_plumbing.h"

#include <sys/stat.h>

#include "agent/endpoint/command_runner.h"

namespace ciliumc::agent {

namespace {

Expected<bool> run(const std::string& netns, std::vector<std::string> argv) {
  auto done = runCommand(inNetns(netns, std::move(argv)));
  if (!done) return done.error();
  return true;
}

// Adding an address or route that is already there is not an error (re-plumbing on restart).
Expected<bool> runIdempotent(const std::string& netns, std::vector<std::string> argv) {
  auto done = runCommand(inNetns(netns, std::move(argv)));
  if (!done && done.error().message.find("File exists") == std::string::npos) return done.error();
  return true;
}

}  // namespace

Expected<bool> prepareNodeNamespace(const std::string& nodeNetns) {
  return run(nodeNetns, {"sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"});
}

Expected<bool> checkEndpointDevices(const std::string& nodeNetns, const Endpoint& endpoint) {
  struct stat info {};
  std::string path = netnsPath(endpoint.netns);
  if (stat(path.c_str(), &info) != 0) return Error{"network namespace `" + endpoint.netns + "` does not exist (" + path + ")"};
  if (!runCommand(inNetns(nodeNetns, {"ip", "link", "show", "dev", endpoint.interface})))
    return Error{"interface `" + endpoint.interface + "` does not exist in the node's network namespace"};
  if (!runCommand(inNetns(path, {"ip", "link", "show", "dev", endpoint.containerInterface})))
    return Error{"interface `" + endpoint.containerInterface + "` does not exist in namespace `" + endpoint.netns + "`"};
  return true;
}

Expected<bool> plumbEndpoint(const std::string& nodeNetns, const Endpoint& endpoint) {
  const std::string& host = endpoint.interface;
  const std::string& inside = endpoint.containerInterface;
  std::string container = netnsPath(endpoint.netns);
  std::vector<std::vector<std::string>> node = {
      {"ip", "link", "set", host, "up"},
      {"ip", "addr", "add", std::string(kGatewayIpv4) + "/32", "dev", host},
      {"ip", "-6", "addr", "add", std::string(kGatewayIpv6) + "/64", "dev", host, "nodad"},
  };
  std::vector<std::vector<std::string>> pod = {
      {"ip", "link", "set", "lo", "up"},
      {"ip", "link", "set", inside, "up"},
  };
  if (endpoint.ipv4) {
    std::string ip = endpoint.ipv4->toString();
    node.push_back({"ip", "route", "replace", ip + "/32", "dev", host});
    pod.push_back({"ip", "addr", "add", ip + "/32", "dev", inside});
    pod.push_back({"ip", "route", "replace", kGatewayIpv4, "dev", inside, "scope", "link"});
    pod.push_back({"ip", "route", "replace", "default", "via", kGatewayIpv4, "dev", inside});
  }
  if (endpoint.ipv6) {
    std::string ip = endpoint.ipv6->toString();
    node.push_back({"ip", "-6", "route", "replace", ip + "/128", "dev", host});
    pod.push_back({"ip", "-6", "addr", "add", ip + "/128", "dev", inside, "nodad"});
    pod.push_back({"ip", "-6", "route", "replace", "default", "via", kGatewayIpv6, "dev", inside});
  }
  for (auto& argv : node)
    if (auto done = runIdempotent(nodeNetns, argv); !done) return done;
  for (auto& argv : pod)
    if (auto done = runIdempotent(container, argv); !done) return done;
  return true;
}

void unplumbEndpoint(const std::string& nodeNetns, const Endpoint& endpoint) {
  if (endpoint.ipv4) (void)runCommand(inNetns(nodeNetns, {"ip", "route", "del", endpoint.ipv4->toString() + "/32", "dev", endpoint.interface}));
  if (endpoint.ipv6) (void)runCommand(inNetns(nodeNetns, {"ip", "-6", "route", "del", endpoint.ipv6->toString() + "/128", "dev", endpoint.interface}));
}

Expected<bool> routeToNode(const std::string& nodeNetns, const std::vector<std::string>& cidrs,
                           const std::vector<std::string>& addresses) {
  for (const std::string& cidr : cidrs) {
    bool v6 = cidr.find(':') != std::string::npos;
    for (const std::string& address : addresses) {
      if ((address.find(':') != std::string::npos) != v6) continue;
      std::vector<std::string> argv = {"ip"};
      if (v6) argv.push_back("-6");
      argv.insert(argv.end(), {"route", "replace", cidr, "via", address});
      if (auto done = run(nodeNetns, argv); !done) return done;
      break;
    }
  }
  return true;
}

void unrouteNode(const std::string& nodeNetns, const std::vector<std::string>& cidrs) {
  for (const std::string& cidr : cidrs) {
    std::vector<std::string> argv = {"ip"};
    if (cidr.find(':') != std::string::npos) argv.push_back("-6");
    argv.insert(argv.end(), {"route", "del", cidr});
    (void)runCommand(inNetns(nodeNetns, argv));
  }
}

}  // namespace ciliumc::agent
