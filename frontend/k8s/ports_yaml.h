// The L4 part of a rule entry in YAML: NetworkPolicy `ports: [{protocol, port, endPort}]`,
// Cilium `toPorts: [{ports: [...], rules: ...}]` and `icmps: [{fields: [{type, family}]}]`.
//
// Named ports (`port: http`) cannot be enforced by the BPF datapath: they are dropped and
// remembered, so the rule entry can decide (see entryMustBeDropped) whether what is left still
// means what the user wrote — a list of ports reduced to nothing must not become "all ports".
#pragma once
#include <optional>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "frontend/k8s/yaml_reader.h"
#include "ir/l4.h"
#include "ir/policy.h"

namespace ciliumc {

struct L4FromYaml {
  L4Match l4;
  std::vector<YAML::Node> namedPorts;  // dropped port entries, for CP4101
  bool listedAny = false;              // the YAML listed at least one port or ICMP type
  bool ok = true;                      // false after an error

  // Every listed port was named: the entry would silently widen to "all ports" otherwise.
  bool entryMustBeDropped() const { return listedAny && l4.isWildcard() && !namedPorts.empty(); }
};

// NetworkPolicy `ports:` (protocol TCP by default).
L4FromYaml readKubernetesPorts(YamlReader& reader, const YAML::Node& portsNode);

// Cilium `toPorts:` and `icmps:` of one entry (protocol ANY by default). Deny sections have no L7
// fields in their schema. L7 rules and TLS/listener settings are reported (CP4102) here.
L4FromYaml readCiliumL4(YamlReader& reader, const std::optional<YAML::Node>& toPorts,
                        const std::optional<YAML::Node>& icmps, Verdict verdict);

// Reports CP4101 for each dropped named port of an entry, saying whether the whole entry was
// dropped and what that means for an allow or a deny.
void reportNamedPorts(YamlReader& reader, const L4FromYaml& l4, Verdict verdict, std::string_view entryName);

}  // namespace ciliumc
