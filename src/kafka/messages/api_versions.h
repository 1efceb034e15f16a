// ApiVersions (API key 18), versions 0-3. Version 3 is flexible: compact strings and arrays, and a
// tagged-field section after every structure. The response's tagged fields (SupportedFeatures,
// FinalizedFeaturesEpoch, FinalizedFeatures, ZkMigrationReady) are not modelled: skipped when
// read, never written. (The response header stays v0 even for v3; that is the framing's concern.)
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "kafka/messages/common.h"
#include "kafka/schema.h"

namespace herald::kafka {

struct ApiVersionsRequest {
  std::string client_software_name;
  std::string client_software_version;

  bool operator==(const ApiVersionsRequest&) const = default;
  static constexpr auto Fields() {
    using S = ApiVersionsRequest;
    return std::tuple{Field{&S::client_software_name, 3}, Field{&S::client_software_version, 3}};
  }
};

struct ApiVersionsResponseKey {
  int16_t api_key = 0;
  int16_t min_version = 0;
  int16_t max_version = 0;

  bool operator==(const ApiVersionsResponseKey&) const = default;
  static constexpr auto Fields() {
    using S = ApiVersionsResponseKey;
    return std::tuple{Field{&S::api_key, 0}, Field{&S::min_version, 0}, Field{&S::max_version, 0}};
  }
};

struct ApiVersionsResponse {
  int16_t error_code = 0;
  std::vector<ApiVersionsResponseKey> api_keys;
  int32_t throttle_time_ms = 0;

  bool operator==(const ApiVersionsResponse&) const = default;
  static constexpr auto Fields() {
    using S = ApiVersionsResponse;
    return std::tuple{Field{&S::error_code, 0}, Field{&S::api_keys, 0},
                      Field{&S::throttle_time_ms, 1}};
  }
};

}  // namespace herald::kafka
