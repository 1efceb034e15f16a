// Status and Result<T>: how Herald reports expected failures.
//
// A Status is either OK or a code with a message. Result<T> holds a T or a non-OK Status.
// Both are [[nodiscard]]: an ignored failure is a compile error. Broken invariants are not
// Statuses; they crash through HERALD_ASSERT (base/assert.h).
//
// Example:
//   Result<Segment> OpenSegment(...) {
//     HERALD_ASSIGN_OR_RETURN(auto file, fs.Open(path, OpenMode::kReadWrite));
//     HERALD_RETURN_IF_ERROR(Validate(*file), "segment {}", path);
//     return Segment(std::move(file));
//   }
//
// Thread-safety: values; distinct objects may be used from distinct threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include <fmt/format.h>

#include "base/assert.h"

namespace herald {

enum class StatusCode : uint8_t {
  kOk = 0,
  kInvalidArgument,     // the caller's input is wrong (bad batch, bad config value)
  kNotFound,            // no such topic, file or offset
  kAlreadyExists,       // creating something that exists
  kOutOfRange,          // an offset or position outside what exists
  kCorruption,          // bytes on disk or on the wire fail their checks
  kIoError,             // the operating system failed an I/O call (EIO, ...)
  kNoSpace,             // ENOSPC / EDQUOT: the disk is full
  kFailedPrecondition,  // the object is in the wrong state (closed, failed, locked by another)
  kPermissionDenied,    // the caller may not (a Kafka ACL refused it)
  kUnavailable,         // try again later
  kInternal,            // a bug or an unexpected system error
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {
    HERALD_ASSERT(code != StatusCode::kOk, "a non-OK Status needs a non-OK code");
  }

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "CODE: message" or "OK".
  std::string ToString() const;

  // Returns a copy whose message is prefixed with `context: `.
  Status WithContext(std::string_view context) const;

  // Marks a Status as deliberately ignored.
  void IgnoreError() const {}

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

template <typename... Args>
Status MakeStatus(StatusCode code, fmt::format_string<Args...> format, Args&&... args) {
  return Status(code, fmt::format(format, std::forward<Args>(args)...));
}
#define HERALD_STATUS_FACTORY(Name, Code)                                    \
  template <typename... Args>                                                \
  Status Name(fmt::format_string<Args...> format, Args&&... args) {          \
    return Status(StatusCode::Code, fmt::format(format, std::forward<Args>(args)...)); \
  }
HERALD_STATUS_FACTORY(InvalidArgument, kInvalidArgument)
HERALD_STATUS_FACTORY(NotFound, kNotFound)
HERALD_STATUS_FACTORY(AlreadyExists, kAlreadyExists)
HERALD_STATUS_FACTORY(OutOfRange, kOutOfRange)
HERALD_STATUS_FACTORY(Corruption, kCorruption)
HERALD_STATUS_FACTORY(IoError, kIoError)
HERALD_STATUS_FACTORY(NoSpace, kNoSpace)
HERALD_STATUS_FACTORY(FailedPrecondition, kFailedPrecondition)
HERALD_STATUS_FACTORY(Unavailable, kUnavailable)
HERALD_STATUS_FACTORY(Internal, kInternal)
#undef HERALD_STATUS_FACTORY

// Maps an errno value to a Status (ENOSPC -> kNoSpace, ENOENT -> kNotFound, ...).
Status ErrnoStatus(int err, std::string_view what);

template <typename T>
class [[nodiscard]] Result {
  static_assert(!std::is_same_v<std::decay_t<T>, Status>, "Result<Status> is meaningless");

 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    HERALD_ASSERT(!status_.ok(), "Result needs a value or a non-OK Status");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  T& value() & {
    HERALD_ASSERT(ok(), "value() of a failed Result: {}", status_.ToString());
    return *value_;
  }
  const T& value() const& {
    HERALD_ASSERT(ok(), "value() of a failed Result: {}", status_.ToString());
    return *value_;
  }
  T&& value() && {
    HERALD_ASSERT(ok(), "value() of a failed Result: {}", status_.ToString());
    return std::move(*value_);
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::optional<T> value_;
  Status status_;
};

namespace internal {
inline const Status& GetStatus(const Status& s) { return s; }
template <typename T>
const Status& GetStatus(const Result<T>& r) {
  return r.status();
}
}  // namespace internal

}  // namespace herald

#define HERALD_CONCAT_INNER(a, b) a##b
#define HERALD_CONCAT(a, b) HERALD_CONCAT_INNER(a, b)

// Returns the Status of `expr` from the enclosing function when it is not OK. Optional extra
// arguments are a fmt format string and its arguments, prefixed to the message as context.
#define HERALD_RETURN_IF_ERROR(expr, ...)                                              \
  do {                                                                                 \
    auto&& herald_value_ = (expr);                                                     \
    const ::herald::Status& herald_status_ = ::herald::internal::GetStatus(herald_value_); \
    if (!herald_status_.ok()) {                                                        \
      return herald_status_.WithContext(fmt::format("" __VA_ARGS__));                  \
    }                                                                                  \
  } while (false)

// `HERALD_ASSIGN_OR_RETURN(auto x, ResultExpr)`: binds the value or returns the Status.
#define HERALD_ASSIGN_OR_RETURN(lhs, expr) \
  HERALD_ASSIGN_OR_RETURN_IMPL(HERALD_CONCAT(herald_result_, __LINE__), lhs, expr)
#define HERALD_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()
