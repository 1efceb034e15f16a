#include "base/time_text.h"

#include <cctype>
#include <chrono>

namespace herald {
namespace {

// Reads exactly `digits` decimal digits at `pos`.
bool ReadFixed(std::string_view s, size_t& pos, int digits, int& value) {
  if (pos + static_cast<size_t>(digits) > s.size()) return false;
  value = 0;
  for (int i = 0; i < digits; ++i) {
    char c = s[pos + static_cast<size_t>(i)];
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    value = value * 10 + (c - '0');
  }
  pos += static_cast<size_t>(digits);
  return true;
}

}  // namespace

Result<int64_t> ParseIso8601(std::string_view s) {
  auto bad = [&] {
    return InvalidArgument("'{}' is not an ISO 8601 time such as 2026-11-30T08:00:00Z", s);
  };
  size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  int64_t millis = 0;
  if (!ReadFixed(s, pos, 4, year) || pos >= s.size() || s[pos++] != '-' ||
      !ReadFixed(s, pos, 2, month) || pos >= s.size() || s[pos++] != '-' ||
      !ReadFixed(s, pos, 2, day)) {
    return bad();
  }
  if (pos < s.size() && (s[pos] == 'T' || s[pos] == 't' || s[pos] == ' ')) {
    ++pos;
    if (!ReadFixed(s, pos, 2, hour) || pos >= s.size() || s[pos++] != ':' ||
        !ReadFixed(s, pos, 2, minute)) {
      return bad();
    }
    if (pos < s.size() && s[pos] == ':') {
      ++pos;
      if (!ReadFixed(s, pos, 2, second)) return bad();
      if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
        ++pos;
        int64_t scale = 100;
        size_t digits = 0;
        while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
          millis += (s[pos] - '0') * scale;
          scale /= 10;
          ++pos;
          ++digits;
        }
        if (digits == 0) return bad();
      }
    }
  }
  int64_t offset_minutes = 0;
  if (pos < s.size()) {
    if (s[pos] == 'Z' || s[pos] == 'z') {
      ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
      const int sign = s[pos] == '-' ? -1 : 1;
      ++pos;
      int oh = 0, om = 0;
      if (!ReadFixed(s, pos, 2, oh)) return bad();
      if (pos < s.size() && s[pos] == ':') ++pos;
      if (!ReadFixed(s, pos, 2, om)) return bad();
      offset_minutes = sign * (oh * 60 + om);
    }
  }
  if (pos != s.size()) return bad();
  using namespace std::chrono;
  const year_month_day ymd{std::chrono::year(year),
                           std::chrono::month(static_cast<unsigned>(month)),
                           std::chrono::day(static_cast<unsigned>(day))};
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 60) return bad();
  const int64_t days = sys_days(ymd).time_since_epoch().count();
  return ((days * 24 + hour) * 60 + minute - offset_minutes) * 60000 + second * 1000 + millis;
}

}  // namespace herald
