// NamedType<T, Tag>: a value of T that does not mix with other T's. Offsets, file positions and
// partition ids are distinct types so that passing one for another fails to compile.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>

#include <fmt/format.h>

namespace herald {

template <typename T, typename Tag>
class NamedType {
 public:
  using value_type = T;
  constexpr NamedType() = default;
  constexpr explicit NamedType(T v) : value_(v) {}
  constexpr T value() const { return value_; }
  constexpr T operator()() const { return value_; }
  constexpr auto operator<=>(const NamedType&) const = default;

 private:
  T value_{};
};

// A Kafka offset: the position of a record in a partition's sequence.
using Offset = NamedType<int64_t, struct OffsetTag>;
// A byte position inside a file.
using FilePos = NamedType<uint64_t, struct FilePosTag>;
// A partition number within a topic.
using PartitionId = NamedType<int32_t, struct PartitionIdTag>;

}  // namespace herald

template <typename T, typename Tag>
struct std::hash<herald::NamedType<T, Tag>> {
  size_t operator()(const herald::NamedType<T, Tag>& v) const { return std::hash<T>{}(v.value()); }
};

template <typename T, typename Tag>
struct fmt::formatter<herald::NamedType<T, Tag>> : fmt::formatter<T> {
  auto format(const herald::NamedType<T, Tag>& v, fmt::format_context& ctx) const {
    return fmt::formatter<T>::format(v.value(), ctx);
  }
};
