// TxnOffsetCommit (API key 28), versions 0-3; v3 is the first flexible version. v2 adds the
// committed leader epoch, v3 the consumer's generation, member id and group instance id (KIP-447).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "kafka/messages/common.h"
#include "kafka/schema.h"

namespace herald::kafka {

struct TxnOffsetCommitRequestPartition {
  int32_t partition_index = 0;
  int64_t committed_offset = 0;
  int32_t committed_leader_epoch = -1;  // v2+
  std::optional<std::string> committed_metadata;

  bool operator==(const TxnOffsetCommitRequestPartition&) const = default;
  static constexpr auto Fields() {
    using S = TxnOffsetCommitRequestPartition;
    return std::tuple{Field{&S::partition_index, 0}, Field{&S::committed_offset, 0},
                      Field{&S::committed_leader_epoch, 2},
                      Field{&S::committed_metadata, 0, kNoMax, 0}};
  }
};

struct TxnOffsetCommitRequestTopic {
  std::string name;
  std::vector<TxnOffsetCommitRequestPartition> partitions;

  bool operator==(const TxnOffsetCommitRequestTopic&) const = default;
  static constexpr auto Fields() {
    using S = TxnOffsetCommitRequestTopic;
    return std::tuple{Field{&S::name, 0}, Field{&S::partitions, 0}};
  }
};

struct TxnOffsetCommitRequest {
  std::string transactional_id;
  std::string group_id;
  int64_t producer_id = 0;
  int16_t producer_epoch = 0;
  int32_t generation_id = -1;                    // v3+
  std::string member_id;                         // v3+
  std::optional<std::string> group_instance_id;  // v3+
  std::vector<TxnOffsetCommitRequestTopic> topics;

  bool operator==(const TxnOffsetCommitRequest&) const = default;
  static constexpr auto Fields() {
    using S = TxnOffsetCommitRequest;
    return std::tuple{Field{&S::transactional_id, 0},
                      Field{&S::group_id, 0},
                      Field{&S::producer_id, 0},
                      Field{&S::producer_epoch, 0},
                      Field{&S::generation_id, 3},
                      Field{&S::member_id, 3},
                      Field{&S::group_instance_id, 3, kNoMax, 3},
                      Field{&S::topics, 0}};
  }
};

struct TxnOffsetCommitResponsePartition {
  int32_t partition_index = 0;
  int16_t error_code = 0;

  bool operator==(const TxnOffsetCommitResponsePartition&) const = default;
  static constexpr auto Fields() {
    using S = TxnOffsetCommitResponsePartition;
    return std::tuple{Field{&S::partition_index, 0}, Field{&S::error_code, 0}};
  }
};

struct TxnOffsetCommitResponseTopic {
  std::string name;
  std::vector<TxnOffsetCommitResponsePartition> partitions;

  bool operator==(const TxnOffsetCommitResponseTopic&) const = default;
  static constexpr auto Fields() {
    using S = TxnOffsetCommitResponseTopic;
    return std::tuple{Field{&S::name, 0}, Field{&S::partitions, 0}};
  }
};

struct TxnOffsetCommitResponse {
  int32_t throttle_time_ms = 0;
  std::vector<TxnOffsetCommitResponseTopic> topics;

  bool operator==(const TxnOffsetCommitResponse&) const = default;
  static constexpr auto Fields() {
    using S = TxnOffsetCommitResponse;
    return std::tuple{Field{&S::throttle_time_ms, 0}, Field{&S::topics, 0}};
  }
};

}  // namespace herald::kafka
