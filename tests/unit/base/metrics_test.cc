#include "base/metrics.h"

#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace herald {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(MetricsTest, CounterAddsUp) {
  MetricsRegistry registry;
  Counter& counter = registry.AddCounter("requests_total", "Requests.").WithLabels();
  EXPECT_EQ(counter.Value(), 0);
  counter.Inc();
  counter.Inc(2.5);
  counter.Inc(0);
  EXPECT_EQ(counter.Value(), 3.5);
}

TEST(MetricsTest, GaugeFamilyReplaceKeepsExactlyTheGivenChildren) {
  MetricsRegistry registry;
  GaugeFamily& sizes = registry.AddGauge("size_bytes", "Sizes.", {"topic"});
  sizes.Replace({{{"a"}, 1}, {{"b"}, 2}});
  EXPECT_EQ(registry.RenderPrometheus(),
            "# HELP size_bytes Sizes.\n# TYPE size_bytes gauge\n"
            "size_bytes{topic=\"a\"} 1\nsize_bytes{topic=\"b\"} 2\n");
  sizes.Replace({{{"b"}, 5}});
  EXPECT_EQ(registry.RenderPrometheus(),
            "# HELP size_bytes Sizes.\n# TYPE size_bytes gauge\nsize_bytes{topic=\"b\"} 5\n");
  sizes.Replace({});
  EXPECT_EQ(registry.RenderPrometheus(), "");
}

TEST(MetricsTest, GaugeGoesUpAndDown) {
  MetricsRegistry registry;
  Gauge& gauge = registry.AddGauge("connections", "Open connections.").WithLabels();
  gauge.Inc();
  gauge.Inc(4);
  gauge.Dec();
  EXPECT_EQ(gauge.Value(), 4);
  gauge.Dec(10);
  EXPECT_EQ(gauge.Value(), -6);
  gauge.Set(1.25);
  EXPECT_EQ(gauge.Value(), 1.25);
}

TEST(MetricsTest, HistogramBucketsAreCumulativeAndInclusive) {
  MetricsRegistry registry;
  Histogram& histogram =
      registry.AddHistogram("latency_seconds", "Latency.", {}, {1, 2, 5}).WithLabels();
  for (double v : {0.5, 1.0, 1.5, 3.0, 10.0}) histogram.Observe(v);
  EXPECT_EQ(histogram.Count(), 5u);
  EXPECT_EQ(histogram.Sum(), 16);
  // 0.5 and 1.0 (a bound is inclusive) <= 1; 1.5 <= 2; 3 <= 5; 10 only in +Inf.
  EXPECT_EQ(histogram.CumulativeCounts(), (std::vector<uint64_t>{2, 3, 4, 5}));
}

TEST(MetricsTest, HistogramNanLandsInInfBucket) {
  MetricsRegistry registry;
  Histogram& histogram = registry.AddHistogram("h", "H.", {}, {1}).WithLabels();
  histogram.Observe(std::nan(""));
  EXPECT_EQ(histogram.CumulativeCounts(), (std::vector<uint64_t>{0, 1}));
  EXPECT_TRUE(std::isnan(histogram.Sum()));
}

TEST(MetricsTest, HistogramDropsTrailingInfBound) {
  MetricsRegistry registry;
  HistogramFamily& family = registry.AddHistogram("h", "H.", {}, {0.1, 1, kInf});
  EXPECT_EQ(family.upper_bounds(), (std::vector<double>{0.1, 1}));
  EXPECT_EQ(family.WithLabels().CumulativeCounts().size(), 3u);
}

TEST(MetricsTest, LabelChildrenAreStableAndDistinct) {
  MetricsRegistry registry;
  CounterFamily& family = registry.AddCounter("bytes_total", "Bytes.", {"topic", "partition"});
  Counter& a = family.WithLabels({"orders", "0"});
  Counter& b = family.WithLabels({"orders", "1"});
  EXPECT_NE(&a, &b);
  for (int i = 0; i < 1000; ++i) family.WithLabels({std::to_string(i), "0"});
  EXPECT_EQ(&family.WithLabels({"orders", "0"}), &a);
  EXPECT_EQ(&family.WithLabels({"orders", "1"}), &b);
  a.Inc(3);
  b.Inc(5);
  EXPECT_EQ(family.WithLabels({"orders", "0"}).Value(), 3);
  EXPECT_EQ(family.WithLabels({"orders", "1"}).Value(), 5);
}

