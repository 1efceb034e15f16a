// RawWireClient: a blocking Kafka-protocol client on one TCP connection to 127.0.0.1, for tests
// that must control every byte on the wire (split writes, pipelining, malformed frames) and see
// exactly how the server reacts, including when it closes the connection.
//
// Requests are framed with request header v1 (v2, i.e. plus an empty tagged-field section, for
// flexible versions); responses are read as size-prefixed frames with response header v0 (v1 when
// the response is flexible, except for ApiVersions, which always answers with v0).
//
// Bodies are encoded and decoded from the message structs in src/kafka/messages/*.h by a codec
// of its own (RawEncode / RawDecode below) that walks their Fields() lists: the integration-test
// binary does not link herald_kafka, and a second codec also checks the server's.
//
// Header-only (the integration-test sources are listed explicitly in tests/CMakeLists.txt).
// Thread-compatible: one thread at a time per client. Failures (cannot connect, timeouts, a
// response that does not decode) throw std::runtime_error; a connection closed by the server is
// an answer, not a failure, where the function says so.
#pragma once

#include <algorithm>
#include <bit>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "base/bytes.h"
#include "kafka/api.h"
#include "kafka/messages/fetch.h"
#include "kafka/messages/produce.h"
#include "kafka/schema.h"

namespace herald::testing::raw_wire {

using kafka::Version;

// ---- primitive encodings ----

// Appends Kafka primitives to a Buffer (classic or compact forms).
class Encoder {
 public:
  explicit Encoder(Buffer& out) : out_(out) {}

  template <typename T>
  void Fixed(T v) {
    BufferWriter(out_).Int<T>(v);
  }
  void UnsignedVarint(uint32_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<uint8_t>(v | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<uint8_t>(v));
  }
  // Length prefixes: classic int16 (strings) / int32 (bytes, arrays), or compact length + 1.
  void StringLength(int32_t n, bool compact) {
    if (compact) return UnsignedVarint(static_cast<uint32_t>(n + 1));
    Fixed<int16_t>(static_cast<int16_t>(n));
  }
  void Int32Length(int32_t n, bool compact) {
    if (compact) return UnsignedVarint(static_cast<uint32_t>(n + 1));
    Fixed<int32_t>(n);
  }
  void Raw(ByteView b) { out_.insert(out_.end(), b.begin(), b.end()); }

 private:
  Buffer& out_;
};

// Reads Kafka primitives; the first missing or bad byte puts it in a failed state.
class Decoder {
 public:
  explicit Decoder(ByteView data) : data_(data) {}

  template <typename T>
  T Fixed() {
    const uint8_t* p = Take(sizeof(T));
    return p == nullptr ? T{} : LoadBigEndian<T>(p);
  }
  uint32_t UnsignedVarint() {
    uint32_t v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      const uint8_t* p = Take(1);
      if (p == nullptr) return 0;
      v |= static_cast<uint32_t>(*p & 0x7f) << shift;
      if ((*p & 0x80) == 0) return v;
    }
    Fail("varint too long");
    return 0;
  }
  // -1 for null.
  int32_t StringLength(bool compact) {
    return compact ? static_cast<int32_t>(UnsignedVarint()) - 1 : Fixed<int16_t>();
  }
  int32_t Int32Length(bool compact) {
    return compact ? static_cast<int32_t>(UnsignedVarint()) - 1 : Fixed<int32_t>();
  }
  ByteView Raw(size_t n) {
    const uint8_t* p = Take(n);
    return p == nullptr ? ByteView{} : ByteView(p, n);
  }
  void SkipTaggedFields() {
    uint32_t n = UnsignedVarint();
    for (uint32_t i = 0; i < n && ok(); ++i) {
      UnsignedVarint();  // tag
      Raw(UnsignedVarint());
    }
  }

  void Fail(std::string why) {
    if (error_.empty()) error_ = fmt::format("{} (at byte {})", why, pos_);
  }
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  size_t remaining() const { return data_.size() - pos_; }

 private:
  const uint8_t* Take(size_t n) {
    if (!ok()) return nullptr;
    if (n > remaining()) {
      Fail(fmt::format("{} bytes wanted, {} left", n, remaining()));
      return nullptr;
    }
    const uint8_t* p = data_.data() + pos_;
    pos_ += n;
    return p;
  }

  ByteView data_;
  size_t pos_ = 0;
  std::string error_;
};

// ---- message codec over Fields() ----

