#include "http/event_json.h"

#include "base/base64.h"
#include "base/json.h"
#include "base/log.h"
#include "base/utf8.h"

namespace herald::http {

using nlohmann::json;

Response StreamError(bhttp::status status, std::string_view code, std::string_view message,
                     json extra) {
  extra["error_code"] = code;
  extra["message"] = message;
  return JsonResponse(status, extra);
}

json EventJson(const eventstore::RecordedEvent& e) {
  json data;
  if (e.content_type == "application/json") {
    auto parsed = ParseBoundedJson(e.data);
    data = parsed ? std::move(*parsed) : json(e.data);
  } else if (IsValidUtf8(e.data)) {
    data = e.data;
  }
  json out = {{"id", e.id},
              {"type", e.type},
              {"stream", e.stream},
              {"revision", e.revision},
              {"position", e.position},
              {"content_type", e.content_type},
              {"data", std::move(data)},
              {"created", FormatLogTimestamp(e.created_ms)}};
  if (out["data"].is_null() && e.content_type != "application/json" && !e.data.empty()) {
    out["data_base64"] = Base64Encode(AsBytes(e.data));
  }
  if (!e.metadata.empty()) {
    auto metadata = ParseBoundedJson(e.metadata);
    if (metadata) out["metadata"] = std::move(*metadata);
  }
  return out;
}

json EventsJson(const std::vector<eventstore::RecordedEvent>& events) {
  json out = json::array();
  for (const auto& e : events) out.push_back(EventJson(e));
  return out;
}

}  // namespace herald::http
