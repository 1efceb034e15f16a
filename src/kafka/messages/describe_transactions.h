// DescribeTransactions (API key 65), version 0 (KIP-664): the state of each transactional id the
// coordinator knows. Flexible.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "kafka/messages/common.h"
#include "kafka/schema.h"

namespace herald::kafka {

struct DescribeTransactionsRequest {
  std::vector<std::string> transactional_ids;

  bool operator==(const DescribeTransactionsRequest&) const = default;
  static constexpr auto Fields() {
    using S = DescribeTransactionsRequest;
    return std::tuple{Field{&S::transactional_ids, 0}};
  }
};

struct DescribeTransactionsResponseTopic {
  std::string topic;
  std::vector<int32_t> partitions;

  bool operator==(const DescribeTransactionsResponseTopic&) const = default;
  static constexpr auto Fields() {
    using S = DescribeTransactionsResponseTopic;
    return std::tuple{Field{&S::topic, 0}, Field{&S::partitions, 0}};
  }
};

struct DescribeTransactionsResponseState {
  int16_t error_code = 0;
  std::string transactional_id;
  std::string transaction_state;
  int32_t transaction_timeout_ms = 0;
  int64_t transaction_start_time_ms = 0;
  int64_t producer_id = 0;
  int16_t producer_epoch = 0;
  // The partitions in the transaction; while it prepares to commit or abort, only those still
  // without a marker.
  std::vector<DescribeTransactionsResponseTopic> topics;

  bool operator==(const DescribeTransactionsResponseState&) const = default;
  static constexpr auto Fields() {
    using S = DescribeTransactionsResponseState;
    return std::tuple{Field{&S::error_code, 0},
                      Field{&S::transactional_id, 0},
                      Field{&S::transaction_state, 0},
                      Field{&S::transaction_timeout_ms, 0},
                      Field{&S::transaction_start_time_ms, 0},
                      Field{&S::producer_id, 0},
                      Field{&S::producer_epoch, 0},
                      Field{&S::topics, 0}};
  }
};

struct DescribeTransactionsResponse {
  int32_t throttle_time_ms = 0;
  std::vector<DescribeTransactionsResponseState> transaction_states;

  bool operator==(const DescribeTransactionsResponse&) const = default;
  static constexpr auto Fields() {
    using S = DescribeTransactionsResponse;
    return std::tuple{Field{&S::throttle_time_ms, 0}, Field{&S::transaction_states, 0}};
  }
};

}  // namespace herald::kafka
