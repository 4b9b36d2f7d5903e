// DropCounter: an EventHub listener that counts every denied packet into
// ciliumc_drop_count_total{reason,direction} and every allowed one (allow events are emitted
// only when ciliumc_config enables them) into ciliumc_forward_count_total{direction}.
// Lossless (a Listener runs on the hub's reader thread); counting stops when it is destroyed.
#pragma once
#include <memory>

#include "agent/metrics/agent_metrics.h"
#include "agent/monitor/event_hub.h"

namespace ciliumc::metrics {

// Cilium's direction label values: "INGRESS", "EGRESS".
std::string directionLabel(Direction direction);
// Counts one event (what the listener does per event).
void countEvent(AgentMetrics& metrics, const monitor::MonitorEvent& event);

class DropCounter {
 public:
  // `metrics` must outlive the counter.
  DropCounter(monitor::EventHub& hub, AgentMetrics& metrics);

 private:
  std::unique_ptr<monitor::Listener> listener_;
};

}  // namespace ciliumc::metrics
