// Importers for networking.k8s.io/v1 NetworkPolicy, cilium.io/v2 CiliumNetworkPolicy and
// CiliumClusterwideNetworkPolicy (multi-document YAML, or JSON, including `kind: List`), into the
// policy model with Cilium's semantics. Fields the BPF datapath cannot enforce (L7 rules,
// toFQDNs, toServices, named ports, ...) produce a warning with the location (CP4xxx).
#pragma once
#include <string>

#include "frontend/diag/diagnostics.h"
#include "ir/policy.h"

namespace ciliumc {

// Returns false if an error was reported (nothing from this file is appended then).
bool importKubernetesPolicies(const std::string& path, const std::string& text,
                              DiagnosticEngine& diags, PolicySet& out);

}  // namespace ciliumc
