// Seconds elapsed on the steady clock, for the benchmarks' rates.
#pragma once

#include <chrono>

namespace herald::bench {

inline double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace herald::bench
