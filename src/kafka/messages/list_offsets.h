// ListOffsets (API key 2), versions 0-8; flexible from 6.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "kafka/messages/common.h"
#include "kafka/schema.h"

namespace herald::kafka {

struct ListOffsetsRequestPartition {
  int32_t partition_index = 0;
  int32_t current_leader_epoch = -1;  // v4+; -1: not checked
  // -1 latest, -2 earliest, -3 the record with the largest timestamp, -4 earliest in the local
  // log; else the first offset at or after it.
  int64_t timestamp = 0;
  int32_t max_num_offsets = 1;  // v0 only

  bool operator==(const ListOffsetsRequestPartition&) const = default;
  static constexpr auto Fields() {
    using S = ListOffsetsRequestPartition;
    return std::tuple{Field{&S::partition_index, 0}, Field{&S::current_leader_epoch, 4},
                      Field{&S::timestamp, 0}, Field{&S::max_num_offsets, 0, 0}};
  }
};

struct ListOffsetsRequestTopic {
  std::string name;
  std::vector<ListOffsetsRequestPartition> partitions;

  bool operator==(const ListOffsetsRequestTopic&) const = default;
  static constexpr auto Fields() {
    using S = ListOffsetsRequestTopic;
    return std::tuple{Field{&S::name, 0}, Field{&S::partitions, 0}};
  }
};

struct ListOffsetsRequest {
  int32_t replica_id = -1;     // -1 for consumers
  int8_t isolation_level = 0;  // 0 READ_UNCOMMITTED, 1 READ_COMMITTED
  std::vector<ListOffsetsRequestTopic> topics;

  bool operator==(const ListOffsetsRequest&) const = default;
  static constexpr auto Fields() {
    using S = ListOffsetsRequest;
    return std::tuple{Field{&S::replica_id, 0}, Field{&S::isolation_level, 2},
                      Field{&S::topics, 0}};
  }
};

struct ListOffsetsResponsePartition {
  int32_t partition_index = 0;
  int16_t error_code = 0;
  std::vector<int64_t> old_style_offsets;  // v0 only
  int64_t timestamp = -1;
  int64_t offset = -1;
  int32_t leader_epoch = -1;  // v4+

  bool operator==(const ListOffsetsResponsePartition&) const = default;
  static constexpr auto Fields() {
    using S = ListOffsetsResponsePartition;
    return std::tuple{
        Field{&S::partition_index, 0}, Field{&S::error_code, 0}, Field{&S::old_style_offsets, 0, 0},
        Field{&S::timestamp, 1},       Field{&S::offset, 1},     Field{&S::leader_epoch, 4}};
  }
};

struct ListOffsetsResponseTopic {
  std::string name;
  std::vector<ListOffsetsResponsePartition> partitions;

  bool operator==(const ListOffsetsResponseTopic&) const = default;
  static constexpr auto Fields() {
    using S = ListOffsetsResponseTopic;
    return std::tuple{Field{&S::name, 0}, Field{&S::partitions, 0}};
  }
};

struct ListOffsetsResponse {
  int32_t throttle_time_ms = 0;
  std::vector<ListOffsetsResponseTopic> topics;

  bool operator==(const ListOffsetsResponse&) const = default;
  static constexpr auto Fields() {
    using S = ListOffsetsResponse;
    return std::tuple{Field{&S::throttle_time_ms, 2}, Field{&S::topics, 0}};
  }
};

}  // namespace herald::kafka
