#include "frontend/k8s/cilium_rule_entry.h"

#include "frontend/k8s/cidr_yaml.h"
#include "frontend/k8s/ports_yaml.h"
#include "frontend/k8s/selector_yaml.h"
#include "frontend/k8s/yaml_fields.h"
#include "support/strings.h"

namespace ciliumc {

namespace {

const std::vector<std::string> kCidrSetFields = {"cidr", "except", "cidrGroupRef", "cidrGroupSelector"};

// Field names of one section's entries, e.g. `fromEndpoints` or `toEndpoints`.
struct SectionSchema {
  std::string prefix;  // "from" / "to"
  std::vector<std::string> fields;
  // Peer kinds resolved by the Cilium agent at run time, with the reason shown in CP4103.
  std::vector<std::pair<std::string, std::string>> unsupportedPeers;
};

SectionSchema schemaFor(Direction direction, Verdict verdict) {
  SectionSchema schema;
  bool ingress = direction == Direction::Ingress;
  schema.prefix = ingress ? "from" : "to";
  for (const char* kind : {"Endpoints", "Requires", "CIDR", "CIDRSet", "Entities", "Groups", "Nodes"})
    schema.fields.push_back(schema.prefix + kind);
  schema.fields.push_back("toPorts");
  schema.fields.push_back("icmps");
  schema.unsupportedPeers = {
      {schema.prefix + "Groups", "selects cloud-provider groups resolved at run time"},
      {schema.prefix + "Nodes", "selects nodes by their labels, which ciliumc does not model"}};
  if (!ingress) {
    schema.fields.push_back("toServices");
    schema.unsupportedPeers.push_back({"toServices", "is resolved from Kubernetes services at run time"});
  }
  if (!ingress && verdict == Verdict::Allow) {
    schema.fields.push_back("toFQDNs");
    schema.unsupportedPeers.push_back({"toFQDNs", "needs Cilium's DNS proxy to learn the addresses"});
  }
  if (verdict == Verdict::Allow) schema.fields.push_back("authentication");
  return schema;
}

std::string sectionName(Direction direction, Verdict verdict) {
  return directionName(direction) + (verdict == Verdict::Deny ? "Deny" : "");
}

// A dropped unsupported peer: where it was written and why.
struct DroppedPeer {
  YAML::Node at;
  std::string message;
};

// What one entry's peer fields produced.
struct EntryPeers {
  std::vector<Peer> peers;
  bool anyPeerField = false;  // a supported peer field was written (even as an empty list)
  bool requiresPresent = false;
  std::vector<DroppedPeer> dropped;
  bool ok = true;
};

void readEndpoints(YamlReader& reader, const YAML::Node& list, const std::string& field, EntryPeers& out) {
  for (const auto& item : list) {
    auto selector = readLabelSelector(reader, item, SelectorDialect::Cilium, field + " entry");
    if (selector) out.peers.push_back(Peer::ofSelector(std::move(*selector), reader.locationOf(item)));
    else out.ok = false;
  }
}

void readEntities(YamlReader& reader, const YAML::Node& list, EntryPeers& out) {
  for (const auto& item : list) {
    auto name = reader.readString(item, "an entity");
    if (!name) {
      out.ok = false;
      continue;
    }
    auto entity = entityFromName(*name);
    if (!entity) {
      std::string guess = closestMatch(*name, entityNames());
      reader.report(DiagCode::CP3030, item, "unknown entity `" + *name + "`",
                    guess.empty() ? "" : "did you mean `" + guess + "`?");
      out.ok = false;
      continue;
    }
    out.peers.push_back(Peer::ofEntity(*entity, reader.locationOf(item)));
  }
}

void readCidrs(YamlReader& reader, const YAML::Node& list, EntryPeers& out) {
  for (const auto& item : list) {
    auto prefix = readCidrPrefix(reader, item);
    if (prefix) out.peers.push_back(Peer::ofCidr(CidrPeer{*prefix, {}}, reader.locationOf(item)));
    else out.ok = false;
  }
}

void readCidrSets(YamlReader& reader, const YAML::Node& list, EntryPeers& out) {
  for (const auto& item : list) {
    YamlFields fields(reader, item, "CIDR set entry", kCidrSetFields);
    if (!fields.isMapping()) {
      out.ok = false;
      continue;
    }
    const char* group = fields.has("cidrGroupRef") ? "cidrGroupRef"
                        : fields.has("cidrGroupSelector") ? "cidrGroupSelector" : nullptr;
    auto cidr = fields.get("cidr");
    if (group && cidr) {
      reader.report(DiagCode::CP4008, fields.keyNode(group), "a CIDR set entry takes `cidr` or `" +
                                                                 std::string(group) + "`, not both");
      out.ok = false;
      continue;
    }
    if (group) {
      out.dropped.push_back({fields.keyNode(group), "`" + std::string(group) +
                                                        "` refers to CiliumCIDRGroup objects, which are not "
                                                        "part of ciliumc's input"});
      continue;
    }
    if (!cidr) {
      fields.require(reader, "cidr");
      out.ok = false;
      continue;
    }
    auto peer = readCidrWithExcept(reader, *cidr, fields.get("except"));
    if (peer) out.peers.push_back(Peer::ofCidr(std::move(*peer), reader.locationOf(item)));
    else out.ok = false;
  }
}

void readRequires(YamlReader& reader, const YAML::Node& list, const std::string& field,
                  std::vector<Requirement>& requirements, EntryPeers& out) {
  out.requiresPresent = true;
  for (const auto& item : list) {
    auto selector = readLabelSelector(reader, item, SelectorDialect::Cilium, field + " entry");
    if (!selector) {
      out.ok = false;
      continue;
    }
    requirements.insert(requirements.end(), selector->requirements().begin(), selector->requirements().end());
  }
}

EntryPeers readPeers(YamlReader& reader, const YamlFields& fields, const SectionSchema& schema,
                     std::vector<Requirement>& requirements) {
  EntryPeers out;
  using Reader = void (*)(YamlReader&, const YAML::Node&, EntryPeers&);
  const std::pair<std::string, Reader> peerFields[] = {
      {schema.prefix + "Entities", readEntities},
      {schema.prefix + "CIDR", readCidrs},
      {schema.prefix + "CIDRSet", readCidrSets},
  };
  std::string endpointsField = schema.prefix + "Endpoints";
  if (auto list = fields.get(endpointsField)) {
    out.anyPeerField = true;
    if (reader.expectSequence(*list, "`" + endpointsField + "`")) readEndpoints(reader, *list, endpointsField, out);
    else out.ok = false;
  }
  for (const auto& [field, read] : peerFields) {
    auto list = fields.get(field);
    if (!list) continue;
    out.anyPeerField = true;
    if (reader.expectSequence(*list, "`" + field + "`")) read(reader, *list, out);
    else out.ok = false;
  }
  std::string requiresField = schema.prefix + "Requires";
  if (auto list = fields.get(requiresField)) {
    if (reader.expectSequence(*list, "`" + requiresField + "`")) readRequires(reader, *list, requiresField, requirements, out);
    else out.ok = false;
  }
  for (const auto& [field, reason] : schema.unsupportedPeers) {
    if (fields.has(field)) out.dropped.push_back({fields.keyNode(field), "`" + field + "` " + reason});
  }
  return out;
}

void reportDroppedPeers(YamlReader& reader, const EntryPeers& peers, Verdict verdict, bool entryDropped) {
  std::string consequence;
  if (entryDropped)
    consequence = verdict == Verdict::Deny
                      ? "; the rule has no other peer, so it is dropped (this traffic is NOT denied)"
                      : "; the rule has no other peer, so it is dropped (it allows nothing)";
  else
    consequence = verdict == Verdict::Deny ? "; these peers are dropped (traffic to them is NOT denied)"
                                           : "; these peers are dropped, the rule keeps its other peers";
  for (const auto& dropped : peers.dropped)
    reader.report(DiagCode::CP4103, dropped.at, dropped.message + " and is not supported" + consequence);
}

std::optional<RuleEntry> readEntry(YamlReader& reader, const YAML::Node& node, Direction direction, Verdict verdict,
                                   const SectionSchema& schema, std::vector<Requirement>& requirements) {
  std::string what = sectionName(direction, verdict) + " rule";
  YamlFields fields(reader, node, what, schema.fields);
  if (!fields.isMapping()) return std::nullopt;
  EntryPeers peers = readPeers(reader, fields, schema, requirements);
  L4FromYaml l4 = readCiliumL4(reader, fields.get("toPorts"), fields.get("icmps"), verdict);
  if (fields.has("authentication"))
    reader.report(DiagCode::CP4104, fields.keyNode("authentication"),
                  "`authentication` (mutual authentication) is not enforced; this rule allows its traffic "
                  "without it");
  if (!peers.ok || !l4.ok) return std::nullopt;

  bool dropForPeers = !peers.dropped.empty() && peers.peers.empty();
  reportDroppedPeers(reader, peers, verdict, dropForPeers);
  if (dropForPeers) return std::nullopt;
  reportNamedPorts(reader, l4, verdict, what);
  if (l4.entryMustBeDropped()) return std::nullopt;

  RuleEntry entry;
  entry.verdict = verdict;
  entry.location = reader.locationOf(node);
  entry.l4 = std::move(l4.l4);
  if (peers.anyPeerField || !peers.dropped.empty()) {
    entry.peers = std::move(peers.peers);
  } else {
    // No peer field: with ports (or ICMP types) every peer; otherwise — `{}` or only
    // requirements — the entry grants nothing.
    if (peers.requiresPresent || !l4.listedAny) return std::nullopt;
  }
  return entry;
}

}  // namespace

void readCiliumSection(YamlReader& reader, const YAML::Node& list, Direction direction, Verdict verdict,
                       DirectionRules& rules) {
  SectionSchema schema = schemaFor(direction, verdict);
  for (const auto& node : list) {
    auto entry = readEntry(reader, node, direction, verdict, schema, rules.requirements);
    if (!entry) continue;
    entry->index = static_cast<int>(rules.entries.size());
    rules.entries.push_back(std::move(*entry));
  }
}

}  // namespace ciliumc
