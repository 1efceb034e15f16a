#include "herald/retry.h"

#include <algorithm>
#include <cstdint>
#include <random>

namespace herald::sdk {

std::chrono::milliseconds RetryPolicy::BackoffAfter(int attempt) const {
  double wait = static_cast<double>(initial_backoff.count());
  for (int i = 1; i < attempt; ++i) wait *= multiplier;
  return std::chrono::milliseconds(
      static_cast<int64_t>(std::min(wait, static_cast<double>(max_backoff.count()))));
}

std::chrono::milliseconds RetryPolicy::JitteredBackoffAfter(int attempt) const {
  thread_local std::mt19937_64 rng(std::random_device{}());
  std::uniform_real_distribution<double> factor(1 - jitter, 1 + jitter);
  return std::chrono::milliseconds(
      static_cast<int64_t>(static_cast<double>(BackoffAfter(attempt).count()) * factor(rng)));
}

}  // namespace herald::sdk
