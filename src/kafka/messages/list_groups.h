// ListGroups (API key 16), versions 0-2.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "kafka/messages/common.h"
#include "kafka/schema.h"

namespace herald::kafka {

// Versions 0-2 of the request have no fields.
struct ListGroupsRequest {
  bool operator==(const ListGroupsRequest&) const = default;
  static constexpr auto Fields() { return std::tuple{}; }
};

struct ListGroupsResponseGroup {
  std::string group_id;
  std::string protocol_type;

  bool operator==(const ListGroupsResponseGroup&) const = default;
  static constexpr auto Fields() {
    using S = ListGroupsResponseGroup;
    return std::tuple{Field{&S::group_id, 0}, Field{&S::protocol_type, 0}};
  }
};

struct ListGroupsResponse {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  std::vector<ListGroupsResponseGroup> groups;

  bool operator==(const ListGroupsResponse&) const = default;
  static constexpr auto Fields() {
    using S = ListGroupsResponse;
    return std::tuple{Field{&S::throttle_time_ms, 1}, Field{&S::error_code, 0},
                      Field{&S::groups, 0}};
  }
};

}  // namespace herald::kafka
