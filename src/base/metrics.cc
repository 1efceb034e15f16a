#include "base/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <string_view>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include "base/assert.h"
#include "base/mutex.h"

namespace herald {
namespace {

void AtomicAdd(std::atomic<double>& target, double delta) {
  double current = target.load(std::memory_order_relaxed);
  while (!target.compare_exchange_weak(current, current + delta, std::memory_order_relaxed)) {
  }
}

bool IsMetricName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

bool IsLabelName(std::string_view name) {
  if (name.empty() || name.starts_with("__")) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::string_view TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

// HELP text escapes backslash and newline.
void AppendEscapedHelp(std::string_view text, std::string* out) {
  for (char c : text) {
    if (c == '\\') {
      out->append("\\\\");
    } else if (c == '\n') {
      out->append("\\n");
    } else {
      out->push_back(c);
    }
  }
}

// Label values also escape the double quote.
void AppendEscapedLabelValue(std::string_view value, std::string* out) {
  for (char c : value) {
    if (c == '\\') {
      out->append("\\\\");
    } else if (c == '\n') {
      out->append("\\n");
    } else if (c == '"') {
      out->append("\\\"");
    } else {
      out->push_back(c);
    }
  }
}

// Appends `name{l1="v1",...,extra_name="extra_value"} value\n`; braces only when there are labels.
void AppendSample(std::string_view name, std::string_view suffix,
                  const std::vector<std::string>& label_names,
                  const std::vector<std::string>& label_values, std::string_view extra_name,
                  std::string_view extra_value, std::string_view value, std::string* out) {
  out->append(name);
  out->append(suffix);
  if (!label_names.empty() || !extra_name.empty()) {
    out->push_back('{');
    bool first = true;
    for (size_t i = 0; i < label_names.size(); ++i) {
      if (!first) out->push_back(',');
      first = false;
      out->append(label_names[i]);
      out->append("=\"");
      AppendEscapedLabelValue(label_values[i], out);
      out->push_back('"');
    }
    if (!extra_name.empty()) {
      if (!first) out->push_back(',');
      out->append(extra_name);
      out->append("=\"");
      AppendEscapedLabelValue(extra_value, out);
      out->push_back('"');
    }
    out->push_back('}');
  }
  out->push_back(' ');
  out->append(value);
  out->push_back('\n');
}

void AppendChild(const metrics_internal::FamilyBase& family,
                 const std::vector<std::string>& label_values, const Counter& counter,
                 std::string* out) {
  AppendSample(family.name(), "", family.label_names(), label_values, "", "",
               FormatPrometheusDouble(counter.Value()), out);
}

void AppendChild(const metrics_internal::FamilyBase& family,
                 const std::vector<std::string>& label_values, const Gauge& gauge,
                 std::string* out) {
  AppendSample(family.name(), "", family.label_names(), label_values, "", "",
               FormatPrometheusDouble(gauge.Value()), out);
}

void AppendChild(const metrics_internal::FamilyBase& family,
                 const std::vector<std::string>& label_values, const Histogram& histogram,
                 std::string* out) {
  // Read the sum before the buckets: a concurrent Observe then shows in the counts, never in the
  // sum alone.
  double sum = histogram.Sum();
  std::vector<uint64_t> cumulative = histogram.CumulativeCounts();
  const std::vector<double>& bounds = histogram.upper_bounds();
  for (size_t i = 0; i < cumulative.size(); ++i) {
    std::string le = i < bounds.size() ? FormatPrometheusDouble(bounds[i]) : "+Inf";
    AppendSample(family.name(), "_bucket", family.label_names(), label_values, "le", le,
                 fmt::format("{}", cumulative[i]), out);
  }
  AppendSample(family.name(), "_sum", family.label_names(), label_values, "", "",
               FormatPrometheusDouble(sum), out);
  AppendSample(family.name(), "_count", family.label_names(), label_values, "", "",
               fmt::format("{}", cumulative.back()), out);
}

}  // namespace

std::string FormatPrometheusDouble(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == 0) return "0";
  // Go's strconv.FormatFloat(v, 'g', -1, 64): shortest round-tripping digits, in exponent form
  // when the decimal exponent is < -4 or >= 6 (with at least two exponent digits), else plain.
  char buf[64];
  auto sci = std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::scientific);
  HERALD_ASSERT(sci.ec == std::errc(), "to_chars failed for {}", value);
  std::string_view text(buf, static_cast<size_t>(sci.ptr - buf));
  size_t e = text.find('e');
  HERALD_ASSERT(e != std::string_view::npos, "no exponent in {}", text);
  int exponent = 0;
  std::string_view exp_text = text.substr(e + 1);
  if (!exp_text.empty() && exp_text.front() == '+') exp_text.remove_prefix(1);
  auto parsed = std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exponent);
  HERALD_ASSERT(parsed.ec == std::errc(), "bad exponent in {}", text);
  if (exponent < -4 || exponent >= 6) return std::string(text);
  auto fixed = std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::fixed);
  HERALD_ASSERT(fixed.ec == std::errc(), "to_chars failed for {}", value);
  return std::string(buf, fixed.ptr);
}

