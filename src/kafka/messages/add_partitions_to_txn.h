// AddPartitionsToTxn (API key 24), versions 0-3; v3 is the first flexible version. Versions 4+
// (KIP-890) batch several transactions and are sent by brokers only, so they are not modelled.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "kafka/messages/common.h"
#include "kafka/schema.h"

namespace herald::kafka {

struct AddPartitionsToTxnRequestTopic {
  std::string name;
  std::vector<int32_t> partitions;

  bool operator==(const AddPartitionsToTxnRequestTopic&) const = default;
  static constexpr auto Fields() {
    using S = AddPartitionsToTxnRequestTopic;
    return std::tuple{Field{&S::name, 0}, Field{&S::partitions, 0}};
  }
};

// Kafka's v4+ schema names these fields V3AndBelowTransactionalId, V3AndBelowProducerId, ...
struct AddPartitionsToTxnRequest {
  std::string transactional_id;
  int64_t producer_id = 0;
  int16_t producer_epoch = 0;
  std::vector<AddPartitionsToTxnRequestTopic> topics;

  bool operator==(const AddPartitionsToTxnRequest&) const = default;
  static constexpr auto Fields() {
    using S = AddPartitionsToTxnRequest;
    return std::tuple{Field{&S::transactional_id, 0}, Field{&S::producer_id, 0},
                      Field{&S::producer_epoch, 0}, Field{&S::topics, 0}};
  }
};

struct AddPartitionsToTxnResponsePartition {
  int32_t partition_index = 0;
  int16_t partition_error_code = 0;

  bool operator==(const AddPartitionsToTxnResponsePartition&) const = default;
  static constexpr auto Fields() {
    using S = AddPartitionsToTxnResponsePartition;
    return std::tuple{Field{&S::partition_index, 0}, Field{&S::partition_error_code, 0}};
  }
};

struct AddPartitionsToTxnResponseTopic {
  std::string name;
  std::vector<AddPartitionsToTxnResponsePartition> results_by_partition;

  bool operator==(const AddPartitionsToTxnResponseTopic&) const = default;
  static constexpr auto Fields() {
    using S = AddPartitionsToTxnResponseTopic;
    return std::tuple{Field{&S::name, 0}, Field{&S::results_by_partition, 0}};
  }
};

struct AddPartitionsToTxnResponse {
  int32_t throttle_time_ms = 0;
  std::vector<AddPartitionsToTxnResponseTopic> results_by_topic_v3_and_below;

  bool operator==(const AddPartitionsToTxnResponse&) const = default;
  static constexpr auto Fields() {
    using S = AddPartitionsToTxnResponse;
    return std::tuple{Field{&S::throttle_time_ms, 0}, Field{&S::results_by_topic_v3_and_below, 0}};
  }
};

}  // namespace herald::kafka
