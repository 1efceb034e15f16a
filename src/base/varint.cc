#include "base/varint.h"

#include <limits>

namespace herald {

void PutUnsignedVarint(Buffer& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<uint8_t>(value | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<uint8_t>(value));
}

size_t VarlongSize(int64_t value) {
  uint64_t v = ZigZagEncode(value);
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

std::optional<uint64_t> VarintReader::GetLongUnsignedVarint(size_t max_bytes) {
  uint64_t value = 0;
  for (size_t i = 0; i < max_bytes; ++i) {
    if (pos_ + i >= data_.size()) return std::nullopt;
    uint8_t b = data_[pos_ + i];
    value |= static_cast<uint64_t>(b & 0x7F) << (7 * i);
    if ((b & 0x80) == 0) {
      // The last byte of a maximal encoding may carry only the bits that fit.
      if (i == kMaxVarlongBytes - 1 && b > 1) return std::nullopt;
      pos_ += i + 1;
      return value;
    }
  }
  return std::nullopt;
}

std::optional<int32_t> VarintReader::GetLongVarint() {
  size_t start = pos_;
  auto raw = GetUnsignedVarint(kMaxVarintBytes);
  if (!raw) return std::nullopt;
  if (*raw > std::numeric_limits<uint32_t>::max()) {
    pos_ = start;
    return std::nullopt;
  }
  return static_cast<int32_t>(ZigZagDecode(*raw));
}

}  // namespace herald
