// The inventory format:
//
//   cluster: default                      # optional; the io.cilium.k8s.policy.cluster label
//   namespaces:
//     - name: x
//       labels: {team: a}                 # become k8s:io.cilium.k8s.namespace.labels.team=a
//   endpoints:
//     - name: web
//       namespace: x                      # optional; must be declared above
//       serviceAccount: web-sa            # optional; needs a namespace
//       labels: {app: web, container:tier: fe}   # or a list: [app=web, container:tier=fe]
//       ips: [10.0.0.1, fd00::1]          # optional for endpoints
//   nodes:
//     - {name: node-1, ips: [192.168.0.1], local: true}   # at most one local node (= host)
//   externals:
//     - {name: ext-a, ips: [192.0.2.10]}
//
// Label keys without a source get `k8s` on namespaced endpoints (they are pod labels) and
// `unspec` otherwise, as Label::parse does for endpoint labels. Every namespace also carries
// `kubernetes.io/metadata.name: <name>`, as Kubernetes sets it.
#include "frontend/inputs/inventory_loader.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "frontend/inputs/input_files.h"
#include "frontend/inputs/input_yaml.h"
#include "frontend/lang/value_checks.h"
#include "support/strings.h"

namespace ciliumc {

namespace {

const std::vector<std::string> kInventoryKeys = {"cluster", "namespaces", "endpoints", "nodes", "externals"};
const std::vector<std::string> kNamespaceKeys = {"name", "labels"};
const std::vector<std::string> kEndpointKeys = {"name", "namespace", "labels", "ips", "serviceAccount"};
const std::vector<std::string> kNodeKeys = {"name", "ips", "local"};
const std::vector<std::string> kExternalKeys = {"name", "ips"};

constexpr std::string_view kMetadataNameLabel = "kubernetes.io/metadata.name";

struct LocatedLabel {
  Label label;
  SourceLocation location;
  int length = 1;
};

// The written parts of a label, split as Label::parse splits them: a source only before a ':'
// that precedes any '=', `$name` meaning `reserved:name`. Offsets are into the text.
struct LabelTextParts {
  std::optional<std::string_view> source;
  std::string_view key;
  size_t keyOffset = 0;
  std::optional<std::string_view> value;
  size_t valueOffset = 0;
};

LabelTextParts splitLabelText(std::string_view text) {
  LabelTextParts parts;
  size_t colon = text.find(':');
  size_t equals = text.find('=');
  if (!text.empty() && text.front() == '$') {
    parts.source = source::kReserved;
    parts.keyOffset = 1;
  } else if (colon != std::string_view::npos && colon < equals) {
    parts.source = text.substr(0, colon);
    parts.keyOffset = colon + 1;
  }
  equals = text.find('=', parts.keyOffset);
  parts.key = text.substr(parts.keyOffset, equals == std::string_view::npos ? std::string_view::npos
                                                                            : equals - parts.keyOffset);
  if (equals != std::string_view::npos) {
    parts.value = text.substr(equals + 1);
    parts.valueOffset = equals + 1;
  }
  return parts;
}

// Who already uses an address or a name, for "first defined at" hints.
struct Owner {
  std::string name;
  SourceLocation location;
};

class InventoryLoader {
 public:
  InventoryLoader(InputYamlReader& reader, DiagnosticEngine& diags) : reader_(reader), diags_(diags) {}

  std::optional<Inventory> load(const YAML::Node& root) {
    auto fields = reader_.mapping(root, kInventoryKeys, "the inventory");
    if (!fields) return std::nullopt;
    if (const YAML::Node* cluster = fields->get("cluster")) loadCluster(*cluster);
    forEachItem(*fields, "namespaces", "namespace", kNamespaceKeys,
                [&](const YAML::Node& item, const InputYamlFields& f) { loadNamespace(item, f); });
    forEachItem(*fields, "endpoints", "endpoint", kEndpointKeys,
                [&](const YAML::Node& item, const InputYamlFields& f) { loadEndpoint(item, f); });
    forEachItem(*fields, "nodes", "node", kNodeKeys,
                [&](const YAML::Node& item, const InputYamlFields& f) { loadNode(item, f); });
    forEachItem(*fields, "externals", "external", kExternalKeys,
                [&](const YAML::Node& item, const InputYamlFields& f) { loadExternal(item, f); });
    if (reader_.hadErrors()) return std::nullopt;
    inventory_.assignIdentities();
    return std::move(inventory_);
  }

