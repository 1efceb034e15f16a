// CreatePartitions (API key 37), versions 0-3; flexible from 2.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "kafka/messages/common.h"
#include "kafka/schema.h"

namespace herald::kafka {

struct CreatePartitionsRequestAssignment {
  std::vector<int32_t> broker_ids;

  bool operator==(const CreatePartitionsRequestAssignment&) const = default;
  static constexpr auto Fields() {
    using S = CreatePartitionsRequestAssignment;
    return std::tuple{Field{&S::broker_ids, 0}};
  }
};

struct CreatePartitionsRequestTopic {
  std::string name;
  int32_t count = 0;  // the new partition count
  // One entry per new partition; null lets the broker place them.
  std::optional<std::vector<CreatePartitionsRequestAssignment>> assignments =
      std::vector<CreatePartitionsRequestAssignment>{};

  bool operator==(const CreatePartitionsRequestTopic&) const = default;
  static constexpr auto Fields() {
    using S = CreatePartitionsRequestTopic;
    return std::tuple{Field{&S::name, 0}, Field{&S::count, 0},
                      Field{&S::assignments, 0, kNoMax, 0}};
  }
};

struct CreatePartitionsRequest {
  std::vector<CreatePartitionsRequestTopic> topics;
  int32_t timeout_ms = 0;
  bool validate_only = false;

  bool operator==(const CreatePartitionsRequest&) const = default;
  static constexpr auto Fields() {
    using S = CreatePartitionsRequest;
    return std::tuple{Field{&S::topics, 0}, Field{&S::timeout_ms, 0}, Field{&S::validate_only, 0}};
  }
};

struct CreatePartitionsResponseResult {
  std::string name;
  int16_t error_code = 0;
  std::optional<std::string> error_message;

  bool operator==(const CreatePartitionsResponseResult&) const = default;
  static constexpr auto Fields() {
    using S = CreatePartitionsResponseResult;
    return std::tuple{Field{&S::name, 0}, Field{&S::error_code, 0},
                      Field{&S::error_message, 0, kNoMax, 0}};
  }
};

struct CreatePartitionsResponse {
  int32_t throttle_time_ms = 0;
  std::vector<CreatePartitionsResponseResult> results;

  bool operator==(const CreatePartitionsResponse&) const = default;
  static constexpr auto Fields() {
    using S = CreatePartitionsResponse;
    return std::tuple{Field{&S::throttle_time_ms, 0}, Field{&S::results, 0}};
  }
};

}  // namespace herald::kafka
