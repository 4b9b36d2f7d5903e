// EventHub: one reader of the node's ring buffer, many subscribers (`ciliumctl monitor`
// clients, the drop counters). A BPF ring buffer has a single consumer position, so the agent
// reads it on ONE thread and fans each event out here.
// Contracts:
//   - Subscription: a bounded queue per subscriber. A subscriber that lags loses its OLDEST
//     events (the newest are the interesting ones when a client catches up) and can ask how many
//     it lost; the reader and the other subscribers never wait for it.
//   - Listener: a callback run on the publishing thread for every matching event, lossless.
//     It must be quick and must not call back into the hub (it runs under the hub's lock, which
//     is also what makes destroying a Listener wait for a callback in progress).
//   - Destroying a Subscription or Listener unsubscribes it; either may outlive the hub.
//   - stop() (also run by the destructor) ends the reader thread within about one poll timeout;
//     afterwards subscribers drain what is queued and then see the end (next() -> nullopt,
//     closed() -> true). Publishing after stop() is ignored.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "agent/monitor/event_reader.h"
#include "agent/monitor/monitor_event.h"
#include "support/expected.h"

namespace ciliumc::monitor {

struct EventFilter {
  EventType type = EventType::All;
  std::optional<uint32_t> endpointId;  // nullopt: every endpoint

  // Drop: denied packets. Verdict: policy decisions (isPolicyVerdict), allowed or denied.
  bool matches(const MonitorEvent& event) const;
  // The API's query: type "" / "all" / "drop" / "verdict" (also Cilium's "policy-verdict");
  // endpoint "" or a decimal id.
  static Expected<EventFilter> parse(std::string_view type, std::string_view endpoint);
};

namespace detail {
struct HubCore;
struct SubscriberQueue;
struct ListenerEntry;
}  // namespace detail

class Subscription {
 public:
  ~Subscription();
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

  // The oldest queued event; waits up to `timeout` for one. nullopt: timeout, or the hub stopped
  // and the queue is empty (see closed()).
  std::optional<MonitorEvent> next(std::chrono::milliseconds timeout);
  // Events this subscriber lost because its queue was full: in total, and since the last call
  // of takeLost() (for a one-off "N events lost" notice).
  uint64_t lost() const;
  uint64_t takeLost();
  size_t queued() const;
  bool closed() const;
  const EventFilter& filter() const;

 private:
  friend class EventHub;
  Subscription(std::shared_ptr<detail::HubCore> core, std::unique_ptr<detail::SubscriberQueue> queue);
  std::shared_ptr<detail::HubCore> core_;
  std::unique_ptr<detail::SubscriberQueue> queue_;
};

class Listener {
 public:
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

 private:
  friend class EventHub;
  Listener(std::shared_ptr<detail::HubCore> core, std::unique_ptr<detail::ListenerEntry> entry);
  std::shared_ptr<detail::HubCore> core_;
  std::unique_ptr<detail::ListenerEntry> entry_;
};

struct EventHubOptions {
  size_t queueCapacity = 4096;                  // per subscriber, unless subscribe() says otherwise
  std::chrono::milliseconds pollTimeout{50};    // reader thread: how long one poll waits (stop latency)
};

struct EventHubStats {
  uint64_t published = 0;   // events fanned out
  uint64_t readErrors = 0;  // failed polls (the reader keeps going)
  uint64_t malformedRecords = 0;
  size_t subscriptions = 0, listeners = 0;
  std::string lastError;    // of the last failed poll, "" if none
};

class EventHub {
 public:
  explicit EventHub(EventHubOptions options = {});
  ~EventHub();
  EventHub(const EventHub&) = delete;
  EventHub& operator=(const EventHub&) = delete;

  // Starts the reader thread over `reader` (once; a second call is an Error).
  Expected<bool> start(std::unique_ptr<EventReader> reader);
  void stop();
  bool running() const { return thread_.joinable() && !stopRequested_; }

  // Fans one event out (the reader thread does this; tests and synthetic events may too).
  void publish(const MonitorEvent& event);

  // queueCapacity 0: EventHubOptions::queueCapacity. A capacity is at least 1.
  std::unique_ptr<Subscription> subscribe(EventFilter filter, size_t queueCapacity = 0);
  std::unique_ptr<Listener> listen(EventFilter filter, std::function<void(const MonitorEvent&)> callback);

  EventHubStats stats() const;

 private:
  void readLoop();

  EventHubOptions options_;
  std::shared_ptr<detail::HubCore> core_;
  std::unique_ptr<EventReader> reader_;
  std::thread thread_;
  std::atomic<bool> stopRequested_{false};
};

}  // namespace ciliumc::monitor
