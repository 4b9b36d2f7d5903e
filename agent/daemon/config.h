// ciliumd's configuration: command-line flags, and the same settings from a config file
// (`--config FILE`, TOML/INI `key = value` with the flags' long names; flags win). Parsed by
// CLI11, which also writes `--help`.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "ir/endpoint_policy.h"
#include "ir/ip.h"
#include "support/expected.h"

namespace CLI {
class App;
}

namespace ciliumc::agent {

struct AgentConfig {
  std::vector<std::string> etcdEndpoints = {"127.0.0.1:2379"};
  // TLS towards etcd (PEM): CA of the servers' certificates, and this node's client certificate.
  std::string etcdCaFile, etcdCertFile, etcdKeyFile;
  std::string nodeName;  // default: the host name
  std::string cluster = "default";
  std::optional<IpPrefix> ipv4PodCidr, ipv6PodCidr;
  std::string stateDir = "/var/lib/ciliumc";
  std::string bpffs = "/sys/fs/bpf";
  std::string nodeNetns;  // namespace file of the host-side devices; empty = the agent's own
  EnforcementMode enforcement = EnforcementMode::Default;
  bool allowLocalhost = true;
  std::string socketPath = "/var/run/ciliumc/ciliumd.sock";
  std::string apiGroup;           // grant this group read/write on the socket (0660)
  std::string prometheusAddress;  // "127.0.0.1:PORT"; empty = no metrics endpoint
  std::vector<std::string> nodeAddresses;  // this node's addresses (published in etcd)
  int leaseTtlSeconds = 15;
  unsigned loadJobs = 0;  // endpoint objects loaded at once on a regeneration; 0 = per CPU (max 8)
  std::string logLevel = "info";
};

// Registers every flag on `app`, writing into `config` when parsed. String forms of CIDRs and
// the enforcement mode are checked after parsing by finishConfig.
struct ConfigFlags {
  std::string ipv4PodCidr, ipv6PodCidr, enforcement = "default";
};
void addConfigFlags(CLI::App& app, AgentConfig& config, ConfigFlags& flags);
// Validates and completes the parsed configuration (CIDRs, mode, node name, loopback-only
// metrics address). Errors name the flag.
Expected<bool> finishConfig(AgentConfig& config, const ConfigFlags& flags);

}  // namespace ciliumc::agent
