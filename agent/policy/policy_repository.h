// PolicyRepository: the policy documents the cluster stores in etcd (name, format, text),
// parsed by the compiler's front end into one PolicySet. Every document must check on its own:
// validate() is what `policy import` runs before anything is written, so a document that would
// not compile never reaches etcd.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "ir/policy.h"
#include "support/expected.h"

namespace ciliumc::agent {

struct PolicyDocument {
  std::string name;
  std::string format;  // "ciliumc" (the policy language) or "yaml" (Kubernetes / Cilium policy)
  std::string text;
  auto operator<=>(const PolicyDocument&) const = default;
};

struct ValidationResult {
  bool valid = false;
  std::string diagnosticsText;  // rendered like `ciliumc check` (file name = the policy name)
  std::string diagnosticsJson;  // the check JSON document
  size_t rules = 0;
};

// Checks one document: name and format, then the front end's diagnostics.
ValidationResult validatePolicyDocument(const PolicyDocument& document);
// A policy name: [a-z0-9]([-a-z0-9.]*[a-z0-9])?, at most 253 characters (a Kubernetes name).
Expected<bool> validatePolicyName(const std::string& name);

class PolicyRepository {
 public:
  // Replaces the whole set (the etcd watch delivers full snapshots) at `revision`.
  void replace(std::vector<PolicyDocument> documents, int64_t revision);
  const std::vector<PolicyDocument>& documents() const { return documents_; }
  int64_t revision() const { return revision_; }
  // Every document's rules. A document that no longer checks (e.g. written by a newer agent)
  // is left out and listed in `skipped`.
  PolicySet policySet(std::vector<std::string>* skipped = nullptr) const;

 private:
  std::vector<PolicyDocument> documents_;
  int64_t revision_ = 0;
};

}  // namespace ciliumc::agent
