// UUIDs in their 36-character text form (8-4-4-4-12 hex digits), as event ids.
//
//   std::string id = NewUuid();                 // random, version 4
//   Uuid u = RandomUuid();                      // the same, as 128 bits
//   std::optional<Uuid> u = ParseUuid(text);    // nullopt unless `text` is a UUID
//
// Thread-safety: free functions and values; NewUuid uses a per-thread generator.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace herald {

// The 128 bits of a UUID, most significant half first.
struct Uuid {
  uint64_t high = 0;
  uint64_t low = 0;
  auto operator<=>(const Uuid&) const = default;
  // Lower-case text form.
  std::string ToString() const;
};

// A new random (version 4, variant 10xx) UUID.
Uuid RandomUuid();
// RandomUuid() in lower-case text form.
std::string NewUuid();
// `text` as a UUID: 36 characters, hex digits in either case with dashes at 8, 13, 18 and 23.
std::optional<Uuid> ParseUuid(std::string_view text);
// `bytes` random bytes as 2 * `bytes` lower-case hex digits.
std::string RandomHex(size_t bytes);

struct UuidHash {
  size_t operator()(const Uuid& u) const noexcept {
    return std::hash<uint64_t>{}(u.high ^ (u.low * 0x9e3779b97f4a7c15ULL));
  }
};

}  // namespace herald
