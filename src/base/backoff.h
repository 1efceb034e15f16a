// Backoff: the delay before retrying an operation that keeps failing (an accept at the
// file-descriptor limit), doubling from `first` to `max`, and none again after a success.
#pragma once

#include <algorithm>
#include <chrono>

namespace herald {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds first, std::chrono::milliseconds max)
      : first_(first), max_(max) {}

  // The delay to wait after one more failure.
  std::chrono::milliseconds Next() {
    delay_ = std::clamp(delay_ * 2, first_, max_);
    return delay_;
  }
  // After a success: the next failure waits `first` again.
  void Reset() { delay_ = std::chrono::milliseconds(0); }

 private:
  const std::chrono::milliseconds first_, max_;
  std::chrono::milliseconds delay_{0};
};

}  // namespace herald
