#include "base/uuid.h"

#include <random>

#include <fmt/format.h>

namespace herald {
namespace {

std::mt19937_64& Rng() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return rng;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string RandomHex(size_t bytes) {
  std::string out;
  while (out.size() < bytes * 2) out += fmt::format("{:016x}", Rng()());
  return out.substr(0, bytes * 2);
}

Uuid RandomUuid() {
  Uuid u{Rng()(), Rng()()};
  u.high = (u.high & ~uint64_t{0xf000}) | 0x4000;  // version 4 (byte 6's high nibble)
  u.low = (u.low & ~(uint64_t{0xc0} << 56)) | (uint64_t{0x80} << 56);  // variant 10xx (byte 8)
  return u;
}

std::string NewUuid() {
  return RandomUuid().ToString();
}

std::optional<Uuid> ParseUuid(std::string_view text) {
  if (text.size() != 36) return std::nullopt;
  Uuid u;
  int digits = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return std::nullopt;
      continue;
    }
    const int v = HexValue(text[i]);
    if (v < 0) return std::nullopt;
    uint64_t& half = digits < 16 ? u.high : u.low;
    half = (half << 4) | static_cast<uint64_t>(v);
    ++digits;
  }
  return u;
}

std::string Uuid::ToString() const {
  // 8-4-4-4-12 lower-case hex digits (written by hand: reads of the event store call this for
  // every event).
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(36, '-');
  size_t at = 0;
  for (int nibble = 0; nibble < 32; ++nibble) {
    if (at == 8 || at == 13 || at == 18 || at == 23) ++at;
    const uint64_t half = nibble < 16 ? high : low;
    out[at++] = kHex[(half >> (60 - 4 * (nibble % 16))) & 0xF];
  }
  return out;
}

}  // namespace herald
