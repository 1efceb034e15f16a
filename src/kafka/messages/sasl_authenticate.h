// SaslAuthenticate (API key 36), versions 0-2; v2 is the first flexible version. One SASL token
// each way, after SaslHandshake v1.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>

#include "base/bytes.h"
#include "kafka/messages/common.h"
#include "kafka/schema.h"

namespace herald::kafka {

struct SaslAuthenticateRequest {
  Buffer auth_bytes;

  bool operator==(const SaslAuthenticateRequest&) const = default;
  static constexpr auto Fields() {
    using S = SaslAuthenticateRequest;
    return std::tuple{Field{&S::auth_bytes, 0}};
  }
};

struct SaslAuthenticateResponse {
  int16_t error_code = 0;
  std::optional<std::string> error_message;
  Buffer auth_bytes;  // always sent, empty when there is nothing to say
  // v1+: how long the session may last before the client authenticates again; 0: for ever
  // (Kafka's default, connections.max.reauth.ms 0).
  int64_t session_lifetime_ms = 0;

  bool operator==(const SaslAuthenticateResponse&) const = default;
  static constexpr auto Fields() {
    using S = SaslAuthenticateResponse;
    return std::tuple{Field{&S::error_code, 0}, Field{&S::error_message, 0, kNoMax, 0},
                      Field{&S::auth_bytes, 0}, Field{&S::session_lifetime_ms, 1}};
  }
};

}  // namespace herald::kafka
