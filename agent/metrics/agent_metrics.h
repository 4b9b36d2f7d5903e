// The agent's metrics: names (mirroring Cilium's, with the ciliumc_ prefix) and one struct that
// registers every family once, so agent code only increments, e.g.
//   metrics.endpointRegenerations.with({"success"}).inc();
//   metrics.endpointRegenerationTime.with({}).observe(seconds);
// Label values the agent uses are listed next to each family.
#pragma once
#include <string_view>

#include "agent/metrics/registry.h"

namespace ciliumc::metrics {

namespace names {
inline constexpr std::string_view kEndpointRegenerations = "ciliumc_endpoint_regenerations_total";
inline constexpr std::string_view kEndpointRegenerationTime = "ciliumc_endpoint_regeneration_time_stats_seconds";
inline constexpr std::string_view kPolicyChanges = "ciliumc_policy_change_total";
inline constexpr std::string_view kPolicyImplementationDelay = "ciliumc_policy_implementation_delay";
inline constexpr std::string_view kIdentities = "ciliumc_identity";
inline constexpr std::string_view kDrops = "ciliumc_drop_count_total";
inline constexpr std::string_view kForwards = "ciliumc_forward_count_total";
inline constexpr std::string_view kMapPressure = "ciliumc_bpf_map_pressure";
inline constexpr std::string_view kEndpoints = "ciliumc_endpoint";
inline constexpr std::string_view kKvstoreOperations = "ciliumc_kvstore_operations_total";
inline constexpr std::string_view kKvstoreConnected = "ciliumc_kvstore_connected";
}  // namespace names

// Label values.
inline constexpr std::string_view kOutcomeSuccess = "success";
inline constexpr std::string_view kOutcomeFailure = "failure";
inline constexpr std::string_view kIdentityCluster = "cluster";
inline constexpr std::string_view kIdentityReserved = "reserved";

// Buckets (seconds) for regeneration and policy delays: 1 ms .. 60 s.
std::vector<double> latencyBuckets();

struct AgentMetrics {
  explicit AgentMetrics(MetricsRegistry& registry);

  CounterFamily& endpointRegenerations;        // {outcome: success|failure}
  HistogramFamily& endpointRegenerationTime;   // {} seconds per regeneration
  CounterFamily& policyChanges;                // {outcome: success|failure}
  HistogramFamily& policyImplementationDelay;  // {} seconds from a policy change to enforcement
  GaugeFamily& identities;                     // {type: cluster|reserved}
  CounterFamily& drops;                        // {reason: Cilium's words (monitor::reasonText), direction: INGRESS|EGRESS}
  CounterFamily& forwards;                     // {direction}; counts allow events (when they are enabled)
  GaugeFamily& mapPressure;                    // {map_name}: fill ratio 0..1
  GaugeFamily& endpoints;                      // {state: waiting-for-identity|regenerating|ready|disconnected}
  CounterFamily& kvstoreOperations;            // {action: get|put|delete|txn|watch|lease, outcome: success|failure}
  GaugeFamily& kvstoreConnected;               // {} 1 connected, 0 not

  // Conveniences for the common updates.
  void regenerated(bool success, double seconds);
  void kvstoreOperation(std::string_view action, bool success);
};

}  // namespace ciliumc::metrics
