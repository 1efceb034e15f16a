// IncrementalAlterConfigs (API key 44), versions 0-1 (KIP-339); v1 is flexible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "kafka/messages/common.h"
#include "kafka/schema.h"

namespace herald::kafka {

struct IncrementalAlterConfigsRequestConfig {
  std::string name;
  int8_t config_operation = 0;  // 0 set, 1 delete, 2 append, 3 subtract
  std::optional<std::string> value;

  bool operator==(const IncrementalAlterConfigsRequestConfig&) const = default;
  static constexpr auto Fields() {
    using S = IncrementalAlterConfigsRequestConfig;
    return std::tuple{Field{&S::name, 0}, Field{&S::config_operation, 0},
                      Field{&S::value, 0, kNoMax, 0}};
  }
};

struct IncrementalAlterConfigsRequestResource {
  int8_t resource_type = 0;  // 2 topic, 4 broker
  std::string resource_name;
  std::vector<IncrementalAlterConfigsRequestConfig> configs;

  bool operator==(const IncrementalAlterConfigsRequestResource&) const = default;
  static constexpr auto Fields() {
    using S = IncrementalAlterConfigsRequestResource;
    return std::tuple{Field{&S::resource_type, 0}, Field{&S::resource_name, 0},
                      Field{&S::configs, 0}};
  }
};

struct IncrementalAlterConfigsRequest {
  std::vector<IncrementalAlterConfigsRequestResource> resources;
  bool validate_only = false;

  bool operator==(const IncrementalAlterConfigsRequest&) const = default;
  static constexpr auto Fields() {
    using S = IncrementalAlterConfigsRequest;
    return std::tuple{Field{&S::resources, 0}, Field{&S::validate_only, 0}};
  }
};

struct IncrementalAlterConfigsResponseResource {
  int16_t error_code = 0;
  std::optional<std::string> error_message;
  int8_t resource_type = 0;
  std::string resource_name;

  bool operator==(const IncrementalAlterConfigsResponseResource&) const = default;
  static constexpr auto Fields() {
    using S = IncrementalAlterConfigsResponseResource;
    return std::tuple{Field{&S::error_code, 0}, Field{&S::error_message, 0, kNoMax, 0},
                      Field{&S::resource_type, 0}, Field{&S::resource_name, 0}};
  }
};

struct IncrementalAlterConfigsResponse {
  int32_t throttle_time_ms = 0;
  std::vector<IncrementalAlterConfigsResponseResource> responses;

  bool operator==(const IncrementalAlterConfigsResponse&) const = default;
  static constexpr auto Fields() {
    using S = IncrementalAlterConfigsResponse;
    return std::tuple{Field{&S::throttle_time_ms, 0}, Field{&S::responses, 0}};
  }
};

}  // namespace herald::kafka
