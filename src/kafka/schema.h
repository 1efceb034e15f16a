// Kafka messages described once, as data, and encoded/decoded by templates.
//
// A message is a plain struct that lists its fields with the versions that carry them:
//
//   struct FetchPartition {
//     int32_t partition = 0;
//     int64_t fetch_offset = 0;
//     int32_t current_leader_epoch = -1;
//     static constexpr auto Fields() {
//       return std::tuple{Field{&FetchPartition::partition, 0},
//                         Field{&FetchPartition::current_leader_epoch, 9},   // v9+
//                         Field{&FetchPartition::fetch_offset, 0}};
//     }
//   };
//
// Read()/Write() walk Fields() in order. Member types map to protocol types:
//   int8_t int16_t int32_t int64_t uint16_t bool double Uuid     fixed-width, big-endian
//   std::string / std::optional<std::string>                      STRING / NULLABLE_STRING
//   Buffer / std::optional<Buffer>                                BYTES / NULLABLE_BYTES
//   Records                                                       RECORDS (read: nullable bytes;
//                                                                   written: never null)
//   std::vector<T> / std::optional<std::vector<T>>                ARRAY / nullable ARRAY
//   a struct with Fields()                                        a nested structure
// In flexible versions strings, bytes and arrays use their compact forms and every structure
// ends with a tagged-field section (unknown tags are skipped; we write none). A std::optional
// field is nullable only from Field::nullable_from on; before that its non-null form is read, and
// a null is written as empty.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "kafka/wire.h"
#include "storage/read_slice.h"

namespace herald::kafka {

inline constexpr int16_t kNoMax = std::numeric_limits<int16_t>::max();

// The version being read or written and whether it is flexible.
struct Version {
  int16_t number;
  bool flexible;
};

template <typename S, typename T>
struct Field {
  T S::*member;
  int16_t min = 0;                     // first version that has the field
  int16_t max = kNoMax;                // last version that has it
  int16_t nullable_from = kNoMax;      // std::optional members: first version allowing null
  bool present(int16_t v) const { return v >= min && v <= max; }
};
// Spelled out for compilers without aggregate deduction (clang before 17).
template <typename S, typename T, typename... Versions>
Field(T S::*, Versions...) -> Field<S, T>;

// Record data inside Produce requests and Fetch responses. Decoding points `bytes` into the
// request frame (no copy; null stays null). Encoding writes `bytes`, then each slice of the log
// (spliced in by the writer when it can, so the log's bytes need not pass through a buffer); an
// empty value is written as zero bytes, never as null.
struct Records {
  std::optional<ByteView> bytes;
  std::vector<storage::ReadSlice> slices;

  uint64_t size() const {
    uint64_t n = bytes ? bytes->size() : 0;
    for (const auto& s : slices) n += s.size;
    return n;
  }
};

// Where a slice of a log goes in an encoded frame: at `at` bytes into the frame's buffer.
struct SplicedSlice {
  size_t at;
  storage::ReadSlice slice;
};

// A Writer plus the slices to splice in. With splicing off, slices are copied into the buffer.
class FrameWriter : public Writer {
 public:
  FrameWriter(Buffer& out, std::vector<SplicedSlice>* splices) : Writer(out), splices_(splices) {}
  Status WriteRecords(const Records& r, bool compact);

