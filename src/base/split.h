// SplitList: the items of comma-separated text, as list configs and query parameters carry them;
// TrimSpace: text without the blanks around it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace herald {

// Whether SplitList keeps the empty items ("a,,b", a trailing comma, "").
enum class EmptyItems : bool { kDrop, kKeep };

// The items of `text` between commas (or `separator`s), untrimmed. "a,,b" -> {"a", "b"}; with
// kKeep {"a", "", "b"}, and "" -> {""}.
inline std::vector<std::string> SplitList(std::string_view text,
                                          EmptyItems empty = EmptyItems::kDrop,
                                          char separator = ',') {
  std::vector<std::string> out;
  for (size_t at = 0; at <= text.size();) {
    size_t comma = text.find(separator, at);
    if (comma == std::string_view::npos) comma = text.size();
    if (comma > at || empty == EmptyItems::kKeep) out.emplace_back(text.substr(at, comma - at));
    at = comma + 1;
  }
  return out;
}

// `text` without the spaces, tabs and line ends around it.
inline std::string_view TrimSpace(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

}  // namespace herald
