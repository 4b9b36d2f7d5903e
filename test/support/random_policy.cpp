// The random scenario generator. Vocabularies are deliberately tiny (three apps, two teams, a
// handful of ports and addresses) so that random selectors, CIDRs and port ranges actually match
// the random inventory and probes, and flows land on both sides of every rule edge.
#include "random_policy.h"

#include <algorithm>
#include <fmt/format.h>
#include <sstream>

#include "frontend/lang/print_policy.h"
#include "ir/identity.h"
#include "ir/party.h"

namespace ciliumc::testing {
namespace {

struct KeyVocabulary {
  std::string key;
  std::vector<std::string> values;  // {""} = a value-less label
};

// Keys the selectors draw on; the namespace key's values are filled in from the inventory.
std::vector<KeyVocabulary> selectorKeys(const Inventory& inventory) {
  std::vector<std::string> namespaceNames{"ns-missing"};
  for (const auto& ns : inventory.namespaces) namespaceNames.push_back(ns.name);
  return {
      {"app", {"web", "db", "client", "none"}},
      {"env", {"prod", "dev"}},
      {"tier", {"front", "back"}},
      {"audited", {""}},
      {std::string(k8skey::kPodNamespace), namespaceNames},
      {std::string(k8skey::kNamespaceLabelsPrefix) + "team", {"red", "blue"}},
      {std::string(k8skey::kServiceAccount), {"sa-a", "sa-b"}},
  };
}

IpAddress address(const std::string& text) { return *IpAddress::parse(text); }

// Every address the inventory knows plus a few world ones: the anchors CIDRs and probes are
// built around.
std::vector<IpAddress> anchorAddresses(const Inventory& inventory) {
  std::vector<IpAddress> anchors;
  for (const auto& e : inventory.endpoints) anchors.insert(anchors.end(), e.ips.begin(), e.ips.end());
  for (const auto& n : inventory.nodes) anchors.insert(anchors.end(), n.ips.begin(), n.ips.end());
  for (const auto& x : inventory.externals) anchors.insert(anchors.end(), x.ips.begin(), x.ips.end());
  for (const char* world : {"203.0.113.7", "203.0.113.200", "8.8.8.8", "2001:db8:1::7", "2606:4700::1111"})
    anchors.push_back(address(world));
  return anchors;
}

IpPrefix prefixOf(IpAddress ip, int length) {
  for (int bit = length; bit < ip.bitLength(); ++bit) ip.bytes[bit / 8] &= static_cast<uint8_t>(~(0x80u >> (bit % 8)));
  for (int byte = ip.bitLength() / 8; byte < 16; ++byte) ip.bytes[byte] = 0;
  return IpPrefix{ip, length};
}

// Flips one of the low `span` bits: an address just across some prefix boundary.
IpAddress nearby(RandomSource& random, IpAddress ip, int span) {
  int bit = ip.bitLength() - 1 - static_cast<int>(random.below(static_cast<uint64_t>(span)));
  ip.bytes[bit / 8] ^= static_cast<uint8_t>(0x80u >> (bit % 8));
  return ip;
}

int prefixLength(RandomSource& random, IpFamily family) {
  static const std::vector<int> v4{0, 8, 16, 24, 28, 30, 31, 32};
  static const std::vector<int> v6{0, 16, 32, 64, 96, 112, 120, 127, 128};
  if (random.chance(20)) return random.between(0, family == IpFamily::V4 ? 32 : 128);
  return random.pick(family == IpFamily::V4 ? v4 : v6);
}

CidrPeer randomCidr(RandomSource& random, const std::vector<IpAddress>& anchors) {
  IpAddress base = random.pick(anchors);
  CidrPeer cidr;
  cidr.prefix = prefixOf(base, prefixLength(random, base.family));
  // Excepts sit around anchors inside the prefix; several may nest in or overlap each other.
  int excepts = cidr.prefix.length < base.bitLength() ? random.between(0, 2) : 0;
  for (int i = 0; i < excepts; ++i) {
    IpAddress inside = random.chance(60) ? base : nearby(random, base, base.bitLength() - cidr.prefix.length);
    int length = random.between(cidr.prefix.length + 1, base.bitLength());
    IpPrefix hole = prefixOf(inside, length);
    if (std::find(cidr.except.begin(), cidr.except.end(), hole) == cidr.except.end()) cidr.except.push_back(hole);
  }
  return cidr;
}

Requirement randomRequirement(RandomSource& random, const Inventory& inventory, bool allowReserved) {
  Requirement r;
  if (allowReserved && random.chance(8)) {
    r.source = std::string(source::kReserved);
    r.key = random.pick(std::vector<std::string>{"host", "world", "remote-node"});
    r.values = {""};
  } else {
    static const std::vector<std::string> sources{"k8s", "k8s", "any", "any", "container", "unspec"};
    auto keys = selectorKeys(inventory);
    const KeyVocabulary& vocabulary = random.pick(keys);
    r.source = random.pick(sources);
    r.key = vocabulary.key;
    r.values = {random.pick(vocabulary.values)};
    if (random.chance(30)) r.values.push_back(random.pick(vocabulary.values));
  }
  static const std::vector<SelectorOperator> ops{SelectorOperator::In, SelectorOperator::In, SelectorOperator::NotIn,
                                                 SelectorOperator::Exists, SelectorOperator::DoesNotExist};
  r.op = random.pick(ops);
  if (r.op == SelectorOperator::Exists || r.op == SelectorOperator::DoesNotExist) r.values.clear();
  std::sort(r.values.begin(), r.values.end());
  r.values.erase(std::unique(r.values.begin(), r.values.end()), r.values.end());
  return r;
}

LabelSelector randomSelector(RandomSource& random, const Inventory& inventory, int maxRequirements,
                             bool allowReserved) {
  LabelSelector selector;
  int count = random.between(0, maxRequirements);
  for (int i = 0; i < count; ++i) selector.addRequirement(randomRequirement(random, inventory, allowReserved));
  return selector;
}

Peer randomPeer(RandomSource& random, const Inventory& inventory) {
  uint64_t kind = random.below(100);
  if (kind < 45) return Peer::ofSelector(randomSelector(random, inventory, 2, true));
  if (kind < 65) return Peer::ofEntity(*entityFromName(random.pick(entityNames())));
  return Peer::ofCidr(randomCidr(random, anchorAddresses(inventory)));
}

// Port edges the rules use; probes go just below, on and just above them.
const std::vector<uint16_t>& edgePorts() {
  static const std::vector<uint16_t> ports{1, 53, 80, 81, 443, 1024, 8080, 65535};
  return ports;
}
const std::vector<uint8_t>& edgeIcmpTypes() {
  static const std::vector<uint8_t> types{0, 3, 8, 42, 128, 129, 255};
  return types;
}

L4Match randomL4(RandomSource& random) {
  L4Match l4;
  if (random.chance(30)) return l4;  // L3-only
  int items = random.between(1, 3);
  for (int i = 0; i < items; ++i) {
    if (random.chance(20)) {
      IcmpType icmp;
      icmp.protocol = random.chance(50) ? Protocol::ICMP : Protocol::ICMPv6;
      icmp.type = random.pick(edgeIcmpTypes());
      l4.icmps.push_back(icmp);
      continue;
    }
    static const std::vector<Protocol> protocols{Protocol::Any, Protocol::TCP, Protocol::TCP, Protocol::UDP,
                                                 Protocol::SCTP};
    PortRange range;
    range.protocol = random.pick(protocols);
    if (!random.chance(15)) {  // else every port of the protocol
      range.first = random.pick(edgePorts());
      range.last = range.first;
      if (random.chance(40)) range.last = std::max(range.first, random.pick(edgePorts()));
    }
    l4.ports.push_back(range);
  }
  return l4;
}

void fillDirection(RandomSource& random, const Inventory& inventory, const GeneratorOptions& options,
                   DirectionRules& rules) {
  uint64_t shape = random.below(100);
  if (shape < 30) return;  // direction absent
  rules.enablesDefaultDeny = !(options.nonEnforcingDirections && shape < 40);
  if (rules.enablesDefaultDeny && random.chance(20)) return;  // `ingress {}`: default-deny only
  int entries = random.between(rules.enablesDefaultDeny ? 0 : 1, options.maxEntriesPerDirection);
  for (int i = 0; i < entries; ++i) {
    Verdict verdict = random.chance(30) ? Verdict::Deny : Verdict::Allow;
    RuleEntry entry = generateRuleEntry(random, inventory, verdict, options);
    entry.index = i;
    rules.entries.push_back(std::move(entry));
  }
  if (random.chance(15)) rules.requirements.push_back(randomRequirement(random, inventory, false));
}

PolicyRule randomRule(RandomSource& random, const Inventory& inventory, const GeneratorOptions& options, int index) {
  PolicyRule rule;
  rule.name = fmt::format("p{}", index);
  rule.origin = "language";
  if (random.chance(60) && !inventory.namespaces.empty()) rule.namespaceName = random.pick(inventory.namespaces).name;
  if (random.chance(15)) rule.description = "generated rule";
  if (random.chance(15)) rule.policyLabels.add(Label{"k8s", "owner", random.chance(50) ? "team-a" : ""});
  rule.subject = randomSelector(random, inventory, 2, false);
  fillDirection(random, inventory, options, rule.ingress);
  fillDirection(random, inventory, options, rule.egress);
  return rule;
}

Inventory randomInventory(RandomSource& random, const GeneratorOptions& options) {
  Inventory inventory;
  for (int n = 0; n < options.namespaces; ++n) {
    NamespaceInfo ns;
    ns.name = fmt::format("ns{}", n);
    if (random.chance(80)) ns.labels["team"] = random.chance(50) ? "red" : "blue";
    if (random.chance(30)) ns.labels["env"] = "prod";
    inventory.namespaces.push_back(std::move(ns));
  }
  for (int i = 0; i < options.endpoints; ++i) {
    EndpointInfo endpoint;
    endpoint.name = fmt::format("ep{}", i);
    bool namespaced = i != 0 && !inventory.namespaces.empty();
    // Namespace-less endpoints carry unspec/container labels, pods k8s ones.
    std::string labelSource = namespaced ? "k8s" : (random.chance(50) ? "unspec" : "container");
    int nsIndex = namespaced ? static_cast<int>(random.below(inventory.namespaces.size())) : 0;
    endpoint.labels.add(Label{labelSource, "app", random.pick(std::vector<std::string>{"web", "db", "client"})});
    if (random.chance(60)) endpoint.labels.add(Label{labelSource, "env", random.chance(50) ? "prod" : "dev"});
    if (random.chance(40)) endpoint.labels.add(Label{labelSource, "tier", random.chance(50) ? "front" : "back"});
    if (random.chance(30)) endpoint.labels.add(Label{labelSource, "audited", ""});
    if (namespaced) {
      const NamespaceInfo& ns = inventory.namespaces[nsIndex];
      endpoint.namespaceName = ns.name;
      if (random.chance(40)) endpoint.serviceAccount = random.chance(50) ? "sa-a" : "sa-b";
      LabelSet derived = derivedPodLabels(ns.name, ns.labels, inventory.cluster, endpoint.serviceAccount);
      for (const Label& label : derived.labels()) endpoint.labels.add(label);
    }
    endpoint.ips.push_back(address(fmt::format("10.0.{}.{}", nsIndex, i + 1)));
    endpoint.ips.push_back(address(fmt::format("fd00::{}:{}", nsIndex, i + 1)));
    inventory.endpoints.push_back(std::move(endpoint));
  }
  inventory.nodes.push_back(NodeInfo{"node-local", {address("192.168.0.1"), address("fd00:ff::1")}, true, {}});
  inventory.nodes.push_back(NodeInfo{"node-remote", {address("192.168.0.2"), address("fd00:ff::2")}, false, {}});
  for (int x = 0; x < options.externals; ++x) {
    inventory.externals.push_back(ExternalInfo{fmt::format("ext{}", x),
                                               {address(fmt::format("192.0.2.{}", 10 + x)),
                                                address(fmt::format("2001:db8::{}", 10 + x))},
                                               {}});
  }
  inventory.assignIdentities();
  return inventory;
}

// A probe side: a named party (endpoint, node, external) or a raw address near an anchor.
std::string randomReference(RandomSource& random, const Inventory& inventory, IpFamily family) {
  uint64_t kind = random.below(100);
  if (kind < 50) return random.pick(inventory.endpoints).qualifiedName();
  if (kind < 58) return inventory.nodes[0].name;
  if (kind < 66) return inventory.nodes[1].name;
  if (kind < 74 && !inventory.externals.empty()) return random.pick(inventory.externals).name;
  std::vector<IpAddress> sameFamily;
  for (const IpAddress& ip : anchorAddresses(inventory))
    if (ip.family == family) sameFamily.push_back(ip);
  IpAddress ip = random.pick(sameFamily);
  if (random.chance(60)) ip = nearby(random, ip, family == IpFamily::V4 ? 12 : 40);
  return ip.toString();
}

uint16_t probePort(RandomSource& random, Protocol protocol) {
  if (protocol == Protocol::ICMP || protocol == Protocol::ICMPv6) {
    int type = random.pick(edgeIcmpTypes()) + random.between(-1, 1);
    return static_cast<uint16_t>(std::clamp(type, 0, 255));
  }
  int port = random.pick(edgePorts()) + random.between(-1, 1);
  return static_cast<uint16_t>(std::clamp(port, 0, 65535));
}

std::string familyName(IpFamily family) { return family == IpFamily::V4 ? "IPv4" : "IPv6"; }

}  // namespace

std::string ProbeSpec::toString() const {
  return fmt::format("{} -> {} {}/{} ({})", from, to, protocolName(protocol), port, familyName(family));
}

RuleEntry generateRuleEntry(RandomSource& random, const Inventory& inventory, Verdict verdict,
                            const GeneratorOptions& options) {
  RuleEntry entry;
  entry.verdict = verdict;
  uint64_t peerShape = random.below(100);
  if (peerShape >= 15) {  // else nullopt: every peer
    entry.peers.emplace();
    int count = peerShape < 25 ? 0 : random.between(1, options.maxPeersPerEntry);  // 0: `from none`
    for (int i = 0; i < count; ++i) entry.peers->push_back(randomPeer(random, inventory));
  }
  entry.l4 = randomL4(random);
  return entry;
}

RandomScenario generateScenario(uint64_t seed, const GeneratorOptions& options) {
  RandomSource random(seed);
  RandomScenario scenario;
  scenario.seed = seed;
  scenario.inventory = randomInventory(random, options);
  int policies = random.between(0, options.maxPolicies);
  for (int i = 0; i < policies; ++i)
    scenario.policies.rules.push_back(randomRule(random, scenario.inventory, options, i));
  // The ICMP flavour follows the address family, as on the wire.
  static const std::vector<Protocol> protocols{Protocol::TCP, Protocol::TCP, Protocol::UDP, Protocol::SCTP,
                                               Protocol::ICMP};
  for (int i = 0; i < options.probes; ++i) {
    ProbeSpec probe;
    probe.family = random.chance(65) ? IpFamily::V4 : IpFamily::V6;
    probe.from = randomReference(random, scenario.inventory, probe.family);
    probe.to = randomReference(random, scenario.inventory, probe.family);
    probe.protocol = random.pick(protocols);
    if (probe.protocol == Protocol::ICMP && probe.family == IpFamily::V6) probe.protocol = Protocol::ICMPv6;
    probe.port = probePort(random, probe.protocol);
    scenario.probes.push_back(std::move(probe));
  }
  return scenario;
}

Expected<Probe> resolveProbe(const Inventory& inventory, const ProbeSpec& spec) {
  auto source = resolveParty(inventory, spec.from, spec.family);
  if (!source) return source.error();
  auto destination = resolveParty(inventory, spec.to, spec.family);
  if (!destination) return destination.error();
  return Probe{*source, *destination, spec.protocol, spec.port};
}

std::string describe(const RandomScenario& scenario) {
  std::ostringstream out;
  out << "# seed " << scenario.seed << "\n" << printPolicyLanguage(scenario.policies) << "\n# inventory\n";
  for (const auto& ns : scenario.inventory.namespaces) {
    out << "namespace " << ns.name;
    for (const auto& [key, value] : ns.labels) out << " " << key << "=" << value;
    out << "\n";
  }
  auto joinIps = [](const std::vector<IpAddress>& ips) {
    std::string text;
    for (const auto& ip : ips) text += (text.empty() ? "" : ", ") + ip.toString();
    return text;
  };
  for (const auto& e : scenario.inventory.endpoints)
    out << "endpoint " << e.qualifiedName() << " [" << joinIps(e.ips) << "] identity " << e.identity << ": "
        << e.labels.toString() << "\n";
  for (const auto& n : scenario.inventory.nodes)
    out << (n.local ? "local node " : "remote node ") << n.name << " [" << joinIps(n.ips) << "]\n";
  for (const auto& x : scenario.inventory.externals) out << "external " << x.name << " [" << joinIps(x.ips) << "]\n";
  out << "# probes\n";
  for (const auto& probe : scenario.probes) out << probe.toString() << "\n";
  return out.str();
}

}  // namespace ciliumc::testing
