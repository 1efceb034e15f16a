// Fetch (API key 1), versions 4-17; flexible from 12. Topics are named by id from v13.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "kafka/messages/common.h"
#include "kafka/schema.h"

namespace herald::kafka {

struct FetchRequestPartition {
  int32_t partition = 0;
  int32_t current_leader_epoch = -1;
  int64_t fetch_offset = 0;
  int32_t last_fetched_epoch = -1;  // v12+: the epoch of the last batch fetched
  int64_t log_start_offset = -1;    // only followers set it
  int32_t partition_max_bytes = 0;

  bool operator==(const FetchRequestPartition&) const = default;
  static constexpr auto Fields() {
    using S = FetchRequestPartition;
    return std::tuple{Field{&S::partition, 0},        Field{&S::current_leader_epoch, 9},
                      Field{&S::fetch_offset, 0},     Field{&S::last_fetched_epoch, 12},
                      Field{&S::log_start_offset, 5}, Field{&S::partition_max_bytes, 0}};
  }
};

struct FetchRequestTopic {
  std::string topic;  // up to v12
  Uuid topic_id;      // v13+
  std::vector<FetchRequestPartition> partitions;

  bool operator==(const FetchRequestTopic&) const = default;
  static constexpr auto Fields() {
    using S = FetchRequestTopic;
    return std::tuple{Field{&S::topic, 0, 12}, Field{&S::topic_id, 13}, Field{&S::partitions, 0}};
  }
};

// In an incremental fetch (a fetch session), partitions to drop from the session.
struct FetchRequestForgottenTopic {
  std::string topic;  // v7-12
  Uuid topic_id;      // v13+
  std::vector<int32_t> partitions;

  bool operator==(const FetchRequestForgottenTopic&) const = default;
  static constexpr auto Fields() {
    using S = FetchRequestForgottenTopic;
    return std::tuple{Field{&S::topic, 7, 12}, Field{&S::topic_id, 13}, Field{&S::partitions, 7}};
  }
};

struct FetchRequest {
  int32_t replica_id = -1;  // -1 for consumers; up to v14 (a tagged field from v15)
  int32_t max_wait_ms = 0;
  int32_t min_bytes = 0;
  int32_t max_bytes = 0x7fffffff;
  int8_t isolation_level = 0;  // 0 READ_UNCOMMITTED, 1 READ_COMMITTED
  int32_t session_id = 0;
  int32_t session_epoch = -1;
  std::vector<FetchRequestTopic> topics;
  std::vector<FetchRequestForgottenTopic> forgotten_topics_data;
  std::string rack_id;

  bool operator==(const FetchRequest&) const = default;
  static constexpr auto Fields() {
    using S = FetchRequest;
    return std::tuple{Field{&S::replica_id, 0, 14},
                      Field{&S::max_wait_ms, 0},
                      Field{&S::min_bytes, 0},
                      Field{&S::max_bytes, 3},
                      Field{&S::isolation_level, 4},
                      Field{&S::session_id, 7},
                      Field{&S::session_epoch, 7},
                      Field{&S::topics, 0},
                      Field{&S::forgotten_topics_data, 7},
                      Field{&S::rack_id, 11}};
  }
};

struct FetchResponseAbortedTransaction {
  int64_t producer_id = 0;
  int64_t first_offset = 0;

  bool operator==(const FetchResponseAbortedTransaction&) const = default;
  static constexpr auto Fields() {
    using S = FetchResponseAbortedTransaction;
    return std::tuple{Field{&S::producer_id, 4}, Field{&S::first_offset, 4}};
  }
};

struct FetchResponsePartition {
  int32_t partition_index = 0;
  int16_t error_code = 0;
  int64_t high_watermark = 0;
  int64_t last_stable_offset = -1;
  int64_t log_start_offset = -1;
  std::optional<std::vector<FetchResponseAbortedTransaction>> aborted_transactions =
      std::vector<FetchResponseAbortedTransaction>{};
  int32_t preferred_read_replica = -1;
  Records records;

  bool operator==(const FetchResponsePartition&) const = default;
  static constexpr auto Fields() {
    using S = FetchResponsePartition;
    return std::tuple{
        Field{&S::partition_index, 0},         Field{&S::error_code, 0},
        Field{&S::high_watermark, 0},          Field{&S::last_stable_offset, 4},
        Field{&S::log_start_offset, 5},        Field{&S::aborted_transactions, 4, kNoMax, 4},
        Field{&S::preferred_read_replica, 11}, Field{&S::records, 0}};
  }
};

struct FetchResponseTopic {
  std::string topic;  // up to v12
  Uuid topic_id;      // v13+
  std::vector<FetchResponsePartition> partitions;

  bool operator==(const FetchResponseTopic&) const = default;
  static constexpr auto Fields() {
    using S = FetchResponseTopic;
    return std::tuple{Field{&S::topic, 0, 12}, Field{&S::topic_id, 13}, Field{&S::partitions, 0}};
  }
};

struct FetchResponse {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;  // top level (fetch sessions)
  int32_t session_id = 0;  // 0: not part of a fetch session
  std::vector<FetchResponseTopic> responses;

  bool operator==(const FetchResponse&) const = default;
  static constexpr auto Fields() {
    using S = FetchResponse;
    return std::tuple{Field{&S::throttle_time_ms, 1}, Field{&S::error_code, 7},
                      Field{&S::session_id, 7}, Field{&S::responses, 0}};
  }
};

}  // namespace herald::kafka
