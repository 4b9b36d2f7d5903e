#include "agent/metrics/registry.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <variant>

namespace ciliumc::metrics {

std::string metricKindName(MetricKind kind) {
  switch (kind) {
    case MetricKind::Counter: return "counter";
    case MetricKind::Gauge: return "gauge";
    case MetricKind::Histogram: return "histogram";
  }
  return "untyped";
}

// ---- children ----

void Counter::inc(double amount) {
  if (amount > 0) value_.fetch_add(amount, std::memory_order_relaxed);
}

Histogram::Histogram(std::vector<double> upperBounds)
    : upperBounds_(std::move(upperBounds)), counts_(upperBounds_.size() + 1, 0) {}

void Histogram::observe(double value) {
  // Prometheus buckets are "less than or equal": the first bound >= value.
  size_t bucket = std::lower_bound(upperBounds_.begin(), upperBounds_.end(), value) - upperBounds_.begin();
  std::lock_guard lock(mutex_);
  ++counts_[bucket];
  sum_ += value;
  ++count_;
}

Histogram::Snapshot Histogram::snapshot() const {
  std::lock_guard lock(mutex_);
  Snapshot snapshot;
  snapshot.upperBounds = upperBounds_;
  uint64_t running = 0;
  for (uint64_t count : counts_) snapshot.cumulative.push_back(running += count);
  snapshot.sum = sum_;
  snapshot.count = count_;
  return snapshot;
}

std::vector<double> defaultBuckets() { return {.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}; }

std::vector<double> exponentialBuckets(double start, double factor, size_t count) {
  std::vector<double> bounds;
  for (double bound = start; bounds.size() < count; bound *= factor) bounds.push_back(bound);
  return bounds;
}

// ---- families ----

template <class Child>
std::unique_ptr<Child> Family<Child>::makeChild() const {
  if constexpr (std::is_same_v<Child, Histogram>) return std::make_unique<Histogram>(buckets_);
  else return std::make_unique<Child>();
}

template <class Child>
Child& Family<Child>::with(LabelValues values) {
  values.resize(labelNames_.size());
  std::lock_guard lock(mutex_);
  auto& child = children_[std::move(values)];
  if (!child) child = makeChild();
  return *child;
}

template <class Child>
std::vector<std::pair<LabelValues, const Child*>> Family<Child>::children() const {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<LabelValues, const Child*>> out;
  for (const auto& [values, child] : children_) out.emplace_back(values, child.get());
  return out;
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

// ---- text format ----

std::string formatMetricValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Go's strconv.FormatFloat(v, 'g', -1, 64), as Prometheus' client prints: the shortest digits
  // that round-trip, in exponent form ("1e+06", "1.5e-05") when the exponent is < -4 or >= 6.
  char buffer[64];
  auto scientific = std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::scientific);
  if (scientific.ec != std::errc()) return "NaN";
  std::string text(buffer, scientific.ptr);
  int exponent = std::atoi(text.c_str() + text.find('e') + 1);
  if (exponent < -4 || exponent >= 6) return text;
  auto fixed = std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::fixed);
  if (fixed.ec != std::errc()) return text;
  return std::string(buffer, fixed.ptr);
}

namespace {

std::string escape(std::string_view text, bool quotes) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '"' && quotes) out += "\\\"";
    else out += c;
  }
  return out;
}

bool isNameStart(char c, bool colon) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || (colon && c == ':'); }
bool isNameChar(char c, bool colon) { return isNameStart(c, colon) || std::isdigit(static_cast<unsigned char>(c)); }

bool isValidName(std::string_view name, bool colon) {
  if (name.empty() || !isNameStart(name[0], colon)) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) { return isNameChar(c, colon); });
}

// `{a="x",b="y"}` (with an extra label, e.g. le, last); "" without labels.
std::string labelText(const std::vector<std::string>& names, const LabelValues& values,
                      const std::pair<std::string, std::string>* extra = nullptr) {
  std::string text;
  for (size_t i = 0; i < names.size(); ++i)
    text += (text.empty() ? "" : ",") + names[i] + "=\"" + escapeLabelValue(values[i]) + "\"";
  if (extra) text += (text.empty() ? "" : ",") + extra->first + "=\"" + escapeLabelValue(extra->second) + "\"";
  return text.empty() ? text : "{" + text + "}";
}

void renderHeader(std::string& out, const std::string& name, const std::string& help, MetricKind kind) {
  out += "# HELP " + name + " " + escapeHelp(help) + "\n";
  out += "# TYPE " + name + " " + metricKindName(kind) + "\n";
}

template <class Child>
void renderSimple(std::string& out, const Family<Child>& family, MetricKind kind) {
  auto children = family.children();
  if (children.empty()) return;
  renderHeader(out, family.name(), family.help(), kind);
  for (const auto& [values, child] : children)
    out += family.name() + labelText(family.labelNames(), values) + " " + formatMetricValue(child->value()) + "\n";
}

