// RetryPolicy: how long to wait before trying again, exponential with jitter (the Router's
// retries in place, the Repository's commands after a conflict).
//
// Thread-safety: a value; JitteredBackoffAfter may be called from any thread.
#pragma once

#include <chrono>

namespace herald::sdk {

struct RetryPolicy {
  int max_attempts = 5;  // including the first
  std::chrono::milliseconds initial_backoff{1000};
  std::chrono::milliseconds max_backoff{60000};
  double multiplier = 2.0;
  double jitter = 0.2;  // each wait is scaled by a random factor in [1 - jitter, 1 + jitter]

  // The wait before attempt `attempt` + 1 (attempt counts from 1), without jitter.
  std::chrono::milliseconds BackoffAfter(int attempt) const;
  // The same, scaled by the random factor.
  std::chrono::milliseconds JitteredBackoffAfter(int attempt) const;
};

}  // namespace herald::sdk