TEST(MetricsTest, ReRegisteringReturnsTheSameFamily) {
  MetricsRegistry registry;
  CounterFamily& counter = registry.AddCounter("c_total", "C.", {"x"});
  EXPECT_EQ(&registry.AddCounter("c_total", "Other help is ignored.", {"x"}), &counter);
  GaugeFamily& gauge = registry.AddGauge("g", "G.");
  EXPECT_EQ(&registry.AddGauge("g", "G."), &gauge);
  HistogramFamily& histogram = registry.AddHistogram("h", "H.", {"x"}, {1, 2});
  EXPECT_EQ(&registry.AddHistogram("h", "H.", {"x"}, {1, 2}), &histogram);
  counter.WithLabels({"a"}).Inc();
  EXPECT_EQ(registry.AddCounter("c_total", "C.", {"x"}).WithLabels({"a"}).Value(), 1);
}

TEST(MetricsTest, GlobalIsOneRegistry) {
  EXPECT_EQ(&MetricsRegistry::Global(), &MetricsRegistry::Global());
}

TEST(MetricsTest, RendersExactText) {
  MetricsRegistry registry;
  CounterFamily& requests = registry.AddCounter(
      "herald_requests_total", "Requests by API.\nAlso a \\ backslash.", {"api", "topic"});
  requests.WithLabels({"produce", "orders"}).Inc(3);
  requests.WithLabels({"fetch", "we\"ird\\name\nx"}).Inc();
  registry.AddGauge("herald_connections", "Open connections.").WithLabels().Set(7);
  HistogramFamily& latency =
      registry.AddHistogram("herald_latency_seconds", "Request latency.", {"api"}, {0.005, 0.5, 1});
  for (double v : {0.25, 0.5, 0.75, 2.0}) latency.WithLabels({"produce"}).Observe(v);
  // A labelled family without children renders nothing.
  registry.AddGauge("herald_unused", "Never set.", {"x"});

  EXPECT_EQ(registry.RenderPrometheus(),
            "# HELP herald_connections Open connections.\n"
            "# TYPE herald_connections gauge\n"
            "herald_connections 7\n"
            "# HELP herald_latency_seconds Request latency.\n"
            "# TYPE herald_latency_seconds histogram\n"
            "herald_latency_seconds_bucket{api=\"produce\",le=\"0.005\"} 0\n"
            "herald_latency_seconds_bucket{api=\"produce\",le=\"0.5\"} 2\n"
            "herald_latency_seconds_bucket{api=\"produce\",le=\"1\"} 3\n"
            "herald_latency_seconds_bucket{api=\"produce\",le=\"+Inf\"} 4\n"
            "herald_latency_seconds_sum{api=\"produce\"} 3.5\n"
            "herald_latency_seconds_count{api=\"produce\"} 4\n"
            "# HELP herald_requests_total Requests by API.\\nAlso a \\\\ backslash.\n"
            "# TYPE herald_requests_total counter\n"
            "herald_requests_total{api=\"fetch\",topic=\"we\\\"ird\\\\name\\nx\"} 1\n"
            "herald_requests_total{api=\"produce\",topic=\"orders\"} 3\n");
}

TEST(MetricsTest, RendersUnlabelledFamiliesAtZero) {
  MetricsRegistry registry;
  registry.AddCounter("a_total", "A.");
  registry.AddHistogram("b_seconds", "B.", {}, {});
  EXPECT_EQ(registry.RenderPrometheus(),
            "# HELP a_total A.\n"
            "# TYPE a_total counter\n"
            "a_total 0\n"
            "# HELP b_seconds B.\n"
            "# TYPE b_seconds histogram\n"
            "b_seconds_bucket{le=\"+Inf\"} 0\n"
            "b_seconds_sum 0\n"
            "b_seconds_count 0\n");
}

TEST(MetricsTest, RendersSpecialValues) {
  MetricsRegistry registry;
  GaugeFamily& family = registry.AddGauge("g", "G.", {"v"});
  family.WithLabels({"a"}).Set(kInf);
  family.WithLabels({"b"}).Set(-kInf);
  family.WithLabels({"c"}).Set(std::nan(""));
  family.WithLabels({"d"}).Set(-0.5);
  EXPECT_EQ(registry.RenderPrometheus(),
            "# HELP g G.\n"
            "# TYPE g gauge\n"
            "g{v=\"a\"} +Inf\n"
            "g{v=\"b\"} -Inf\n"
            "g{v=\"c\"} NaN\n"
            "g{v=\"d\"} -0.5\n");
}

