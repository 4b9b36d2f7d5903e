// Names shared by the runtime (runtime/ciliumc_runtime.c), the IR generator and the C emitter:
// the symbols the generated code defines or calls. The loader finds maps and programs by these.
#pragma once
#include <string_view>

#include "ir/policy.h"

namespace ciliumc::bpfnames {

// Defined by the runtime.
inline constexpr std::string_view kEnforce = "ciliumc_enforce";        // the per-packet path
inline constexpr std::string_view kPortClass = "ciliumc_port_class";   // declared there, defined here
inline constexpr std::string_view kEndpointConfig = "ciliumc_endpoint";  // .rodata constants
// Generated per compile plan (the same code for each of its shapes).
inline constexpr std::string_view kVerdictMap = "ciliumc_verdict";
inline constexpr std::string_view kCidrMap = "ciliumc_cidr";
inline constexpr std::string_view kColumnMap = "ciliumc_column";
inline constexpr std::string_view kPortTableMap = "ciliumc_port_table";  // only when a direction uses it
inline constexpr std::string_view kRangeStarts = "ciliumc_range_starts";  // .rodata, for the loader
inline constexpr std::string_view kProgramSection = "tc";

inline std::string_view programName(Direction d) {
  return d == Direction::Ingress ? "ciliumc_ingress" : "ciliumc_egress";
}
inline std::string_view portTreeName(Direction d) {
  return d == Direction::Ingress ? "ciliumc_port_tree_ingress" : "ciliumc_port_tree_egress";
}

}  // namespace ciliumc::bpfnames
