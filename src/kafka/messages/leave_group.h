// LeaveGroup (API key 13), versions 0-5; v4 is the first flexible version.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "kafka/messages/common.h"
#include "kafka/schema.h"

namespace herald::kafka {

struct LeaveGroupRequestMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::optional<std::string> reason;  // v5+: why the member leaves, for logs

  bool operator==(const LeaveGroupRequestMember&) const = default;
  static constexpr auto Fields() {
    using S = LeaveGroupRequestMember;
    return std::tuple{Field{&S::member_id, 3}, Field{&S::group_instance_id, 3, kNoMax, 3},
                      Field{&S::reason, 5, kNoMax, 5}};
  }
};

struct LeaveGroupRequest {
  std::string group_id;
  std::string member_id;                         // v0-2: the one member leaving
  std::vector<LeaveGroupRequestMember> members;  // v3+: a batch of members leaving

  bool operator==(const LeaveGroupRequest&) const = default;
  static constexpr auto Fields() {
    using S = LeaveGroupRequest;
    return std::tuple{Field{&S::group_id, 0}, Field{&S::member_id, 0, 2}, Field{&S::members, 3}};
  }
};

struct LeaveGroupResponseMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  int16_t error_code = 0;

  bool operator==(const LeaveGroupResponseMember&) const = default;
  static constexpr auto Fields() {
    using S = LeaveGroupResponseMember;
    return std::tuple{Field{&S::member_id, 3}, Field{&S::group_instance_id, 3, kNoMax, 3},
                      Field{&S::error_code, 3}};
  }
};

struct LeaveGroupResponse {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  std::vector<LeaveGroupResponseMember> members;

  bool operator==(const LeaveGroupResponse&) const = default;
  static constexpr auto Fields() {
    using S = LeaveGroupResponse;
    return std::tuple{Field{&S::throttle_time_ms, 1}, Field{&S::error_code, 0},
                      Field{&S::members, 3}};
  }
};

}  // namespace herald::kafka
