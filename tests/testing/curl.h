// HTTP calls through the real curl, for integration tests of the HTTP listener.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace herald::testing {

struct HttpAnswer {
  int status = 0;    // 0 when curl got no answer
  std::string body;  // or, when it got none, why
  nlohmann::json Json() const { return nlohmann::json::parse(body, nullptr, false); }
};

// `method` on `url` with `body` (sent from a file, so any bytes pass) and `content_type` when
// not empty; `extra` goes on curl's command line as is (headers: "-H 'Name: value'").
// Thread-safe: each call has its own temporary files.
HttpAnswer Curl(const std::string& method, const std::string& url, const std::string& body = "",
                const std::string& content_type = "", const std::string& extra = "");

// The value of one series on `http_url`/metrics, as "name{labels}" (-1 when it is not there).
double MetricValue(const std::string& http_url, const std::string& series);

}  // namespace herald::testing