void Counter::Inc(double delta) {
  HERALD_ASSERT(delta >= 0, "a counter cannot decrease (delta {})", delta);
  AtomicAdd(value_, delta);
}

void Gauge::Inc(double delta) {
  AtomicAdd(value_, delta);
}

Histogram::Histogram(const std::vector<double>& upper_bounds)
    : upper_bounds_(upper_bounds),
      buckets_(std::make_unique<std::atomic<uint64_t>[]>(upper_bounds.size() + 1)) {}

void Histogram::Observe(double value) {
  // First bound b with value <= b; NaN satisfies none and lands in +Inf.
  auto it = std::partition_point(upper_bounds_.begin(), upper_bounds_.end(),
                                 [value](double bound) { return !(value <= bound); });
  size_t index = static_cast<size_t>(it - upper_bounds_.begin());
  buckets_[index].fetch_add(1, std::memory_order_relaxed);
  AtomicAdd(sum_, value);
}

uint64_t Histogram::Count() const {
  uint64_t count = 0;
  for (size_t i = 0; i <= upper_bounds_.size(); ++i) {
    count += buckets_[i].load(std::memory_order_relaxed);
  }
  return count;
}

std::vector<uint64_t> Histogram::CumulativeCounts() const {
  std::vector<uint64_t> cumulative(upper_bounds_.size() + 1);
  uint64_t running = 0;
  for (size_t i = 0; i < cumulative.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    cumulative[i] = running;
  }
  return cumulative;
}

namespace metrics_internal {

FamilyBase::FamilyBase(MetricType type, std::string name, std::string help,
                       std::vector<std::string> label_names)
    : type_(type),
      name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)) {
  HERALD_ASSERT(IsMetricName(name_), "invalid metric name '{}'", name_);
  for (size_t i = 0; i < label_names_.size(); ++i) {
    HERALD_ASSERT(IsLabelName(label_names_[i]), "metric {}: invalid label name '{}'", name_,
                  label_names_[i]);
    for (size_t j = 0; j < i; ++j) {
      HERALD_ASSERT(label_names_[i] != label_names_[j], "metric {}: label '{}' given twice", name_,
                    label_names_[i]);
    }
  }
}

template <typename T>
T& LabeledFamily<T>::WithLabels(std::vector<std::string> label_values) {
  HERALD_ASSERT(label_values.size() == label_names().size(),
                "metric {} has {} labels, got {} values", name(), label_names().size(),
                label_values.size());
  MutexLock lock(mu_);
  auto it = children_.find(label_values);
  if (it == children_.end()) {
    it = children_.emplace(std::move(label_values), NewChild()).first;
  }
  return *it->second;
}

template <typename T>
void LabeledFamily<T>::AppendSamples(std::string* out) const {
  MutexLock lock(mu_);
  for (const auto& [label_values, child] : children_) {
    AppendChild(*this, label_values, *child, out);
  }
}

template <typename T>
bool LabeledFamily<T>::Empty() const {
  MutexLock lock(mu_);
  return children_.empty();
}

template <typename T>
void LabeledFamily<T>::ReplaceChildren(
    std::map<std::vector<std::string>, std::unique_ptr<T>> children) {
  MutexLock lock(mu_);
  children_ = std::move(children);
}

template class LabeledFamily<Counter>;
template class LabeledFamily<Gauge>;
template class LabeledFamily<Histogram>;

}  // namespace metrics_internal

namespace {

std::vector<double> ValidatedBounds(const std::string& name, std::vector<double> bounds) {
  if (!bounds.empty() && std::isinf(bounds.back()) && bounds.back() > 0) bounds.pop_back();
  for (size_t i = 0; i < bounds.size(); ++i) {
    HERALD_ASSERT(std::isfinite(bounds[i]), "histogram {}: bucket bound {} is not finite", name,
                  bounds[i]);
    HERALD_ASSERT(i == 0 || bounds[i - 1] < bounds[i],
                  "histogram {}: bucket bounds must strictly increase ({} then {})", name,
                  bounds[i - 1], bounds[i]);
  }
  return bounds;
}

}  // namespace

