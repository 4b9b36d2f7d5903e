#include "frontend/k8s/cilium_policy.h"

#include <algorithm>

#include "frontend/k8s/cilium_rule_entry.h"
#include "frontend/k8s/object_meta.h"
#include "frontend/k8s/policy_labels_yaml.h"
#include "frontend/k8s/selector_yaml.h"
#include "frontend/k8s/yaml_fields.h"

namespace ciliumc {

namespace {

const std::vector<std::string> kObjectFields = {"apiVersion", "kind", "metadata", "spec", "specs", "status"};
const std::vector<std::string> kRuleFields = {"endpointSelector", "nodeSelector", "ingress",     "ingressDeny",
                                              "egress",           "egressDeny",   "labels",      "description",
                                              "enableDefaultDeny"};
const std::vector<std::string> kDefaultDenyFields = {"ingress", "egress"};

struct DefaultDenySwitch {
  bool ingress = true;
  bool egress = true;
};

std::optional<DefaultDenySwitch> readEnableDefaultDeny(YamlReader& reader, const YamlFields& rule) {
  DefaultDenySwitch result;
  auto node = rule.get("enableDefaultDeny");
  if (!node) return result;
  YamlFields fields(reader, *node, "enableDefaultDeny", kDefaultDenyFields);
  if (!fields.isMapping()) return std::nullopt;
  for (auto [name, target] : {std::pair{"ingress", &result.ingress}, std::pair{"egress", &result.egress}}) {
    auto value = fields.get(name);
    if (!value) continue;
    auto flag = reader.readBool(*value, std::string("enableDefaultDeny.") + name);
    if (!flag) return std::nullopt;
    *target = *flag;
  }
  return result;
}

// Both sections of a direction: the allow entries first, then the deny entries.
void readDirection(YamlReader& reader, const YamlFields& rule, Direction direction, bool defaultDenyAllowed,
                   DirectionRules& rules) {
  std::string allowName = directionName(direction);
  std::string denyName = allowName + "Deny";
  bool nonEmpty = false;
  for (auto [name, verdict] : {std::pair{allowName, Verdict::Allow}, std::pair{denyName, Verdict::Deny}}) {
    auto list = rule.get(name);
    if (!list || !reader.expectSequence(*list, "`" + name + "`")) continue;
    nonEmpty = nonEmpty || list->size() > 0;
    readCiliumSection(reader, *list, direction, verdict, rules);
  }
  rules.enablesDefaultDeny = nonEmpty && defaultDenyAllowed;
}

bool isPodNamespaceKey(const Requirement& r) {
  return r.key == k8skey::kPodNamespace && (r.source == source::kK8s || r.source == source::kAny);
}

// Cilium: in a cluster-wide policy, a peer selector that names no namespace gets
// `k8s:io.kubernetes.pod.namespace` Exists, so even `{}` means "every pod", never endpoints
// that are not Kubernetes pods. Selectors of reserved labels and rules selecting `reserved:init`
// (whose endpoints have no labels yet) are left alone, as Cilium does.
void restrictClusterwidePeersToPods(PolicyRule& rule) {
  if (rule.subject.mentionsKey(source::kReserved, "init")) return;
  Requirement podsOnly{std::string(source::kK8s), std::string(k8skey::kPodNamespace), SelectorOperator::Exists, {}};
  for (DirectionRules* rules : {&rule.ingress, &rule.egress})
    for (RuleEntry& entry : rules->entries) {
      if (!entry.peers) continue;
      for (Peer& peer : *entry.peers)
        if (peer.kind == Peer::Kind::Selector && !peer.selector.mentionsReservedSource() &&
            std::none_of(peer.selector.requirements().begin(), peer.selector.requirements().end(), isPodNamespaceKey))
          peer.selector.addRequirement(podsOnly);
    }
}

// Cilium: the endpointSelector of a namespaced policy always applies in the policy's own
// namespace; a different namespace written there is replaced (by the resolver) — say so.
void warnForeignSubjectNamespace(YamlReader& reader, const YAML::Node& selectorNode, const PolicyRule& rule) {
  for (const Requirement& r : rule.subject.requirements())
    if (isPodNamespaceKey(r) && !(r.op == SelectorOperator::In && r.values == std::vector<std::string>{rule.namespaceName}))
      reader.report(DiagCode::CP4108, selectorNode,
                    "endpointSelector constrains the namespace (`" + r.toString() + "`), but a CiliumNetworkPolicy in "
                    "namespace `" + rule.namespaceName + "` only ever selects pods of its own namespace; the "
                    "constraint is replaced by `" + std::string(k8skey::kPodNamespace) + "=" + rule.namespaceName + "`",
                    "use a CiliumClusterwideNetworkPolicy to select pods of other namespaces");
}

void importRule(YamlReader& reader, const YAML::Node& node, const PolicyRule& base, PolicySet& out) {
  YamlFields rule(reader, node, base.origin + " rule", kRuleFields);
  if (!rule.isMapping()) return;
  auto endpointSelector = rule.get("endpointSelector");
  if (rule.has("nodeSelector")) {
    if (endpointSelector) {
      reader.report(DiagCode::CP4008, rule.keyNode("nodeSelector"),
                    "a Cilium rule takes `endpointSelector` or `nodeSelector`, not both");
      return;
    }
    reader.report(DiagCode::CP4105, rule.keyNode("nodeSelector"),
                  "host policies (`nodeSelector`) are not supported; this rule is skipped",
                  "use `endpointSelector` to select pods");
    return;
  }
  if (!endpointSelector) {
    rule.require(reader, "endpointSelector");
    return;
  }
  PolicyRule result = base;
  auto subject = readLabelSelector(reader, *endpointSelector, SelectorDialect::Cilium, "endpointSelector");
  auto defaultDeny = readEnableDefaultDeny(reader, rule);
  if (!subject || !defaultDeny) return;
  result.subject = std::move(*subject);
  if (auto labels = rule.get("labels")) {
    auto set = readPolicyLabels(reader, *labels);
    if (!set) return;
    result.policyLabels = std::move(*set);
  }
  if (auto description = rule.get("description")) {
    auto text = reader.readString(*description, "`description`");
    if (!text) return;
    result.description = *text;
  }
  readDirection(reader, rule, Direction::Ingress, defaultDeny->ingress, result.ingress);
  readDirection(reader, rule, Direction::Egress, defaultDeny->egress, result.egress);
  if (result.namespaceName.empty())
    restrictClusterwidePeersToPods(result);
  else
    warnForeignSubjectNamespace(reader, *endpointSelector, result);
  out.rules.push_back(std::move(result));
}

}  // namespace

void importCiliumPolicy(YamlReader& reader, const YAML::Node& object, const YAML::Node& kindNode,
                        std::string_view kind, PolicySet& out) {
  bool namespaced = kind == "CiliumNetworkPolicy";
  YamlFields document(reader, object, std::string(kind), kObjectFields);
  auto meta = readObjectMeta(reader, document, namespaced, kind);
  auto spec = document.get("spec");
  auto specs = document.get("specs");
  if (!spec && !specs) {
    reader.report(DiagCode::CP4007, kindNode, std::string(kind) + " needs `spec` or `specs`");
    return;
  }
  if (!meta) return;
  PolicyRule base;
  base.name = meta->name;
  base.namespaceName = meta->namespaceName;
  base.origin = std::string(kind);
  if (spec) {
    base.location = reader.locationOf(kindNode);
    importRule(reader, *spec, base, out);
  }
  if (specs && reader.expectSequence(*specs, "`specs`")) {
    for (const auto& element : *specs) {
      base.location = reader.locationOf(element);
      importRule(reader, element, base, out);
    }
  }
}

}  // namespace ciliumc
