#include "agent/metrics/drop_counter.h"

#include "agent/monitor/event_format.h"

namespace ciliumc::metrics {

std::string directionLabel(Direction direction) { return direction == Direction::Ingress ? "INGRESS" : "EGRESS"; }

void countEvent(AgentMetrics& metrics, const monitor::MonitorEvent& event) {
  if (event.deny) metrics.drops.with({monitor::reasonText(event.reason), directionLabel(event.direction)}).inc();
  else metrics.forwards.with({directionLabel(event.direction)}).inc();
}

DropCounter::DropCounter(monitor::EventHub& hub, AgentMetrics& metrics)
    : listener_(hub.listen(monitor::EventFilter{}, [&metrics](const monitor::MonitorEvent& event) { countEvent(metrics, event); })) {}

}  // namespace ciliumc::metrics
