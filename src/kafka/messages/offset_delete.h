// OffsetDelete (API key 47), version 0 (KIP-496): removes a group's committed offsets of some
// partitions. Not flexible.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "kafka/messages/common.h"
#include "kafka/schema.h"

namespace herald::kafka {

struct OffsetDeleteRequestTopic {
  std::string name;
  // Kafka's partitions are structures holding only an index; without tagged fields (v0) they
  // are laid out as an array of int32.
  std::vector<int32_t> partitions;

  bool operator==(const OffsetDeleteRequestTopic&) const = default;
  static constexpr auto Fields() {
    using S = OffsetDeleteRequestTopic;
    return std::tuple{Field{&S::name, 0}, Field{&S::partitions, 0}};
  }
};

struct OffsetDeleteRequest {
  std::string group_id;
  std::vector<OffsetDeleteRequestTopic> topics;

  bool operator==(const OffsetDeleteRequest&) const = default;
  static constexpr auto Fields() {
    using S = OffsetDeleteRequest;
    return std::tuple{Field{&S::group_id, 0}, Field{&S::topics, 0}};
  }
};

struct OffsetDeleteResponsePartition {
  int32_t partition_index = 0;
  int16_t error_code = 0;

  bool operator==(const OffsetDeleteResponsePartition&) const = default;
  static constexpr auto Fields() {
    using S = OffsetDeleteResponsePartition;
    return std::tuple{Field{&S::partition_index, 0}, Field{&S::error_code, 0}};
  }
};

struct OffsetDeleteResponseTopic {
  std::string name;
  std::vector<OffsetDeleteResponsePartition> partitions;

  bool operator==(const OffsetDeleteResponseTopic&) const = default;
  static constexpr auto Fields() {
    using S = OffsetDeleteResponseTopic;
    return std::tuple{Field{&S::name, 0}, Field{&S::partitions, 0}};
  }
};

// The group's error comes first, before the throttle time, in this API.
struct OffsetDeleteResponse {
  int16_t error_code = 0;
  int32_t throttle_time_ms = 0;
  std::vector<OffsetDeleteResponseTopic> topics;

  bool operator==(const OffsetDeleteResponse&) const = default;
  static constexpr auto Fields() {
    using S = OffsetDeleteResponse;
    return std::tuple{Field{&S::error_code, 0}, Field{&S::throttle_time_ms, 0},
                      Field{&S::topics, 0}};
  }
};

}  // namespace herald::kafka
