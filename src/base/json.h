// JSON from outside the process (HTTP bodies, record values shown as JSON), parsed with a bound on
// nesting: nlohmann's tree is copied, compared and dumped recursively, so a deep document (half a
// million '[') would overflow the stack long after the parser accepted it.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

namespace herald {

// Deep enough for any real document; shallow enough for the recursion of a tree's copy and dump.
inline constexpr int kMaxJsonDepth = 128;

// The nesting depth of the arrays and objects in `text` (0 for a scalar), counted without parsing;
// brackets inside strings do not count. Stops counting past `limit` and returns limit + 1.
int JsonDepth(std::string_view text, int limit = kMaxJsonDepth);

// `key` as one JSON pointer reference token (RFC 6901): '~' as "~0", '/' as "~1".
std::string JsonPointerToken(std::string_view key);

// `text` parsed; nullopt when it is not JSON (including ill-formed UTF-8 in a string) or nests
// deeper than `max_depth`.
std::optional<nlohmann::json> ParseBoundedJson(std::string_view text, int max_depth = kMaxJsonDepth);

// The integer `j` holds, when it is a JSON integer that T can represent; nullopt for anything else
// (a float, a string, a value out of T's range). nlohmann's get<T>() would convert a float out of
// range (1e300) with undefined behaviour and wrap an integer out of range.
template <typename T>
std::optional<T> JsonInteger(const nlohmann::json& j) {
  static_assert(std::numeric_limits<T>::is_integer && std::numeric_limits<T>::is_signed);
  if (j.is_number_unsigned()) {
    const uint64_t v = j.get<uint64_t>();
    if (v > static_cast<uint64_t>(std::numeric_limits<T>::max())) return std::nullopt;
    return static_cast<T>(v);
  }
  if (!j.is_number_integer()) return std::nullopt;
  const int64_t v = j.get<int64_t>();
  if (v < std::numeric_limits<T>::min() || v > std::numeric_limits<T>::max()) return std::nullopt;
  return static_cast<T>(v);
}

// JsonInteger of `object[key]`; `fallback` when the key is absent; nullopt when it is present
// but not such an integer (or `object` is not an object).
template <typename T>
std::optional<T> JsonIntegerOr(const nlohmann::json& object, const char* key, T fallback) {
  if (!object.is_object()) return std::nullopt;
  auto it = object.find(key);
  return it == object.end() ? std::optional<T>(fallback) : JsonInteger<T>(*it);
}

}  // namespace herald
