// SyncGroup (API key 14), versions 0-5; v4 is the first flexible version.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "base/bytes.h"
#include "kafka/messages/common.h"
#include "kafka/schema.h"

namespace herald::kafka {

struct SyncGroupRequestAssignment {
  std::string member_id;
  // For protocol type "consumer": a versioned consumer-protocol assignment
  // (broker/consumer_protocol.h).
  Buffer assignment;

  bool operator==(const SyncGroupRequestAssignment&) const = default;
  static constexpr auto Fields() {
    using S = SyncGroupRequestAssignment;
    return std::tuple{Field{&S::member_id, 0}, Field{&S::assignment, 0}};
  }
};

struct SyncGroupRequest {
  std::string group_id;
  int32_t generation_id = 0;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::optional<std::string> protocol_type;             // v5+: checked against the group's when set
  std::optional<std::string> protocol_name;             // v5+
  std::vector<SyncGroupRequestAssignment> assignments;  // from the leader only

  bool operator==(const SyncGroupRequest&) const = default;
  static constexpr auto Fields() {
    using S = SyncGroupRequest;
    return std::tuple{Field{&S::group_id, 0},
                      Field{&S::generation_id, 0},
                      Field{&S::member_id, 0},
                      Field{&S::group_instance_id, 3, kNoMax, 3},
                      Field{&S::protocol_type, 5, kNoMax, 5},
                      Field{&S::protocol_name, 5, kNoMax, 5},
                      Field{&S::assignments, 0}};
  }
};

struct SyncGroupResponse {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  std::optional<std::string> protocol_type;  // v5+: the group's
  std::optional<std::string> protocol_name;  // v5+
  Buffer assignment;

  bool operator==(const SyncGroupResponse&) const = default;
  static constexpr auto Fields() {
    using S = SyncGroupResponse;
    return std::tuple{Field{&S::throttle_time_ms, 1}, Field{&S::error_code, 0},
                      Field{&S::protocol_type, 5, kNoMax, 5},
                      Field{&S::protocol_name, 5, kNoMax, 5}, Field{&S::assignment, 0}};
  }
};

}  // namespace herald::kafka
