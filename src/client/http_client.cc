#include "client/http_client.h"

#include <cctype>
#include <chrono>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>
#include <poll.h>

namespace herald::client {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

}  // namespace

std::string HttpAnswer::ErrorCode() const {
  const nlohmann::json j = Json();
  if (!j.is_object()) return "";
  auto code = j.find("error_code");
  if (code == j.end()) return "";
  if (code->is_number_integer()) return std::to_string(code->get<int64_t>());  // Confluent's
  return code->is_string() ? code->get<std::string>() : "";
}

std::string HttpAnswer::ErrorMessage() const {
  const nlohmann::json j = Json();
  if (!j.is_object()) return body;
  auto message = j.find("message");
  return message != j.end() && message->is_string() ? message->get<std::string>() : body;
}

std::string PathSegment(std::string_view segment) {
  std::string out;
  for (char c : segment) {
    if (std::isalnum(static_cast<unsigned char>(c)) ||
        std::string_view("-._~").find(c) != std::string_view::npos) {
      out += c;
    } else {
      out += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    }
  }
  return out;
}

struct HttpClient::Connection {
  asio::io_context io;
  beast::tcp_stream stream{io};
  beast::flat_buffer buffer;  // what the last answer's read took beyond it (nothing, normally)

  // Whether the connection can carry another request: the server has not closed it, which would
  // make it readable (its end of stream) while no answer is due.
  bool StillOpen() {
    pollfd ready{stream.socket().native_handle(), POLLIN, 0};
    return buffer.size() == 0 && ::poll(&ready, 1, 0) == 0;
  }
};

HttpClient::HttpClient(HttpClientOptions options) : options_(std::move(options)) {}
HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

Status HttpClient::Parse() {
  std::string rest = options_.url;
  if (rest.starts_with("http://")) {
    rest = rest.substr(7);
  } else if (rest.find("://") != std::string::npos) {
    return InvalidArgument("{}: only http:// is served", options_.url);
  }
  rest = rest.substr(0, rest.find('/'));
  const size_t colon = rest.rfind(':');
  if (colon != std::string::npos && rest.find(']') == std::string::npos) {
    host_ = rest.substr(0, colon);
    port_ = rest.substr(colon + 1);
  } else {
    host_ = rest;
  }
  if (host_.empty()) return InvalidArgument("{} names no host", options_.url);
  return Status::Ok();
}

// Resolves and connects `stream` to the server, within the timeout.
void HttpClient::Connect(beast::tcp_stream& stream) const {
  tcp::resolver resolver(stream.get_executor());
  stream.expires_after(std::chrono::milliseconds(options_.timeout_ms));
  stream.connect(resolver.resolve(host_, port_));
}

// A request with the headers every call carries (host, user agent, API key).
HttpClient::Request HttpClient::NewRequest(const std::string& method,
                                           const std::string& target) const {
  Request request(bhttp::string_to_verb(method), target, 11);
  request.set(bhttp::field::host, host_);
  request.set(bhttp::field::user_agent, options_.user_agent);
  if (!options_.api_key.empty()) {
    request.set(bhttp::field::authorization, "Bearer " + options_.api_key);
  }
  return request;
}

Result<HttpAnswer> HttpClient::Call(const std::string& method, const std::string& target,
                                    const std::string& body, const std::string& content_type) {
  HERALD_RETURN_IF_ERROR(Parse());
  for (int attempt = 0;; ++attempt) {
    const bool reused = connection_ && connection_->StillOpen();
    try {
      if (!reused) {
        connection_ = std::make_unique<Connection>();
        Connect(connection_->stream);
      }
      beast::tcp_stream& stream = connection_->stream;
      stream.expires_after(std::chrono::milliseconds(options_.timeout_ms));
      Request request = NewRequest(method, target);
      if (!body.empty()) {
        request.set(bhttp::field::content_type, content_type);
        request.body() = body;
      }
      request.prepare_payload();
      bhttp::write(stream, request);
      bhttp::response_parser<bhttp::string_body> parser;
      parser.body_limit(size_t{256} << 20);
      bhttp::read(stream, connection_->buffer, parser);
      HttpAnswer answer;
      answer.status = static_cast<int>(parser.get().result_int());
      answer.body = std::move(parser.get().body());
      if (!parser.get().keep_alive()) connection_.reset();
      return answer;
    } catch (const std::exception& e) {
      connection_.reset();
      // A kept connection the server closed as the request left: only a request that means the
      // same when served twice goes again.
      if (reused && attempt == 0 && method != "POST" && method != "PATCH") continue;
      return Unavailable("{}: {}", options_.url, e.what());
    }
  }
}

Status HttpClient::ReadEvents(const std::string& target, const EventHandler& on_event,
                              const std::function<bool()>& stop) {
  HERALD_RETURN_IF_ERROR(Parse());
  try {
    asio::io_context io;
    beast::tcp_stream stream(io);
    Connect(stream);
    Request request = NewRequest("GET", target);
    request.set(bhttp::field::accept, "text/event-stream");
    request.prepare_payload();
    bhttp::write(stream, request);
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    bhttp::read_header(stream, buffer, parser);
    stream.expires_never();
    if (parser.get().result_int() != 200) {
      bhttp::read(stream, buffer, parser);
      return FailedPrecondition("{} answered {}: {}", target, parser.get().result_int(),
                                parser.get().body());
    }
    // The body streams until the server closes: read the socket as it comes, looking at `stop`
    // every stop_check_ms.
    std::string pending(static_cast<const char*>(buffer.data().data()), buffer.size());
    std::string event, id, data;
    char chunk[16384];
    for (;;) {
      for (size_t nl; (nl = pending.find('\n')) != std::string::npos;) {
        std::string line = pending.substr(0, nl);
        pending.erase(0, nl + 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) {
          if (!data.empty() || !event.empty()) {
            if (!on_event(event.empty() ? "message" : event, id, data)) return Status::Ok();
          }
          event.clear();
          id.clear();
          data.clear();
        } else if (line.starts_with("event: ")) {
          event = line.substr(7);
        } else if (line.starts_with("id: ")) {
          id = line.substr(4);
        } else if (line.starts_with("data: ")) {
          data += (data.empty() ? "" : "\n") + line.substr(6);
        }
      }
      if (stop()) return Status::Ok();
      // (A Beast timeout would close the socket: wait with poll.)
      pollfd ready{stream.socket().native_handle(), POLLIN, 0};
      if (::poll(&ready, 1, options_.stop_check_ms) <= 0)
        continue;  // nothing yet, or a signal (Ctrl-C): see `stop`
      beast::error_code ec;
      const size_t n = stream.socket().read_some(asio::buffer(chunk), ec);
      if (ec == asio::error::eof) return Status::Ok();
      if (ec) return Unavailable("{}: {}", options_.url, ec.message());
      pending.append(chunk, n);
    }
  } catch (const std::exception& e) {
    return Unavailable("{}: {}", options_.url, e.what());
  }
}

}  // namespace herald::client