 private:
  template <class Visit>
  void forEachItem(const InputYamlFields& fields, std::string_view listKey, std::string_view what,
                   const std::vector<std::string>& keys, Visit visit) {
    const YAML::Node* list = fields.get(listKey);
    if (!list) return;
    auto items = reader_.sequence(*list, "`" + std::string(listKey) + "`");
    if (!items) return;
    for (const YAML::Node& item : *items) {
      auto itemFields = reader_.mapping(item, keys, std::string(what));
      if (itemFields) visit(item, *itemFields);
    }
  }

  void loadCluster(const YAML::Node& node) {
    auto name = reader_.scalar(node, "`cluster`");
    if (!name) return;
    if (name->empty()) {
      reader_.report(DiagCode::CP5017, reader_.at(node), "cluster name is empty");
      return;
    }
    // It becomes the value of k8s:io.cilium.k8s.policy.cluster.
    if (checkLabelValue(*name, reader_.at(node), diags_)) inventory_.cluster = *name;
  }

  // A required, well-formed name (CP5004 / CP5017).
  std::optional<std::string> requiredName(const YAML::Node& owner, const InputYamlFields& fields,
                                          std::string_view what) {
    if (!reader_.requireKeys(fields, owner, {"name"}, what)) return std::nullopt;
    const YAML::Node& node = *fields.get("name");
    auto name = reader_.scalar(node, "`name`");
    if (!name) return std::nullopt;
    if (name->empty()) {
      reader_.report(DiagCode::CP5017, reader_.valueLocation(fields, "name"), std::string(what) + " name is empty");
      return std::nullopt;
    }
    auto bad = std::find_if(name->begin(), name->end(),
                            [](unsigned char c) { return c == '/' || std::isspace(c); });
    if (bad != name->end()) {
      reader_.report(DiagCode::CP5017, reader_.at(node, bad - name->begin()),
                     std::string(what) + " name `" + *name + "` contains " +
                         (*bad == '/' ? "`/`" : "whitespace"),
                     *bad == '/' ? "test cases refer to endpoints as `namespace/name`; give the namespace in "
                                   "`namespace:`"
                                 : "test cases refer to parties by name; use `-` instead of spaces");
      return std::nullopt;
    }
    return name;
  }

  // Reports a duplicate (CP5007) when `name` is already in `seen`; records it otherwise.
  bool claimName(std::map<std::string, Owner>& seen, const std::string& name, const SourceLocation& where,
                 std::string_view what) {
    auto [it, inserted] = seen.emplace(name, Owner{name, where});
    if (inserted) return true;
    reader_.report(DiagCode::CP5007, where, "duplicate " + std::string(what) + " `" + name + "`",
                   "the first one is at " + it->second.location.toString(), static_cast<int>(name.size()));
    return false;
  }

  void loadNamespace(const YAML::Node& item, const InputYamlFields& fields) {
    auto name = requiredName(item, fields, "namespace");
    if (!name || !checkNamespaceName(*name, reader_.valueLocation(fields, "name"), diags_)) return;
    NamespaceInfo info;
    info.name = *name;
    info.location = reader_.at(item);
    // Kubernetes (>= 1.21) gives every namespace this immutable label; NetworkPolicy
    // namespaceSelectors commonly use it, and Cilium derives a pod label from it.
    info.labels[std::string(kMetadataNameLabel)] = info.name;
    if (const YAML::Node* labels = fields.get("labels")) {
      for (const LocatedLabel& located : readLabels(*labels, LabelContext::Endpoint, false)) {
        // Namespace labels are Kubernetes labels: a source prefix has no meaning there.
        if (located.label.source != source::kUnspec) {
          reader_.report(DiagCode::CP5010, located.location,
                         "namespace label `" + located.label.toString() + "` has a source",
                         "namespace labels are plain Kubernetes labels: write `key: value`");
          continue;
        }
        if (located.label.key == kMetadataNameLabel && located.label.value != info.name) {
          reader_.report(DiagCode::CP5011, located.location,
                         "namespace label `" + located.label.key + "` must equal the namespace name `" +
                             info.name + "`",
                         "Kubernetes sets it to the namespace name; remove it", located.length);
          continue;
        }
        info.labels[located.label.key] = located.label.value;
      }
    }
    if (claimName(namespaceNames_, info.name, info.location, "namespace"))
      inventory_.namespaces.push_back(std::move(info));
  }

