// OffsetCommit (API key 8), versions 0-8; flexible from 8.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "kafka/messages/common.h"
#include "kafka/schema.h"

namespace herald::kafka {

struct OffsetCommitRequestPartition {
  int32_t partition_index = 0;
  int64_t committed_offset = 0;
  int32_t committed_leader_epoch = -1;
  int64_t commit_timestamp = -1;  // v1 only
  std::optional<std::string> committed_metadata;

  bool operator==(const OffsetCommitRequestPartition&) const = default;
  static constexpr auto Fields() {
    using S = OffsetCommitRequestPartition;
    return std::tuple{Field{&S::partition_index, 0}, Field{&S::committed_offset, 0},
                      Field{&S::committed_leader_epoch, 6}, Field{&S::commit_timestamp, 1, 1},
                      Field{&S::committed_metadata, 0, kNoMax, 0}};
  }
};

struct OffsetCommitRequestTopic {
  std::string name;
  std::vector<OffsetCommitRequestPartition> partitions;

  bool operator==(const OffsetCommitRequestTopic&) const = default;
  static constexpr auto Fields() {
    using S = OffsetCommitRequestTopic;
    return std::tuple{Field{&S::name, 0}, Field{&S::partitions, 0}};
  }
};

struct OffsetCommitRequest {
  std::string group_id;
  int32_t generation_id = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  int64_t retention_time_ms = -1;  // v2-4
  std::vector<OffsetCommitRequestTopic> topics;

  bool operator==(const OffsetCommitRequest&) const = default;
  static constexpr auto Fields() {
    using S = OffsetCommitRequest;
    return std::tuple{Field{&S::group_id, 0},
                      Field{&S::generation_id, 1},
                      Field{&S::member_id, 1},
                      Field{&S::group_instance_id, 7, kNoMax, 7},
                      Field{&S::retention_time_ms, 2, 4},
                      Field{&S::topics, 0}};
  }
};

struct OffsetCommitResponsePartition {
  int32_t partition_index = 0;
  int16_t error_code = 0;

  bool operator==(const OffsetCommitResponsePartition&) const = default;
  static constexpr auto Fields() {
    using S = OffsetCommitResponsePartition;
    return std::tuple{Field{&S::partition_index, 0}, Field{&S::error_code, 0}};
  }
};

struct OffsetCommitResponseTopic {
  std::string name;
  std::vector<OffsetCommitResponsePartition> partitions;

  bool operator==(const OffsetCommitResponseTopic&) const = default;
  static constexpr auto Fields() {
    using S = OffsetCommitResponseTopic;
    return std::tuple{Field{&S::name, 0}, Field{&S::partitions, 0}};
  }
};

struct OffsetCommitResponse {
  int32_t throttle_time_ms = 0;
  std::vector<OffsetCommitResponseTopic> topics;

  bool operator==(const OffsetCommitResponse&) const = default;
  static constexpr auto Fields() {
    using S = OffsetCommitResponse;
    return std::tuple{Field{&S::throttle_time_ms, 3}, Field{&S::topics, 0}};
  }
};

}  // namespace herald::kafka
