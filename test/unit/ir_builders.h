// Small builders for unit tests of the inventory, resolvePolicy and the evaluator: they build the
// policy model and inventory directly, so these tests depend on no front end.
#pragma once
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "ir/endpoint_policy.h"
#include "ir/evaluator.h"
#include "ir/inventory.h"
#include "ir/party.h"
#include "ir/policy.h"

namespace ciliumc::testing {

inline std::shared_ptr<const std::string> testFile() {
  static auto file = std::make_shared<const std::string>("test.policy");
  return file;
}

inline SourceLocation at(int line, int column = 1) { return SourceLocation{testFile(), line, column}; }

// "k8s:app=web" / "app=web" / "reserved:host": an In requirement (`any` when no source).
inline Requirement req(const std::string& text) {
  auto label = Label::parse(text, LabelContext::Selector);
  if (!label) throw std::invalid_argument("bad test label " + text);
  return Requirement{label->source, label->key, SelectorOperator::In, {label->value}};
}

inline LabelSelector sel(std::initializer_list<const char*> requirements) {
  std::vector<Requirement> list;
  for (const char* text : requirements) list.push_back(req(text));
  return LabelSelector(std::move(list));
}

inline Peer selPeer(std::initializer_list<const char*> requirements) { return Peer::ofSelector(sel(requirements)); }
inline Peer entityPeer(Entity e) { return Peer::ofEntity(e); }
inline Peer cidrPeer(const std::string& prefix, std::initializer_list<const char*> except = {}) {
  CidrPeer cidr;
  cidr.prefix = *IpPrefix::parse(prefix);
  for (const char* hole : except) cidr.except.push_back(*IpPrefix::parse(hole));
  return Peer::ofCidr(cidr);
}

// "tcp/80", "any/53", "icmp/8", ... ; empty list = L3-only (every protocol).
inline L4Match ports(std::initializer_list<const char*> specs) {
  L4Match l4;
  for (const char* text : specs) {
    auto spec = parsePortSpec(text);
    if (!spec) throw std::invalid_argument(std::string("bad test port ") + text);
    if (spec->ports) l4.ports.push_back(*spec->ports);
    if (spec->icmp) l4.icmps.push_back(*spec->icmp);
  }
  return l4;
}

inline RuleEntry entry(Verdict verdict, std::optional<std::vector<Peer>> peers, L4Match l4 = {}, int line = 0) {
  RuleEntry e;
  e.verdict = verdict;
  e.peers = std::move(peers);
  e.l4 = std::move(l4);
  e.location = at(line, 5);
  return e;
}
inline RuleEntry allow(std::optional<std::vector<Peer>> peers, L4Match l4 = {}, int line = 0) {
  return entry(Verdict::Allow, std::move(peers), std::move(l4), line);
}
inline RuleEntry deny(std::optional<std::vector<Peer>> peers, L4Match l4 = {}, int line = 0) {
  return entry(Verdict::Deny, std::move(peers), std::move(l4), line);
}

// A rule in the shape of a language `policy` block: each direction given is present, so it
// switches default-deny on. Entry indexes are numbered per direction.
struct RuleBuilder {
  PolicyRule rule;

  RuleBuilder(std::string name, LabelSelector subject, std::string namespaceName = "") {
    rule.name = std::move(name);
    rule.subject = std::move(subject);
    rule.namespaceName = std::move(namespaceName);
    rule.location = testing::at(1);
    rule.origin = "language";
  }
  RuleBuilder& add(Direction d, RuleEntry e) {
    DirectionRules& rules = rule.rules(d);
    rules.enablesDefaultDeny = true;
    e.index = static_cast<int>(rules.entries.size());
    rules.entries.push_back(std::move(e));
    return *this;
  }
  RuleBuilder& ingress(RuleEntry e) { return add(Direction::Ingress, std::move(e)); }
  RuleBuilder& egress(RuleEntry e) { return add(Direction::Egress, std::move(e)); }
  RuleBuilder& enforce(Direction d) {
    rule.rules(d).enablesDefaultDeny = true;
    return *this;
  }
  RuleBuilder& require(Direction d, const char* text) {
    rule.rules(d).requirements.push_back(req(text));
    rule.rules(d).enablesDefaultDeny = true;
    return *this;
  }
  RuleBuilder& at(int line) {
    rule.location = testing::at(line);
    return *this;
  }
  operator PolicyRule() const { return rule; }
};

// Inventory builders. Pods get Cilium's derived labels like the inventory loader gives them.
struct InventoryBuilder {
  Inventory inventory;

