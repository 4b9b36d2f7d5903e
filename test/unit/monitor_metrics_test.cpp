// Prometheus text exposition (format 0.0.4) of the metrics registry: exact output for counters,
// gauges and histograms with labels, escaping, number formatting, registration conflicts,
// concurrency; the agent's metric families and the drop counter fed by the event hub.
#include <gtest/gtest.h>

#include <cmath>
#include <thread>

#include "agent/metrics/agent_metrics.h"
#include "agent/metrics/drop_counter.h"
#include "agent/metrics/registry.h"
#include "agent/monitor/event_hub.h"

namespace ciliumc::metrics {
namespace {

TEST(MonitorMetricsTest, CounterAndGaugeExposition) {
  MetricsRegistry registry;
  CounterFamily& requests = registry.counter("app_requests_total", "Requests served.", {"method", "code"});
  requests.with({"GET", "200"}).inc();
  requests.with({"GET", "200"}).inc(2);
  requests.with({"POST", "500"}).inc();
  requests.with({"POST", "500"}).inc(-5);  // ignored: counters only go up
  GaugeFamily& temperature = registry.gauge("app_temperature", "Current temperature.");
  temperature.with({}).set(-1.5);
  registry.gauge("app_unused", "Never set: not rendered.", {"x"});
  EXPECT_EQ(registry.render(),
            "# HELP app_requests_total Requests served.\n"
            "# TYPE app_requests_total counter\n"
            "app_requests_total{method=\"GET\",code=\"200\"} 3\n"
            "app_requests_total{method=\"POST\",code=\"500\"} 1\n"
            "# HELP app_temperature Current temperature.\n"
            "# TYPE app_temperature gauge\n"
            "app_temperature -1.5\n");
}

TEST(MonitorMetricsTest, EscapingOfHelpAndLabelValues) {
  MetricsRegistry registry;
  registry.counter("esc_total", "Back\\slash and\nnewline \"quoted\"", {"path"}).with({"C:\\dir \"x\"\nend"}).inc();
  EXPECT_EQ(registry.render(),
            "# HELP esc_total Back\\\\slash and\\nnewline \"quoted\"\n"
            "# TYPE esc_total counter\n"
            "esc_total{path=\"C:\\\\dir \\\"x\\\"\\nend\"} 1\n");
}

TEST(MonitorMetricsTest, HistogramExposition) {
  MetricsRegistry registry;
  HistogramFamily& latency = registry.histogram("rpc_seconds", "RPC latency.", {"service"}, {1, 0.25, 0.5, 0.25});
  Histogram& api = latency.with({"api"});
  api.observe(0.1);
  api.observe(0.25);  // on a bound: counted in that bucket (le)
  api.observe(0.3);
  api.observe(7);
  latency.with({"db"}).observe(0.5);
  EXPECT_EQ(registry.render(),
            "# HELP rpc_seconds RPC latency.\n"
            "# TYPE rpc_seconds histogram\n"
            "rpc_seconds_bucket{service=\"api\",le=\"0.25\"} 2\n"
            "rpc_seconds_bucket{service=\"api\",le=\"0.5\"} 3\n"
            "rpc_seconds_bucket{service=\"api\",le=\"1\"} 3\n"
            "rpc_seconds_bucket{service=\"api\",le=\"+Inf\"} 4\n"
            "rpc_seconds_sum{service=\"api\"} 7.65\n"
            "rpc_seconds_count{service=\"api\"} 4\n"
            "rpc_seconds_bucket{service=\"db\",le=\"0.25\"} 0\n"
            "rpc_seconds_bucket{service=\"db\",le=\"0.5\"} 1\n"
            "rpc_seconds_bucket{service=\"db\",le=\"1\"} 1\n"
            "rpc_seconds_bucket{service=\"db\",le=\"+Inf\"} 1\n"
            "rpc_seconds_sum{service=\"db\"} 0.5\n"
            "rpc_seconds_count{service=\"db\"} 1\n");
}

TEST(MonitorMetricsTest, UnlabelledHistogramHasOnlyLe) {
  MetricsRegistry registry;
  registry.histogram("delay_seconds", "Delay.", {}, {0.001}).with({}).observe(0.002);
  EXPECT_EQ(registry.render(),
            "# HELP delay_seconds Delay.\n"
            "# TYPE delay_seconds histogram\n"
            "delay_seconds_bucket{le=\"0.001\"} 0\n"
            "delay_seconds_bucket{le=\"+Inf\"} 1\n"
            "delay_seconds_sum 0.002\n"
            "delay_seconds_count 1\n");
}

TEST(MonitorMetricsTest, NumbersInGoShortestForm) {
  EXPECT_EQ(formatMetricValue(1), "1");
  EXPECT_EQ(formatMetricValue(0), "0");
  EXPECT_EQ(formatMetricValue(0.25), "0.25");
  EXPECT_EQ(formatMetricValue(100000), "100000");
  EXPECT_EQ(formatMetricValue(1e6), "1e+06");
  EXPECT_EQ(formatMetricValue(1234567), "1.234567e+06");
  EXPECT_EQ(formatMetricValue(0.0001), "0.0001");
  EXPECT_EQ(formatMetricValue(0.000015), "1.5e-05");
  EXPECT_EQ(formatMetricValue(-2.5), "-2.5");
  EXPECT_EQ(formatMetricValue(1.0 / 0.0), "+Inf");
  EXPECT_EQ(formatMetricValue(-1.0 / 0.0), "-Inf");
  EXPECT_EQ(formatMetricValue(std::nan("")), "NaN");
}

TEST(MonitorMetricsTest, FamiliesSortedAndReRegistrationShares) {
  MetricsRegistry registry;
  registry.counter("b_total", "B.").with({}).inc();
  registry.counter("a_total", "A.").with({}).inc();
  CounterFamily& again = registry.counter("b_total", "B.");
  again.with({}).inc();
  EXPECT_EQ(registry.render(),
            "# HELP a_total A.\n# TYPE a_total counter\na_total 1\n"
            "# HELP b_total B.\n# TYPE b_total counter\nb_total 2\n");
  EXPECT_TRUE(registry.errors().empty());
  // A conflicting registration is detached (never rendered) and reported.
  registry.gauge("b_total", "Now a gauge.").with({}).set(99);
  registry.counter("bad name", "Invalid.").with({}).inc();
  registry.histogram("h", "Reserved label.", {"le"}).with({"x"}).observe(1);
  EXPECT_EQ(registry.errors().size(), 3u);
  EXPECT_EQ(registry.render().find("99"), std::string::npos);
  EXPECT_EQ(registry.render().find("bad name"), std::string::npos);
  EXPECT_EQ(registry.render().find("# TYPE h "), std::string::npos);
  // Wrong label value counts do not crash: padded with "" or cut.
  CounterFamily& two = registry.counter("two_total", "Two labels.", {"x", "y"});
  two.with({"only"}).inc();
  two.with({"a", "b", "c"}).inc();
  EXPECT_NE(registry.render().find("two_total{x=\"only\",y=\"\"} 1\n"), std::string::npos);
  EXPECT_NE(registry.render().find("two_total{x=\"a\",y=\"b\"} 1\n"), std::string::npos);
}

TEST(MonitorMetricsTest, ConcurrentUpdatesAreNotLost) {
  MetricsRegistry registry;
  CounterFamily& counter = registry.counter("c_total", "C.", {"thread"});
  HistogramFamily& histogram = registry.histogram("h_seconds", "H.", {}, {0.5});
  constexpr int kThreads = 4, kIterations = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kIterations; ++i) {
        counter.with({"shared"}).inc();
        counter.with({std::to_string(t % 2)}).inc();
        histogram.with({}).observe(i % 2 ? 1.0 : 0.25);
        if (i % 1000 == 0) (void)registry.render();
      }
    });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(counter.with({"shared"}).value(), kThreads * kIterations);
  EXPECT_EQ(counter.with({"0"}).value() + counter.with({"1"}).value(), kThreads * kIterations);
  auto snapshot = histogram.with({}).snapshot();
  EXPECT_EQ(snapshot.count, uint64_t(kThreads * kIterations));
  EXPECT_EQ(snapshot.cumulative[0], uint64_t(kThreads * kIterations / 2));
}