template <typename T>
struct IsVector : std::false_type {};
template <typename T>
struct IsVector<std::vector<T>> : std::true_type {};

template <typename T>
void RawEncode(Encoder& e, const T& v, Version ver);
template <typename T>
void RawDecode(Decoder& d, T& v, Version ver);

// A null of type T (std::optional<T>'s empty state) in its protocol form.
template <typename T>
void RawEncodeNull(Encoder& e, Version ver) {
  if constexpr (std::is_same_v<T, std::string>) {
    e.StringLength(-1, ver.flexible);
  } else {
    e.Int32Length(-1, ver.flexible);  // bytes and arrays
  }
}

template <typename S, typename T>
void RawEncodeField(Encoder& e, const S& s, const kafka::Field<S, T>& f, Version ver) {
  if (!f.present(ver.number)) return;
  const T& member = s.*f.member;
  if constexpr (kafka::IsOptional<T>::value) {
    if (!member) {
      if (ver.number < f.nullable_from) {
        RawEncode(e, typename T::value_type{}, ver);  // not nullable here: empty
      } else {
        RawEncodeNull<typename T::value_type>(e, ver);
      }
      return;
    }
    RawEncode(e, *member, ver);
  } else {
    RawEncode(e, member, ver);
  }
}

template <typename T>
void RawEncode(Encoder& e, const T& v, Version ver) {
  if constexpr (std::is_same_v<T, bool>) {
    e.Fixed<int8_t>(v ? 1 : 0);
  } else if constexpr (std::is_integral_v<T>) {
    e.Fixed<T>(v);
  } else if constexpr (std::is_same_v<T, double>) {
    e.Fixed<uint64_t>(std::bit_cast<uint64_t>(v));
  } else if constexpr (std::is_same_v<T, Uuid>) {
    e.Fixed<uint64_t>(v.high);
    e.Fixed<uint64_t>(v.low);
  } else if constexpr (std::is_same_v<T, std::string>) {
    e.StringLength(static_cast<int32_t>(v.size()), ver.flexible);
    e.Raw(AsBytes(v));
  } else if constexpr (std::is_same_v<T, Buffer>) {
    e.Int32Length(static_cast<int32_t>(v.size()), ver.flexible);
    e.Raw(v);
  } else if constexpr (std::is_same_v<T, kafka::Records>) {
    ByteView b = v.bytes ? *v.bytes : ByteView{};
    e.Int32Length(static_cast<int32_t>(b.size()), ver.flexible);
    e.Raw(b);
  } else if constexpr (IsVector<T>::value) {
    e.Int32Length(static_cast<int32_t>(v.size()), ver.flexible);
    for (const auto& x : v) RawEncode(e, x, ver);
  } else if constexpr (kafka::IsOptional<T>::value) {
    if (v) {
      RawEncode(e, *v, ver);
    } else {
      RawEncodeNull<typename T::value_type>(e, ver);
    }
  } else {
    static_assert(kafka::Structure<T>, "no raw encoding for this type");
    std::apply([&](const auto&... f) { (RawEncodeField(e, v, f, ver), ...); }, T::Fields());
    if (ver.flexible) e.UnsignedVarint(0);
  }
}

// Reads a value that may be null into `v` (std::optional<T>).
template <typename T>
void RawDecodeNullable(Decoder& d, std::optional<T>& v, Version ver) {
  if constexpr (std::is_same_v<T, std::string>) {
    int32_t n = d.StringLength(ver.flexible);
    if (n < -1) d.Fail("negative string length");
    if (n < 0 || !d.ok()) return v.reset();
    v = std::string(AsString(d.Raw(static_cast<size_t>(n))));
  } else if constexpr (std::is_same_v<T, Buffer>) {
    int32_t n = d.Int32Length(ver.flexible);
    if (n < -1) d.Fail("negative bytes length");
    if (n < 0 || !d.ok()) return v.reset();
    ByteView b = d.Raw(static_cast<size_t>(n));
    v.emplace(b.begin(), b.end());
  } else {
    static_assert(IsVector<T>::value, "only strings, bytes and arrays are nullable");
    int32_t n = d.Int32Length(ver.flexible);
    if (n < -1) d.Fail("negative array length");
    if (n < 0 || !d.ok()) return v.reset();
    if (static_cast<size_t>(n) > d.remaining()) return d.Fail(fmt::format("array of {}", n));
    v.emplace();
    for (int32_t i = 0; i < n && d.ok(); ++i) {
      v->emplace_back();
      RawDecode(d, v->back(), ver);
    }
  }
}