void renderHistogram(std::string& out, const HistogramFamily& family) {
  auto children = family.children();
  if (children.empty()) return;
  renderHeader(out, family.name(), family.help(), MetricKind::Histogram);
  for (const auto& [values, child] : children) {
    Histogram::Snapshot snapshot = child->snapshot();
    for (size_t i = 0; i <= snapshot.upperBounds.size(); ++i) {
      std::pair<std::string, std::string> le{
          "le", i < snapshot.upperBounds.size() ? formatMetricValue(snapshot.upperBounds[i]) : "+Inf"};
      out += family.name() + "_bucket" + labelText(family.labelNames(), values, &le) + " " +
             std::to_string(snapshot.cumulative[i]) + "\n";
    }
    std::string labels = labelText(family.labelNames(), values);
    out += family.name() + "_sum" + labels + " " + formatMetricValue(snapshot.sum) + "\n";
    out += family.name() + "_count" + labels + " " + std::to_string(snapshot.count) + "\n";
  }
}

}  // namespace

std::string escapeHelp(std::string_view text) { return escape(text, false); }
std::string escapeLabelValue(std::string_view text) { return escape(text, true); }
bool isValidMetricName(std::string_view name) { return isValidName(name, true); }
bool isValidLabelName(std::string_view name) { return isValidName(name, false) && name.substr(0, 2) != "__"; }

// ---- registry ----

struct MetricsRegistry::Entry {
  MetricKind kind;
  std::variant<std::unique_ptr<CounterFamily>, std::unique_ptr<GaugeFamily>, std::unique_ptr<HistogramFamily>> family;
};

MetricsRegistry::MetricsRegistry() = default;
MetricsRegistry::~MetricsRegistry() = default;

template <class Child>
Family<Child>& MetricsRegistry::registerFamily(MetricKind kind, std::string name, std::string help,
                                               std::vector<std::string> labelNames, std::vector<double> buckets) {
  std::sort(buckets.begin(), buckets.end());
  buckets.erase(std::unique(buckets.begin(), buckets.end()), buckets.end());
  buckets.erase(std::remove_if(buckets.begin(), buckets.end(), [](double b) { return std::isnan(b) || std::isinf(b); }),
                buckets.end());
  std::lock_guard lock(mutex_);
  std::string problem;
  if (!isValidMetricName(name)) problem = "invalid metric name '" + name + "'";
  for (const std::string& label : labelNames)
    if (!isValidLabelName(label) || (kind == MetricKind::Histogram && label == "le"))
      problem = "metric " + name + ": invalid label name '" + label + "'";
  auto existing = families_.find(name);
  if (problem.empty() && existing != families_.end()) {
    Entry& entry = *existing->second;
    auto* family = std::get_if<std::unique_ptr<Family<Child>>>(&entry.family);
    if (entry.kind == kind && family && (*family)->labelNames() == labelNames) return **family;
    problem = "metric " + name + " registered again as a " + metricKindName(kind) + " with other labels or kind";
  }
  auto entry = std::make_unique<Entry>();
  entry->kind = kind;
  auto* family = new Family<Child>(name, std::move(help), std::move(labelNames), std::move(buckets));
  entry->family = std::unique_ptr<Family<Child>>(family);
  if (problem.empty()) families_.emplace(name, std::move(entry));
  else {
    errors_.push_back(problem);
    detached_.push_back(std::move(entry));
  }
  return *family;
}

CounterFamily& MetricsRegistry::counter(std::string name, std::string help, std::vector<std::string> labelNames) {
  return registerFamily<Counter>(MetricKind::Counter, std::move(name), std::move(help), std::move(labelNames), {});
}

GaugeFamily& MetricsRegistry::gauge(std::string name, std::string help, std::vector<std::string> labelNames) {
  return registerFamily<Gauge>(MetricKind::Gauge, std::move(name), std::move(help), std::move(labelNames), {});
}

HistogramFamily& MetricsRegistry::histogram(std::string name, std::string help, std::vector<std::string> labelNames,
                                            std::vector<double> buckets) {
  return registerFamily<Histogram>(MetricKind::Histogram, std::move(name), std::move(help), std::move(labelNames),
                                   std::move(buckets));
}

std::string MetricsRegistry::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [name, entry] : families_) {
    std::visit(
        [&](const auto& family) {
          using FamilyType = std::decay_t<decltype(*family)>;
          if constexpr (std::is_same_v<FamilyType, HistogramFamily>) renderHistogram(out, *family);
          else renderSimple(out, *family, entry->kind);
        },
        entry->family);
  }
  return out;
}

std::vector<std::string> MetricsRegistry::errors() const {
  std::lock_guard lock(mutex_);
  return errors_;
}

}  // namespace ciliumc::metrics
