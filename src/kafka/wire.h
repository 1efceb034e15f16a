// Primitive encodings of the Kafka protocol (big-endian), classic and "compact" (flexible
// versions, KIP-482): strings, bytes and arrays with int16/int32 lengths or with unsigned-varint
// lengths plus one, and tagged-field sections.
//
// Reader never reads past its input: the first bad or missing byte puts it in a failed state
// (every later call returns a zero value) and error() says where and why, so a decoder checks once
// at the end. Writer appends to a Buffer. Neither is thread-safe; both are cheap values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/status.h"
#include "base/uuid.h"

namespace herald::kafka {

class Reader {
 public:
  explicit Reader(ByteView data) : data_(data) {}

  int8_t Int8();
  int16_t Int16();
  int32_t Int32();
  int64_t Int64();
  uint16_t UInt16();
  uint32_t UInt32();
  bool Bool() { return Int8() != 0; }
  double Float64();
  Uuid ReadUuid();
  uint32_t UnsignedVarint();
  int32_t Varint();
  int64_t Varlong();

  std::string String(bool compact);
  std::optional<std::string> NullableString(bool compact);
  // Views into the input; valid while it is.
  ByteView Bytes(bool compact);
  std::optional<ByteView> NullableBytes(bool compact);
  // An array's element count, -1 for null. Fails when the count cannot fit in what is left
  // (every element takes at least one byte), so a hostile count never allocates.
  int32_t ArrayLength(bool compact);
  // Skips a tagged-field section (flexible versions): every tag is unknown to us.
  void SkipTaggedFields();

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  size_t position() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }
  // Marks the input bad (for checks the caller makes).
  void Fail(std::string_view why);
  // OK, or kInvalidArgument naming the first problem.
  Status status() const;

 private:
  const uint8_t* Take(size_t n, std::string_view what);

  ByteView data_;
  size_t pos_ = 0;
  std::string error_;
};

class Writer {
 public:
  explicit Writer(Buffer& out) : out_(out) {}

  void Int8(int8_t v) { Fixed(v); }
  void Int16(int16_t v) { Fixed(v); }
  void Int32(int32_t v) { Fixed(v); }
  void Int64(int64_t v) { Fixed(v); }
  void UInt16(uint16_t v) { Fixed(v); }
  void UInt32(uint32_t v) { Fixed(v); }
  void Bool(bool v) { Fixed<int8_t>(v ? 1 : 0); }
  void Float64(double v);
  void WriteUuid(const Uuid& v) {
    Int64(static_cast<int64_t>(v.high));
    Int64(static_cast<int64_t>(v.low));
  }
  void UnsignedVarint(uint32_t v);

  void String(std::string_view s, bool compact);
  void NullableString(const std::optional<std::string>& s, bool compact);
  void Bytes(ByteView b, bool compact);
  void NullableBytes(const std::optional<ByteView>& b, bool compact);
  // -1 writes a null array.
  void ArrayLength(int32_t n, bool compact);
  void EmptyTaggedFields() { UnsignedVarint(0); }
  void Raw(ByteView b) { out_.insert(out_.end(), b.begin(), b.end()); }

  size_t size() const { return out_.size(); }
  Buffer& buffer() { return out_; }

 private:
  template <typename T>
  void Fixed(T v) {
    size_t at = out_.size();
    out_.resize(at + sizeof(T));
    StoreBigEndian<T>(out_.data() + at, v);
  }

  Buffer& out_;
};

}  // namespace herald::kafka