template <typename S, typename T>
void RawDecodeField(Decoder& d, S& s, const kafka::Field<S, T>& f, Version ver) {
  if (!d.ok() || !f.present(ver.number)) return;
  T& member = s.*f.member;
  if constexpr (kafka::IsOptional<T>::value) {
    if (ver.number < f.nullable_from) {
      typename T::value_type value{};
      RawDecode(d, value, ver);
      member = std::move(value);
      return;
    }
  }
  RawDecode(d, member, ver);
}

template <typename T>
void RawDecode(Decoder& d, T& v, Version ver) {
  if constexpr (std::is_same_v<T, bool>) {
    v = d.Fixed<int8_t>() != 0;
  } else if constexpr (std::is_integral_v<T>) {
    v = d.Fixed<T>();
  } else if constexpr (std::is_same_v<T, double>) {
    v = std::bit_cast<double>(d.Fixed<uint64_t>());
  } else if constexpr (std::is_same_v<T, Uuid>) {
    v.high = d.Fixed<uint64_t>();
    v.low = d.Fixed<uint64_t>();
  } else if constexpr (std::is_same_v<T, kafka::Records>) {
    int32_t n = d.Int32Length(ver.flexible);
    if (n < -1) d.Fail("negative records length");
    if (n < 0 || !d.ok()) {
      v.bytes.reset();
      return;
    }
    v.bytes = d.Raw(static_cast<size_t>(n));
  } else if constexpr (kafka::IsOptional<T>::value) {
    RawDecodeNullable(d, v, ver);
  } else if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, Buffer> ||
                       IsVector<T>::value) {
    std::optional<T> value;
    RawDecodeNullable(d, value, ver);
    if (!d.ok()) return;
    if (!value) return d.Fail("null where a value is required");
    v = std::move(*value);
  } else {
    static_assert(kafka::Structure<T>, "no raw decoding for this type");
    std::apply([&](const auto&... f) { (RawDecodeField(d, v, f, ver), ...); }, T::Fields());
    if (ver.flexible) d.SkipTaggedFields();
  }
}

// The encoded body of `message` at `ver`.
template <kafka::Structure T>
Buffer EncodeBody(const T& message, Version ver) {
  Buffer out;
  Encoder e(out);
  RawEncode(e, message, ver);
  return out;
}

// Decodes a whole body; throws std::runtime_error when it is malformed or has bytes left over.
// Records in the result point into `body`.
template <kafka::Structure T>
T DecodeBody(ByteView body, Version ver) {
  Decoder d(body);
  T v{};
  RawDecode(d, v, ver);
  if (d.ok() && d.remaining() != 0) d.Fail(fmt::format("{} bytes left over", d.remaining()));
  if (!d.ok()) throw std::runtime_error(fmt::format("response does not decode: {}", d.error()));
  return v;
}

// Whether requests of `api_key` at `version` are flexible (header v2, compact body). False for
// keys Herald does not serve and versions outside its range (the header is then sent as v1).
inline bool FlexibleRequest(int16_t api_key, int16_t version) {
  const kafka::ApiInfo* api = kafka::FindApi(api_key);
  return api != nullptr && version >= api->flexible_from;
}

// Whether the response carries header v1 (never for ApiVersions).
inline bool FlexibleResponseHeader(int16_t api_key, int16_t version) {
  return api_key != static_cast<int16_t>(kafka::ApiKey::kApiVersions) &&
         FlexibleRequest(api_key, version);
}

// A whole request frame: int32 size, header v1 (v2 when `flexible_header`), body.
inline Buffer RequestFrame(int16_t api_key, int16_t api_version, int32_t correlation_id,
                           ByteView body, bool flexible_header,
                           const std::optional<std::string>& client_id = "bad-input-test") {
  Buffer out;
  Encoder e(out);
  e.Fixed<int32_t>(0);  // size, patched below
  e.Fixed<int16_t>(api_key);
  e.Fixed<int16_t>(api_version);
  e.Fixed<int32_t>(correlation_id);
  if (client_id) {
    e.StringLength(static_cast<int32_t>(client_id->size()), /*compact=*/false);
    e.Raw(AsBytes(*client_id));
  } else {
    e.StringLength(-1, /*compact=*/false);
  }
  if (flexible_header) e.UnsignedVarint(0);
  e.Raw(body);
  StoreBigEndian<int32_t>(out.data(), static_cast<int32_t>(out.size() - 4));
  return out;
}

