// CreateAcls (API key 30), versions 0-3; v2 is the first flexible version. v1 adds the pattern
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

// Kafka's CreatableAcl.
struct CreateAclsRequestCreation {
  int8_t resource_type = 0;
  std::string resource_name;
  int8_t resource_pattern_type = 3;  // v1+; v0 means literal
  std::string principal;
  std::string host;
  int8_t operation = 0;
  int8_t permission_type = 0;

  bool operator==(const CreateAclsRequestCreation&) const = default;
  static constexpr auto Fields() {
    using S = CreateAclsRequestCreation;
    return std::tuple{Field{&S::resource_type, 0},
                      Field{&S::resource_name, 0},
                      Field{&S::resource_pattern_type, 1},
                      Field{&S::principal, 0},
                      Field{&S::host, 0},
                      Field{&S::operation, 0},
                      Field{&S::permission_type, 0}};
  }
};

struct CreateAclsRequest {
  std::vector<CreateAclsRequestCreation> creations;

  bool operator==(const CreateAclsRequest&) const = default;
  static constexpr auto Fields() {
    using S = CreateAclsRequest;
    return std::tuple{Field{&S::creations, 0}};
  }
};

// Kafka's AclCreationResult: one per creation, in the request's order.
struct CreateAclsResponseResult {
  int16_t error_code = 0;
  std::optional<std::string> error_message;

  bool operator==(const CreateAclsResponseResult&) const = default;
  static constexpr auto Fields() {
    using S = CreateAclsResponseResult;
    return std::tuple{Field{&S::error_code, 0}, Field{&S::error_message, 0, kNoMax, 0}};
  }
};

struct CreateAclsResponse {
  int32_t throttle_time_ms = 0;
  std::vector<CreateAclsResponseResult> results;

  bool operator==(const CreateAclsResponse&) const = default;
  static constexpr auto Fields() {
    using S = CreateAclsResponse;
    return std::tuple{Field{&S::throttle_time_ms, 0}, Field{&S::results, 0}};
  }
};

}  // namespace herald::kafka
