// What the agent keeps in its state dir so a restarted agent (even one started while etcd is
// unreachable) can adopt its endpoints and keep enforcing the last policy it knew:
//   endpoints.json   every endpoint (docs/agent.md Endpoint)
//   policy.json      the last policy snapshot from etcd: {"revision", "documents": [...]}
//   identities.json  the cluster identities last seen: [{"id", "labels": [...]}]
// Files are replaced atomically (temp file + fsync + rename); a missing file is an empty state.
#pragma once
#include <string>
#include <vector>

#include "agent/datapath/datapath.h"
#include "agent/endpoint/endpoint.h"
#include "agent/policy/policy_repository.h"
#include "support/expected.h"

namespace ciliumc::agent {

class StateFiles {
 public:
  explicit StateFiles(std::string directory) : directory_(std::move(directory)) {}
  Expected<bool> prepare() const;  // mkdir -p, mode 0700

  Expected<bool> saveEndpoints(const std::vector<Endpoint>& endpoints) const;
  Expected<std::vector<Endpoint>> loadEndpoints() const;
  Expected<bool> savePolicy(const std::vector<PolicyDocument>& documents, int64_t revision) const;
  Expected<std::pair<std::vector<PolicyDocument>, int64_t>> loadPolicy() const;
  Expected<bool> saveIdentities(const std::vector<ClusterIdentity>& identities) const;
  Expected<std::vector<ClusterIdentity>> loadIdentities() const;

  std::string path(const std::string& name) const { return directory_ + "/" + name; }

 private:
  Expected<bool> write(const std::string& name, const std::string& text) const;
  Expected<std::string> read(const std::string& name) const;  // "" when missing
  std::string directory_;
};

// Parses identity-relevant labels written as "source:key=value" strings.
Expected<LabelSet> labelSetFromStrings(const std::vector<std::string>& texts, LabelContext context);
std::vector<std::string> labelStrings(const LabelSet& labels);

}  // namespace ciliumc::agent
