// OffsetForLeaderEpoch (API key 23), versions 0-4; flexible from 4.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "kafka/messages/common.h"
#include "kafka/schema.h"

namespace herald::kafka {

struct OffsetForLeaderEpochRequestPartition {
  int32_t partition = 0;
  int32_t current_leader_epoch = -1;  // for fencing; -1: no check
  int32_t leader_epoch = 0;           // the epoch whose end offset is wanted

  bool operator==(const OffsetForLeaderEpochRequestPartition&) const = default;
  static constexpr auto Fields() {
    using S = OffsetForLeaderEpochRequestPartition;
    return std::tuple{Field{&S::partition, 0}, Field{&S::current_leader_epoch, 2},
                      Field{&S::leader_epoch, 0}};
  }
};

struct OffsetForLeaderEpochRequestTopic {
  std::string topic;
  std::vector<OffsetForLeaderEpochRequestPartition> partitions;

  bool operator==(const OffsetForLeaderEpochRequestTopic&) const = default;
  static constexpr auto Fields() {
    using S = OffsetForLeaderEpochRequestTopic;
    return std::tuple{Field{&S::topic, 0}, Field{&S::partitions, 0}};
  }
};

struct OffsetForLeaderEpochRequest {
  int32_t replica_id = -2;  // -1 consumer, -2 debug (may see past the high watermark)
  std::vector<OffsetForLeaderEpochRequestTopic> topics;

  bool operator==(const OffsetForLeaderEpochRequest&) const = default;
  static constexpr auto Fields() {
    using S = OffsetForLeaderEpochRequest;
    return std::tuple{Field{&S::replica_id, 3}, Field{&S::topics, 0}};
  }
};

struct OffsetForLeaderEpochResponsePartition {
  int16_t error_code = 0;
  int32_t partition = 0;
  int32_t leader_epoch = -1;
  int64_t end_offset = -1;

  bool operator==(const OffsetForLeaderEpochResponsePartition&) const = default;
  static constexpr auto Fields() {
    using S = OffsetForLeaderEpochResponsePartition;
    return std::tuple{Field{&S::error_code, 0}, Field{&S::partition, 0}, Field{&S::leader_epoch, 1},
                      Field{&S::end_offset, 0}};
  }
};

struct OffsetForLeaderEpochResponseTopic {
  std::string topic;
  std::vector<OffsetForLeaderEpochResponsePartition> partitions;

  bool operator==(const OffsetForLeaderEpochResponseTopic&) const = default;
  static constexpr auto Fields() {
    using S = OffsetForLeaderEpochResponseTopic;
    return std::tuple{Field{&S::topic, 0}, Field{&S::partitions, 0}};
  }
};

struct OffsetForLeaderEpochResponse {
  int32_t throttle_time_ms = 0;
  std::vector<OffsetForLeaderEpochResponseTopic> topics;

  bool operator==(const OffsetForLeaderEpochResponse&) const = default;
  static constexpr auto Fields() {
    using S = OffsetForLeaderEpochResponse;
    return std::tuple{Field{&S::throttle_time_ms, 2}, Field{&S::topics, 0}};
  }
};

}  // namespace herald::kafka
