// SaslHandshake (API key 17), versions 0-1, never flexible. The client names a SASL mechanism;
// the answer lists the enabled ones. After v0 the SASL tokens follow as raw frames (a 4-byte
// length and the bytes); after v1 they travel in SaslAuthenticate requests.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "kafka/messages/common.h"
#include "kafka/schema.h"

namespace herald::kafka {

struct SaslHandshakeRequest {
  std::string mechanism;

  bool operator==(const SaslHandshakeRequest&) const = default;
  static constexpr auto Fields() {
    using S = SaslHandshakeRequest;
    return std::tuple{Field{&S::mechanism, 0}};
  }
};

struct SaslHandshakeResponse {
  int16_t error_code = 0;
  std::vector<std::string> mechanisms;  // the enabled ones, on an error too

  bool operator==(const SaslHandshakeResponse&) const = default;
  static constexpr auto Fields() {
    using S = SaslHandshakeResponse;
    return std::tuple{Field{&S::error_code, 0}, Field{&S::mechanisms, 0}};
  }
};

}  // namespace herald::kafka