 private:
  std::vector<SplicedSlice>* splices_;
};

template <typename T>
concept Structure = requires { T::Fields(); };

template <typename T>
struct IsOptional : std::false_type {};
template <typename T>
struct IsOptional<std::optional<T>> : std::true_type {};

// ---- decoding ----

inline void Read(Reader& r, int8_t& v, Version) { v = r.Int8(); }
inline void Read(Reader& r, int16_t& v, Version) { v = r.Int16(); }
inline void Read(Reader& r, int32_t& v, Version) { v = r.Int32(); }
inline void Read(Reader& r, int64_t& v, Version) { v = r.Int64(); }
inline void Read(Reader& r, uint16_t& v, Version) { v = r.UInt16(); }
inline void Read(Reader& r, bool& v, Version) { v = r.Bool(); }
inline void Read(Reader& r, double& v, Version) { v = r.Float64(); }
inline void Read(Reader& r, Uuid& v, Version) { v = r.ReadUuid(); }
inline void Read(Reader& r, std::string& v, Version ver) { v = r.String(ver.flexible); }
inline void Read(Reader& r, std::optional<std::string>& v, Version ver) {
  v = r.NullableString(ver.flexible);
}
inline void Read(Reader& r, Buffer& v, Version ver) {
  ByteView b = r.Bytes(ver.flexible);
  v.assign(b.begin(), b.end());
}
inline void Read(Reader& r, std::optional<Buffer>& v, Version ver) {
  auto b = r.NullableBytes(ver.flexible);
  if (b) {
    v.emplace(b->begin(), b->end());
  } else {
    v.reset();
  }
}
inline void Read(Reader& r, Records& v, Version ver) { v.bytes = r.NullableBytes(ver.flexible); }

template <Structure T>
void Read(Reader& r, T& v, Version ver);

// Grows the vector as elements decode: a hostile count fails at the first missing element
// instead of allocating count elements up front.
template <typename T>
void ReadElements(Reader& r, std::vector<T>& v, int32_t n, Version ver) {
  v.clear();
  v.reserve(std::min<size_t>(static_cast<size_t>(n), 1024));
  for (int32_t i = 0; i < n && r.ok(); ++i) {
    v.emplace_back();
    Read(r, v.back(), ver);
  }
}

template <typename T>
void Read(Reader& r, std::vector<T>& v, Version ver) {
  int32_t n = r.ArrayLength(ver.flexible);
  if (n < 0) {
    r.Fail("null where an array is required");
    return;
  }
  ReadElements(r, v, n, ver);
}

template <typename T>
void Read(Reader& r, std::optional<std::vector<T>>& v, Version ver) {
  int32_t n = r.ArrayLength(ver.flexible);
  if (!r.ok()) return;
  if (n < 0) {
    v.reset();
    return;
  }
  v.emplace();
  ReadElements(r, *v, n, ver);
}

template <typename S, typename T>
void ReadField(Reader& r, S& s, const Field<S, T>& f, Version ver) {
  if (!r.ok() || !f.present(ver.number)) return;
  T& member = s.*f.member;
  if constexpr (IsOptional<T>::value) {
    if (ver.number < f.nullable_from) {
      typename T::value_type value{};
      Read(r, value, ver);
      member = std::move(value);
      return;
    }
  }
  Read(r, member, ver);
}

template <Structure T>
void Read(Reader& r, T& v, Version ver) {
  std::apply([&](const auto&... f) { (ReadField(r, v, f, ver), ...); }, T::Fields());
  if (ver.flexible) r.SkipTaggedFields();
}

// ---- encoding ----

inline void Write(FrameWriter& w, int8_t v, Version) { w.Int8(v); }
inline void Write(FrameWriter& w, int16_t v, Version) { w.Int16(v); }
inline void Write(FrameWriter& w, int32_t v, Version) { w.Int32(v); }
inline void Write(FrameWriter& w, int64_t v, Version) { w.Int64(v); }
inline void Write(FrameWriter& w, uint16_t v, Version) { w.UInt16(v); }
inline void Write(FrameWriter& w, bool v, Version) { w.Bool(v); }
inline void Write(FrameWriter& w, double v, Version) { w.Float64(v); }
inline void Write(FrameWriter& w, const Uuid& v, Version) { w.WriteUuid(v); }
inline void Write(FrameWriter& w, const std::string& v, Version ver) { w.String(v, ver.flexible); }
inline void Write(FrameWriter& w, const std::optional<std::string>& v, Version ver) {
  w.NullableString(v, ver.flexible);
}
inline void Write(FrameWriter& w, const Buffer& v, Version ver) { w.Bytes(v, ver.flexible); }
inline void Write(FrameWriter& w, const std::optional<Buffer>& v, Version ver) {
  w.NullableBytes(v ? std::optional<ByteView>(*v) : std::nullopt, ver.flexible);
}
inline void Write(FrameWriter& w, const Records& v, Version ver) {
  w.WriteRecords(v, ver.flexible).IgnoreError();  // a failed read of a slice was checked before
}

template <Structure T>
void Write(FrameWriter& w, const T& v, Version ver);

template <typename T>
void Write(FrameWriter& w, const std::vector<T>& v, Version ver) {
  w.ArrayLength(static_cast<int32_t>(v.size()), ver.flexible);
  for (const auto& e : v) Write(w, e, ver);
}

template <typename T>
void Write(FrameWriter& w, const std::optional<std::vector<T>>& v, Version ver) {
  if (!v) {
    w.ArrayLength(-1, ver.flexible);
    return;
  }
  Write(w, *v, ver);
}

template <typename S, typename T>
void WriteField(FrameWriter& w, const S& s, const Field<S, T>& f, Version ver) {
  if (!f.present(ver.number)) return;
  const T& member = s.*f.member;
  if constexpr (IsOptional<T>::value) {
    if (ver.number < f.nullable_from && !member) {
      Write(w, typename T::value_type{}, ver);  // not nullable in this version: write empty
      return;
    }
  }
  Write(w, member, ver);
}

template <Structure T>
void Write(FrameWriter& w, const T& v, Version ver) {
  std::apply([&](const auto&... f) { (WriteField(w, v, f, ver), ...); }, T::Fields());
  if (ver.flexible) w.EmptyTaggedFields();
}

enum class LeftOver : bool { kRefuse, kIgnore };

// Decodes a whole message body; kInvalidArgument if it is malformed, cut short, or (unless
// `left_over` says to ignore them) has bytes left over.
template <Structure T>
Result<T> Decode(ByteView body, Version ver, LeftOver left_over = LeftOver::kRefuse) {
  Reader r(body);
  T v{};
  Read(r, v, ver);
  if (left_over == LeftOver::kRefuse && r.ok() && r.remaining() != 0) {
    r.Fail(fmt::format("{} bytes left over", r.remaining()));
  }
  HERALD_RETURN_IF_ERROR(r.status());
  return v;
}

// Decodes a request body as Kafka's brokers do: bytes after the message are ignored (librdkafka
// 2.0.2 sends three after the tagged fields of its flexible OffsetFetch).
template <Structure T>
Result<T> DecodeRequest(ByteView body, Version ver) {
  return Decode<T>(body, ver, LeftOver::kIgnore);
}

}  // namespace herald::kafka
