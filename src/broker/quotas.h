// Client quotas, as Kafka's (KIP-13, KIP-219): a byte rate per principal for what its clients
// produce (request bytes) and fetch (response bytes), so that no one user can take the disk or
// the network from the others.
//
// The rate is measured over `samples` windows of `window_ms` each (Kafka's quota.window.num and
// quota.window.size.seconds: 11 of 1 s), as Kafka's Rate measures it: the bytes of the windows
// not yet obsolete over the time they cover (at least samples-1 windows). Once a principal's rate
// is above its quota, Record says how long its client must wait for the rate to fall back to the
// quota, at most the whole measured span (and an int32 of milliseconds): the Kafka door answers
// with that throttle_time_ms and reads nothing more from the connection for that long, as Kafka
// mutes a throttled channel.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <utility>

#include "base/clock.h"
#include "base/mutex.h"

namespace herald::broker {

enum class QuotaType { kProduce, kFetch };

struct QuotaOptions {
  // Bytes per second each principal may produce (request bytes) and fetch (response bytes), as
  // Kafka's producer_byte_rate and consumer_byte_rate for the default user; 0: no quota.
  int64_t producer_byte_rate = 0;
  int64_t consumer_byte_rate = 0;
  int samples = 11;          // quota.window.num
  int64_t window_ms = 1000;  // quota.window.size.seconds, in ms
};

class ClientQuotas {
 public:
  explicit ClientQuotas(QuotaOptions options, const Clock& clock = Clock::System());

  // The quota of `type` (bytes per second), 0 for none.
  int64_t Quota(QuotaType type) const {
    return type == QuotaType::kProduce ? options_.producer_byte_rate : options_.consumer_byte_rate;
  }

  // Counts `bytes` of `type` for `principal`; the milliseconds its client must now wait, 0 while
  // the rate is within the quota (or there is none).
  int64_t Record(QuotaType type, const std::string& principal, int64_t bytes);

  // Takes back bytes Record counted (a response that was not sent after all).
  void Unrecord(QuotaType type, const std::string& principal, int64_t bytes);

  // The most one response of `type` should carry: the quota over the measured span, so that a
  // single answer cannot stay above the quota for ever (INT64_MAX without a quota).
  int64_t MaxBytesPerResponse(QuotaType type) const;

 private:
  struct Sample {
    int64_t start_ms;
    int64_t bytes;
  };
  using Meter = std::deque<Sample>;

  // Drops `meter`'s samples older than the measured span.
  void Purge(Meter& meter, int64_t now) const;

  const QuotaOptions options_;
  const Clock& clock_;
  mutable Mutex mu_;
  // Meters kept before the idle ones (every sample obsolete) are dropped.
  static constexpr size_t kMetersBeforePurge = 1024;

  std::map<std::pair<QuotaType, std::string>, Meter> meters_ GUARDED_BY(mu_);
  size_t purge_at_ GUARDED_BY(mu_) = kMetersBeforePurge;
};

}  // namespace herald::broker
