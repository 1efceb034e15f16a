// AlterUserScramCredentials (API key 51), version 0 (KIP-554): deletes and upserts SCRAM
// credentials; the client salts and hashes the password itself. Flexible. Mechanisms: 0 unknown,
// 1 SCRAM-SHA-256, 2 SCRAM-SHA-512.
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

// Kafka's ScramCredentialDeletion.
struct AlterUserScramCredentialsRequestDeletion {
  std::string name;
  int8_t mechanism = 0;

  bool operator==(const AlterUserScramCredentialsRequestDeletion&) const = default;
  static constexpr auto Fields() {
    using S = AlterUserScramCredentialsRequestDeletion;
    return std::tuple{Field{&S::name, 0}, Field{&S::mechanism, 0}};
  }
};

// Kafka's ScramCredentialUpsertion.
struct AlterUserScramCredentialsRequestUpsertion {
  std::string name;
  int8_t mechanism = 0;
  int32_t iterations = 0;
  Buffer salt;
  Buffer salted_password;  // SaltedPassword = Hi(password, salt, iterations), RFC 5802

  bool operator==(const AlterUserScramCredentialsRequestUpsertion&) const = default;
  static constexpr auto Fields() {
    using S = AlterUserScramCredentialsRequestUpsertion;
    return std::tuple{Field{&S::name, 0}, Field{&S::mechanism, 0}, Field{&S::iterations, 0},
                      Field{&S::salt, 0}, Field{&S::salted_password, 0}};
  }
};

struct AlterUserScramCredentialsRequest {
  std::vector<AlterUserScramCredentialsRequestDeletion> deletions;
  std::vector<AlterUserScramCredentialsRequestUpsertion> upsertions;

  bool operator==(const AlterUserScramCredentialsRequest&) const = default;
  static constexpr auto Fields() {
    using S = AlterUserScramCredentialsRequest;
    return std::tuple{Field{&S::deletions, 0}, Field{&S::upsertions, 0}};
  }
};

// One per user the request names.
struct AlterUserScramCredentialsResponseResult {
  std::string user;
  int16_t error_code = 0;
  std::optional<std::string> error_message;

  bool operator==(const AlterUserScramCredentialsResponseResult&) const = default;
  static constexpr auto Fields() {
    using S = AlterUserScramCredentialsResponseResult;
    return std::tuple{Field{&S::user, 0}, Field{&S::error_code, 0},
                      Field{&S::error_message, 0, kNoMax, 0}};
  }
};

struct AlterUserScramCredentialsResponse {
  int32_t throttle_time_ms = 0;
  std::vector<AlterUserScramCredentialsResponseResult> results;

  bool operator==(const AlterUserScramCredentialsResponse&) const = default;
  static constexpr auto Fields() {
    using S = AlterUserScramCredentialsResponse;
    return std::tuple{Field{&S::throttle_time_ms, 0}, Field{&S::results, 0}};
  }
};

}  // namespace herald::kafka
