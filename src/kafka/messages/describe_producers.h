// DescribeProducers (API key 61), version 0 (KIP-664): the producers each partition remembers.
// Flexible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "kafka/messages/common.h"
#include "kafka/schema.h"

namespace herald::kafka {

struct DescribeProducersRequestTopic {
  std::string name;
  std::vector<int32_t> partition_indexes;

  bool operator==(const DescribeProducersRequestTopic&) const = default;
  static constexpr auto Fields() {
    using S = DescribeProducersRequestTopic;
    return std::tuple{Field{&S::name, 0}, Field{&S::partition_indexes, 0}};
  }
};

struct DescribeProducersRequest {
  std::vector<DescribeProducersRequestTopic> topics;

  bool operator==(const DescribeProducersRequest&) const = default;
  static constexpr auto Fields() {
    using S = DescribeProducersRequest;
    return std::tuple{Field{&S::topics, 0}};
  }
};

struct DescribeProducersResponseProducer {
  int64_t producer_id = 0;
  int32_t producer_epoch = 0;
  int32_t last_sequence = -1;
  int64_t last_timestamp = -1;
  int32_t coordinator_epoch = 0;
  int64_t current_txn_start_offset = -1;

  bool operator==(const DescribeProducersResponseProducer&) const = default;
  static constexpr auto Fields() {
    using S = DescribeProducersResponseProducer;
    return std::tuple{Field{&S::producer_id, 0},       Field{&S::producer_epoch, 0},
                      Field{&S::last_sequence, 0},     Field{&S::last_timestamp, 0},
                      Field{&S::coordinator_epoch, 0}, Field{&S::current_txn_start_offset, 0}};
  }
};

struct DescribeProducersResponsePartition {
  int32_t partition_index = 0;
  int16_t error_code = 0;
  std::optional<std::string> error_message;
  std::vector<DescribeProducersResponseProducer> active_producers;

  bool operator==(const DescribeProducersResponsePartition&) const = default;
  static constexpr auto Fields() {
    using S = DescribeProducersResponsePartition;
    return std::tuple{Field{&S::partition_index, 0}, Field{&S::error_code, 0},
                      Field{&S::error_message, 0, kNoMax, 0}, Field{&S::active_producers, 0}};
  }
};

struct DescribeProducersResponseTopic {
  std::string name;
  std::vector<DescribeProducersResponsePartition> partitions;

  bool operator==(const DescribeProducersResponseTopic&) const = default;
  static constexpr auto Fields() {
    using S = DescribeProducersResponseTopic;
    return std::tuple{Field{&S::name, 0}, Field{&S::partitions, 0}};
  }
};

struct DescribeProducersResponse {
  int32_t throttle_time_ms = 0;
  std::vector<DescribeProducersResponseTopic> topics;

  bool operator==(const DescribeProducersResponse&) const = default;
  static constexpr auto Fields() {
    using S = DescribeProducersResponse;
    return std::tuple{Field{&S::throttle_time_ms, 0}, Field{&S::topics, 0}};
  }
};

}  // namespace herald::kafka
