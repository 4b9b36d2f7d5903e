#include "agent/daemon/config.h"

#include <grp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <CLI/CLI.hpp>

namespace ciliumc::agent {

void addConfigFlags(CLI::App& app, AgentConfig& config, ConfigFlags& flags) {
  app.set_config("--config", "", "read settings from FILE (TOML/INI: key = value, keys are the long flag names)");
  app.allow_config_extras(CLI::config_extras_mode::error);  // a misspelt key is an error, never ignored
  app.add_option("--etcd-endpoints", config.etcdEndpoints, "etcd client URLs (host:port, http://host:port or https://host:port)")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--etcd-ca-file", config.etcdCaFile,
                 "CA (PEM) that signed etcd's server certificates; implies TLS (as do https:// endpoints)");
  app.add_option("--etcd-cert-file", config.etcdCertFile, "client certificate (PEM) for etcd's --client-cert-auth");
  app.add_option("--etcd-key-file", config.etcdKeyFile, "key (PEM) of --etcd-cert-file");
  app.add_option("--node-name", config.nodeName, "this node's name (default: the host name)");
  app.add_option("--cluster-name", config.cluster, "cluster name (ipcache and node keys)")->capture_default_str();
  app.add_option("--ipv4-pod-cidr", flags.ipv4PodCidr, "IPv4 pool of this node's endpoints, e.g. 10.200.1.0/24");
  app.add_option("--ipv6-pod-cidr", flags.ipv6PodCidr, "IPv6 pool of this node's endpoints, e.g. fd00:200:1::/112");
  app.add_option("--state-dir", config.stateDir, "where endpoints and IPAM state are kept")->capture_default_str();
  app.add_option("--bpffs", config.bpffs, "bpffs directory for pinned programs and maps")->capture_default_str();
  app.add_option("--node-netns", config.nodeNetns,
                 "network namespace (name or path) of the endpoints' host-side devices; default: the agent's own");
  app.add_option("--enforcement", flags.enforcement, "policy enforcement mode: default, always or never")
      ->capture_default_str();
  app.add_option("--allow-localhost", config.allowLocalhost, "allow traffic from the local host to endpoints (true/false)")
      ->capture_default_str();
  app.add_option("--socket", config.socketPath, "the API's Unix socket")->capture_default_str();
  app.add_option("--api-group", config.apiGroup, "group granted access to the API socket (mode 0660); default owner only");
  app.add_option("--prometheus-serve-addr", config.prometheusAddress, "serve Prometheus metrics on 127.0.0.1:PORT");
  app.add_option("--node-address", config.nodeAddresses, "this node's address(es), published to other nodes")->delimiter(',');
  app.add_option("--lease-ttl", config.leaseTtlSeconds, "seconds etcd keeps this node's keys after it stops refreshing")
      ->capture_default_str()
      ->check(CLI::Range(2, 3600));
  app.add_option("--load-jobs", config.loadJobs,
                 "endpoint programs loaded (kernel-verified) at once on a regeneration; 0 = one per CPU, at most 8")
      ->capture_default_str()
      ->check(CLI::Range(0u, 256u));
  app.add_option("--log-level", config.logLevel, "debug, info, warn or error")->capture_default_str();
}

Expected<bool> finishConfig(AgentConfig& config, const ConfigFlags& flags) {
  auto prefix = [](const std::string& text, const char* flag, IpFamily family) -> Expected<std::optional<IpPrefix>> {
    if (text.empty()) return std::optional<IpPrefix>();
    auto parsed = IpPrefix::parse(text);
    if (!parsed) return Error{std::string(flag) + " `" + text + "`: " + parsed.error().message};
    if (parsed->address.family != family)
      return Error{std::string(flag) + " `" + text + "` is not an " + (family == IpFamily::V4 ? "IPv4" : "IPv6") + " prefix"};
    return std::optional<IpPrefix>(*parsed);
  };
  auto v4 = prefix(flags.ipv4PodCidr, "--ipv4-pod-cidr", IpFamily::V4);
  if (!v4) return v4.error();
  auto v6 = prefix(flags.ipv6PodCidr, "--ipv6-pod-cidr", IpFamily::V6);
  if (!v6) return v6.error();
  config.ipv4PodCidr = *v4;
  config.ipv6PodCidr = *v6;
  if (!config.ipv4PodCidr && !config.ipv6PodCidr)
    return Error{"no pod CIDR: give --ipv4-pod-cidr and/or --ipv6-pod-cidr (endpoints need addresses)"};
  if (flags.enforcement == "default") config.enforcement = EnforcementMode::Default;
  else if (flags.enforcement == "always") config.enforcement = EnforcementMode::Always;
  else if (flags.enforcement == "never") config.enforcement = EnforcementMode::Never;
  else return Error{"--enforcement `" + flags.enforcement + "`: expected default, always or never"};
  if (config.nodeName.empty()) {
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    config.nodeName = host;
  }
  for (char c : config.nodeName)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_'))
      return Error{"--node-name `" + config.nodeName + "`: only letters, digits, '-', '.', '_'"};
  if (config.etcdEndpoints.empty()) return Error{"--etcd-endpoints: at least one endpoint is needed"};
  // TLS files are checked here, so that a typo stops the agent instead of a connect loop that
  // can never succeed.
  for (auto [flag, path] : {std::pair{"--etcd-ca-file", &config.etcdCaFile}, std::pair{"--etcd-cert-file", &config.etcdCertFile},
                            std::pair{"--etcd-key-file", &config.etcdKeyFile}})
    if (!path->empty() && ::access(path->c_str(), R_OK) != 0)
      return Error{std::string(flag) + " `" + *path + "`: cannot be read: " + std::strerror(errno)};
  if (config.etcdCertFile.empty() != config.etcdKeyFile.empty())
    return Error{"--etcd-cert-file and --etcd-key-file come together (a client certificate and its key)"};
  bool tlsFiles = !config.etcdCaFile.empty() || !config.etcdCertFile.empty();
  for (const std::string& endpoint : config.etcdEndpoints)
    if (tlsFiles && endpoint.rfind("http://", 0) == 0)
      return Error{"--etcd-endpoints `" + endpoint + "` is plain HTTP but TLS files are given: write https://"};
  if (!config.prometheusAddress.empty()) {
    const std::string& address = config.prometheusAddress;
    size_t colon = address.rfind(':');
    std::string host = colon == std::string::npos ? "" : address.substr(0, colon);
    if (host != "127.0.0.1" && host != "localhost")
      return Error{"--prometheus-serve-addr `" + address + "`: metrics are served on loopback only (127.0.0.1:PORT)"};
  }
  if (!config.apiGroup.empty() && !getgrnam(config.apiGroup.c_str()))
    return Error{"--api-group `" + config.apiGroup + "`: no such group"};
  if (!config.nodeNetns.empty() && config.nodeNetns.find('/') == std::string::npos)
    config.nodeNetns = "/var/run/netns/" + config.nodeNetns;
  return true;
}

}  // namespace ciliumc::agent
