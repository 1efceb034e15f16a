// FindCoordinator (API key 10), versions 0-4; v3 is the first flexible version.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>

#include "kafka/messages/common.h"
#include "kafka/schema.h"

namespace herald::kafka {

struct FindCoordinatorRequest {
  std::string key;      // v0-3
  int8_t key_type = 0;  // 0 group, 1 transaction
  std::vector<std::string> coordinator_keys;  // v4+: several keys of that type

  bool operator==(const FindCoordinatorRequest&) const = default;
  static constexpr auto Fields() {
    using S = FindCoordinatorRequest;
    return std::tuple{Field{&S::key, 0, 3}, Field{&S::key_type, 1}, Field{&S::coordinator_keys, 4}};
  }
};

struct FindCoordinatorResponseCoordinator {
  std::string key;
  int32_t node_id = 0;
  std::string host;
  int32_t port = 0;
  int16_t error_code = 0;
  std::optional<std::string> error_message;

  bool operator==(const FindCoordinatorResponseCoordinator&) const = default;
  static constexpr auto Fields() {
    using S = FindCoordinatorResponseCoordinator;
    return std::tuple{Field{&S::key, 4},        Field{&S::node_id, 4},
                      Field{&S::host, 4},       Field{&S::port, 4},
                      Field{&S::error_code, 4}, Field{&S::error_message, 4, kNoMax, 4}};
  }
};

struct FindCoordinatorResponse {
  int32_t throttle_time_ms = 0;
  // v0-3: the one key's coordinator.
  int16_t error_code = 0;
  std::optional<std::string> error_message;
  int32_t node_id = 0;
  std::string host;
  int32_t port = 0;
  std::vector<FindCoordinatorResponseCoordinator> coordinators;  // v4+: one per key

  bool operator==(const FindCoordinatorResponse&) const = default;
  static constexpr auto Fields() {
    using S = FindCoordinatorResponse;
    return std::tuple{Field{&S::throttle_time_ms, 1},
                      Field{&S::error_code, 0, 3},
                      Field{&S::error_message, 1, 3, 1},
                      Field{&S::node_id, 0, 3},
                      Field{&S::host, 0, 3},
                      Field{&S::port, 0, 3},
                      Field{&S::coordinators, 4}};
  }
};

}  // namespace herald::kafka
