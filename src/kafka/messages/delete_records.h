// DeleteRecords (API key 21), versions 0-2; flexible from 2.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "kafka/messages/common.h"
#include "kafka/schema.h"

namespace herald::kafka {

struct DeleteRecordsRequestPartition {
  int32_t partition_index = 0;
  int64_t offset = 0;  // delete every record below it; -1: the high watermark

  bool operator==(const DeleteRecordsRequestPartition&) const = default;
  static constexpr auto Fields() {
    using S = DeleteRecordsRequestPartition;
    return std::tuple{Field{&S::partition_index, 0}, Field{&S::offset, 0}};
  }
};

struct DeleteRecordsRequestTopic {
  std::string name;
  std::vector<DeleteRecordsRequestPartition> partitions;

  bool operator==(const DeleteRecordsRequestTopic&) const = default;
  static constexpr auto Fields() {
    using S = DeleteRecordsRequestTopic;
    return std::tuple{Field{&S::name, 0}, Field{&S::partitions, 0}};
  }
};

struct DeleteRecordsRequest {
  std::vector<DeleteRecordsRequestTopic> topics;
  int32_t timeout_ms = 0;

  bool operator==(const DeleteRecordsRequest&) const = default;
  static constexpr auto Fields() {
    using S = DeleteRecordsRequest;
    return std::tuple{Field{&S::topics, 0}, Field{&S::timeout_ms, 0}};
  }
};

struct DeleteRecordsResponsePartition {
  int32_t partition_index = 0;
  int64_t low_watermark = 0;
  int16_t error_code = 0;

  bool operator==(const DeleteRecordsResponsePartition&) const = default;
  static constexpr auto Fields() {
    using S = DeleteRecordsResponsePartition;
    return std::tuple{Field{&S::partition_index, 0}, Field{&S::low_watermark, 0},
                      Field{&S::error_code, 0}};
  }
};

struct DeleteRecordsResponseTopic {
  std::string name;
  std::vector<DeleteRecordsResponsePartition> partitions;

  bool operator==(const DeleteRecordsResponseTopic&) const = default;
  static constexpr auto Fields() {
    using S = DeleteRecordsResponseTopic;
    return std::tuple{Field{&S::name, 0}, Field{&S::partitions, 0}};
  }
};

struct DeleteRecordsResponse {
  int32_t throttle_time_ms = 0;
  std::vector<DeleteRecordsResponseTopic> topics;

  bool operator==(const DeleteRecordsResponse&) const = default;
  static constexpr auto Fields() {
    using S = DeleteRecordsResponse;
    return std::tuple{Field{&S::throttle_time_ms, 0}, Field{&S::topics, 0}};
  }
};

}  // namespace herald::kafka
