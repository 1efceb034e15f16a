// FindCoordinator (API key 10), versions 0-2.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>

#include "kafka/messages/common.h"
#include "kafka/schema.h"

namespace herald::kafka {

struct FindCoordinatorRequest {
  std::string key;
  int8_t key_type = 0;  // 0 group, 1 transaction

  bool operator==(const FindCoordinatorRequest&) const = default;
  static constexpr auto Fields() {
    using S = FindCoordinatorRequest;
    return std::tuple{Field{&S::key, 0}, Field{&S::key_type, 1}};
  }
};

struct FindCoordinatorResponse {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  std::optional<std::string> error_message;
  int32_t node_id = 0;
  std::string host;
  int32_t port = 0;

  bool operator==(const FindCoordinatorResponse&) const = default;
  static constexpr auto Fields() {
    using S = FindCoordinatorResponse;
    return std::tuple{Field{&S::throttle_time_ms, 1},
                      Field{&S::error_code, 0},
                      Field{&S::error_message, 1, kNoMax, 1},
                      Field{&S::node_id, 0},
                      Field{&S::host, 0},
                      Field{&S::port, 0}};
  }
};

}  // namespace herald::kafka
