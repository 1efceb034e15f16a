// What the REST proxy's produce/topic routes (rest_proxy.cc) and its consumer instances share.
#pragma once

#include <string_view>

#include "http/api.h"

namespace herald::http {

// The content type of the REST proxy's answers.
inline constexpr std::string_view kRestV2 = "application/vnd.kafka.v2+json";
// The content types of records embedded in produce requests and consumer answers.
inline constexpr std::string_view kJsonV2 = "application/vnd.kafka.json.v2+json";
inline constexpr std::string_view kBinaryV2 = "application/vnd.kafka.binary.v2+json";
inline constexpr std::string_view kAvroV2 = "application/vnd.kafka.avro.v2+json";
inline constexpr std::string_view kJsonSchemaV2 = "application/vnd.kafka.jsonschema.v2+json";

// The consumer-instance routes under /consumers (rest_consumers.cc).
void AddRestConsumerRoutes(Router& router, HttpContext& context);

}  // namespace herald::http
