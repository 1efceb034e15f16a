// ElectLeaders (API key 43), versions 0-2 (KIP-183, KIP-460); v2 is flexible. One node is the
// leader of every partition already, so no election is ever needed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "kafka/messages/common.h"
#include "kafka/schema.h"

namespace herald::kafka {

struct ElectLeadersRequestTopic {
  std::string topic;
  std::vector<int32_t> partitions;

  bool operator==(const ElectLeadersRequestTopic&) const = default;
  static constexpr auto Fields() {
    using S = ElectLeadersRequestTopic;
    return std::tuple{Field{&S::topic, 0}, Field{&S::partitions, 0}};
  }
};

struct ElectLeadersRequest {
  int8_t election_type = 0;  // v1+: 0 preferred, 1 unclean
  // Null: every partition.
  std::optional<std::vector<ElectLeadersRequestTopic>> topic_partitions;
  int32_t timeout_ms = 60000;

  bool operator==(const ElectLeadersRequest&) const = default;
  static constexpr auto Fields() {
    using S = ElectLeadersRequest;
    return std::tuple{Field{&S::election_type, 1}, Field{&S::topic_partitions, 0, kNoMax, 0},
                      Field{&S::timeout_ms, 0}};
  }
};

struct ElectLeadersResponsePartition {
  int32_t partition_id = 0;
  int16_t error_code = 0;
  std::optional<std::string> error_message;

  bool operator==(const ElectLeadersResponsePartition&) const = default;
  static constexpr auto Fields() {
    using S = ElectLeadersResponsePartition;
    return std::tuple{Field{&S::partition_id, 0}, Field{&S::error_code, 0},
                      Field{&S::error_message, 0, kNoMax, 0}};
  }
};

struct ElectLeadersResponseTopic {
  std::string topic;
  std::vector<ElectLeadersResponsePartition> partition_result;

  bool operator==(const ElectLeadersResponseTopic&) const = default;
  static constexpr auto Fields() {
    using S = ElectLeadersResponseTopic;
    return std::tuple{Field{&S::topic, 0}, Field{&S::partition_result, 0}};
  }
};

struct ElectLeadersResponse {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;  // v1+
  std::vector<ElectLeadersResponseTopic> replica_election_results;

  bool operator==(const ElectLeadersResponse&) const = default;
  static constexpr auto Fields() {
    using S = ElectLeadersResponse;
    return std::tuple{Field{&S::throttle_time_ms, 0}, Field{&S::error_code, 1},
                      Field{&S::replica_election_results, 0}};
  }
};

}  // namespace herald::kafka
