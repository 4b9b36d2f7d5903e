// The text form of the policy IR (`--emit=policy-ir`). One line per endpoint, per direction and
// per entry, in inventory and input order, so golden tests diff cleanly:
//
//   policy-ir enforcement=default allow-localhost=on
//   endpoint x/web identity 256 labels k8s:app=web, k8s:io.kubernetes.pod.namespace=x
//     ingress enforced by web.policy:3:1 (policy web)
//       allow from { k8s:app = client, k8s:io.kubernetes.pod.namespace = x } on tcp/80  # web.policy:5:5 (policy web, ingress rule 0)
//     egress default-allow
//
// Entries use the language's syntax: no `from`/`to` clause = every peer, no `on` clause =
// every protocol and port (ICMP included); `allow everything` when both are absent.
#include <ostream>
#include <string>

#include "ir/endpoint_policy.h"

namespace ciliumc {

namespace {

std::string enforcementName(EnforcementMode mode) {
  switch (mode) {
    case EnforcementMode::Default: return "default";
    case EnforcementMode::Always: return "always";
    case EnforcementMode::Never: return "never";
  }
  return "default";
}

std::string peerListText(const std::vector<Peer>& peers) {
  if (peers.empty()) return "nothing";
  std::string text;
  for (size_t i = 0; i < peers.size(); ++i) text += (i ? ", " : "") + peers[i].toString();
  return text;
}

std::string entryText(const ResolvedEntry& entry, Direction direction) {
  std::string text = verdictName(entry.verdict);
  if (entry.peers) text += (direction == Direction::Ingress ? " from " : " to ") + peerListText(*entry.peers);
  if (!entry.l4.isWildcard()) text += " on " + entry.l4.toString();
  if (!entry.peers && entry.l4.isWildcard()) text += " everything";
  return text;
}

std::string enforcementText(const DirectionPolicy& policy, EnforcementMode mode) {
  if (mode == EnforcementMode::Never) return "not enforced (policy-enforcement=never)";
  if (!policy.enforced) return "default-allow";
  if (policy.enforcedBy.empty()) return "enforced (policy-enforcement=always)";
  std::string text = "enforced by ";
  for (size_t i = 0; i < policy.enforcedBy.size(); ++i)
    text += (i ? "; " : "") + policy.enforcedBy[i].toString();
  return text;
}

}  // namespace

void printDirectionPolicy(std::ostream& out, const DirectionPolicy& policy, Direction direction,
                          EnforcementMode mode) {
  out << "  " << directionName(direction) << " " << enforcementText(policy, mode) << "\n";
  for (const ResolvedEntry& entry : policy.entries)
    out << "    " << entryText(entry, direction) << "  # " << entry.provenance.toString() << "\n";
}

void printPolicyIR(std::ostream& out, const PolicyIR& ir, const Inventory& inventory) {
  out << "policy-ir enforcement=" << enforcementName(ir.options.enforcement)
      << " allow-localhost=" << (ir.options.allowLocalhost ? "on" : "off") << "\n";
  for (const EndpointInfo& endpoint : inventory.endpoints) {
    const EndpointPolicy* policy = ir.forEndpoint(&endpoint);
    if (!policy) continue;
    LabelSet labels = identityRelevantLabels(endpoint.labels);
    out << "endpoint " << endpoint.qualifiedName() << " identity " << endpoint.identity << " labels "
        << (labels.empty() ? "(none)" : labels.toString()) << "\n";
    printDirectionPolicy(out, policy->ingress, Direction::Ingress, ir.options.enforcement);
    printDirectionPolicy(out, policy->egress, Direction::Egress, ir.options.enforcement);
  }
}

}  // namespace ciliumc
