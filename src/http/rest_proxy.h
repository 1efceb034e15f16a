// What the REST proxy's produce/topic routes (rest_proxy.cc) and its consumer instances share.
#pragma once

#include <string_view>

#include "http/api.h"

namespace herald::http {

// The content type of the REST proxy's answers.
inline constexpr std::string_view kRestV2 = "application/vnd.kafka.v2+json";

// The consumer-instance routes under /consumers (rest_consumers.cc).
void AddRestConsumerRoutes(Router& router, HttpContext& context);

}  // namespace herald::http
