// AlterConfigs (API key 33), versions 0-2; flexible from 2.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "kafka/messages/common.h"
#include "kafka/schema.h"

namespace herald::kafka {

struct AlterConfigsRequestConfig {
  std::string name;
  std::optional<std::string> value;

  bool operator==(const AlterConfigsRequestConfig&) const = default;
  static constexpr auto Fields() {
    using S = AlterConfigsRequestConfig;
    return std::tuple{Field{&S::name, 0}, Field{&S::value, 0, kNoMax, 0}};
  }
};

struct AlterConfigsRequestResource {
  int8_t resource_type = 0;  // 2 topic, 4 broker
  std::string resource_name;
  std::vector<AlterConfigsRequestConfig> configs;

  bool operator==(const AlterConfigsRequestResource&) const = default;
  static constexpr auto Fields() {
    using S = AlterConfigsRequestResource;
    return std::tuple{Field{&S::resource_type, 0}, Field{&S::resource_name, 0},
                      Field{&S::configs, 0}};
  }
};

struct AlterConfigsRequest {
  std::vector<AlterConfigsRequestResource> resources;
  bool validate_only = false;

  bool operator==(const AlterConfigsRequest&) const = default;
  static constexpr auto Fields() {
    using S = AlterConfigsRequest;
    return std::tuple{Field{&S::resources, 0}, Field{&S::validate_only, 0}};
  }
};

struct AlterConfigsResponseResource {
  int16_t error_code = 0;
  std::optional<std::string> error_message;
  int8_t resource_type = 0;
  std::string resource_name;

  bool operator==(const AlterConfigsResponseResource&) const = default;
  static constexpr auto Fields() {
    using S = AlterConfigsResponseResource;
    return std::tuple{Field{&S::error_code, 0}, Field{&S::error_message, 0, kNoMax, 0},
                      Field{&S::resource_type, 0}, Field{&S::resource_name, 0}};
  }
};

struct AlterConfigsResponse {
  int32_t throttle_time_ms = 0;
  std::vector<AlterConfigsResponseResource> responses;

  bool operator==(const AlterConfigsResponse&) const = default;
  static constexpr auto Fields() {
    using S = AlterConfigsResponse;
    return std::tuple{Field{&S::throttle_time_ms, 0}, Field{&S::responses, 0}};
  }
};

}  // namespace herald::kafka
