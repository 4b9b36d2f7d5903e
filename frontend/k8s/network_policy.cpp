#include "frontend/k8s/network_policy.h"

#include "frontend/k8s/cidr_yaml.h"
#include "frontend/k8s/object_meta.h"
#include "frontend/k8s/ports_yaml.h"
#include "frontend/k8s/selector_yaml.h"
#include "frontend/k8s/yaml_fields.h"
#include "ir/identity.h"
#include "support/strings.h"

namespace ciliumc {

namespace {

const std::vector<std::string> kObjectFields = {"apiVersion", "kind", "metadata", "spec", "status"};
const std::vector<std::string> kSpecFields = {"podSelector", "policyTypes", "ingress", "egress"};
const std::vector<std::string> kIngressRuleFields = {"from", "ports"};
const std::vector<std::string> kEgressRuleFields = {"to", "ports"};
const std::vector<std::string> kPeerFields = {"podSelector", "namespaceSelector", "ipBlock"};
const std::vector<std::string> kIpBlockFields = {"cidr", "except"};
const std::vector<std::string> kPolicyTypeNames = {"Ingress", "Egress"};

struct PolicyTypes {
  bool ingress = false;
  bool egress = false;
};

std::optional<PolicyTypes> readPolicyTypes(YamlReader& reader, const YamlFields& spec) {
  PolicyTypes types;
  auto list = spec.get("policyTypes");
  if (list && !reader.expectSequence(*list, "`policyTypes`")) return std::nullopt;
  if (!list || list->size() == 0) {
    // Kubernetes' defaulting: Ingress always, Egress when there are egress rules.
    types.ingress = true;
    auto egress = spec.get("egress");
    types.egress = egress && egress->IsSequence() && egress->size() > 0;
    return types;
  }
  bool ok = true;
  for (const auto& item : *list) {
    auto name = reader.readString(item, "a policyTypes entry");
    if (name && *name == "Ingress") types.ingress = true;
    else if (name && *name == "Egress") types.egress = true;
    else {
      if (name) {
        std::string guess = closestMatch(*name, kPolicyTypeNames);
        if (guess.empty() && (*name == "ingress" || *name == "egress")) guess = *name == "ingress" ? "Ingress" : "Egress";
        reader.report(DiagCode::CP4008, item, "unknown policy type `" + *name + "`",
                      guess.empty() ? "policyTypes takes `Ingress` and `Egress`" : "did you mean `" + guess + "`?");
      }
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return types;
}

std::optional<Peer> readIpBlock(YamlReader& reader, const YAML::Node& node, SourceLocation location) {
  YamlFields fields(reader, node, "ipBlock", kIpBlockFields);
  if (!fields.isMapping()) return std::nullopt;
  auto cidr = fields.require(reader, "cidr");
  if (!cidr) return std::nullopt;
  auto peer = readCidrWithExcept(reader, *cidr, fields.get("except"));
  if (!peer) return std::nullopt;
  return Peer::ofCidr(*peer, location);
}

std::optional<Peer> readPeer(YamlReader& reader, const YAML::Node& node) {
  YamlFields fields(reader, node, "NetworkPolicy peer", kPeerFields);
  if (!fields.isMapping()) return std::nullopt;
  SourceLocation location = reader.locationOf(node);
  auto podSelector = fields.get("podSelector");
  auto namespaceSelector = fields.get("namespaceSelector");
  auto ipBlock = fields.get("ipBlock");
  if (ipBlock) {
    if (podSelector || namespaceSelector) {
      reader.report(DiagCode::CP4010, fields.keyNode("ipBlock"),
                    "`ipBlock` cannot be combined with `podSelector` or `namespaceSelector` in one peer",
                    "make them two peers: start the ipBlock with its own `- `");
      return std::nullopt;
    }
    return readIpBlock(reader, *ipBlock, location);
  }
  if (!podSelector && !namespaceSelector) {
    reader.report(DiagCode::CP4010, node, "a NetworkPolicy peer needs `podSelector`, `namespaceSelector` or `ipBlock`",
                  "to allow every peer, leave out the whole `from`/`to` list");
    return std::nullopt;
  }
  LabelSelector selector;
  if (podSelector) {
    auto pods = readLabelSelector(reader, *podSelector, SelectorDialect::KubernetesPods, "podSelector");
    if (!pods) return std::nullopt;
    selector = *pods;
  }
  if (namespaceSelector) {
    auto namespaces =
        readLabelSelector(reader, *namespaceSelector, SelectorDialect::KubernetesNamespaces, "namespaceSelector");
    if (!namespaces) return std::nullopt;
    if (namespaces->isWildcard())
      selector.addRequirement(
          Requirement{std::string(source::kK8s), std::string(k8skey::kPodNamespace), SelectorOperator::Exists, {}});
    for (const auto& requirement : namespaces->requirements()) selector.addRequirement(requirement);
  }
  return Peer::ofSelector(std::move(selector), location);
}

// One element of `ingress`/`egress`. nullopt when it had an error or must be dropped.
std::optional<RuleEntry> readRule(YamlReader& reader, const YAML::Node& node, Direction direction) {
  bool ingress = direction == Direction::Ingress;
  std::string what = ingress ? "ingress rule" : "egress rule";
  YamlFields fields(reader, node, what, ingress ? kIngressRuleFields : kEgressRuleFields);
  if (!fields.isMapping()) return std::nullopt;
  RuleEntry entry;
  entry.verdict = Verdict::Allow;
  entry.location = reader.locationOf(node);
  bool ok = true;

  const char* peerField = ingress ? "from" : "to";
  if (auto peers = fields.get(peerField)) {
    if (!reader.expectSequence(*peers, "`" + std::string(peerField) + "`")) return std::nullopt;
    // An empty list means every peer, like an absent one (Kubernetes API semantics).
    if (peers->size() > 0) {
      entry.peers.emplace();
      for (const auto& peerNode : *peers) {
        auto peer = readPeer(reader, peerNode);
        if (peer) entry.peers->push_back(std::move(*peer));
        else ok = false;
      }
    }
  }
  if (auto ports = fields.get("ports")) {
    L4FromYaml l4 = readKubernetesPorts(reader, *ports);
    if (!l4.ok) return std::nullopt;
    reportNamedPorts(reader, l4, Verdict::Allow, what);
    if (l4.entryMustBeDropped()) return std::nullopt;
    entry.l4 = std::move(l4.l4);
  }
  if (!ok) return std::nullopt;
  return entry;
}

void readDirection(YamlReader& reader, const YamlFields& spec, Direction direction, bool enabled,
                   DirectionRules& rules) {
  std::string name = directionName(direction);
  auto list = spec.get(name);
  if (list && !reader.expectSequence(*list, "`" + name + "`")) return;
  if (!enabled) {
    if (list && list->size() > 0) {
      std::string type = direction == Direction::Ingress ? "Ingress" : "Egress";
      reader.report(DiagCode::CP4107, spec.keyNode(name),
                    "`" + name + "` rules are ignored: `policyTypes` does not include `" + type + "`",
                    "add `" + type + "` to policyTypes, or remove these rules");
    }
    return;
  }
  rules.enablesDefaultDeny = true;
  if (!list) return;
  for (const auto& ruleNode : *list) {
    auto entry = readRule(reader, ruleNode, direction);
    if (!entry) continue;
    entry->index = static_cast<int>(rules.entries.size());
    rules.entries.push_back(std::move(*entry));
  }
}

}  // namespace

void importNetworkPolicy(YamlReader& reader, const YAML::Node& object, const YAML::Node& kindNode,
                         PolicySet& out) {
  YamlFields document(reader, object, "NetworkPolicy", kObjectFields);
  auto meta = readObjectMeta(reader, document, /*namespaced=*/true, "NetworkPolicy");
  auto specNode = document.require(reader, "spec");
  if (!meta || !specNode) return;
  YamlFields spec(reader, *specNode, "NetworkPolicy spec", kSpecFields);
  if (!spec.isMapping()) return;

  PolicyRule rule;
  rule.name = meta->name;
  rule.namespaceName = meta->namespaceName;
  rule.origin = "NetworkPolicy";
  rule.location = reader.locationOf(kindNode);
  auto podSelectorNode = spec.require(reader, "podSelector");
  if (!podSelectorNode) return;
  auto subject = readLabelSelector(reader, *podSelectorNode, SelectorDialect::KubernetesPods, "spec.podSelector");
  auto types = readPolicyTypes(reader, spec);
  if (!subject || !types) return;
  rule.subject = std::move(*subject);
  readDirection(reader, spec, Direction::Ingress, types->ingress, rule.ingress);
  readDirection(reader, spec, Direction::Egress, types->egress, rule.egress);
  out.rules.push_back(std::move(rule));
}

}  // namespace ciliumc
