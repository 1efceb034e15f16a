// CreateTopics (API key 19), versions 0-4.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "kafka/messages/common.h"
#include "kafka/schema.h"

namespace herald::kafka {

struct CreateTopicsRequestAssignment {
  int32_t partition_index = 0;
  std::vector<int32_t> broker_ids;

  bool operator==(const CreateTopicsRequestAssignment&) const = default;
  static constexpr auto Fields() {
    using S = CreateTopicsRequestAssignment;
    return std::tuple{Field{&S::partition_index, 0}, Field{&S::broker_ids, 0}};
  }
};

struct CreateTopicsRequestConfig {
  std::string name;
  std::optional<std::string> value;

  bool operator==(const CreateTopicsRequestConfig&) const = default;
  static constexpr auto Fields() {
    using S = CreateTopicsRequestConfig;
    return std::tuple{Field{&S::name, 0}, Field{&S::value, 0, kNoMax, 0}};
  }
};

struct CreateTopicsRequestTopic {
  std::string name;
  int32_t num_partitions = 0;      // -1: manual assignment or the broker's default
  int16_t replication_factor = 0;  // -1: manual assignment or the broker's default
  std::vector<CreateTopicsRequestAssignment> assignments;  // empty: automatic
  std::vector<CreateTopicsRequestConfig> configs;

  bool operator==(const CreateTopicsRequestTopic&) const = default;
  static constexpr auto Fields() {
    using S = CreateTopicsRequestTopic;
    return std::tuple{Field{&S::name, 0}, Field{&S::num_partitions, 0},
                      Field{&S::replication_factor, 0}, Field{&S::assignments, 0},
                      Field{&S::configs, 0}};
  }
};

struct CreateTopicsRequest {
  std::vector<CreateTopicsRequestTopic> topics;
  int32_t timeout_ms = 60000;
  bool validate_only = false;

  bool operator==(const CreateTopicsRequest&) const = default;
  static constexpr auto Fields() {
    using S = CreateTopicsRequest;
    return std::tuple{Field{&S::topics, 0}, Field{&S::timeout_ms, 0}, Field{&S::validate_only, 1}};
  }
};

struct CreateTopicsResponseTopic {
  std::string name;
  int16_t error_code = 0;
  std::optional<std::string> error_message;

  bool operator==(const CreateTopicsResponseTopic&) const = default;
  static constexpr auto Fields() {
    using S = CreateTopicsResponseTopic;
    return std::tuple{Field{&S::name, 0}, Field{&S::error_code, 0},
                      Field{&S::error_message, 1, kNoMax, 0}};
  }
};

struct CreateTopicsResponse {
  int32_t throttle_time_ms = 0;
  std::vector<CreateTopicsResponseTopic> topics;

  bool operator==(const CreateTopicsResponse&) const = default;
  static constexpr auto Fields() {
    using S = CreateTopicsResponse;
    return std::tuple{Field{&S::throttle_time_ms, 2}, Field{&S::topics, 0}};
  }
};

}  // namespace herald::kafka
