// EventReader: the consumer of the node's ciliumc_events ring buffer (libbpf ring_buffer API).
// A BPF ring buffer has ONE consumer position: two readers of the same map steal records from
// each other. The agent therefore owns exactly one EventReader and fans its events out through
// an EventHub (event_hub.h); nothing else should read the map while the agent runs.
// Contract: poll() waits at most `timeout` for records, decodes each one and hands it to the
// callback on the calling thread; records too short to be events are counted, never delivered.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "agent/monitor/monitor_event.h"
#include "support/expected.h"

namespace ciliumc::monitor {

class EventReader {
 public:
  using Callback = std::function<void(const MonitorEvent&)>;

  // The agent's pinned ring buffer: loader::PinLayout(bpffs).nodeMap("ciliumc_events").
  static Expected<std::unique_ptr<EventReader>> openPinned(const std::string& bpffs);
  // A pin at an explicit path.
  static Expected<std::unique_ptr<EventReader>> openPath(const std::string& pinPath);
  // An open ring-buffer map fd; the reader keeps its own duplicate (the caller keeps `fd`).
  static Expected<std::unique_ptr<EventReader>> fromFd(int ringBufferFd);

  ~EventReader();
  EventReader(const EventReader&) = delete;
  EventReader& operator=(const EventReader&) = delete;

  // Events delivered (>= 0), or an Error (EINTR counts as 0 events).
  Expected<size_t> poll(std::chrono::milliseconds timeout, const Callback& callback);
  // Takes every record available now without waiting.
  Expected<size_t> drain(const Callback& callback) { return poll(std::chrono::milliseconds(0), callback); }
  uint64_t malformedRecords() const;

 private:
  struct State;
  explicit EventReader(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace ciliumc::monitor
