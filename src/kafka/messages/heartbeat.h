// Heartbeat (API key 12), versions 0-4; v4 is the first flexible version.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>

#include "kafka/messages/common.h"
#include "kafka/schema.h"

namespace herald::kafka {

struct HeartbeatRequest {
  std::string group_id;
  int32_t generation_id = 0;
  std::string member_id;
  std::optional<std::string> group_instance_id;

  bool operator==(const HeartbeatRequest&) const = default;
  static constexpr auto Fields() {
    using S = HeartbeatRequest;
    return std::tuple{Field{&S::group_id, 0}, Field{&S::generation_id, 0}, Field{&S::member_id, 0},
                      Field{&S::group_instance_id, 3, kNoMax, 3}};
  }
};

struct HeartbeatResponse {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;

  bool operator==(const HeartbeatResponse&) const = default;
  static constexpr auto Fields() {
    using S = HeartbeatResponse;
    return std::tuple{Field{&S::throttle_time_ms, 1}, Field{&S::error_code, 0}};
  }
};

}  // namespace herald::kafka
