// Clocks. Storage code takes time from a Clock so retention, segment age and tombstone expiry
// can be tested without sleeping. SystemClock is the real one; ManualClock moves when told.
// Thread-safety: both are safe to call from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace herald {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock milliseconds since the Unix epoch (Kafka timestamps).
  virtual int64_t NowMs() const = 0;
  // The process-wide real clock.
  static Clock& System();
};

class SystemClock final : public Clock {
 public:
  int64_t NowMs() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t now_ms = 1'700'000'000'000) : now_ms_(now_ms) {}
  int64_t NowMs() const override { return now_ms_.load(); }
  void AdvanceMs(int64_t ms) { now_ms_ += ms; }
  void SetMs(int64_t ms) { now_ms_ = ms; }

 private:
  std::atomic<int64_t> now_ms_;
};

inline Clock& Clock::System() {
  static SystemClock clock;
  return clock;
}

}  // namespace herald
