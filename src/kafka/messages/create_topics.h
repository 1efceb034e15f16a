// CreateTopics (API key 19), versions 0-7; flexible from 5.
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

// v5+: a config of the topic created, as DescribeConfigs reports it.
struct CreateTopicsResponseConfig {
  std::string name;
  std::optional<std::string> value;
  bool read_only = false;
  int8_t config_source = -1;
  bool is_sensitive = false;

  bool operator==(const CreateTopicsResponseConfig&) const = default;
  static constexpr auto Fields() {
    using S = CreateTopicsResponseConfig;
    return std::tuple{Field{&S::name, 5}, Field{&S::value, 5, kNoMax, 5}, Field{&S::read_only, 5},
                      Field{&S::config_source, 5}, Field{&S::is_sensitive, 5}};
  }
};

struct CreateTopicsResponseTopic {
  std::string name;
  Uuid topic_id;  // v7+
  int16_t error_code = 0;
  std::optional<std::string> error_message;
  int32_t num_partitions = -1;      // v5+
  int16_t replication_factor = -1;  // v5+
  std::optional<std::vector<CreateTopicsResponseConfig>> configs =
      std::vector<CreateTopicsResponseConfig>{};  // v5+

  bool operator==(const CreateTopicsResponseTopic&) const = default;
  static constexpr auto Fields() {
    using S = CreateTopicsResponseTopic;
    return std::tuple{Field{&S::name, 0},
                      Field{&S::topic_id, 7},
                      Field{&S::error_code, 0},
                      Field{&S::error_message, 1, kNoMax, 0},
                      Field{&S::num_partitions, 5},
                      Field{&S::replication_factor, 5},
                      Field{&S::configs, 5, kNoMax, 5}};
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
