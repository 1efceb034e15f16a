// Produce (API key 0), versions 3-9; flexible from 9.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "kafka/messages/common.h"
#include "kafka/schema.h"

namespace herald::kafka {

struct ProduceRequestPartition {
  int32_t partition_index = 0;
  Records records;

  bool operator==(const ProduceRequestPartition&) const = default;
  static constexpr auto Fields() {
    using S = ProduceRequestPartition;
    return std::tuple{Field{&S::partition_index, 0}, Field{&S::records, 0}};
  }
};

struct ProduceRequestTopic {
  std::string name;
  std::vector<ProduceRequestPartition> partitions;

  bool operator==(const ProduceRequestTopic&) const = default;
  static constexpr auto Fields() {
    using S = ProduceRequestTopic;
    return std::tuple{Field{&S::name, 0}, Field{&S::partitions, 0}};
  }
};

struct ProduceRequest {
  std::optional<std::string> transactional_id;  // null: the producer is not transactional
  int16_t acks = 0;                             // 0, 1, or -1 for the full ISR
  int32_t timeout_ms = 0;
  std::vector<ProduceRequestTopic> topics;

  bool operator==(const ProduceRequest&) const = default;
  static constexpr auto Fields() {
    using S = ProduceRequest;
    return std::tuple{Field{&S::transactional_id, 3, kNoMax, 0}, Field{&S::acks, 0},
                      Field{&S::timeout_ms, 0}, Field{&S::topics, 0}};
  }
};

// v8+: a record of the batch that caused the partition's error.
struct ProduceBatchIndexError {
  int32_t batch_index = 0;
  std::optional<std::string> batch_index_error_message;

  bool operator==(const ProduceBatchIndexError&) const = default;
  static constexpr auto Fields() {
    using S = ProduceBatchIndexError;
    return std::tuple{Field{&S::batch_index, 8},
                      Field{&S::batch_index_error_message, 8, kNoMax, 8}};
  }
};

struct ProduceResponsePartition {
  int32_t partition_index = 0;
  int16_t error_code = 0;
  int64_t base_offset = 0;
  int64_t log_append_time_ms = -1;  // -1 unless the topic uses LogAppendTime
  int64_t log_start_offset = -1;
  std::vector<ProduceBatchIndexError> record_errors;  // v8+
  std::optional<std::string> error_message;           // v8+: why the batch was refused

  bool operator==(const ProduceResponsePartition&) const = default;
  static constexpr auto Fields() {
    using S = ProduceResponsePartition;
    return std::tuple{Field{&S::partition_index, 0},
                      Field{&S::error_code, 0},
                      Field{&S::base_offset, 0},
                      Field{&S::log_append_time_ms, 2},
                      Field{&S::log_start_offset, 5},
                      Field{&S::record_errors, 8},
                      Field{&S::error_message, 8, kNoMax, 8}};
  }
};

struct ProduceResponseTopic {
  std::string name;
  std::vector<ProduceResponsePartition> partitions;

  bool operator==(const ProduceResponseTopic&) const = default;
  static constexpr auto Fields() {
    using S = ProduceResponseTopic;
    return std::tuple{Field{&S::name, 0}, Field{&S::partitions, 0}};
  }
};

struct ProduceResponse {
  std::vector<ProduceResponseTopic> responses;
  int32_t throttle_time_ms = 0;

  bool operator==(const ProduceResponse&) const = default;
  static constexpr auto Fields() {
    using S = ProduceResponse;
    return std::tuple{Field{&S::responses, 0}, Field{&S::throttle_time_ms, 1}};
  }
};

}  // namespace herald::kafka
