// DescribeLogDirs (API key 35), versions 0-4 (KIP-113; v3 adds a top-level error, v4 the disk's
// total and usable bytes, KIP-827); v2 is the first flexible version.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "kafka/messages/common.h"
#include "kafka/schema.h"

namespace herald::kafka {

struct DescribeLogDirsRequestTopic {
  std::string topic;
  std::vector<int32_t> partitions;

  bool operator==(const DescribeLogDirsRequestTopic&) const = default;
  static constexpr auto Fields() {
    using S = DescribeLogDirsRequestTopic;
    return std::tuple{Field{&S::topic, 0}, Field{&S::partitions, 0}};
  }
};

struct DescribeLogDirsRequest {
  // Null: every partition.
  std::optional<std::vector<DescribeLogDirsRequestTopic>> topics;

  bool operator==(const DescribeLogDirsRequest&) const = default;
  static constexpr auto Fields() {
    using S = DescribeLogDirsRequest;
    return std::tuple{Field{&S::topics, 0, kNoMax, 0}};
  }
};

struct DescribeLogDirsResponsePartition {
  int32_t partition_index = 0;
  int64_t partition_size = 0;
  int64_t offset_lag = 0;
  bool is_future_key = false;

  bool operator==(const DescribeLogDirsResponsePartition&) const = default;
  static constexpr auto Fields() {
    using S = DescribeLogDirsResponsePartition;
    return std::tuple{Field{&S::partition_index, 0}, Field{&S::partition_size, 0},
                      Field{&S::offset_lag, 0}, Field{&S::is_future_key, 0}};
  }
};

struct DescribeLogDirsResponseTopic {
  std::string name;
  std::vector<DescribeLogDirsResponsePartition> partitions;

  bool operator==(const DescribeLogDirsResponseTopic&) const = default;
  static constexpr auto Fields() {
    using S = DescribeLogDirsResponseTopic;
    return std::tuple{Field{&S::name, 0}, Field{&S::partitions, 0}};
  }
};

struct DescribeLogDirsResponseResult {
  int16_t error_code = 0;
  std::string log_dir;
  std::vector<DescribeLogDirsResponseTopic> topics;
  int64_t total_bytes = -1;   // v4+
  int64_t usable_bytes = -1;  // v4+

  bool operator==(const DescribeLogDirsResponseResult&) const = default;
  static constexpr auto Fields() {
    using S = DescribeLogDirsResponseResult;
    return std::tuple{Field{&S::error_code, 0}, Field{&S::log_dir, 0}, Field{&S::topics, 0},
                      Field{&S::total_bytes, 4}, Field{&S::usable_bytes, 4}};
  }
};

struct DescribeLogDirsResponse {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;  // v3+
  std::vector<DescribeLogDirsResponseResult> results;

  bool operator==(const DescribeLogDirsResponse&) const = default;
  static constexpr auto Fields() {
    using S = DescribeLogDirsResponse;
    return std::tuple{Field{&S::throttle_time_ms, 0}, Field{&S::error_code, 3},
                      Field{&S::results, 0}};
  }
};

}  // namespace herald::kafka
