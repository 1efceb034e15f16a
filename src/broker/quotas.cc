#include "broker/quotas.h"

#include <algorithm>
#include <limits>
#include <string_view>

#include "broker/broker_metrics.h"

namespace herald::broker {
namespace {}  // namespace

ClientQuotas::ClientQuotas(QuotaOptions options, const Clock& clock)
    : options_(options), clock_(clock) {}

void ClientQuotas::Purge(Meter& meter, int64_t now) const {
  const int64_t span = options_.window_ms * options_.samples;
  while (!meter.empty() && meter.front().start_ms <= now - span) meter.pop_front();
}

int64_t ClientQuotas::Record(QuotaType type, const std::string& principal, int64_t bytes) {
  const int64_t quota = Quota(type);
  if (quota <= 0) return 0;
  const int64_t now = clock_.NowMs();
  MutexLock lock(mu_);
  if (meters_.size() >= purge_at_) {
    for (auto it = meters_.begin(); it != meters_.end();) {
      Purge(it->second, now);
      it = it->second.empty() ? meters_.erase(it) : std::next(it);
    }
    purge_at_ = std::max(kMetersBeforePurge, 2 * meters_.size());  // amortized
  }
  Meter& meter = meters_[{type, principal}];
  Purge(meter, now);
  if (meter.empty() || meter.back().start_ms + options_.window_ms <= now) {
    meter.push_back({now, 0});
  }
  meter.back().bytes += bytes;

  int64_t total = 0;
  for (const Sample& s : meter) total += s.bytes;
  // The span measured: since the oldest sample began, and at least samples-1 whole windows, so
  // that a first burst is not divided by a few milliseconds.
  const int64_t span =
      std::max(now - meter.front().start_ms, options_.window_ms * (options_.samples - 1));
  const double rate = static_cast<double>(total) * 1000.0 / static_cast<double>(span);
  if (rate <= static_cast<double>(quota)) return 0;
  const double throttle =
      (rate - static_cast<double>(quota)) / static_cast<double>(quota) * static_cast<double>(span);
  // Kafka's throttle_time_ms is an int32.
  const double cap = static_cast<double>(std::min<int64_t>(options_.window_ms * options_.samples,
                                                           std::numeric_limits<int32_t>::max()));
  const auto ms = static_cast<int64_t>(std::min(throttle, cap));
  const std::string_view name = type == QuotaType::kProduce ? "produce" : "fetch";
  metrics::QuotaThrottled(name).Inc();
  metrics::QuotaThrottleSeconds(name).Inc(static_cast<double>(ms) / 1000.0);
  return ms;
}

void ClientQuotas::Unrecord(QuotaType type, const std::string& principal, int64_t bytes) {
  if (Quota(type) <= 0) return;
  MutexLock lock(mu_);
  auto it = meters_.find({type, principal});
  if (it == meters_.end() || it->second.empty()) return;
  auto& last = it->second.back().bytes;
  last = std::max<int64_t>(0, last - bytes);
}

int64_t ClientQuotas::MaxBytesPerResponse(QuotaType type) const {
  const int64_t quota = Quota(type);
  if (quota <= 0) return std::numeric_limits<int64_t>::max();
  const double most = static_cast<double>(quota) * static_cast<double>(options_.window_ms) *
                      static_cast<double>(options_.samples - 1) / 1000.0;
  return most >= 9.2e18 ? std::numeric_limits<int64_t>::max() : static_cast<int64_t>(most);
}

}  // namespace herald::broker
