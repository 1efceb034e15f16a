// DeleteTopics (API key 20), versions 0-6; flexible from 4. v6 names topics by name or id.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "kafka/messages/common.h"
#include "kafka/schema.h"

namespace herald::kafka {

struct DeleteTopicsRequestTopic {
  std::optional<std::string> name;  // null when named by id
  Uuid topic_id;                    // zero when named by name

  bool operator==(const DeleteTopicsRequestTopic&) const = default;
  static constexpr auto Fields() {
    using S = DeleteTopicsRequestTopic;
    return std::tuple{Field{&S::name, 6, kNoMax, 6}, Field{&S::topic_id, 6}};
  }
};

struct DeleteTopicsRequest {
  std::vector<DeleteTopicsRequestTopic> topics;  // v6+
  std::vector<std::string> topic_names;          // up to v5
  int32_t timeout_ms = 0;

  bool operator==(const DeleteTopicsRequest&) const = default;
  static constexpr auto Fields() {
    using S = DeleteTopicsRequest;
    return std::tuple{Field{&S::topics, 6}, Field{&S::topic_names, 0, 5}, Field{&S::timeout_ms, 0}};
  }
};

struct DeleteTopicsResponseTopic {
  std::optional<std::string> name;  // null (v6+) for an unknown topic id
  Uuid topic_id;                    // v6+
  int16_t error_code = 0;
  std::optional<std::string> error_message;  // v5+

  bool operator==(const DeleteTopicsResponseTopic&) const = default;
  static constexpr auto Fields() {
    using S = DeleteTopicsResponseTopic;
    return std::tuple{Field{&S::name, 0, kNoMax, 6}, Field{&S::topic_id, 6},
                      Field{&S::error_code, 0}, Field{&S::error_message, 5, kNoMax, 5}};
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
