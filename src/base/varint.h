// Variable-length integers as Kafka's record format uses them: zigzag-encoded signed varints
// (int32) and varlongs (int64), and unsigned varints (flexible protocol versions).
// Decoders never read past the end of their input and reject over-long encodings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "base/bytes.h"

namespace herald {

constexpr size_t kMaxVarintBytes = 5;
constexpr size_t kMaxVarlongBytes = 10;

constexpr uint64_t ZigZagEncode(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
constexpr int64_t ZigZagDecode(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

// Appends an unsigned varint.
void PutUnsignedVarint(Buffer& out, uint64_t value);
// Appends a zigzag varint / varlong.
inline void PutVarint(Buffer& out, int32_t value) { PutUnsignedVarint(out, ZigZagEncode(value)); }
inline void PutVarlong(Buffer& out, int64_t value) { PutUnsignedVarint(out, ZigZagEncode(value)); }
// Bytes PutVarlong/PutVarint would write.
size_t VarlongSize(int64_t value);

// Reads varints from a byte range, advancing past each value read.
// Each Get* returns std::nullopt (and leaves the position unchanged) on truncated or over-long
// input.
class VarintReader {
 public:
  explicit VarintReader(ByteView data) : data_(data) {}

  // The one-byte case (small lengths, deltas and counts: most varints of a record) inline.
  std::optional<uint64_t> GetUnsignedVarint(size_t max_bytes = kMaxVarlongBytes) {
    if (pos_ < data_.size() && data_[pos_] < 0x80 && max_bytes > 0) return data_[pos_++];
    return GetLongUnsignedVarint(max_bytes);
  }
  std::optional<int32_t> GetVarint() {
    if (pos_ < data_.size() && data_[pos_] < 0x80) {
      return static_cast<int32_t>(ZigZagDecode(data_[pos_++]));
    }
    return GetLongVarint();
  }
  std::optional<int64_t> GetVarlong() {
    auto raw = GetUnsignedVarint(kMaxVarlongBytes);
    if (!raw) return std::nullopt;
    return ZigZagDecode(*raw);
  }
  // `n` raw bytes.
  std::optional<ByteView> GetBytes(size_t n) {
    if (n > remaining()) return std::nullopt;
    ByteView out = data_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  std::optional<int8_t> GetInt8() {
    if (remaining() < 1) return std::nullopt;
    return static_cast<int8_t>(data_[pos_++]);
  }

  size_t position() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }

 private:
  std::optional<uint64_t> GetLongUnsignedVarint(size_t max_bytes);
  std::optional<int32_t> GetLongVarint();

  ByteView data_;
  size_t pos_ = 0;
};

}  // namespace herald
