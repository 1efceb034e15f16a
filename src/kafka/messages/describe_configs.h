// DescribeConfigs (API key 32), versions 0-4; flexible from 4.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "kafka/messages/common.h"
#include "kafka/schema.h"

namespace herald::kafka {

struct DescribeConfigsRequestResource {
  int8_t resource_type = 0;  // 2 topic, 4 broker
  std::string resource_name;
  // Null lists every configuration key.
  std::optional<std::vector<std::string>> configuration_keys = std::vector<std::string>{};

  bool operator==(const DescribeConfigsRequestResource&) const = default;
  static constexpr auto Fields() {
    using S = DescribeConfigsRequestResource;
    return std::tuple{Field{&S::resource_type, 0}, Field{&S::resource_name, 0},
                      Field{&S::configuration_keys, 0, kNoMax, 0}};
  }
};

struct DescribeConfigsRequest {
  std::vector<DescribeConfigsRequestResource> resources;
  bool include_synonyms = false;
  bool include_documentation = false;  // v3+

  bool operator==(const DescribeConfigsRequest&) const = default;
  static constexpr auto Fields() {
    using S = DescribeConfigsRequest;
    return std::tuple{Field{&S::resources, 0}, Field{&S::include_synonyms, 1},
                      Field{&S::include_documentation, 3}};
  }
};

struct DescribeConfigsResponseSynonym {
  std::string name;
  std::optional<std::string> value;
  int8_t source = 0;

  bool operator==(const DescribeConfigsResponseSynonym&) const = default;
  static constexpr auto Fields() {
    using S = DescribeConfigsResponseSynonym;
    return std::tuple{Field{&S::name, 1}, Field{&S::value, 1, kNoMax, 0}, Field{&S::source, 1}};
  }
};

struct DescribeConfigsResponseConfig {
  std::string name;
  std::optional<std::string> value;
  bool read_only = false;
  bool is_default = false;    // v0 only; v1+ says it with config_source
  int8_t config_source = -1;  // v1+; -1 when unknown (v0 says it with is_default)
  bool is_sensitive = false;
  std::vector<DescribeConfigsResponseSynonym> synonyms;
  int8_t config_type = 0;                    // v3+: 0 unknown, 1 boolean, 2 string, 3 int, ...
  std::optional<std::string> documentation;  // v3+

  bool operator==(const DescribeConfigsResponseConfig&) const = default;
  static constexpr auto Fields() {
    using S = DescribeConfigsResponseConfig;
    return std::tuple{Field{&S::name, 0},
                      Field{&S::value, 0, kNoMax, 0},
                      Field{&S::read_only, 0},
                      Field{&S::is_default, 0, 0},
                      Field{&S::config_source, 1},
                      Field{&S::is_sensitive, 0},
                      Field{&S::synonyms, 1},
                      Field{&S::config_type, 3},
                      Field{&S::documentation, 3, kNoMax, 0}};
  }
};

struct DescribeConfigsResponseResult {
  int16_t error_code = 0;
  std::optional<std::string> error_message;
  int8_t resource_type = 0;
  std::string resource_name;
  std::vector<DescribeConfigsResponseConfig> configs;

  bool operator==(const DescribeConfigsResponseResult&) const = default;
  static constexpr auto Fields() {
    using S = DescribeConfigsResponseResult;
    return std::tuple{Field{&S::error_code, 0}, Field{&S::error_message, 0, kNoMax, 0},
                      Field{&S::resource_type, 0}, Field{&S::resource_name, 0},
                      Field{&S::configs, 0}};
  }
};

struct DescribeConfigsResponse {
  int32_t throttle_time_ms = 0;
  std::vector<DescribeConfigsResponseResult> results;

  bool operator==(const DescribeConfigsResponse&) const = default;
  static constexpr auto Fields() {
    using S = DescribeConfigsResponse;
    return std::tuple{Field{&S::throttle_time_ms, 0}, Field{&S::results, 0}};
  }
};

}  // namespace herald::kafka
