#include "kafka/wire.h"

#include <bit>

#include "base/utf8.h"
#include "base/varint.h"

namespace herald::kafka {

void Reader::Fail(std::string_view why) {
  if (error_.empty()) error_ = fmt::format("{} at byte {}", why, pos_);
}

Status Reader::status() const {
  if (ok()) return Status::Ok();
  return InvalidArgument("malformed request: {}", error_);
}

const uint8_t* Reader::Take(size_t n, std::string_view what) {
  if (!ok()) return nullptr;
  if (n > remaining()) {
    Fail(fmt::format("{} needs {} bytes, {} left", what, n, remaining()));
    return nullptr;
  }
  const uint8_t* p = data_.data() + pos_;
  pos_ += n;
  return p;
}

#define HERALD_READ_FIXED(Name, Type)                       \
  Type Reader::Name() {                                     \
    const uint8_t* p = Take(sizeof(Type), #Name);           \
    return p ? LoadBigEndian<Type>(p) : Type{};             \
  }
HERALD_READ_FIXED(Int8, int8_t)
HERALD_READ_FIXED(Int16, int16_t)
HERALD_READ_FIXED(Int32, int32_t)
HERALD_READ_FIXED(Int64, int64_t)
HERALD_READ_FIXED(UInt16, uint16_t)
HERALD_READ_FIXED(UInt32, uint32_t)
#undef HERALD_READ_FIXED

double Reader::Float64() { return std::bit_cast<double>(static_cast<uint64_t>(Int64())); }

Uuid Reader::ReadUuid() {
  Uuid u;
  u.high = static_cast<uint64_t>(Int64());
  u.low = static_cast<uint64_t>(Int64());
  return u;
}

uint32_t Reader::UnsignedVarint() {
  if (!ok()) return 0;
  VarintReader r(data_.subspan(pos_));
  auto v = r.GetUnsignedVarint(kMaxVarintBytes);
  if (!v || *v > UINT32_MAX) {
    Fail("bad unsigned varint");
    return 0;
  }
  pos_ += r.position();
  return static_cast<uint32_t>(*v);
}

int32_t Reader::Varint() {
  if (!ok()) return 0;
  VarintReader r(data_.subspan(pos_));
  auto v = r.GetVarint();
  if (!v) {
    Fail("bad varint");
    return 0;
  }
  pos_ += r.position();
  return *v;
}

int64_t Reader::Varlong() {
  if (!ok()) return 0;
  VarintReader r(data_.subspan(pos_));
  auto v = r.GetVarlong();
  if (!v) {
    Fail("bad varlong");
    return 0;
  }
  pos_ += r.position();
  return *v;
}

std::optional<ByteView> Reader::NullableBytes(bool compact) {
  int64_t len;
  if (compact) {
    len = static_cast<int64_t>(UnsignedVarint()) - 1;
  } else {
    len = Int32();
  }
  if (!ok()) return std::nullopt;
  if (len < -1) {
    Fail("negative length");
    return std::nullopt;
  }
  if (len == -1) return std::nullopt;
  const uint8_t* p = Take(static_cast<size_t>(len), "bytes");
  if (!p) return std::nullopt;
  return ByteView(p, static_cast<size_t>(len));
}

ByteView Reader::Bytes(bool compact) {
  size_t at = pos_;
  auto b = NullableBytes(compact);
  if (ok() && !b) {
    pos_ = at;
    Fail("null where bytes are required");
  }
  return b.value_or(ByteView());
}

std::optional<std::string> Reader::NullableString(bool compact) {
  int64_t len;
  if (compact) {
    len = static_cast<int64_t>(UnsignedVarint()) - 1;
  } else {
    len = Int16();
  }
  if (!ok()) return std::nullopt;
  if (len < -1) {
    Fail("negative string length");
    return std::nullopt;
  }
  if (len == -1) return std::nullopt;
  const uint8_t* p = Take(static_cast<size_t>(len), "string");
  if (!p) return std::nullopt;
  // Kafka's strings are UTF-8; ill-formed bytes are replaced, as Kafka's own decoder does, so a
  // client's string can be stored, logged and written as JSON without a throwing conversion.
  return ToValidUtf8(std::string_view(reinterpret_cast<const char*>(p), static_cast<size_t>(len)));
}

std::string Reader::String(bool compact) {
  size_t at = pos_;
  auto s = NullableString(compact);
  if (ok() && !s) {
    pos_ = at;
    Fail("null where a string is required");
  }
  return s.value_or(std::string());
}

int32_t Reader::ArrayLength(bool compact) {
  int64_t n = compact ? static_cast<int64_t>(UnsignedVarint()) - 1 : Int32();
  if (!ok()) return 0;
  if (n < -1) {
    Fail("negative array length");
    return 0;
  }
  if (n > static_cast<int64_t>(remaining())) {
    Fail(fmt::format("array of {} elements in {} bytes", n, remaining()));
    return 0;
  }
  return static_cast<int32_t>(n);
}

void Reader::SkipTaggedFields() {
  uint32_t count = UnsignedVarint();
  for (uint32_t i = 0; i < count && ok(); ++i) {
    UnsignedVarint();  // tag
    uint32_t size = UnsignedVarint();
    Take(size, "tagged field");
  }
}

void Writer::Float64(double v) { Int64(static_cast<int64_t>(std::bit_cast<uint64_t>(v))); }

void Writer::UnsignedVarint(uint32_t v) { PutUnsignedVarint(out_, v); }

void Writer::String(std::string_view s, bool compact) {
  if (compact) {
    UnsignedVarint(static_cast<uint32_t>(s.size() + 1));
  } else {
    Int16(static_cast<int16_t>(s.size()));
  }
  Raw(AsBytes(s));
}

void Writer::NullableString(const std::optional<std::string>& s, bool compact) {
  if (s) {
    String(*s, compact);
  } else if (compact) {
    UnsignedVarint(0);
  } else {
    Int16(-1);
  }
}

void Writer::Bytes(ByteView b, bool compact) {
  if (compact) {
    UnsignedVarint(static_cast<uint32_t>(b.size() + 1));
  } else {
    Int32(static_cast<int32_t>(b.size()));
  }
  Raw(b);
}

void Writer::NullableBytes(const std::optional<ByteView>& b, bool compact) {
  if (b) {
    Bytes(*b, compact);
  } else if (compact) {
    UnsignedVarint(0);
  } else {
    Int32(-1);
  }
}

void Writer::ArrayLength(int32_t n, bool compact) {
  if (compact) {
    UnsignedVarint(static_cast<uint32_t>(n + 1));
  } else {
    Int32(n);
  }
}

}  // namespace herald::kafka
