#include "agent/monitor/event_hub.h"

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <vector>

namespace ciliumc::monitor {

namespace detail {

struct SubscriberQueue {
  EventFilter filter;
  size_t capacity = 1;
  std::deque<MonitorEvent> events;
  uint64_t lost = 0, lostTaken = 0;
  std::condition_variable ready;
};

struct ListenerEntry {
  EventFilter filter;
  std::function<void(const MonitorEvent&)> callback;
};

// Shared by the hub and its subscribers so that either may go first.
struct HubCore {
  mutable std::mutex mutex;
  bool stopped = false;
  std::vector<SubscriberQueue*> queues;
  std::vector<ListenerEntry*> listeners;
  uint64_t published = 0, readErrors = 0, malformed = 0;
  std::string lastError;
};

template <class T>
void eraseOne(std::vector<T*>& items, T* item) {
  items.erase(std::remove(items.begin(), items.end(), item), items.end());
}

}  // namespace detail

// ---- EventFilter ----

bool EventFilter::matches(const MonitorEvent& event) const {
  if (endpointId && event.endpointId != *endpointId) return false;
  switch (type) {
    case EventType::All: return true;
    case EventType::Drop: return event.deny;
    case EventType::Verdict: return isPolicyVerdict(event);
  }
  return true;
}

Expected<EventFilter> EventFilter::parse(std::string_view type, std::string_view endpoint) {
  EventFilter filter;
  if (type.empty() || type == "all") filter.type = EventType::All;
  else if (type == "drop") filter.type = EventType::Drop;
  else if (type == "verdict" || type == "policy-verdict") filter.type = EventType::Verdict;
  else return Error{"unknown event type '" + std::string(type) + "' (expected drop, verdict or all)"};
  if (!endpoint.empty()) {
    uint32_t id = 0;
    auto [end, error] = std::from_chars(endpoint.data(), endpoint.data() + endpoint.size(), id);
    if (error != std::errc() || end != endpoint.data() + endpoint.size())
      return Error{"endpoint must be a decimal endpoint id, got '" + std::string(endpoint) + "'"};
    filter.endpointId = id;
  }
  return filter;
}

// ---- Subscription ----

Subscription::Subscription(std::shared_ptr<detail::HubCore> core, std::unique_ptr<detail::SubscriberQueue> queue)
    : core_(std::move(core)), queue_(std::move(queue)) {}

Subscription::~Subscription() {
  std::lock_guard lock(core_->mutex);
  detail::eraseOne(core_->queues, queue_.get());
}

std::optional<MonitorEvent> Subscription::next(std::chrono::milliseconds timeout) {
  std::unique_lock lock(core_->mutex);
  queue_->ready.wait_for(lock, timeout, [&] { return !queue_->events.empty() || core_->stopped; });
  if (queue_->events.empty()) return std::nullopt;
  MonitorEvent event = queue_->events.front();
  queue_->events.pop_front();
  return event;
}

uint64_t Subscription::lost() const {
  std::lock_guard lock(core_->mutex);
  return queue_->lost;
}

uint64_t Subscription::takeLost() {
  std::lock_guard lock(core_->mutex);
  uint64_t fresh = queue_->lost - queue_->lostTaken;
  queue_->lostTaken = queue_->lost;
  return fresh;
}

size_t Subscription::queued() const {
  std::lock_guard lock(core_->mutex);
  return queue_->events.size();
}

bool Subscription::closed() const {
  std::lock_guard lock(core_->mutex);
  return core_->stopped && queue_->events.empty();
}

const EventFilter& Subscription::filter() const { return queue_->filter; }

// ---- Listener ----

Listener::Listener(std::shared_ptr<detail::HubCore> core, std::unique_ptr<detail::ListenerEntry> entry)
    : core_(std::move(core)), entry_(std::move(entry)) {}

Listener::~Listener() {
  std::lock_guard lock(core_->mutex);
  detail::eraseOne(core_->listeners, entry_.get());
}

// ---- EventHub ----

EventHub::EventHub(EventHubOptions options) : options_(options), core_(std::make_shared<detail::HubCore>()) {}

EventHub::~EventHub() { stop(); }

Expected<bool> EventHub::start(std::unique_ptr<EventReader> reader) {
  if (!reader) return Error{"no event reader"};
  if (thread_.joinable() || reader_) return Error{"the event hub already has a reader"};
  {
    std::lock_guard lock(core_->mutex);
    if (core_->stopped) return Error{"the event hub was stopped"};
  }
  reader_ = std::move(reader);
  thread_ = std::thread([this] { readLoop(); });
  return true;
}

void EventHub::readLoop() {
  const EventReader::Callback publishOne = [this](const MonitorEvent& event) { publish(event); };
  while (!stopRequested_) {
    auto polled = reader_->poll(options_.pollTimeout, publishOne);
    {
      std::lock_guard lock(core_->mutex);
      core_->malformed = reader_->malformedRecords();
      if (!polled) {
        ++core_->readErrors;
        core_->lastError = polled.error().message;
      }
    }
    // A failing poll returns at once: back off for one poll timeout (still stop-aware).
    if (!polled) {
      auto wakeAt = std::chrono::steady_clock::now() + options_.pollTimeout;
      while (!stopRequested_ && std::chrono::steady_clock::now() < wakeAt)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
}

void EventHub::stop() {
  stopRequested_ = true;
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(core_->mutex);
  core_->stopped = true;
  for (detail::SubscriberQueue* queue : core_->queues) queue->ready.notify_all();
}

void EventHub::publish(const MonitorEvent& event) {
  std::lock_guard lock(core_->mutex);
  if (core_->stopped) return;
  ++core_->published;
  for (detail::SubscriberQueue* queue : core_->queues) {
    if (!queue->filter.matches(event)) continue;
    if (queue->events.size() >= queue->capacity) {
      queue->events.pop_front();
      ++queue->lost;
    }
    queue->events.push_back(event);
    queue->ready.notify_one();
  }
  for (detail::ListenerEntry* listener : core_->listeners)
    if (listener->filter.matches(event)) listener->callback(event);
}

std::unique_ptr<Subscription> EventHub::subscribe(EventFilter filter, size_t queueCapacity) {
  auto queue = std::make_unique<detail::SubscriberQueue>();
  queue->filter = filter;
  queue->capacity = std::max<size_t>(1, queueCapacity ? queueCapacity : options_.queueCapacity);
  std::lock_guard lock(core_->mutex);
  core_->queues.push_back(queue.get());
  return std::unique_ptr<Subscription>(new Subscription(core_, std::move(queue)));
}

std::unique_ptr<Listener> EventHub::listen(EventFilter filter, std::function<void(const MonitorEvent&)> callback) {
  auto entry = std::make_unique<detail::ListenerEntry>();
  entry->filter = filter;
  entry->callback = std::move(callback);
  std::lock_guard lock(core_->mutex);
  core_->listeners.push_back(entry.get());
  return std::unique_ptr<Listener>(new Listener(core_, std::move(entry)));
}

EventHubStats EventHub::stats() const {
  std::lock_guard lock(core_->mutex);
  EventHubStats stats;
  stats.published = core_->published;
  stats.readErrors = core_->readErrors;
  stats.malformedRecords = core_->malformed;
  stats.subscriptions = core_->queues.size();
  stats.listeners = core_->listeners.size();
  stats.lastError = core_->lastError;
  return stats;
}

}  // namespace ciliumc::monitor
