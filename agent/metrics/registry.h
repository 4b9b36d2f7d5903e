// MetricsRegistry: counters, gauges and histograms with label sets, rendered in the Prometheus
// text exposition format 0.0.4 (what `GET /metrics` serves).
// Contracts:
//   - Thread-safe: families and children are created under the registry's lock and never move
//     or disappear, so the references handed out stay valid for the registry's lifetime;
//     updating a child is lock-free (counters, gauges) or takes the child's own lock (histograms).
//   - with(labelValues) takes values in the order of the family's label names; missing values
//     are "" and extra ones are ignored (a metric is never worth a crash).
//   - Registering a name again returns the existing family when the kind and label names agree;
//     otherwise the caller gets a detached family that is never rendered and the conflict is
//     listed in errors().
//   - render(): families sorted by name, children by label values; HELP text escapes \ and
//     newline, label values escape \, " and newline; numbers in Go's shortest form ("1",
//     "0.25", "1e+06", "+Inf", "NaN"); a family without children renders nothing; histograms
//     render cumulative _bucket{le=...} lines ending with le="+Inf", then _sum and _count.
#pragma once
#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace ciliumc::metrics {

using LabelValues = std::vector<std::string>;

enum class MetricKind { Counter, Gauge, Histogram };
std::string metricKindName(MetricKind kind);  // "counter", "gauge", "histogram"

class Counter {
 public:
  void inc(double amount = 1);  // negative amounts are ignored: counters only go up
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void set(double value) { value_.store(value, std::memory_order_relaxed); }
  void inc(double amount = 1) { value_.fetch_add(amount, std::memory_order_relaxed); }
  void dec(double amount = 1) { value_.fetch_sub(amount, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> upperBounds);
  void observe(double value);
  struct Snapshot {
    std::vector<double> upperBounds;  // without +Inf
    std::vector<uint64_t> cumulative;  // per bound, then one more for +Inf (== count)
    double sum = 0;
    uint64_t count = 0;
  };
  Snapshot snapshot() const;

 private:
  mutable std::mutex mutex_;
  std::vector<double> upperBounds_;
  std::vector<uint64_t> counts_;  // per bucket, non-cumulative; last = above every bound
  double sum_ = 0;
  uint64_t count_ = 0;
};

// Prometheus' default buckets (seconds): .005 .01 .025 .05 .1 .25 .5 1 2.5 5 10.
std::vector<double> defaultBuckets();
// start, start*factor, ... (count bounds).
std::vector<double> exponentialBuckets(double start, double factor, size_t count);

template <class Child>
class Family {
 public:
  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& labelNames() const { return labelNames_; }
  Child& with(LabelValues values);
  Child& with(std::initializer_list<std::string_view> values) { return with(LabelValues(values.begin(), values.end())); }
  // The children so far, sorted by label values (rendering, tests).
  std::vector<std::pair<LabelValues, const Child*>> children() const;

 private:
  friend class MetricsRegistry;
  Family(std::string name, std::string help, std::vector<std::string> labelNames, std::vector<double> buckets)
      : name_(std::move(name)), help_(std::move(help)), labelNames_(std::move(labelNames)), buckets_(std::move(buckets)) {}
  std::unique_ptr<Child> makeChild() const;

  std::string name_, help_;
  std::vector<std::string> labelNames_;
  std::vector<double> buckets_;  // histograms only
  mutable std::mutex mutex_;
  std::map<LabelValues, std::unique_ptr<Child>> children_;
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

class MetricsRegistry {
 public:
  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  CounterFamily& counter(std::string name, std::string help, std::vector<std::string> labelNames = {});
  GaugeFamily& gauge(std::string name, std::string help, std::vector<std::string> labelNames = {});
  // Bounds are sorted and deduplicated; +Inf is implicit.
  HistogramFamily& histogram(std::string name, std::string help, std::vector<std::string> labelNames = {},
                             std::vector<double> buckets = defaultBuckets());

  std::string render() const;  // text format 0.0.4
  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";
  std::vector<std::string> errors() const;

 private:
  struct Entry;
  template <class Child>
  Family<Child>& registerFamily(MetricKind kind, std::string name, std::string help, std::vector<std::string> labelNames,
                                std::vector<double> buckets);

  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Entry>> families_;
  std::vector<std::unique_ptr<Entry>> detached_;
  std::vector<std::string> errors_;
};

// Text format helpers (exposed for tests and other exporters).
std::string formatMetricValue(double value);
std::string escapeHelp(std::string_view text);
std::string escapeLabelValue(std::string_view text);
// A valid metric or label name: [a-zA-Z_:][a-zA-Z0-9_:]* (labels: no ':').
bool isValidMetricName(std::string_view name);
bool isValidLabelName(std::string_view name);

}  // namespace ciliumc::metrics
