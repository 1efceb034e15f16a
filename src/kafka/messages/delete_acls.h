// DeleteAcls (API key 31), versions 0-3; v2 is the first flexible version. v1 adds the pattern
// type; v3 only adds the USER resource type (no change on the wire). Kafka 4.0 dropped v0. The
// codes are listed in describe_acls.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "kafka/messages/common.h"
#include "kafka/schema.h"

namespace herald::kafka {

struct DeleteAclsRequestFilter {
  int8_t resource_type_filter = 0;
  std::optional<std::string> resource_name_filter;  // null: any name
  int8_t pattern_type_filter = 3;                   // v1+; v0 means literal
  std::optional<std::string> principal_filter;      // null: any principal
  std::optional<std::string> host_filter;           // null: any host
  int8_t operation = 0;
  int8_t permission_type = 0;

  bool operator==(const DeleteAclsRequestFilter&) const = default;
  static constexpr auto Fields() {
    using S = DeleteAclsRequestFilter;
    return std::tuple{Field{&S::resource_type_filter, 0},
                      Field{&S::resource_name_filter, 0, kNoMax, 0},
                      Field{&S::pattern_type_filter, 1},
                      Field{&S::principal_filter, 0, kNoMax, 0},
                      Field{&S::host_filter, 0, kNoMax, 0},
                      Field{&S::operation, 0},
                      Field{&S::permission_type, 0}};
  }
};

struct DeleteAclsRequest {
  std::vector<DeleteAclsRequestFilter> filters;

  bool operator==(const DeleteAclsRequest&) const = default;
  static constexpr auto Fields() {
    using S = DeleteAclsRequest;
    return std::tuple{Field{&S::filters, 0}};
  }
};

struct DeleteAclsResponseMatchingAcl {
  int16_t error_code = 0;
  std::optional<std::string> error_message;
  int8_t resource_type = 0;
  std::string resource_name;
  int8_t pattern_type = 3;  // v1+
  std::string principal;
  std::string host;
  int8_t operation = 0;
  int8_t permission_type = 0;

  bool operator==(const DeleteAclsResponseMatchingAcl&) const = default;
  static constexpr auto Fields() {
    using S = DeleteAclsResponseMatchingAcl;
    return std::tuple{Field{&S::error_code, 0},
                      Field{&S::error_message, 0, kNoMax, 0},
                      Field{&S::resource_type, 0},
                      Field{&S::resource_name, 0},
                      Field{&S::pattern_type, 1},
                      Field{&S::principal, 0},
                      Field{&S::host, 0},
                      Field{&S::operation, 0},
                      Field{&S::permission_type, 0}};
  }
};

// One per filter, in the request's order.
struct DeleteAclsResponseFilterResult {
  int16_t error_code = 0;
  std::optional<std::string> error_message;
  std::vector<DeleteAclsResponseMatchingAcl> matching_acls;

  bool operator==(const DeleteAclsResponseFilterResult&) const = default;
  static constexpr auto Fields() {
    using S = DeleteAclsResponseFilterResult;
    return std::tuple{Field{&S::error_code, 0}, Field{&S::error_message, 0, kNoMax, 0},
                      Field{&S::matching_acls, 0}};
  }
};

struct DeleteAclsResponse {
  int32_t throttle_time_ms = 0;
  std::vector<DeleteAclsResponseFilterResult> filter_results;

  bool operator==(const DeleteAclsResponse&) const = default;
  static constexpr auto Fields() {
    using S = DeleteAclsResponse;
    return std::tuple{Field{&S::throttle_time_ms, 0}, Field{&S::filter_results, 0}};
  }
};

}  // namespace herald::kafka
