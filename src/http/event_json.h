// JSON of the event store's HTTP API, shared by its routes (streams_api.cc,
// persistent_api.cc): events as the API answers them, and its error bodies.
#pragma once

#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "eventstore/event_record.h"
#include "http/router.h"

namespace herald::http {

// {"id", "type", "stream", "revision", "position", "content_type", "data" (JSON, or text), or
// "data_base64" (bytes that are not text), "metadata"?, "created" (RFC 3339)}.
nlohmann::json EventJson(const eventstore::RecordedEvent& e);
nlohmann::json EventsJson(const std::vector<eventstore::RecordedEvent>& events);

// {"error_code": code, "message": message} plus `extra`'s fields.
Response StreamError(bhttp::status status, std::string_view code, std::string_view message,
                     nlohmann::json extra = nlohmann::json::object());

}  // namespace herald::http