HistogramFamily::HistogramFamily(std::string name, std::string help,
                                 std::vector<std::string> label_names,
                                 std::vector<double> upper_bounds)
    : LabeledFamily(MetricType::kHistogram, std::move(name), std::move(help),
                    std::move(label_names)),
      upper_bounds_(ValidatedBounds(this->name(), std::move(upper_bounds))) {
  for (const std::string& label : this->label_names()) {
    HERALD_ASSERT(label != "le", "histogram {}: the label 'le' is reserved", this->name());
  }
}

MetricsRegistry& MetricsRegistry::Global() {
  static MetricsRegistry* const registry = new MetricsRegistry();  // never destroyed
  return *registry;
}

std::vector<double> MetricsRegistry::DefaultBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

template <typename F, typename... Args>
F& MetricsRegistry::Add(MetricType type, std::string name, std::string help,
                        std::vector<std::string> label_names, Args&&... args) {
  MutexLock lock(mu_);
  auto it = families_.find(name);
  if (it != families_.end()) {
    metrics_internal::FamilyBase& existing = *it->second;
    HERALD_ASSERT(existing.type() == type, "metric {} registered as a {}, now as a {}", name,
                  TypeName(existing.type()), TypeName(type));
    HERALD_ASSERT(existing.label_names() == label_names,
                  "metric {} registered with labels [{}], now with [{}]", name,
                  fmt::join(existing.label_names(), ","), fmt::join(label_names, ","));
    return static_cast<F&>(existing);
  }
  auto family = std::make_unique<F>(std::move(name), std::move(help), std::move(label_names),
                                    std::forward<Args>(args)...);
  F& result = *family;
  if (result.label_names().empty()) result.WithLabels({});
  families_.emplace(result.name(), std::move(family));
  return result;
}

CounterFamily& MetricsRegistry::AddCounter(std::string name, std::string help,
                                           std::vector<std::string> label_names) {
  HERALD_ASSERT(name.ends_with("_total"), "counter name '{}' must end in _total", name);
  return Add<CounterFamily>(MetricType::kCounter, std::move(name), std::move(help),
                            std::move(label_names));
}

GaugeFamily& MetricsRegistry::AddGauge(std::string name, std::string help,
                                       std::vector<std::string> label_names) {
  return Add<GaugeFamily>(MetricType::kGauge, std::move(name), std::move(help),
                          std::move(label_names));
}

HistogramFamily& MetricsRegistry::AddHistogram(std::string name, std::string help,
                                               std::vector<std::string> label_names,
                                               std::vector<double> bucket_upper_bounds) {
  std::vector<double> bounds = ValidatedBounds(name, std::move(bucket_upper_bounds));
  HistogramFamily& family = Add<HistogramFamily>(MetricType::kHistogram, name, std::move(help),
                                                 std::move(label_names), bounds);
  HERALD_ASSERT(family.upper_bounds() == bounds,
                "histogram {} registered again with other bucket bounds", name);
  return family;
}

std::string MetricsRegistry::RenderPrometheus() const {
  std::string out;
  MutexLock lock(mu_);
  for (const auto& [name, family] : families_) {
    if (family->Empty()) continue;
    out.append("# HELP ");
    out.append(name);
    out.push_back(' ');
    AppendEscapedHelp(family->help(), &out);
    out.push_back('\n');
    out.append("# TYPE ");
    out.append(name);
    out.push_back(' ');
    out.append(TypeName(family->type()));
    out.push_back('\n');
    family->AppendSamples(&out);
  }
  return out;
}

void GaugeFamily::Replace(const std::vector<std::pair<std::vector<std::string>, double>>& values) {
  std::map<std::vector<std::string>, std::unique_ptr<Gauge>> children;
  for (const auto& [label_values, value] : values) {
    HERALD_ASSERT(label_values.size() == label_names().size(),
                  "metric {} has {} labels, got {} values", name(), label_names().size(),
                  label_values.size());
    auto gauge = NewChild();
    gauge->Set(value);
    children[label_values] = std::move(gauge);
  }
  ReplaceChildren(std::move(children));
}

}  // namespace herald