// The frame of `message` as a request of `key` at `version`, header and body flexible as the
// version says.
template <kafka::Structure T>
Buffer EncodeRequest(kafka::ApiKey key, int16_t version, int32_t correlation_id, const T& message) {
  const auto k = static_cast<int16_t>(key);
  const bool flexible = FlexibleRequest(k, version);
  Buffer body = EncodeBody(message, Version{version, flexible});
  return RequestFrame(k, version, correlation_id, body, flexible);
}

// One response: the frame after its size prefix.
struct ResponseFrame {
  Buffer bytes;
  int32_t correlation_id = 0;
  size_t body_offset = 4;

  ByteView body() const { return ByteView(bytes).subspan(body_offset); }
};

// A decoded response; `body`'s records point into `frame`.
template <typename T>
struct Reply {
  ResponseFrame frame;
  T body;
};

// What WaitForClose saw.
struct CloseResult {
  bool closed = false;        // recv returned 0 or a connection error
  size_t bytes_received = 0;  // data that arrived before that
  std::string how;            // "eof", the errno text, or "timeout"
};

class RawWireClient {
 public:
  // Connects to 127.0.0.1:`port`; `timeout` bounds every later send and receive.
  explicit RawWireClient(uint16_t port,
                         std::chrono::milliseconds timeout = std::chrono::milliseconds(10000))
      : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    if (fd_ < 0) throw std::runtime_error(fmt::format("socket: {}", std::strerror(errno)));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      int err = errno;
      ::close(fd_);
      fd_ = -1;
      throw std::runtime_error(fmt::format("connect to port {}: {}", port, std::strerror(err)));
    }
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    SetTimeout(timeout);
  }
  ~RawWireClient() { Close(); }
  RawWireClient(const RawWireClient&) = delete;
  RawWireClient& operator=(const RawWireClient&) = delete;

  void SetTimeout(std::chrono::milliseconds timeout) {
    auto ms = std::max<int64_t>(timeout.count(), 1);
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(ms / 1000);
    tv.tv_usec = static_cast<suseconds_t>((ms % 1000) * 1000);
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    timeout_ = std::chrono::milliseconds(ms);
  }

  // Sends all of `bytes`. False when the connection is broken (reset, closed by the peer).
  bool TrySendRaw(ByteView bytes) {
    size_t sent = 0;
    while (sent < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        throw std::runtime_error("send timed out");
      }
      if (n <= 0) return false;
      sent += static_cast<size_t>(n);
    }
    return true;
  }
  // As TrySendRaw; throws when the connection is broken.
  void SendRaw(ByteView bytes) {
    if (!TrySendRaw(bytes)) {
      throw std::runtime_error(fmt::format("send failed: {}", std::strerror(errno)));
    }
  }
  // Sends `bytes` one byte per write, sleeping `pause` between writes.
  void SendByteByByte(ByteView bytes, std::chrono::microseconds pause) {
    for (size_t i = 0; i < bytes.size(); ++i) {
      SendRaw(bytes.subspan(i, 1));
      std::this_thread::sleep_for(pause);
    }
  }

  // The next correlation id this client hands out.
  int32_t NextCorrelationId() { return next_correlation_id_++; }

  // Sends `message` as a request; returns its correlation id.
  template <kafka::Structure T>
  int32_t Send(kafka::ApiKey key, int16_t version, const T& message) {
    int32_t id = NextCorrelationId();
    SendRaw(EncodeRequest(key, version, id, message));
    return id;
  }

  // Reads one response frame. nullopt when the server closed the connection (before or inside
  // the frame); throws on a timeout. `flexible_header`: the frame carries response header v1.
  std::optional<ResponseFrame> ReadFrame(bool flexible_header = false) {
    uint8_t size_bytes[4];
    if (!ReadExactly(size_bytes, sizeof(size_bytes))) return std::nullopt;
    int32_t size = LoadBigEndian<int32_t>(size_bytes);
    if (size < 4) throw std::runtime_error(fmt::format("response frame of size {}", size));
    ResponseFrame frame;
    frame.bytes.resize(static_cast<size_t>(size));
    if (!ReadExactly(frame.bytes.data(), frame.bytes.size())) return std::nullopt;
    frame.correlation_id = LoadBigEndian<int32_t>(frame.bytes.data());
    frame.body_offset = 4;
    if (flexible_header) {
      Decoder d(ByteView(frame.bytes).subspan(4));
      d.SkipTaggedFields();
      if (!d.ok()) throw std::runtime_error("bad response header tagged fields: " + d.error());
      frame.body_offset = frame.bytes.size() - d.remaining();
    }
    return frame;
  }

  // ReadFrame for a response to `key` at `version`, which must carry `correlation_id`; throws
  // when the connection closes instead.
  ResponseFrame ReadResponse(kafka::ApiKey key, int16_t version, int32_t correlation_id) {
    auto frame = ReadFrame(FlexibleResponseHeader(static_cast<int16_t>(key), version));
    if (!frame) {
      throw std::runtime_error(
          fmt::format("connection closed while waiting for correlation id {}", correlation_id));
    }
    if (frame->correlation_id != correlation_id) {
      throw std::runtime_error(
          fmt::format("got correlation id {}, expected {}", frame->correlation_id, correlation_id));
    }
    return std::move(*frame);
  }

  // Sends a request and decodes its answer as `Resp` at the same version.
  template <kafka::Structure Resp, kafka::Structure Req>
  Reply<Resp> Call(kafka::ApiKey key, int16_t version, const Req& request) {
    int32_t id = Send(key, version, request);
    return Receive<Resp>(key, version, id);
  }

  // Reads and decodes the answer to a request sent earlier.
  template <kafka::Structure Resp>
  Reply<Resp> Receive(kafka::ApiKey key, int16_t version, int32_t correlation_id) {
    Reply<Resp> reply;
    reply.frame = ReadResponse(key, version, correlation_id);
    const bool flexible = FlexibleRequest(static_cast<int16_t>(key), version);
    reply.body = DecodeBody<Resp>(reply.frame.body(), Version{version, flexible});
    return reply;
  }

  // Reads until the server closes the connection or `timeout` passes, discarding what arrives.
  CloseResult WaitForClose(std::chrono::milliseconds timeout) {
    CloseResult result;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    const auto saved = timeout_;
    uint8_t scratch[4096];
    while (true) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        result.how = "timeout";
        break;
      }
      SetTimeout(left);
      ssize_t n = ::recv(fd_, scratch, sizeof(scratch), 0);
      if (n > 0) {
        result.bytes_received += static_cast<size_t>(n);
        continue;
      }
      if (n == 0) {
        result.closed = true;
        result.how = "eof";
        break;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) continue;  // re-checks the deadline
      result.closed = true;
      result.how = std::strerror(errno);
      break;
    }
    SetTimeout(saved);
    return result;
  }

  // Stops sending (the server sees end of stream) but keeps reading.
  void ShutdownWrite() { ::shutdown(fd_, SHUT_WR); }

  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  // False when the connection closed (or was reset) before `n` bytes came; throws on a timeout.
  bool ReadExactly(uint8_t* out, size_t n) {
    size_t got = 0;
    while (got < n) {
      ssize_t r = ::recv(fd_, out + got, n - got, 0);
      if (r > 0) {
        got += static_cast<size_t>(r);
        continue;
      }
      if (r == 0) return false;
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        throw std::runtime_error(fmt::format("no response within {} ms ({} of {} bytes read)",
                                             timeout_.count(), got, n));
      }
      return false;  // ECONNRESET and friends
    }
    return true;
  }

  int fd_ = -1;
  int32_t next_correlation_id_ = 1;
  std::chrono::milliseconds timeout_{10000};
};

// A Produce of `records` (one batch) to partition 0 of `topic`.
inline kafka::ProduceRequest ProduceRequestFor(const std::string& topic, ByteView records,
                                               int16_t acks = -1) {
  kafka::ProduceRequest request;
  request.acks = acks;
  request.timeout_ms = 10000;
  kafka::ProduceRequestPartition partition;
  partition.partition_index = 0;
  partition.records.bytes = records;
  request.topics.push_back({topic, {partition}});
  return request;
}

// A Fetch of partition 0 of `topic` from `offset`, up to 1 MiB.
inline kafka::FetchRequest FetchRequestFor(const std::string& topic, int64_t offset,
                                           int32_t max_wait_ms, int32_t min_bytes = 1) {
  kafka::FetchRequest request;
  request.max_wait_ms = max_wait_ms;
  request.min_bytes = min_bytes;
  request.max_bytes = 1 << 20;
  kafka::FetchRequestPartition partition;
  partition.partition = 0;
  partition.fetch_offset = offset;
  partition.partition_max_bytes = 1 << 20;
  request.topics.push_back({topic, {}, {partition}});
  return request;
}

}  // namespace herald::testing::raw_wire