TEST(MonitorMetricsTest, AgentMetricsUseTheAgreedNames) {
  MetricsRegistry registry;
  AgentMetrics metrics(registry);
  metrics.regenerated(true, 0.003);
  metrics.regenerated(false, 0.2);
  metrics.policyChanges.with({kOutcomeSuccess}).inc();
  metrics.policyImplementationDelay.with({}).observe(0.05);
  metrics.identities.with({kIdentityCluster}).set(3);
  metrics.identities.with({kIdentityReserved}).set(9);
  metrics.mapPressure.with({"ciliumc_ct"}).set(0.5);
  metrics.endpoints.with({"ready"}).set(2);
  metrics.kvstoreOperation("put", true);
  metrics.kvstoreConnected.with({}).set(1);
  std::string text = registry.render();
  for (const char* line : {"ciliumc_endpoint_regenerations_total{outcome=\"failure\"} 1\n",
                           "ciliumc_endpoint_regenerations_total{outcome=\"success\"} 1\n",
                           "ciliumc_endpoint_regeneration_time_stats_seconds_bucket{le=\"0.005\"} 1\n",
                           "ciliumc_endpoint_regeneration_time_stats_seconds_count 2\n",
                           "ciliumc_policy_change_total{outcome=\"success\"} 1\n",
                           "# TYPE ciliumc_policy_implementation_delay histogram\n",
                           "ciliumc_identity{type=\"cluster\"} 3\n", "ciliumc_identity{type=\"reserved\"} 9\n",
                           "ciliumc_bpf_map_pressure{map_name=\"ciliumc_ct\"} 0.5\n", "ciliumc_endpoint{state=\"ready\"} 2\n",
                           "ciliumc_kvstore_operations_total{action=\"put\",outcome=\"success\"} 1\n",
                           "ciliumc_kvstore_connected 1\n"})
    EXPECT_NE(text.find(line), std::string::npos) << line << " in\n" << text;
  EXPECT_TRUE(registry.errors().empty());
}

