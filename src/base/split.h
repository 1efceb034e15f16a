// SplitList: the items of comma-separated text, as list configs and query parameters carry them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace herald {

// Whether SplitList keeps the empty items ("a,,b", a trailing comma, "").
enum class EmptyItems : bool { kDrop, kKeep };

// The items of `text` between commas, untrimmed. "a,,b" -> {"a", "b"}; with kKeep
// {"a", "", "b"}, and "" -> {""}.
inline std::vector<std::string> SplitList(std::string_view text,
                                          EmptyItems empty = EmptyItems::kDrop) {
  std::vector<std::string> out;
  for (size_t at = 0; at <= text.size();) {
    size_t comma = text.find(',', at);
    if (comma == std::string_view::npos) comma = text.size();
    if (comma > at || empty == EmptyItems::kKeep) out.emplace_back(text.substr(at, comma - at));
    at = comma + 1;
  }
  return out;
}

}  // namespace herald
