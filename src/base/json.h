// JSON from outside the process (HTTP bodies, record values shown as JSON), parsed with a bound on
// nesting: nlohmann's tree is copied, compared and dumped recursively, so a deep document (half a
// million '[') would overflow the stack long after the parser accepted it.
#pragma once

#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

namespace herald {

// Deep enough for any real document; shallow enough for the recursion of a tree's copy and dump.
inline constexpr int kMaxJsonDepth = 128;

// The nesting depth of the arrays and objects in `text` (0 for a scalar), counted without parsing;
// brackets inside strings do not count. Stops counting past `limit` and returns limit + 1.
int JsonDepth(std::string_view text, int limit = kMaxJsonDepth);

// `text` parsed; nullopt when it is not JSON (including ill-formed UTF-8 in a string) or nests
// deeper than `max_depth`.
std::optional<nlohmann::json> ParseBoundedJson(std::string_view text, int max_depth = kMaxJsonDepth);

}  // namespace herald