monitor::MonitorEvent event(Direction direction, DatapathReason reason, bool deny) {
  monitor::MonitorEvent e;
  e.direction = direction;
  e.reason = reason;
  e.deny = deny;
  return e;
}

TEST(MonitorMetricsTest, DropCounterCountsHubEventsByReasonAndDirection) {
  MetricsRegistry registry;
  AgentMetrics metrics(registry);
  monitor::EventHub hub;
  {
    DropCounter counter(hub, metrics);
    hub.publish(event(Direction::Ingress, DatapathReason::DefaultDeny, true));
    hub.publish(event(Direction::Ingress, DatapathReason::DeniedByRule, true));
    hub.publish(event(Direction::Egress, DatapathReason::SpoofedSource, true));
    hub.publish(event(Direction::Egress, DatapathReason::AllowedByRule, false));
  }
  hub.publish(event(Direction::Egress, DatapathReason::DefaultDeny, true));  // the counter is gone
  std::string text = registry.render();
  EXPECT_NE(text.find("ciliumc_drop_count_total{reason=\"Policy denied\",direction=\"INGRESS\"} 2\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("ciliumc_drop_count_total{reason=\"Invalid source ip\",direction=\"EGRESS\"} 1\n"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("ciliumc_drop_count_total{reason=\"Policy denied\",direction=\"EGRESS\"}"), std::string::npos);
  EXPECT_NE(text.find("ciliumc_forward_count_total{direction=\"EGRESS\"} 1\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace ciliumc::metrics
