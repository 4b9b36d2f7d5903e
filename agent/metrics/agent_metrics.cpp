#include "agent/metrics/agent_metrics.h"

namespace ciliumc::metrics {

std::vector<double> latencyBuckets() { return {.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}; }

namespace {
std::string name(std::string_view text) { return std::string(text); }
std::string_view outcome(bool success) { return success ? kOutcomeSuccess : kOutcomeFailure; }
}  // namespace

AgentMetrics::AgentMetrics(MetricsRegistry& registry)
    : endpointRegenerations(registry.counter(name(names::kEndpointRegenerations),
                                             "Count of all endpoint regenerations that have completed", {"outcome"})),
      endpointRegenerationTime(registry.histogram(name(names::kEndpointRegenerationTime),
                                                  "Endpoint regeneration time stats (compile, load, attach)", {},
                                                  latencyBuckets())),
      policyChanges(registry.counter(name(names::kPolicyChanges), "Number of policy changes by outcome", {"outcome"})),
      policyImplementationDelay(registry.histogram(name(names::kPolicyImplementationDelay),
                                                   "Time between a policy change and its enforcement in the datapath",
                                                   {}, latencyBuckets())),
      identities(registry.gauge(name(names::kIdentities), "Number of identities currently allocated", {"type"})),
      drops(registry.counter(name(names::kDrops), "Total dropped packets, tagged by drop reason and direction",
                             {"reason", "direction"})),
      forwards(registry.counter(name(names::kForwards), "Total forwarded packets seen as allow events, tagged by direction",
                                {"direction"})),
      mapPressure(registry.gauge(name(names::kMapPressure), "Fill percentage of a BPF map, as a ratio 0..1", {"map_name"})),
      endpoints(registry.gauge(name(names::kEndpoints), "Number of endpoints by state", {"state"})),
      kvstoreOperations(registry.counter(name(names::kKvstoreOperations), "Number of kvstore operations by action and outcome",
                                         {"action", "outcome"})),
      kvstoreConnected(registry.gauge(name(names::kKvstoreConnected), "1 when the kvstore (etcd) is reachable, else 0")) {}

void AgentMetrics::regenerated(bool success, double seconds) {
  endpointRegenerations.with({outcome(success)}).inc();
  endpointRegenerationTime.with({}).observe(seconds);
}

void AgentMetrics::kvstoreOperation(std::string_view action, bool success) {
  kvstoreOperations.with({action, outcome(success)}).inc();
}

}  // namespace ciliumc::metrics
