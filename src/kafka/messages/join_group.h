// JoinGroup (API key 11), versions 0-5.
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

  bool operator==(const JoinGroupRequest&) const = default;
  static constexpr auto Fields() {
    using S = JoinGroupRequest;
    return std::tuple{Field{&S::group_id, 0},
                      Field{&S::session_timeout_ms, 0},
                      Field{&S::rebalance_timeout_ms, 1},
                      Field{&S::member_id, 0},
                      Field{&S::group_instance_id, 5, kNoMax, 5},
                      Field{&S::protocol_type, 0},
                      Field{&S::protocols, 0}};
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
  std::string protocol_name;
  std::string leader;
  std::string member_id;
  std::vector<JoinGroupResponseMember> members;  // filled for the leader only

  bool operator==(const JoinGroupResponse&) const = default;
  static constexpr auto Fields() {
    using S = JoinGroupResponse;
    return std::tuple{Field{&S::throttle_time_ms, 2}, Field{&S::error_code, 0},
                      Field{&S::generation_id, 0},    Field{&S::protocol_name, 0},
                      Field{&S::leader, 0},           Field{&S::member_id, 0},
                      Field{&S::members, 0}};
  }
};

}  // namespace herald::kafka
