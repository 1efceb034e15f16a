// Byte views, owned buffers and big-endian (network order) integer access, as the Kafka
// wire and record formats use. All functions here are pure; bounds are the caller's duty
// (they assert in debug builds through std::span).
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

namespace herald {

using ByteView = std::span<const uint8_t>;
using MutableByteView = std::span<uint8_t>;
using Buffer = std::vector<uint8_t>;

inline ByteView AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::string_view AsString(ByteView b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

template <typename U>
constexpr U ByteSwap(U v) {
  if constexpr (sizeof(U) == 2) return static_cast<U>(__builtin_bswap16(v));
  if constexpr (sizeof(U) == 4) return static_cast<U>(__builtin_bswap32(v));
  if constexpr (sizeof(U) == 8) return static_cast<U>(__builtin_bswap64(v));
  return v;
}

template <typename T>
T LoadBigEndian(const uint8_t* p) {
  static_assert(std::is_integral_v<T>);
  std::make_unsigned_t<T> v;
  std::memcpy(&v, p, sizeof(v));
  if constexpr (std::endian::native == std::endian::little && sizeof(T) > 1) {
    v = ByteSwap(v);
  }
  return static_cast<T>(v);
}

template <typename T>
void StoreBigEndian(uint8_t* p, T value) {
  static_assert(std::is_integral_v<T>);
  auto v = static_cast<std::make_unsigned_t<T>>(value);
  if constexpr (std::endian::native == std::endian::little && sizeof(T) > 1) {
    v = ByteSwap(v);
  }
  std::memcpy(p, &v, sizeof(v));
}

// Appends big-endian integers and raw bytes to a Buffer.
class BufferWriter {
 public:
  explicit BufferWriter(Buffer& out) : out_(out) {}

  template <typename T>
  void Int(T value) {
    size_t at = out_.size();
    out_.resize(at + sizeof(T));
    StoreBigEndian<T>(out_.data() + at, value);
  }
  void Bytes(ByteView bytes) { out_.insert(out_.end(), bytes.begin(), bytes.end()); }
  size_t size() const { return out_.size(); }

 private:
  Buffer& out_;
};

}  // namespace herald
