// The consumer protocol (not an API): what clients of protocol type "consumer" put in
// JoinGroupRequestProtocol::metadata (a subscription) and SyncGroupRequestAssignment::assignment /
// SyncGroupResponse::assignment (an assignment). On the wire each is an int16 version followed by
// the body defined here; versions 0-1 (never flexible). Clients may send newer versions, which
// extend these bodies with fields at the end.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "base/bytes.h"
#include "kafka/messages/common.h"
#include "kafka/schema.h"

namespace herald::kafka {

struct ConsumerProtocolSubscriptionTopicPartition {
  std::string topic;
  std::vector<int32_t> partitions;

  bool operator==(const ConsumerProtocolSubscriptionTopicPartition&) const = default;
  static constexpr auto Fields() {
    using S = ConsumerProtocolSubscriptionTopicPartition;
    return std::tuple{Field{&S::topic, 1}, Field{&S::partitions, 1}};
  }
};

struct ConsumerProtocolSubscription {
  std::vector<std::string> topics;
  std::optional<Buffer> user_data;
  std::vector<ConsumerProtocolSubscriptionTopicPartition> owned_partitions;

  bool operator==(const ConsumerProtocolSubscription&) const = default;
  static constexpr auto Fields() {
    using S = ConsumerProtocolSubscription;
    return std::tuple{Field{&S::topics, 0}, Field{&S::user_data, 0, kNoMax, 0},
                      Field{&S::owned_partitions, 1}};
  }
};

struct ConsumerProtocolAssignmentTopicPartition {
  std::string topic;
  std::vector<int32_t> partitions;

  bool operator==(const ConsumerProtocolAssignmentTopicPartition&) const = default;
  static constexpr auto Fields() {
    using S = ConsumerProtocolAssignmentTopicPartition;
    return std::tuple{Field{&S::topic, 0}, Field{&S::partitions, 0}};
  }
};

struct ConsumerProtocolAssignment {
  std::vector<ConsumerProtocolAssignmentTopicPartition> assigned_partitions;
  std::optional<Buffer> user_data;

  bool operator==(const ConsumerProtocolAssignment&) const = default;
  static constexpr auto Fields() {
    using S = ConsumerProtocolAssignment;
    return std::tuple{Field{&S::assigned_partitions, 0}, Field{&S::user_data, 0, kNoMax, 0}};
  }
};

}  // namespace herald::kafka
