// MetricsRegistry: named metric families (counters, gauges, histograms) with labelled children,
// rendered in the Prometheus text exposition format, version 0.0.4.
//
// A family is registered once by name, with its help text and label names; WithLabels() then
// finds or creates the child for one tuple of label values. Children live as long as the
// registry, so callers look a child up once and keep the reference:
//
//   MetricsRegistry& metrics = MetricsRegistry::Global();
//   Counter& appended = metrics.AddCounter("herald_records_appended_total",
//                                          "Records appended to the log.", {"topic"})
//                           .WithLabels({"orders"});
//   appended.Inc(batch.size());
//
// Broken invariants (a counter name without `_total`, a negative counter increment, the same name
// registered with another type or other labels, the wrong number of label values) are bugs and
// crash through HERALD_ASSERT.
//
// Thread-safety: everything is safe to call from any thread. Updating a child (Inc, Set, Observe)
// is lock-free; registering a family and WithLabels take a mutex; RenderPrometheus takes the
// registry's and each family's mutex, never a child's.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/mutex.h"

namespace herald {

enum class MetricType : uint8_t { kCounter, kGauge, kHistogram };

// A monotonically increasing value. Thread-safe, lock-free.
class Counter {
 public:
  Counter() = default;
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  // Adds `delta`, which must be >= 0 (a negative or NaN delta asserts).
  void Inc(double delta = 1);
  // Returns the current value.
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// A value that goes up and down. Thread-safe, lock-free.
class Gauge {
 public:
  Gauge() = default;
  Gauge(const Gauge&) = delete;
  Gauge& operator=(const Gauge&) = delete;

  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Inc(double delta = 1);
  void Dec(double delta = 1) { Inc(-delta); }
  // Returns the current value.
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Counts observations into buckets with fixed upper bounds (an observation v falls into the
// first bucket whose bound b has v <= b, else into the implicit +Inf bucket) and keeps their sum.
// Thread-safe, lock-free.
class Histogram {
 public:
  // `upper_bounds` is the family's validated, strictly increasing, finite list; it must outlive
  // the histogram (the family owns both).
  explicit Histogram(const std::vector<double>& upper_bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  // Records one observation. NaN counts in the +Inf bucket and makes the sum NaN.
  void Observe(double value);

  // Returns the number of observations.
  uint64_t Count() const;
  // Returns the sum of all observations.
  double Sum() const { return sum_.load(std::memory_order_relaxed); }
  // Returns the cumulative count per bucket: element i counts observations <= upper_bounds[i];
  // the last element (one past the bounds) is the +Inf bucket, equal to Count() at that moment.
  std::vector<uint64_t> CumulativeCounts() const;
  // Returns the finite bucket upper bounds (without +Inf).
  const std::vector<double>& upper_bounds() const { return upper_bounds_; }

 private:
  const std::vector<double>& upper_bounds_;
  // Non-cumulative counts, one per bound plus one for +Inf.
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<double> sum_{0};
};

namespace metrics_internal {

// What every family shares: identity, help, label names, and rendering. Not used directly.
class FamilyBase {
 public:
  FamilyBase(MetricType type, std::string name, std::string help,
             std::vector<std::string> label_names);
  virtual ~FamilyBase() = default;
  FamilyBase(const FamilyBase&) = delete;
  FamilyBase& operator=(const FamilyBase&) = delete;

  MetricType type() const { return type_; }
  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

  // Appends this family's samples (no HELP/TYPE lines), sorted by label values, to `out`.
  virtual void AppendSamples(std::string* out) const = 0;
  // Returns true when the family has no child to render.
  virtual bool Empty() const = 0;

 private:
  const MetricType type_;
  const std::string name_;
  const std::string help_;
  const std::vector<std::string> label_names_;
};

// A family whose children are of type T, keyed by label values.
template <typename T>
class LabeledFamily : public FamilyBase {
 public:
  using FamilyBase::FamilyBase;

  // Returns the child for `label_values` (one per label name, in the same order), creating it on
  // first use. The reference stays valid for the registry's life. A wrong number of values
  // asserts.
  T& WithLabels(std::vector<std::string> label_values = {});

  void AppendSamples(std::string* out) const override;
  bool Empty() const override;

 protected:
  virtual std::unique_ptr<T> NewChild() const = 0;
  // Replaces every child at once. References to the old children dangle afterwards.
  void ReplaceChildren(std::map<std::vector<std::string>, std::unique_ptr<T>> children);

 private:
  mutable Mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<T>> children_;
};

extern template class LabeledFamily<Counter>;
extern template class LabeledFamily<Gauge>;
extern template class LabeledFamily<Histogram>;

}  // namespace metrics_internal

// Counters by label values. Thread-safe.
class CounterFamily final : public metrics_internal::LabeledFamily<Counter> {
 public:
  CounterFamily(std::string name, std::string help, std::vector<std::string> label_names)
      : LabeledFamily(MetricType::kCounter, std::move(name), std::move(help),
                      std::move(label_names)) {}

 private:
  std::unique_ptr<Counter> NewChild() const override { return std::make_unique<Counter>(); }
};

// Gauges by label values. Thread-safe.
class GaugeFamily final : public metrics_internal::LabeledFamily<Gauge> {
 public:
  GaugeFamily(std::string name, std::string help, std::vector<std::string> label_names)
      : LabeledFamily(MetricType::kGauge, std::move(name), std::move(help),
                      std::move(label_names)) {}

  // Makes the family exactly `values` (label values -> value), dropping every other child: for
  // gauges computed from current state when metrics are read, so that what no longer exists
  // (a deleted topic) disappears. Do not keep references to the children of such a family.
  void Replace(const std::vector<std::pair<std::vector<std::string>, double>>& values);

 private:
  std::unique_ptr<Gauge> NewChild() const override { return std::make_unique<Gauge>(); }
};

// Histograms by label values, all with the family's bucket bounds. Thread-safe.
class HistogramFamily final : public metrics_internal::LabeledFamily<Histogram> {
 public:
  HistogramFamily(std::string name, std::string help, std::vector<std::string> label_names,
                  std::vector<double> upper_bounds);

  // Returns the finite bucket upper bounds (without +Inf).
  const std::vector<double>& upper_bounds() const { return upper_bounds_; }

 private:
  std::unique_ptr<Histogram> NewChild() const override {
    return std::make_unique<Histogram>(upper_bounds_);
  }

  const std::vector<double> upper_bounds_;
};

// The registry of metric families; see the top of this file. Thread-safe.
class MetricsRegistry {
 public:
  MetricsRegistry() = default;
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // The process-wide registry (never destroyed). Tests construct their own.
  static MetricsRegistry& Global();

  // Each Add* returns the family named `name`, registering it on first use; the reference stays
  // valid for the registry's life. Registering a name again with the same type and label names
  // (and, for histograms, the same bounds) returns the existing family and keeps its first help
  // text; anything else asserts. Names must match [a-zA-Z_:][a-zA-Z0-9_:]*, label names
  // [a-zA-Z_][a-zA-Z0-9_]* without a leading "__", and label names must be distinct; a
  // family without labels has its single child created at once, so it renders as 0.

  // A counter's name must end in "_total".
  CounterFamily& AddCounter(std::string name, std::string help,
                            std::vector<std::string> label_names = {});
  GaugeFamily& AddGauge(std::string name, std::string help,
                        std::vector<std::string> label_names = {});
  // `bucket_upper_bounds` must be strictly increasing and not NaN; a trailing +Inf is dropped
  // (the +Inf bucket is always there). A label named "le" asserts.
  HistogramFamily& AddHistogram(std::string name, std::string help,
                                std::vector<std::string> label_names,
                                std::vector<double> bucket_upper_bounds);

  // Returns Prometheus' default buckets, .005 to 10 (seconds).
  static std::vector<double> DefaultBuckets();

  // Returns every family in the text exposition format 0.0.4: for each family, sorted by name,
  // "# HELP" and "# TYPE" lines and then its samples sorted by label values. Families with
  // labels but no child yet are left out.
  std::string RenderPrometheus() const;

 private:
  template <typename F, typename... Args>
  F& Add(MetricType type, std::string name, std::string help, std::vector<std::string> label_names,
         Args&&... args);

  mutable Mutex mu_;
  std::map<std::string, std::unique_ptr<metrics_internal::FamilyBase>> families_;
};

// Formats a double the way the Prometheus Go client does (Go's strconv 'g' with the shortest
// round-tripping digits: "1", "0.005", "1e+06", "+Inf", "-Inf", "NaN"). Returns the text.
std::string FormatPrometheusDouble(double value);

}  // namespace herald
