// DeleteGroups (API key 42), versions 0-2; flexible from 2.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "kafka/messages/common.h"
#include "kafka/schema.h"

namespace herald::kafka {

struct DeleteGroupsRequest {
  std::vector<std::string> groups_names;

  bool operator==(const DeleteGroupsRequest&) const = default;
  static constexpr auto Fields() {
    using S = DeleteGroupsRequest;
    return std::tuple{Field{&S::groups_names, 0}};
  }
};

struct DeleteGroupsResponseResult {
  std::string group_id;
  int16_t error_code = 0;

  bool operator==(const DeleteGroupsResponseResult&) const = default;
  static constexpr auto Fields() {
    using S = DeleteGroupsResponseResult;
    return std::tuple{Field{&S::group_id, 0}, Field{&S::error_code, 0}};
  }
};

struct DeleteGroupsResponse {
  int32_t throttle_time_ms = 0;
  std::vector<DeleteGroupsResponseResult> results;

  bool operator==(const DeleteGroupsResponse&) const = default;
  static constexpr auto Fields() {
    using S = DeleteGroupsResponse;
    return std::tuple{Field{&S::throttle_time_ms, 0}, Field{&S::results, 0}};
  }
};

}  // namespace herald::kafka
