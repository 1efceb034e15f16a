// HERALD_ASSERT: invariants that must hold. A broken one is a bug: it prints the condition, the
// place and the values given, then aborts. Always on, also in Release builds.
#pragma once

#include <fmt/format.h>

namespace herald::internal {
[[noreturn]] void AssertFail(const char* condition, const char* file, int line,
                             const std::string& message);
}  // namespace herald::internal

#define HERALD_ASSERT(cond, ...)                                                          \
  do {                                                                                    \
    if (__builtin_expect(!(cond), 0)) {                                                   \
      ::herald::internal::AssertFail(#cond, __FILE__, __LINE__, fmt::format(__VA_ARGS__)); \
    }                                                                                     \
  } while (false)