  void loadEndpoint(const YAML::Node& item, const InputYamlFields& fields) {
    auto name = requiredName(item, fields, "endpoint");
    if (!name) return;
    EndpointInfo endpoint;
    endpoint.name = *name;
    endpoint.location = reader_.at(item);
    const NamespaceInfo* ns = nullptr;
    if (const YAML::Node* nsNode = fields.get("namespace")) {
      auto nsName = reader_.scalar(*nsNode, "`namespace`");
      if (!nsName) return;
      endpoint.namespaceName = *nsName;
      ns = findNamespace(*nsName, reader_.valueLocation(fields, "namespace"));
      if (!ns) return;
    }
    if (const YAML::Node* sa = fields.get("serviceAccount")) {
      if (!loadServiceAccount(*sa, fields, endpoint)) return;
    }
    std::vector<LocatedLabel> labels;
    if (const YAML::Node* labelsNode = fields.get("labels"))
      labels = readLabels(*labelsNode, LabelContext::Endpoint, ns != nullptr);
    for (const auto& located : labels) endpoint.labels.add(located.label);
    if (ns) addDerivedLabels(endpoint, *ns, labels);
    if (const YAML::Node* ips = fields.get("ips")) endpoint.ips = readAddresses(*ips, endpoint.qualifiedName());
    std::string key = endpoint.qualifiedName();
    if (claimName(endpointNames_, key, endpoint.location, "endpoint")) {
      bareEndpointNames_.insert(endpoint.name);
      inventory_.endpoints.push_back(std::move(endpoint));
    }
  }

  const NamespaceInfo* findNamespace(const std::string& name, const SourceLocation& where) {
    for (const auto& ns : inventory_.namespaces)
      if (ns.name == name) return &ns;
    std::vector<std::string> declared;
    for (const auto& ns : inventory_.namespaces) declared.push_back(ns.name);
    std::string guess = closestMatch(name, declared);
    std::string hint = !guess.empty() ? "did you mean `" + guess + "`?"
                       : declared.empty()
                           ? "declare it: `namespaces: [{name: " + name + "}]`"
                           : "declared namespaces: " + [&] {
                               std::string list;
                               for (const auto& d : declared) list += (list.empty() ? "" : ", ") + d;
                               return list;
                             }() + "; or add `{name: " + name + "}` under `namespaces:`";
    reader_.report(DiagCode::CP5008, where, "namespace `" + name + "` is not declared under `namespaces:`",
                   hint, static_cast<int>(std::max<size_t>(1, name.size())));
    return nullptr;
  }

  bool loadServiceAccount(const YAML::Node& node, const InputYamlFields& fields, EndpointInfo& endpoint) {
    auto account = reader_.scalar(node, "`serviceAccount`");
    if (!account) return false;
    if (endpoint.namespaceName.empty()) {
      reader_.report(DiagCode::CP5004, reader_.valueLocation(fields, "serviceAccount"),
                     "endpoint `" + endpoint.name + "` has a `serviceAccount` but no `namespace`",
                     "service accounts belong to Kubernetes pods: add `namespace:`");
      return false;
    }
    // It becomes the value of k8s:io.cilium.k8s.policy.serviceaccount.
    if (!checkLabelValue(*account, reader_.at(node), diags_)) return false;
    endpoint.serviceAccount = *account;
    return true;
  }

