// RawKafkaClient: a blocking Kafka client on one TCP connection that sends hand-built requests
// (request header v1, response header v0), for tests that need exact control over what goes on
// the wire (e.g. sending the same produce batch twice). It encodes just the few requests tests
// use here, on purpose independently of src/kafka/, so that the server's codecs are tested
// against a second implementation.
//
// Header-only: the integration-test binary links only herald_storage.
// Thread-compatible: one thread at a time per client. Failures throw std::runtime_error.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/bytes.h"

namespace herald::testing {

// Big-endian encoding of request bodies.
class RequestWriter {
 public:
  RequestWriter& Int8(int8_t v) { return Put<int8_t>(v); }
  RequestWriter& Int16(int16_t v) { return Put<int16_t>(v); }
  RequestWriter& Int32(int32_t v) { return Put<int32_t>(v); }
  RequestWriter& Int64(int64_t v) { return Put<int64_t>(v); }
  RequestWriter& String(const std::string& s) {
    Int16(static_cast<int16_t>(s.size()));
    out_.insert(out_.end(), s.begin(), s.end());
    return *this;
  }
  RequestWriter& NullableString(const std::optional<std::string>& s) {
    if (!s) return Int16(-1);
    return String(*s);
  }
  RequestWriter& Bytes(ByteView b) {
    Int32(static_cast<int32_t>(b.size()));
    out_.insert(out_.end(), b.begin(), b.end());
    return *this;
  }
  RequestWriter& ArrayLength(int32_t n) { return Int32(n); }
  const Buffer& buffer() const { return out_; }

 private:
  template <typename T>
  RequestWriter& Put(T v) {
    size_t at = out_.size();
    out_.resize(at + sizeof(T));
    StoreBigEndian<T>(out_.data() + at, v);
    return *this;
  }
  Buffer out_;
};

// Big-endian decoding of response bodies; throws when the body is too short.
class ResponseReader {
 public:
  explicit ResponseReader(Buffer body) : body_(std::move(body)) {}
  int16_t Int16() { return Get<int16_t>(); }
  int32_t Int32() { return Get<int32_t>(); }
  int64_t Int64() { return Get<int64_t>(); }
  std::string String() {
    int16_t n = Int16();
    if (n < 0) return {};
    Need(static_cast<size_t>(n));
    std::string s(body_.begin() + static_cast<std::ptrdiff_t>(at_),
                  body_.begin() + static_cast<std::ptrdiff_t>(at_ + static_cast<size_t>(n)));
    at_ += static_cast<size_t>(n);
    return s;
  }
  size_t remaining() const { return body_.size() - at_; }

 private:
  void Need(size_t n) const {
    if (body_.size() - at_ < n) throw std::runtime_error("response body too short");
  }
  template <typename T>
  T Get() {
    Need(sizeof(T));
    T v = LoadBigEndian<T>(body_.data() + at_);
    at_ += sizeof(T);
    return v;
  }
  Buffer body_;
  size_t at_ = 0;
};

struct InitProducerIdResult {
  int16_t error_code = 0;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
};

struct ProducePartitionResult {
  int16_t error_code = 0;
  int64_t base_offset = -1;
};

class RawKafkaClient {
 public:
  // Connects to 127.0.0.1:`port`.
  explicit RawKafkaClient(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) throw std::runtime_error("socket failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      ::close(fd_);
      throw std::runtime_error(fmt::format("connect to port {} failed", port));
    }
    timeval tv{30, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  ~RawKafkaClient() { ::close(fd_); }
  RawKafkaClient(const RawKafkaClient&) = delete;
  RawKafkaClient& operator=(const RawKafkaClient&) = delete;

  // Sends one request and returns the response body (after the correlation id, which is checked).
  Buffer Call(int16_t api_key, int16_t api_version, const Buffer& body) {
    const int32_t correlation_id = next_correlation_id_++;
    RequestWriter header;
    header.Int16(api_key).Int16(api_version).Int32(correlation_id).String("raw-test");
    Buffer frame(4);
    const Buffer& h = header.buffer();
    frame.insert(frame.end(), h.begin(), h.end());
    frame.insert(frame.end(), body.begin(), body.end());
    StoreBigEndian<int32_t>(frame.data(), static_cast<int32_t>(frame.size() - 4));
    WriteAll(frame);
    Buffer size(4);
    ReadAll(size);
    const int32_t n = LoadBigEndian<int32_t>(size.data());
    if (n < 4) throw std::runtime_error(fmt::format("response frame of {} bytes", n));
    Buffer response(static_cast<size_t>(n));
    ReadAll(response);
    if (LoadBigEndian<int32_t>(response.data()) != correlation_id) {
      throw std::runtime_error("response correlation id does not match");
    }
    return Buffer(response.begin() + 4, response.end());
  }

  // Metadata v1 for `topics` (v1-3 create missing topics when the broker auto-creates).
  void Metadata(const std::vector<std::string>& topics) {
    RequestWriter w;
    w.ArrayLength(static_cast<int32_t>(topics.size()));
    for (const auto& t : topics) w.String(t);
    Call(3, 1, w.buffer());
  }

  // InitProducerId v0.
  InitProducerIdResult InitProducerId(const std::optional<std::string>& transactional_id) {
    RequestWriter w;
    w.NullableString(transactional_id).Int32(60000);
    ResponseReader r(Call(22, 0, w.buffer()));
    r.Int32();  // throttle
    InitProducerIdResult out;
    out.error_code = r.Int16();
    out.producer_id = r.Int64();
    out.producer_epoch = r.Int16();
    return out;
  }

  // Produce v3 of `records` (whole batches) to one partition, acks=all.
  ProducePartitionResult Produce(const std::string& topic, int32_t partition, ByteView records,
                                 int16_t acks = -1) {
    RequestWriter w;
    w.NullableString(std::nullopt).Int16(acks).Int32(30000);
    w.ArrayLength(1).String(topic).ArrayLength(1).Int32(partition).Bytes(records);
    ResponseReader r(Call(0, 3, w.buffer()));
    if (r.Int32() != 1) throw std::runtime_error("expected one topic in the produce response");
    r.String();
    if (r.Int32() != 1) throw std::runtime_error("expected one partition in the response");
    r.Int32();  // partition
    ProducePartitionResult out;
    out.error_code = r.Int16();
    out.base_offset = r.Int64();
    return out;
  }

 private:
  void WriteAll(const Buffer& b) {
    size_t done = 0;
    while (done < b.size()) {
      ssize_t n = ::send(fd_, b.data() + done, b.size() - done, MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error("send failed");
      done += static_cast<size_t>(n);
    }
  }
  void ReadAll(Buffer& b) {
    size_t done = 0;
    while (done < b.size()) {
      ssize_t n = ::recv(fd_, b.data() + done, b.size() - done, 0);
      if (n <= 0) throw std::runtime_error("connection closed or timed out");
      done += static_cast<size_t>(n);
    }
  }

  int fd_ = -1;
  int32_t next_correlation_id_ = 1;
};

}  // namespace herald::testing
