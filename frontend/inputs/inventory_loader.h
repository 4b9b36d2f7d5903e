// Loads the inventory YAML (keys: cluster, namespaces, endpoints, nodes, externals) with
// precise diagnostics (CP5xxx; malformed labels CP3001-CP3006). Endpoints with a namespace (which
// must be declared under `namespaces:`) get the derived Kubernetes labels and their plain label
// keys the `k8s` source; every namespace carries `kubernetes.io/metadata.name: <name>`.
// Identities are assigned before returning. The format is documented in inventory_loader.cpp.
#pragma once
#include <optional>
#include <string>

#include <yaml-cpp/yaml.h>

#include "frontend/diag/diagnostics.h"
#include "ir/inventory.h"

namespace ciliumc {

std::optional<Inventory> loadInventoryFile(const std::string& path, DiagnosticEngine& diags);
std::optional<Inventory> inventoryFromYaml(const YAML::Node& root, const std::string& path,
                                           DiagnosticEngine& diags);

}  // namespace ciliumc
