// DescribeAcls (API key 29), versions 0-3; v2 is the first flexible version. v1 adds the pattern
// type; v3 only adds the USER resource type (no change on the wire). Kafka 4.0 dropped v0.
//
// The codes, as Kafka's org.apache.kafka.common.acl and resource enums number them:
//   resource type   0 unknown, 1 any, 2 topic, 3 group, 4 cluster, 5 transactional id,
//                   6 delegation token, 7 user
//   pattern type    0 unknown, 1 any, 2 match, 3 literal, 4 prefixed
//   operation       0 unknown, 1 any, 2 all, 3 read, 4 write, 5 create, 6 delete, 7 alter,
//                   8 describe, 9 cluster action, 10 describe configs, 11 alter configs,
//                   12 idempotent write, 13 create tokens, 14 describe tokens
//   permission type 0 unknown, 1 any, 2 deny, 3 allow
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "kafka/messages/common.h"
#include "kafka/schema.h"

namespace herald::kafka {

struct DescribeAclsRequest {
  int8_t resource_type_filter = 0;
  std::optional<std::string> resource_name_filter;  // null: any name
  int8_t pattern_type_filter = 3;                   // v1+; v0 means literal
  std::optional<std::string> principal_filter;      // null: any principal
  std::optional<std::string> host_filter;           // null: any host
  int8_t operation = 0;
  int8_t permission_type = 0;

  bool operator==(const DescribeAclsRequest&) const = default;
  static constexpr auto Fields() {
    using S = DescribeAclsRequest;
    return std::tuple{Field{&S::resource_type_filter, 0},
                      Field{&S::resource_name_filter, 0, kNoMax, 0},
                      Field{&S::pattern_type_filter, 1},
                      Field{&S::principal_filter, 0, kNoMax, 0},
                      Field{&S::host_filter, 0, kNoMax, 0},
                      Field{&S::operation, 0},
                      Field{&S::permission_type, 0}};
  }
};

// Kafka's AclDescription.
struct DescribeAclsResponseAcl {
  std::string principal;
  std::string host;
  int8_t operation = 0;
  int8_t permission_type = 0;

  bool operator==(const DescribeAclsResponseAcl&) const = default;
  static constexpr auto Fields() {
    using S = DescribeAclsResponseAcl;
    return std::tuple{Field{&S::principal, 0}, Field{&S::host, 0}, Field{&S::operation, 0},
                      Field{&S::permission_type, 0}};
  }
};

// Kafka's DescribeAclsResource; its fields are named Type and Name.
struct DescribeAclsResponseResource {
  int8_t type = 0;
  std::string name;
  int8_t pattern_type = 3;  // v1+
  std::vector<DescribeAclsResponseAcl> acls;

  bool operator==(const DescribeAclsResponseResource&) const = default;
  static constexpr auto Fields() {
    using S = DescribeAclsResponseResource;
    return std::tuple{Field{&S::type, 0}, Field{&S::name, 0}, Field{&S::pattern_type, 1},
                      Field{&S::acls, 0}};
  }
};

struct DescribeAclsResponse {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  std::optional<std::string> error_message;
  std::vector<DescribeAclsResponseResource> resources;

  bool operator==(const DescribeAclsResponse&) const = default;
  static constexpr auto Fields() {
    using S = DescribeAclsResponse;
    return std::tuple{Field{&S::throttle_time_ms, 0}, Field{&S::error_code, 0},
                      Field{&S::error_message, 0, kNoMax, 0}, Field{&S::resources, 0}};
  }
};

}  // namespace herald::kafka