  InventoryBuilder& ns(const std::string& name, std::map<std::string, std::string> labels = {}) {
    inventory.namespaces.push_back(NamespaceInfo{name, std::move(labels), {}});
    return *this;
  }
  InventoryBuilder& pod(const std::string& ns, const std::string& name, std::initializer_list<const char*> labels,
                        std::initializer_list<const char*> ips) {
    EndpointInfo endpoint;
    endpoint.name = name;
    endpoint.namespaceName = ns;
    for (const char* text : labels) {
      Label label = *Label::parse(text, LabelContext::Endpoint);
      if (label.source == source::kUnspec && !ns.empty()) label.source = source::kK8s;
      endpoint.labels.add(label);
    }
    if (!ns.empty()) {
      std::map<std::string, std::string> nsLabels;
      for (const auto& info : inventory.namespaces)
        if (info.name == ns) nsLabels = info.labels;
      LabelSet derived = derivedPodLabels(ns, nsLabels, inventory.cluster);
      for (const Label& label : derived.labels()) endpoint.labels.add(label);
    }
    for (const char* ip : ips) endpoint.ips.push_back(*IpAddress::parse(ip));
    inventory.endpoints.push_back(std::move(endpoint));
    return *this;
  }
  InventoryBuilder& node(const std::string& name, std::initializer_list<const char*> ips, bool local) {
    NodeInfo info;
    info.name = name;
    info.local = local;
    for (const char* ip : ips) info.ips.push_back(*IpAddress::parse(ip));
    inventory.nodes.push_back(std::move(info));
    return *this;
  }
  InventoryBuilder& external(const std::string& name, std::initializer_list<const char*> ips) {
    ExternalInfo info;
    info.name = name;
    for (const char* ip : ips) info.ips.push_back(*IpAddress::parse(ip));
    inventory.externals.push_back(std::move(info));
    return *this;
  }
  Inventory build() {
    inventory.assignIdentities();
    return inventory;
  }
};

// The inventory the inventory and party unit tests share. Endpoint order is part of the
// contract (tests index `endpoints`): x/web (dual-stack, with a pod-name label that is not
// identity-relevant), y/web (so the bare name `web` is ambiguous), x/client, the namespace-less
// vm, x/v6only and x/noaddr; node-1 is the local node, node-2 a dual-stack remote one, and
// ext-a a dual-stack external.
inline Inventory sampleInventory() {
  return InventoryBuilder()
      .ns("x")
      .ns("y")
      .pod("x", "web", {"app=web", "io.kubernetes.pod.name=web-1"}, {"10.0.0.1", "fd00::1"})
      .pod("y", "web", {"app=web"}, {"10.0.0.2"})
      .pod("x", "client", {"app=client"}, {"10.0.0.3"})
      .pod("", "vm", {"role=db"}, {"10.0.0.4"})
      .pod("x", "v6only", {"app=v6"}, {"fd00::9"})
      .pod("x", "noaddr", {"app=none"}, {})
      .node("node-1", {"192.168.0.1"}, true)
      .node("node-2", {"192.168.0.2", "fd00:ff::2"}, false)
      .external("ext-a", {"192.0.2.10", "2001:db8::10"})
      .build();
}

// A policy set plus inventory, resolved, with a one-line probe helper.
struct World {
  Inventory inventory;
  PolicySet policies;
  PolicyIR ir;

  World(Inventory inv, std::vector<PolicyRule> rules, ResolveOptions options = {})
      : inventory(std::move(inv)) {
    policies.rules = std::move(rules);
    ir = resolvePolicy(policies, inventory, options);
  }
  World(const World&) = delete;  // the IR points into `inventory`

  Party party(const std::string& reference) const {
    auto resolved = resolveParty(inventory, reference);
    if (!resolved) throw std::invalid_argument("bad test party " + reference + ": " + resolved.error().message);
    return *resolved;
  }
  FlowVerdict flow(const std::string& from, const std::string& to, const std::string& portSpec) const {
    Probe probe{party(from), party(to)};
    auto spec = *parsePortSpec(portSpec);
    if (spec.ports) {
      probe.protocol = spec.ports->protocol;
      probe.port = spec.ports->first;
    } else {
      probe.protocol = spec.icmp->protocol;
      probe.port = spec.icmp->type;
    }
    return evaluateFlow(ir, probe);
  }
  bool allowed(const std::string& from, const std::string& to, const std::string& portSpec) const {
    return flow(from, to, portSpec).verdict == Verdict::Allow;
  }
};

}  // namespace ciliumc::testing
