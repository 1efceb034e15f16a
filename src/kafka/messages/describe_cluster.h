// DescribeCluster (API key 60), versions 0-1 (KIP-700; v1 adds the endpoint type, KIP-919),
// flexible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "kafka/messages/common.h"
#include "kafka/schema.h"

namespace herald::kafka {

inline constexpr int8_t kBrokerEndpointType = 1;
inline constexpr int8_t kControllerEndpointType = 2;

struct DescribeClusterRequest {
  bool include_cluster_authorized_operations = false;
  int8_t endpoint_type = kBrokerEndpointType;  // v1+

  bool operator==(const DescribeClusterRequest&) const = default;
  static constexpr auto Fields() {
    using S = DescribeClusterRequest;
    return std::tuple{Field{&S::include_cluster_authorized_operations, 0},
                      Field{&S::endpoint_type, 1}};
  }
};

struct DescribeClusterResponseBroker {
  int32_t broker_id = 0;
  std::string host;
  int32_t port = 0;
  std::optional<std::string> rack;

  bool operator==(const DescribeClusterResponseBroker&) const = default;
  static constexpr auto Fields() {
    using S = DescribeClusterResponseBroker;
    return std::tuple{Field{&S::broker_id, 0}, Field{&S::host, 0}, Field{&S::port, 0},
                      Field{&S::rack, 0, kNoMax, 0}};
  }
};

struct DescribeClusterResponse {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  std::optional<std::string> error_message;
  int8_t endpoint_type = kBrokerEndpointType;  // v1+
  std::string cluster_id;
  int32_t controller_id = -1;
  std::vector<DescribeClusterResponseBroker> brokers;
  int32_t cluster_authorized_operations = kOperationsNotProvided;

  bool operator==(const DescribeClusterResponse&) const = default;
  static constexpr auto Fields() {
    using S = DescribeClusterResponse;
    return std::tuple{Field{&S::throttle_time_ms, 0},
                      Field{&S::error_code, 0},
                      Field{&S::error_message, 0, kNoMax, 0},
                      Field{&S::endpoint_type, 1},
                      Field{&S::cluster_id, 0},
                      Field{&S::controller_id, 0},
                      Field{&S::brokers, 0},
                      Field{&S::cluster_authorized_operations, 0}};
  }
};

}  // namespace herald::kafka
