// JoinGroup (API key 11), versions 0-9; v6 is the first flexible version.
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

struct JoinGroupRequestProtocol {
  std::string name;
  Buffer metadata;  // for protocol type "consumer": a versioned consumer-protocol subscription

  bool operator==(const JoinGroupRequestProtocol&) const = default;
  static constexpr auto Fields() {
    using S = JoinGroupRequestProtocol;
    return std::tuple{Field{&S::name, 0}, Field{&S::metadata, 0}};
  }
};

struct JoinGroupRequest {
  std::string group_id;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = -1;  // v0 clients: use session_timeout_ms
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string protocol_type;
  std::vector<JoinGroupRequestProtocol> protocols;
  std::optional<std::string> reason;  // v8+: why the member (re)joins, for logs

  bool operator==(const JoinGroupRequest&) const = default;
  static constexpr auto Fields() {
    using S = JoinGroupRequest;
    return std::tuple{Field{&S::group_id, 0},
                      Field{&S::session_timeout_ms, 0},
                      Field{&S::rebalance_timeout_ms, 1},
                      Field{&S::member_id, 0},
                      Field{&S::group_instance_id, 5, kNoMax, 5},
                      Field{&S::protocol_type, 0},
                      Field{&S::protocols, 0},
                      Field{&S::reason, 8, kNoMax, 8}};
  }
};

struct JoinGroupResponseMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  Buffer metadata;

  bool operator==(const JoinGroupResponseMember&) const = default;
  static constexpr auto Fields() {
    using S = JoinGroupResponseMember;
    return std::tuple{Field{&S::member_id, 0}, Field{&S::group_instance_id, 5, kNoMax, 5},
                      Field{&S::metadata, 0}};
  }
};

struct JoinGroupResponse {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  int32_t generation_id = -1;
  std::optional<std::string> protocol_type;  // v7+
  std::optional<std::string> protocol_name;  // null (v7+) or empty (before) on an error
  std::string leader;
  bool skip_assignment = false;  // v9+: never set, the leader always assigns
  std::string member_id;
  std::vector<JoinGroupResponseMember> members;  // filled for the leader only

  bool operator==(const JoinGroupResponse&) const = default;
  static constexpr auto Fields() {
    using S = JoinGroupResponse;
    return std::tuple{Field{&S::throttle_time_ms, 2},
                      Field{&S::error_code, 0},
                      Field{&S::generation_id, 0},
                      Field{&S::protocol_type, 7, kNoMax, 7},
                      Field{&S::protocol_name, 0, kNoMax, 7},
                      Field{&S::leader, 0},
                      Field{&S::skip_assignment, 9},
                      Field{&S::member_id, 0},
                      Field{&S::members, 0}};
  }
};

}  // namespace herald::kafka
