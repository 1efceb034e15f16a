// DeleteTopics (API key 20), versions 0-3.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "kafka/messages/common.h"
#include "kafka/schema.h"

namespace herald::kafka {

struct DeleteTopicsRequest {
  std::vector<std::string> topic_names;
  int32_t timeout_ms = 0;

  bool operator==(const DeleteTopicsRequest&) const = default;
  static constexpr auto Fields() {
    using S = DeleteTopicsRequest;
    return std::tuple{Field{&S::topic_names, 0}, Field{&S::timeout_ms, 0}};
  }
};

struct DeleteTopicsResponseTopic {
  std::string name;
  int16_t error_code = 0;

  bool operator==(const DeleteTopicsResponseTopic&) const = default;
  static constexpr auto Fields() {
    using S = DeleteTopicsResponseTopic;
    return std::tuple{Field{&S::name, 0}, Field{&S::error_code, 0}};
  }
};

struct DeleteTopicsResponse {
  int32_t throttle_time_ms = 0;
  std::vector<DeleteTopicsResponseTopic> responses;

  bool operator==(const DeleteTopicsResponse&) const = default;
  static constexpr auto Fields() {
    using S = DeleteTopicsResponse;
    return std::tuple{Field{&S::throttle_time_ms, 1}, Field{&S::responses, 0}};
  }
};

}  // namespace herald::kafka
