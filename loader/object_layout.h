// What the loader expects inside a ciliumc BPF object (runtime/ciliumc_abi.h, backend_bpf/):
// the names of its maps and programs, and which maps are shared with which other objects.
//   node-wide  (one per node, shared by every object):   ciliumc_ipcache, ciliumc_ct,
//                                                        ciliumc_events, ciliumc_config
//   per shape  (shared by every endpoint of one shape):  ciliumc_class, ciliumc_verdict,
//                                                        ciliumc_cidr, ciliumc_column
//              (the loader sizes ciliumc_verdict and ciliumc_cidr from the shape's budget
//              when it creates them: one object serves every shape of a compile plan)
//   per plan   (shared by every object with the same ciliumc_range_starts, i.e. every object of
//              one compile plan; only in objects whose port classification uses it):
//                                                        ciliumc_port_table
//   per object (private): .rodata holding `ciliumc_endpoint` (struct ciliumc_endpoint_config,
//                         with the shape's constants) and `ciliumc_range_starts`,
//                         and anything else the object defines.
#pragma once
#include <array>
#include <string_view>

#include "ir/policy.h"

namespace ciliumc::loader {

inline constexpr std::string_view kIpcacheMap = "ciliumc_ipcache";
inline constexpr std::string_view kCtMap = "ciliumc_ct";
inline constexpr std::string_view kEventsMap = "ciliumc_events";
inline constexpr std::string_view kConfigMap = "ciliumc_config";
inline constexpr std::string_view kClassMap = "ciliumc_class";
inline constexpr std::string_view kVerdictMap = "ciliumc_verdict";
inline constexpr std::string_view kCidrMap = "ciliumc_cidr";
inline constexpr std::string_view kColumnMap = "ciliumc_column";
inline constexpr std::string_view kPortTableMap = "ciliumc_port_table";
inline constexpr std::string_view kEndpointConfigVariable = "ciliumc_endpoint";
inline constexpr std::string_view kRangeStartsVariable = "ciliumc_range_starts";

inline constexpr std::array<std::string_view, 4> kNodeMaps = {kIpcacheMap, kCtMap, kEventsMap, kConfigMap};
inline constexpr std::array<std::string_view, 4> kShapeMaps = {kClassMap, kVerdictMap, kCidrMap, kColumnMap};

enum class MapScope { Node, Shape, Ports, Object };
MapScope mapScopeOf(std::string_view mapName);

// The program enforcing a direction of the endpoint: named `ciliumc_ingress` / `ciliumc_egress`
// (a program whose name ends in `ingress` / `egress` is accepted too).
inline constexpr std::string_view kIngressProgram = "ciliumc_ingress";
inline constexpr std::string_view kEgressProgram = "ciliumc_egress";
std::string_view programNameOf(Direction direction);
// Which direction a program name enforces, if any.
bool programEnforces(std::string_view programName, Direction direction);

}  // namespace ciliumc::loader
