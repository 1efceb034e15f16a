// DescribeGroups (API key 15), versions 0-5; v5 is the first flexible version.
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

struct DescribeGroupsRequest {
  std::vector<std::string> groups;
  bool include_authorized_operations = false;

  bool operator==(const DescribeGroupsRequest&) const = default;
  static constexpr auto Fields() {
    using S = DescribeGroupsRequest;
    return std::tuple{Field{&S::groups, 0}, Field{&S::include_authorized_operations, 3}};
  }
};

struct DescribeGroupsResponseMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  Buffer member_metadata;    // only while the group is Stable
  Buffer member_assignment;  // only while the group is Stable

  bool operator==(const DescribeGroupsResponseMember&) const = default;
  static constexpr auto Fields() {
    using S = DescribeGroupsResponseMember;
    return std::tuple{Field{&S::member_id, 0},       Field{&S::group_instance_id, 4, kNoMax, 4},
                      Field{&S::client_id, 0},       Field{&S::client_host, 0},
                      Field{&S::member_metadata, 0}, Field{&S::member_assignment, 0}};
  }
};

struct DescribeGroupsResponseGroup {
  int16_t error_code = 0;
  std::string group_id;
  std::string group_state;    // or empty
  std::string protocol_type;  // or empty
  std::string protocol_data;  // the protocol in use while Stable, or empty
  std::vector<DescribeGroupsResponseMember> members;
  int32_t authorized_operations = kOperationsNotProvided;

  bool operator==(const DescribeGroupsResponseGroup&) const = default;
  static constexpr auto Fields() {
    using S = DescribeGroupsResponseGroup;
    return std::tuple{Field{&S::error_code, 0},           Field{&S::group_id, 0},
                      Field{&S::group_state, 0},          Field{&S::protocol_type, 0},
                      Field{&S::protocol_data, 0},        Field{&S::members, 0},
                      Field{&S::authorized_operations, 3}};
  }
};

struct DescribeGroupsResponse {
  int32_t throttle_time_ms = 0;
  std::vector<DescribeGroupsResponseGroup> groups;

  bool operator==(const DescribeGroupsResponse&) const = default;
  static constexpr auto Fields() {
    using S = DescribeGroupsResponse;
    return std::tuple{Field{&S::throttle_time_ms, 1}, Field{&S::groups, 0}};
  }
};

}  // namespace herald::kafka
