// DescribeUserScramCredentials (API key 50), version 0 (KIP-554): the SCRAM mechanisms and
// iteration counts each user has credentials for. Flexible. Mechanisms: 0 unknown,
// 1 SCRAM-SHA-256, 2 SCRAM-SHA-512.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "kafka/messages/common.h"
#include "kafka/schema.h"

namespace herald::kafka {

// Kafka's UserName.
struct DescribeUserScramCredentialsRequestUser {
  std::string name;

  bool operator==(const DescribeUserScramCredentialsRequestUser&) const = default;
  static constexpr auto Fields() {
    using S = DescribeUserScramCredentialsRequestUser;
    return std::tuple{Field{&S::name, 0}};
  }
};

struct DescribeUserScramCredentialsRequest {
  // Null or empty: every user.
  std::optional<std::vector<DescribeUserScramCredentialsRequestUser>> users =
      std::vector<DescribeUserScramCredentialsRequestUser>{};

  bool operator==(const DescribeUserScramCredentialsRequest&) const = default;
  static constexpr auto Fields() {
    using S = DescribeUserScramCredentialsRequest;
    return std::tuple{Field{&S::users, 0, kNoMax, 0}};
  }
};

// Kafka's CredentialInfo.
struct DescribeUserScramCredentialsResponseCredentialInfo {
  int8_t mechanism = 0;
  int32_t iterations = 0;

  bool operator==(const DescribeUserScramCredentialsResponseCredentialInfo&) const = default;
  static constexpr auto Fields() {
    using S = DescribeUserScramCredentialsResponseCredentialInfo;
    return std::tuple{Field{&S::mechanism, 0}, Field{&S::iterations, 0}};
  }
};

// One per user.
struct DescribeUserScramCredentialsResponseResult {
  std::string user;
  int16_t error_code = 0;
  std::optional<std::string> error_message;
  std::vector<DescribeUserScramCredentialsResponseCredentialInfo> credential_infos;

  bool operator==(const DescribeUserScramCredentialsResponseResult&) const = default;
  static constexpr auto Fields() {
    using S = DescribeUserScramCredentialsResponseResult;
    return std::tuple{Field{&S::user, 0}, Field{&S::error_code, 0},
                      Field{&S::error_message, 0, kNoMax, 0}, Field{&S::credential_infos, 0}};
  }
};

struct DescribeUserScramCredentialsResponse {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;  // message-level: authorization or infrastructure errors
  std::optional<std::string> error_message;
  std::vector<DescribeUserScramCredentialsResponseResult> results;

  bool operator==(const DescribeUserScramCredentialsResponse&) const = default;
  static constexpr auto Fields() {
    using S = DescribeUserScramCredentialsResponse;
    return std::tuple{Field{&S::throttle_time_ms, 0}, Field{&S::error_code, 0},
                      Field{&S::error_message, 0, kNoMax, 0}, Field{&S::results, 0}};
  }
};

}  // namespace herald::kafka