TEST(MetricsTest, FormatsDoublesLikeTheGoClient) {
  EXPECT_EQ(FormatPrometheusDouble(1), "1");
  EXPECT_EQ(FormatPrometheusDouble(0), "0");
  EXPECT_EQ(FormatPrometheusDouble(-0.0), "0");
  EXPECT_EQ(FormatPrometheusDouble(0.005), "0.005");
  EXPECT_EQ(FormatPrometheusDouble(0.1), "0.1");
  EXPECT_EQ(FormatPrometheusDouble(2.5), "2.5");
  EXPECT_EQ(FormatPrometheusDouble(-2.5), "-2.5");
  EXPECT_EQ(FormatPrometheusDouble(0.0001), "0.0001");
  EXPECT_EQ(FormatPrometheusDouble(0.00001), "1e-05");
  EXPECT_EQ(FormatPrometheusDouble(123456), "123456");
  EXPECT_EQ(FormatPrometheusDouble(1e6), "1e+06");
  EXPECT_EQ(FormatPrometheusDouble(1234567), "1.234567e+06");
  EXPECT_EQ(FormatPrometheusDouble(1e21), "1e+21");
  EXPECT_EQ(FormatPrometheusDouble(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(FormatPrometheusDouble(kInf), "+Inf");
  EXPECT_EQ(FormatPrometheusDouble(-kInf), "-Inf");
  EXPECT_EQ(FormatPrometheusDouble(std::nan("")), "NaN");
  // Shortest digits that round-trip.
  for (double v : {0.1 + 0.2, 1e-300, 12345.678, 9007199254740993.0}) {
    EXPECT_EQ(std::stod(FormatPrometheusDouble(v)), v) << FormatPrometheusDouble(v);
  }
}

TEST(MetricsTest, ConcurrentUpdatesSumExactly) {
  MetricsRegistry registry;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 100'000;
  CounterFamily& counters = registry.AddCounter("ops_total", "Ops.", {"kind"});
  GaugeFamily& gauges = registry.AddGauge("level", "Level.", {"kind"});
  HistogramFamily& histograms = registry.AddHistogram("size_bytes", "Sizes.", {"kind"}, {1, 10});
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      // Each thread looks its children up itself, racing on creation.
      Counter& counter = counters.WithLabels({"x"});
      Gauge& gauge = gauges.WithLabels({"x"});
      Histogram& histogram = histograms.WithLabels({"x"});
      for (int i = 0; i < kPerThread; ++i) {
        counter.Inc();
        gauge.Inc(2);
        gauge.Dec();
        histogram.Observe(i % 2 == 0 ? 0.5 : 5);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  constexpr double kTotal = double{kThreads} * kPerThread;
  EXPECT_EQ(counters.WithLabels({"x"}).Value(), kTotal);
  EXPECT_EQ(gauges.WithLabels({"x"}).Value(), kTotal);
  Histogram& histogram = histograms.WithLabels({"x"});
  EXPECT_EQ(histogram.Count(), static_cast<uint64_t>(kTotal));
  EXPECT_EQ(histogram.Sum(), kTotal / 2 * 0.5 + kTotal / 2 * 5);
  EXPECT_EQ(histogram.CumulativeCounts(),
            (std::vector<uint64_t>{static_cast<uint64_t>(kTotal / 2), static_cast<uint64_t>(kTotal),
                                   static_cast<uint64_t>(kTotal)}));
}

TEST(MetricsDeathTest, BrokenInvariantsAssert) {
  MetricsRegistry registry;
  EXPECT_DEATH(registry.AddCounter("requests", "No _total."), "must end in _total");
  EXPECT_DEATH(registry.AddCounter("x_total", "X.").WithLabels().Inc(-1), "cannot decrease");
  registry.AddGauge("g", "G.", {"a"});
  EXPECT_DEATH(registry.AddHistogram("g", "G.", {"a"}, {1}), "registered as a gauge");
  EXPECT_DEATH(registry.AddGauge("g", "G.", {"b"}), "registered with labels");
  EXPECT_DEATH(registry.AddGauge("g", "G.", {"a"}).WithLabels({"1", "2"}), "got 2 values");
  EXPECT_DEATH(registry.AddHistogram("h", "H.", {"le"}, {1}), "reserved");
  EXPECT_DEATH(registry.AddHistogram("h", "H.", {}, {2, 1}), "strictly increase");
  registry.AddHistogram("h2", "H.", {}, {1, 2});
  EXPECT_DEATH(registry.AddHistogram("h2", "H.", {}, {1, 3}), "other bucket bounds");
  EXPECT_DEATH(registry.AddGauge("bad-name", "B."), "invalid metric name");
  EXPECT_DEATH(registry.AddGauge("g2", "G.", {"__reserved"}), "invalid label name");
  EXPECT_DEATH(registry.AddGauge("g3", "G.", {"a", "a"}), "given twice");
}

}  // namespace
}  // namespace herald
