// ListGroups (API key 16), versions 0-4; v3 is the first flexible version.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "kafka/messages/common.h"
#include "kafka/schema.h"

namespace herald::kafka {

// Versions 0-3 of the request have no fields; v4 filters by state (KIP-518).
struct ListGroupsRequest {
  std::vector<std::string> states_filter;  // empty: every state

  bool operator==(const ListGroupsRequest&) const = default;
  static constexpr auto Fields() {
    using S = ListGroupsRequest;
    return std::tuple{Field{&S::states_filter, 4}};
  }
};

struct ListGroupsResponseGroup {
  std::string group_id;
  std::string protocol_type;
  std::string group_state;  // v4+

  bool operator==(const ListGroupsResponseGroup&) const = default;
  static constexpr auto Fields() {
    using S = ListGroupsResponseGroup;
    return std::tuple{Field{&S::group_id, 0}, Field{&S::protocol_type, 0},
                      Field{&S::group_state, 4}};
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
