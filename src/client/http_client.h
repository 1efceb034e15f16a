// A small blocking HTTP/1.1 client (Boost.Beast) for what talks to `herald serve` over HTTP (the
// CLI's stream commands, the SDK's remote event store): calls keep their connection open for the
// next one (keep-alive), and Server-Sent Events are read as they come on a connection of their
// own.
//
//   HttpClient http({.url = "http://localhost:8080"});
//   auto answer = http.Call("GET", "/streams/order-1");
//
// Thread-safety: one thread per client.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <nlohmann/json.hpp>

#include "base/status.h"

namespace herald::client {

struct HttpClientOptions {
  std::string url = "http://localhost:8080";  // http://HOST[:PORT]
  std::string api_key;                        // sent as "Authorization: Bearer <key>" when set
  int timeout_ms = 30000;
  std::string user_agent = "herald";
  // How often ReadEvents looks at its `stop` while no event comes.
  int stop_check_ms = 1000;
};

struct HttpAnswer {
  int status = 0;
  std::string body;
  // The body as JSON; a discarded value when it is not JSON.
  nlohmann::json Json() const { return nlohmann::json::parse(body, nullptr, false); }
  // An error answer's "error_code" (a string, or Confluent's integer written in decimal) and
  // "message"; empty code and the whole body when it has no such fields.
  std::string ErrorCode() const;
  std::string ErrorMessage() const;
};

// `segment` percent-encoded for a URL path: everything but letters, digits and "-._~".
std::string PathSegment(std::string_view segment);

class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options);
  ~HttpClient();
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;

  // One request, on the connection the last call left open when the server kept it (a new one
  // otherwise); kUnavailable when the server cannot be reached or answers nothing. A kept
  // connection the server closed meanwhile is noticed before the request is sent; should the
  // server close it as the request leaves, a GET, PUT or DELETE is sent once more on a new
  // connection, and a POST is not (it may have been served).
  Result<HttpAnswer> Call(const std::string& method, const std::string& target,
                          const std::string& body = "",
                          const std::string& content_type = "application/json");

  // GETs `target` and, if the answer is 200 text/event-stream, calls `on_event(event, id, data)`
  // for each event until the stream ends, `on_event` answers false or `stop()` turns true (checked
  // every `stop_check_ms`). Another answer is returned as an error with its body.
  using EventHandler =
      std::function<bool(const std::string& event, const std::string& id, const std::string& data)>;
  Status ReadEvents(const std::string& target, const EventHandler& on_event,
                    const std::function<bool()>& stop);

 private:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;
  Status Parse();
  void Connect(boost::beast::tcp_stream& stream) const;
  Request NewRequest(const std::string& method, const std::string& target) const;

  HttpClientOptions options_;
  std::string host_;
  std::string port_ = "80";
  struct Connection;  // the connection kept open between calls
  std::unique_ptr<Connection> connection_;
};

}  // namespace herald::client
