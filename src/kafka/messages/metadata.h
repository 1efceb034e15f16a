// Metadata (API key 3), versions 0-12; flexible from 9.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "kafka/messages/common.h"
#include "kafka/schema.h"

namespace herald::kafka {

struct MetadataRequestTopic {
  Uuid topic_id;  // v10+
  // Null (v10+) when the topic is named by its id, which brokers serve from v12 on.
  std::optional<std::string> name;

  bool operator==(const MetadataRequestTopic&) const = default;
  static constexpr auto Fields() {
    using S = MetadataRequestTopic;
    return std::tuple{Field{&S::topic_id, 10}, Field{&S::name, 0, kNoMax, 10}};
  }
};

struct MetadataRequest {
  // v0: empty means every topic. v1+: empty means none, null means every topic.
  std::optional<std::vector<MetadataRequestTopic>> topics = std::vector<MetadataRequestTopic>{};
  bool allow_auto_topic_creation = true;
  bool include_cluster_authorized_operations = false;  // v8-10
  bool include_topic_authorized_operations = false;    // v8+

  bool operator==(const MetadataRequest&) const = default;
  static constexpr auto Fields() {
    using S = MetadataRequest;
    return std::tuple{Field{&S::topics, 0, kNoMax, 1}, Field{&S::allow_auto_topic_creation, 4},
                      Field{&S::include_cluster_authorized_operations, 8, 10},
                      Field{&S::include_topic_authorized_operations, 8}};
  }
};

struct MetadataResponseBroker {
  int32_t node_id = 0;
  std::string host;
  int32_t port = 0;
  std::optional<std::string> rack;

  bool operator==(const MetadataResponseBroker&) const = default;
  static constexpr auto Fields() {
    using S = MetadataResponseBroker;
    return std::tuple{Field{&S::node_id, 0}, Field{&S::host, 0}, Field{&S::port, 0},
                      Field{&S::rack, 1, kNoMax, 1}};
  }
};

struct MetadataResponsePartition {
  int16_t error_code = 0;
  int32_t partition_index = 0;
  int32_t leader_id = 0;
  int32_t leader_epoch = -1;  // v7+
  std::vector<int32_t> replica_nodes;
  std::vector<int32_t> isr_nodes;
  std::vector<int32_t> offline_replicas;

  bool operator==(const MetadataResponsePartition&) const = default;
  static constexpr auto Fields() {
    using S = MetadataResponsePartition;
    return std::tuple{Field{&S::error_code, 0},      Field{&S::partition_index, 0},
                      Field{&S::leader_id, 0},       Field{&S::leader_epoch, 7},
                      Field{&S::replica_nodes, 0},   Field{&S::isr_nodes, 0},
                      Field{&S::offline_replicas, 5}};
  }
};

struct MetadataResponseTopic {
  int16_t error_code = 0;
  std::optional<std::string> name;  // null (v12+) for an unknown topic asked for by id
  Uuid topic_id;                    // v10+
  bool is_internal = false;
  std::vector<MetadataResponsePartition> partitions;
  int32_t topic_authorized_operations = kOperationsNotProvided;  // v8+

  bool operator==(const MetadataResponseTopic&) const = default;
  static constexpr auto Fields() {
    using S = MetadataResponseTopic;
    return std::tuple{Field{&S::error_code, 0}, Field{&S::name, 0, kNoMax, 12},
                      Field{&S::topic_id, 10},  Field{&S::is_internal, 1},
                      Field{&S::partitions, 0}, Field{&S::topic_authorized_operations, 8}};
  }
};

struct MetadataResponse {
  int32_t throttle_time_ms = 0;
  std::vector<MetadataResponseBroker> brokers;
  std::optional<std::string> cluster_id;
  int32_t controller_id = -1;
  std::vector<MetadataResponseTopic> topics;
  int32_t cluster_authorized_operations = kOperationsNotProvided;  // v8-10

  bool operator==(const MetadataResponse&) const = default;
  static constexpr auto Fields() {
    using S = MetadataResponse;
    return std::tuple{Field{&S::throttle_time_ms, 3},
                      Field{&S::brokers, 0},
                      Field{&S::cluster_id, 2, kNoMax, 2},
                      Field{&S::controller_id, 1},
                      Field{&S::topics, 0},
                      Field{&S::cluster_authorized_operations, 8, 10}};
  }
};

}  // namespace herald::kafka
