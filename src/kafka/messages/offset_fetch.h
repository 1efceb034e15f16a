// OffsetFetch (API key 9), versions 0-8. v6 is the first flexible version, v7 adds
// require_stable, v8 fetches several groups at once (groups replaces group_id and topics, and the
// response answers per group).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "kafka/messages/common.h"
#include "kafka/schema.h"

namespace herald::kafka {

struct OffsetFetchRequestTopic {
  std::string name;
  std::vector<int32_t> partition_indexes;

  bool operator==(const OffsetFetchRequestTopic&) const = default;
  static constexpr auto Fields() {
    using S = OffsetFetchRequestTopic;
    return std::tuple{Field{&S::name, 0}, Field{&S::partition_indexes, 0}};
  }
};

// v8+: one group of a batched request.
struct OffsetFetchRequestGroup {
  std::string group_id;
  // Null fetches the offsets of every topic.
  std::optional<std::vector<OffsetFetchRequestTopic>> topics =
      std::vector<OffsetFetchRequestTopic>{};

  bool operator==(const OffsetFetchRequestGroup&) const = default;
  static constexpr auto Fields() {
    using S = OffsetFetchRequestGroup;
    return std::tuple{Field{&S::group_id, 8}, Field{&S::topics, 8, kNoMax, 8}};
  }
};

struct OffsetFetchRequest {
  std::string group_id;  // v0-7
  // v0-7; from v2 null fetches the offsets of every topic.
  std::optional<std::vector<OffsetFetchRequestTopic>> topics =
      std::vector<OffsetFetchRequestTopic>{};
  std::vector<OffsetFetchRequestGroup> groups;  // v8+
  bool require_stable = false;                  // v7+

  bool operator==(const OffsetFetchRequest&) const = default;
  static constexpr auto Fields() {
    using S = OffsetFetchRequest;
    return std::tuple{Field{&S::group_id, 0, 7}, Field{&S::topics, 0, 7, 2}, Field{&S::groups, 8},
                      Field{&S::require_stable, 7}};
  }
};

struct OffsetFetchResponsePartition {
  int32_t partition_index = 0;
  int64_t committed_offset = 0;  // -1: no committed offset
  int32_t committed_leader_epoch = -1;
  std::optional<std::string> metadata;
  int16_t error_code = 0;

  bool operator==(const OffsetFetchResponsePartition&) const = default;
  static constexpr auto Fields() {
    using S = OffsetFetchResponsePartition;
    return std::tuple{Field{&S::partition_index, 0}, Field{&S::committed_offset, 0},
                      Field{&S::committed_leader_epoch, 5}, Field{&S::metadata, 0, kNoMax, 0},
                      Field{&S::error_code, 0}};
  }
};

struct OffsetFetchResponseTopic {
  std::string name;
  std::vector<OffsetFetchResponsePartition> partitions;

  bool operator==(const OffsetFetchResponseTopic&) const = default;
  static constexpr auto Fields() {
    using S = OffsetFetchResponseTopic;
    return std::tuple{Field{&S::name, 0}, Field{&S::partitions, 0}};
  }
};

// v8+: the answer for one group.
struct OffsetFetchResponseGroup {
  std::string group_id;
  std::vector<OffsetFetchResponseTopic> topics;
  int16_t error_code = 0;

  bool operator==(const OffsetFetchResponseGroup&) const = default;
  static constexpr auto Fields() {
    using S = OffsetFetchResponseGroup;
    return std::tuple{Field{&S::group_id, 8}, Field{&S::topics, 8}, Field{&S::error_code, 8}};
  }
};

struct OffsetFetchResponse {
  int32_t throttle_time_ms = 0;
  std::vector<OffsetFetchResponseTopic> topics;  // v0-7
  int16_t error_code = 0;                        // v2-7: top level, after the topics
  std::vector<OffsetFetchResponseGroup> groups;  // v8+

  bool operator==(const OffsetFetchResponse&) const = default;
  static constexpr auto Fields() {
    using S = OffsetFetchResponse;
    return std::tuple{Field{&S::throttle_time_ms, 3}, Field{&S::topics, 0, 7},
                      Field{&S::error_code, 2, 7}, Field{&S::groups, 8}};
  }
};

}  // namespace herald::kafka
