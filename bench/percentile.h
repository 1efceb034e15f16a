// Percentiles of latency samples, for the benchmarks that report them.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace herald::bench {

// The `q` quantile (0..1) of `sorted_ns` (nanoseconds, ascending), in microseconds.
inline double PercentileUs(const std::vector<int64_t>& sorted_ns, double q) {
  if (sorted_ns.empty()) return 0;
  const size_t i = std::min(sorted_ns.size() - 1,
                            static_cast<size_t>(q * static_cast<double>(sorted_ns.size())));
  return static_cast<double>(sorted_ns[i]) / 1e3;
}

}  // namespace herald::bench
