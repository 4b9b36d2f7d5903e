// The event hub without the kernel: fan-out to several subscribers, filters by type and
// endpoint, bounded queues that lose their oldest events for a lagging subscriber (and say how
// many), listeners, unsubscribe, stop. The ring-buffer side is in monitor_events_test.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "agent/monitor/event_hub.h"

namespace ciliumc::monitor {
namespace {

using std::chrono::milliseconds;

MonitorEvent event(uint32_t endpoint, bool deny, uint64_t sequence,
                   DatapathReason reason = DatapathReason::DefaultDeny) {
  MonitorEvent e;
  e.endpointId = endpoint;
  e.deny = deny;
  e.reason = deny ? reason : DatapathReason::AllowedByRule;
  e.timestampNs = sequence;
  return e;
}

std::vector<uint64_t> drainSequences(Subscription& subscription) {
  std::vector<uint64_t> sequences;
  while (auto next = subscription.next(milliseconds(0))) sequences.push_back(next->timestampNs);
  return sequences;
}

TEST(MonitorHubTest, FansOutToEverySubscriberThroughItsFilter) {
  EventHub hub;
  auto all = hub.subscribe({});
  auto drops = hub.subscribe({EventType::Drop, std::nullopt});
  auto verdicts = hub.subscribe({EventType::Verdict, std::nullopt});
  auto endpoint7 = hub.subscribe({EventType::All, 7u});
  hub.publish(event(7, true, 1));
  hub.publish(event(8, false, 2));
  hub.publish(event(7, false, 3));
  hub.publish(event(8, true, 4, DatapathReason::Malformed));  // a drop, not a policy verdict
  EXPECT_EQ(drainSequences(*all), (std::vector<uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(drainSequences(*drops), (std::vector<uint64_t>{1, 4}));
  EXPECT_EQ(drainSequences(*verdicts), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(drainSequences(*endpoint7), (std::vector<uint64_t>{1, 3}));
  EXPECT_EQ(hub.stats().published, 4u);
  EXPECT_EQ(hub.stats().subscriptions, 4u);
  drops.reset();
  EXPECT_EQ(hub.stats().subscriptions, 3u) << "destroying a subscription unsubscribes";
}

TEST(MonitorHubTest, LaggingSubscriberLosesOldestAndCountsThem) {
  EventHub hub;
  auto slow = hub.subscribe({}, 3);
  auto fast = hub.subscribe({}, 100);
  for (uint64_t i = 1; i <= 10; ++i) hub.publish(event(1, true, i));
  EXPECT_EQ(slow->queued(), 3u);
  EXPECT_EQ(slow->lost(), 7u);
  EXPECT_EQ(slow->takeLost(), 7u);
  EXPECT_EQ(slow->takeLost(), 0u) << "takeLost reports each loss once";
  EXPECT_EQ(drainSequences(*slow), (std::vector<uint64_t>{8, 9, 10})) << "the newest survive";
  EXPECT_EQ(fast->lost(), 0u);
  EXPECT_EQ(drainSequences(*fast).size(), 10u) << "a slow subscriber never costs the others";
  hub.publish(event(1, true, 11));
  EXPECT_EQ(slow->lost(), 7u);
  EXPECT_EQ(drainSequences(*slow), (std::vector<uint64_t>{11}));
}

TEST(MonitorHubTest, NextWaitsForAPublisherAndEndsOnStop) {
  EventHub hub;
  auto subscription = hub.subscribe({});
  auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(subscription->next(milliseconds(30)).has_value());
  EXPECT_GE(std::chrono::steady_clock::now() - started, milliseconds(25));
  std::thread publisher([&] {
    std::this_thread::sleep_for(milliseconds(20));
    hub.publish(event(1, true, 5));
  });
  auto next = subscription->next(milliseconds(5000));
  publisher.join();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->timestampNs, 5u);

  hub.publish(event(1, true, 6));
  hub.stop();
  EXPECT_FALSE(subscription->closed()) << "queued events are still delivered after stop";
  EXPECT_EQ(subscription->next(milliseconds(0))->timestampNs, 6u);
  started = std::chrono::steady_clock::now();
  EXPECT_FALSE(subscription->next(milliseconds(5000)).has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(1000)) << "a stopped hub does not make next() wait";
  EXPECT_TRUE(subscription->closed());
  hub.publish(event(1, true, 7));
  EXPECT_EQ(subscription->queued(), 0u) << "publishing after stop is ignored";
}

TEST(MonitorHubTest, SubscriptionsAndListenersMayOutliveTheHub) {
  std::unique_ptr<Subscription> subscription;
  std::unique_ptr<Listener> listener;
  std::atomic<int> heard{0};
  {
    EventHub hub;
    subscription = hub.subscribe({});
    listener = hub.listen({EventType::Drop, std::nullopt}, [&](const MonitorEvent&) { ++heard; });
    hub.publish(event(1, true, 1));
    hub.publish(event(1, false, 2));
  }
  EXPECT_EQ(heard, 1);
  EXPECT_EQ(subscription->next(milliseconds(0))->timestampNs, 1u);
  subscription.reset();
  listener.reset();
}

TEST(MonitorHubTest, ConcurrentPublishersAndSubscribersLoseNothingWithRoom) {
  EventHub hub;
  constexpr int kPublishers = 3, kEach = 2000;
  auto subscription = hub.subscribe({}, kPublishers * kEach);
  std::atomic<int> churn{0};
  std::thread churner([&] {  // subscribes and unsubscribes while events flow
    for (int i = 0; i < 200; ++i) {
      auto transient = hub.subscribe({EventType::Drop, uint32_t(i)}, 4);
      churn += transient->next(milliseconds(0)).has_value() ? 0 : 1;
    }
  });
  std::vector<std::thread> publishers;
  for (int p = 0; p < kPublishers; ++p)
    publishers.emplace_back([&, p] {
      for (int i = 0; i < kEach; ++i) hub.publish(event(p, i % 2 == 0, uint64_t(p) * kEach + i));
    });
  for (auto& thread : publishers) thread.join();
  churner.join();
  EXPECT_EQ(subscription->queued(), size_t(kPublishers * kEach));
  EXPECT_EQ(subscription->lost(), 0u);
  EXPECT_EQ(hub.stats().subscriptions, 1u);
}

}  // namespace
}  // namespace ciliumc::monitor