  // Cilium's derived pod labels win; a hand-written one with another value is an error.
  void addDerivedLabels(EndpointInfo& endpoint, const NamespaceInfo& ns, const std::vector<LocatedLabel>& written) {
    LabelSet derived = derivedPodLabels(ns.name, ns.labels, inventory_.cluster, endpoint.serviceAccount);
    for (const LocatedLabel& located : written) {
      for (const Label* d : derived.find(located.label.source, located.label.key)) {
        if (d->value == located.label.value) continue;
        reader_.report(DiagCode::CP5011, located.location,
                       "label `" + located.label.toString() + "` contradicts the derived label `" +
                           d->toString() + "`",
                       "remove it: the inventory derives it from the endpoint's namespace, cluster "
                       "and service account",
                       located.length);
      }
    }
    for (const Label& label : derived.labels()) endpoint.labels.add(label);
  }

  // Labels as a mapping `key: value` or a list of `source:key=value` strings.
  std::vector<LocatedLabel> readLabels(const YAML::Node& node, LabelContext context, bool podLabels) {
    std::vector<LocatedLabel> out;
    if (node.IsNull()) return out;
    if (node.IsMap()) {
      std::map<std::string, Owner> seenKeys;
      for (const auto& entry : node) {
        auto key = reader_.scalar(entry.first, "a label key");
        auto value = reader_.scalar(entry.second, "a label value");
        if (!key || !value || !claimName(seenKeys, *key, reader_.at(entry.first), "label key")) continue;
        std::string text = value->empty() ? *key : *key + "=" + *value;
        auto label = parseLabel(text, context, podLabels, [&](size_t offset) {
          return offset <= key->size() ? reader_.at(entry.first, offset)
                                       : reader_.at(entry.second, offset - key->size() - 1);
        });
        if (label) out.push_back(LocatedLabel{*label, reader_.at(entry.first), static_cast<int>(key->size())});
      }
      return out;
    }
    if (node.IsSequence()) {
      for (const auto& item : node) {
        auto text = reader_.scalar(item, "a label");
        if (!text) continue;
        auto label = parseLabel(*text, context, podLabels, [&](size_t offset) { return reader_.at(item, offset); });
        if (label) out.push_back(LocatedLabel{*label, reader_.at(item), static_cast<int>(text->size())});
      }
      return out;
    }
    reader_.report(DiagCode::CP5003, reader_.at(node), "labels must be a mapping `key: value`, found " +
                                                           describeYamlNode(node),
                   "write `labels: {app: web}` or a list `labels: [app=web]`");
    return out;
  }

  // Checks each part of `source:key=value` with the shared CP3xxx checks, at its own byte.
  // `locationAt` maps an offset into `text` to a location.
  template <class LocationAt>
  std::optional<Label> parseLabel(const std::string& text, LabelContext context, bool podLabels,
                                  LocationAt locationAt) {
    LabelTextParts parts = splitLabelText(text);
    bool valid = (!parts.source || checkLabelSource(*parts.source, locationAt(0), false, diags_)) &&
                 checkLabelKey(parts.key, locationAt(parts.keyOffset), diags_) &&
                 (!parts.value || checkLabelValue(*parts.value, locationAt(parts.valueOffset), diags_));
    if (!valid) return std::nullopt;
    auto label = Label::parse(text, context);
    if (!label) {  // the checks above mirror Label::parse; this is only a safety net
      reader_.report(DiagCode::CP3001, locationAt(label.error().offset),
                     "invalid label `" + text + "`: " + label.error().message, label.error().hint);
      return std::nullopt;
    }
    // Pod labels come from Kubernetes: a key written without a source is a `k8s` label.
    if (podLabels && !parts.source) label->source = source::kK8s;
    return *label;
  }

  std::vector<IpAddress> readAddresses(const YAML::Node& node, const std::string& owner) {
    std::vector<IpAddress> out;
    std::vector<YAML::Node> items;
    if (node.IsScalar()) {
      items.push_back(node);  // `ips: 10.0.0.1` is a one-element list
    } else if (auto list = reader_.sequence(node, "`ips`")) {
      items = std::move(*list);
    }
    for (const YAML::Node& item : items) {
      auto text = reader_.scalar(item, "an IP address");
      if (!text) continue;
      auto ip = IpAddress::parse(*text);
      if (!ip) {
        std::string hint = ip.error().hint;
        if (hint.empty() && text->find('/') != std::string::npos)
          hint = "`ips` lists single addresses, not prefixes";
        reader_.report(DiagCode::CP5005, reader_.at(item, ip.error().offset),
                       "invalid IP address `" + *text + "`: " + ip.error().message, hint);
        continue;
      }
      auto [it, inserted] = ipOwners_.emplace(*ip, Owner{owner, reader_.at(item)});
      if (!inserted) {
        reader_.report(DiagCode::CP5006, reader_.at(item),
                       "IP address " + ip->toString() + " of `" + owner + "` is already used by `" +
                           it->second.name + "`",
                       "first used at " + it->second.location.toString(), static_cast<int>(text->size()));
        continue;
      }
      out.push_back(*ip);
    }
    return out;
  }

