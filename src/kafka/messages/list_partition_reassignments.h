// ListPartitionReassignments (API key 46), version 0 (KIP-455), flexible. One node moves no
// replicas, so the answer never lists an ongoing reassignment.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "kafka/messages/common.h"
#include "kafka/schema.h"

namespace herald::kafka {

struct ListPartitionReassignmentsRequestTopic {
  std::string name;
  std::vector<int32_t> partition_indexes;

  bool operator==(const ListPartitionReassignmentsRequestTopic&) const = default;
  static constexpr auto Fields() {
    using S = ListPartitionReassignmentsRequestTopic;
    return std::tuple{Field{&S::name, 0}, Field{&S::partition_indexes, 0}};
  }
};

struct ListPartitionReassignmentsRequest {
  int32_t timeout_ms = 60000;
  // Null: every partition being reassigned.
  std::optional<std::vector<ListPartitionReassignmentsRequestTopic>> topics;

  bool operator==(const ListPartitionReassignmentsRequest&) const = default;
  static constexpr auto Fields() {
    using S = ListPartitionReassignmentsRequest;
    return std::tuple{Field{&S::timeout_ms, 0}, Field{&S::topics, 0, kNoMax, 0}};
  }
};

struct ListPartitionReassignmentsResponsePartition {
  int32_t partition_index = 0;
  std::vector<int32_t> replicas;
  std::vector<int32_t> adding_replicas;
  std::vector<int32_t> removing_replicas;

  bool operator==(const ListPartitionReassignmentsResponsePartition&) const = default;
  static constexpr auto Fields() {
    using S = ListPartitionReassignmentsResponsePartition;
    return std::tuple{Field{&S::partition_index, 0}, Field{&S::replicas, 0},
                      Field{&S::adding_replicas, 0}, Field{&S::removing_replicas, 0}};
  }
};

struct ListPartitionReassignmentsResponseTopic {
  std::string name;
  std::vector<ListPartitionReassignmentsResponsePartition> partitions;

  bool operator==(const ListPartitionReassignmentsResponseTopic&) const = default;
  static constexpr auto Fields() {
    using S = ListPartitionReassignmentsResponseTopic;
    return std::tuple{Field{&S::name, 0}, Field{&S::partitions, 0}};
  }
};

struct ListPartitionReassignmentsResponse {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  std::optional<std::string> error_message;
  std::vector<ListPartitionReassignmentsResponseTopic> topics;

  bool operator==(const ListPartitionReassignmentsResponse&) const = default;
  static constexpr auto Fields() {
    using S = ListPartitionReassignmentsResponse;
    return std::tuple{Field{&S::throttle_time_ms, 0}, Field{&S::error_code, 0},
                      Field{&S::error_message, 0, kNoMax, 0}, Field{&S::topics, 0}};
  }
};

}  // namespace herald::kafka
