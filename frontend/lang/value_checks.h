// Checked conversions of the values users write — label sources, keys and values, namespace
// names, CIDRs, ports, entities — reporting CP3xxx diagnostics. Format-neutral: the policy
// language uses them, and the YAML importer may call them with the location of a YAML scalar.
//
// Contract: `at` is the location of the first character of `text`; a problem at byte offset k
// of `text` is reported at column `at.column + k` (texts are single-line). Each function
// returns nullopt / false after reporting exactly one error.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "frontend/diag/diagnostics.h"
#include "ir/entity.h"
#include "ir/ip.h"
#include "ir/l4.h"

namespace ciliumc {

// `text` shifted by `offset` bytes on the same line.
SourceLocation locationAtOffset(const SourceLocation& at, size_t offset);

// A written label source (`k8s`). `any` is accepted only when `inSelector`. CP3003, CP3004.
bool checkLabelSource(std::string_view source, const SourceLocation& at, bool inSelector,
                      DiagnosticEngine& diags);
bool checkLabelKey(std::string_view key, const SourceLocation& at, DiagnosticEngine& diags);      // CP3001
bool checkLabelValue(std::string_view value, const SourceLocation& at, DiagnosticEngine& diags);  // CP3002
bool checkNamespaceName(std::string_view name, const SourceLocation& at, DiagnosticEngine& diags); // CP3006

// `10.0.0.0/8`, `2001:db8::/32`, a bare address. Set host bits get a "did you mean" hint. CP3010.
std::optional<IpPrefix> checkedCidr(std::string_view text, const SourceLocation& at, DiagnosticEngine& diags);
// CP3011 when `except` is not inside `parent` (`at` locates the except text).
bool checkExceptInside(const IpPrefix& parent, const IpPrefix& except, const SourceLocation& at,
                       DiagnosticEngine& diags);

// The language's port syntax (`tcp/80`, `icmp/echo-request`, ...). CP3020, CP3021.
std::optional<PortSpec> checkedPortSpec(std::string_view text, const SourceLocation& at, DiagnosticEngine& diags);

// `world`, `remote-node`, ... CP3030 with a "did you mean" hint.
std::optional<Entity> checkedEntity(std::string_view text, const SourceLocation& at, DiagnosticEngine& diags);

}  // namespace ciliumc