  // Nodes and externals are named in probes like endpoints: a name must say which one it is.
  bool claimPartyName(const std::string& name, const SourceLocation& where, std::string_view what) {
    if (bareEndpointNames_.count(name)) {
      reader_.report(DiagCode::CP5007, where,
                     std::string(what) + " `" + name + "` has the same name as an endpoint",
                     "probes name parties by name; rename one of them", static_cast<int>(name.size()));
      return false;
    }
    return claimName(partyNames_, name, where, "node or external name");
  }

  void loadNode(const YAML::Node& item, const InputYamlFields& fields) {
    auto name = requiredName(item, fields, "node");
    if (!name || !reader_.requireKeys(fields, item, {"ips"}, "node `" + *name + "`")) return;
    NodeInfo node;
    node.name = *name;
    node.location = reader_.at(item);
    if (const YAML::Node* local = fields.get("local")) {
      auto isLocal = reader_.boolean(*local, "`local`");
      if (!isLocal) return;
      node.local = *isLocal;
      if (node.local && localNode_) {
        reader_.report(DiagCode::CP5009, reader_.at(*local),
                       "node `" + node.name + "` is the second node marked `local: true`",
                       "`" + localNode_->name + "` (" + localNode_->location.toString() +
                           ") is already the local node; only one node is the host");
        return;
      }
      if (node.local) localNode_ = Owner{node.name, node.location};
    }
    node.ips = readAddresses(*fields.get("ips"), node.name);
    if (claimPartyName(node.name, node.location, "node")) inventory_.nodes.push_back(std::move(node));
  }

  void loadExternal(const YAML::Node& item, const InputYamlFields& fields) {
    auto name = requiredName(item, fields, "external");
    if (!name || !reader_.requireKeys(fields, item, {"ips"}, "external `" + *name + "`")) return;
    ExternalInfo external;
    external.name = *name;
    external.location = reader_.at(item);
    external.ips = readAddresses(*fields.get("ips"), external.name);
    if (claimPartyName(external.name, external.location, "external"))
      inventory_.externals.push_back(std::move(external));
  }

  InputYamlReader& reader_;
  DiagnosticEngine& diags_;  // for the shared CP3xxx value checks
  Inventory inventory_;
  std::map<std::string, Owner> namespaceNames_;
  std::map<std::string, Owner> endpointNames_;  // by qualified name
  std::set<std::string> bareEndpointNames_;
  std::map<std::string, Owner> partyNames_;     // nodes and externals
  std::map<IpAddress, Owner> ipOwners_;
  std::optional<Owner> localNode_;
};

}  // namespace

std::optional<Inventory> inventoryFromYaml(const YAML::Node& root, const std::string& path,
                                           DiagnosticEngine& diags) {
  InputYamlReader reader(path, diags);
  try {
    return InventoryLoader(reader, diags).load(root);
  } catch (const YAML::Exception& e) {
    // Not expected (the loader checks shapes before converting), but bad input must never crash.
    reader.report(DiagCode::CP5001, reader.atMark(e.mark),
                  "cannot read the inventory: " + e.msg);
    return std::nullopt;
  }
}

std::optional<Inventory> loadInventoryFile(const std::string& path, DiagnosticEngine& diags) {
  auto text = readFileText(path, diags);
  if (!text) return std::nullopt;
  InputYamlReader reader(path, diags);
  auto root = reader.parse(*text);
  if (!root) return std::nullopt;
  return inventoryFromYaml(*root, path, diags);
}

}  // namespace ciliumc
