#include "http/server.h"

#include <algorithm>
#include <cctype>
#include <chrono>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fmt/format.h>

#include "base/backoff.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/mutex.h"
#include "broker/audit.h"
#include "broker/broker_metrics.h"
#include "net/address.h"

namespace herald::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

constexpr auto kIdleTimeout = std::chrono::seconds(60);
// A TLS handshake, and the close_notify exchange at the end, must take no longer.
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);

// Runs `router` for `request` and resumes the awaiting coroutine on its own executor with the
// answer, whichever thread the handler answers from.
template <typename Token>
auto AsyncDispatch(const Router& router, std::shared_ptr<const Request> request, Identity identity,
                   Token&& token) {
  return asio::async_initiate<Token, void(Answer)>(
      [&router](auto handler, std::shared_ptr<const Request> req, Identity who) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        auto executor = asio::get_associated_executor(*shared);
        router.Dispatch(std::move(req), std::move(who),
                        [shared, executor](Answer answer) {
                          asio::post(executor, [shared, answer = std::move(answer)]() mutable {
                            (*shared)(std::move(answer));
                          });
                        });
      },
      token, std::move(request), std::move(identity));
}

// HttpAuthenticator::Authenticate as an awaitable resumed on the awaiting coroutine's executor.
template <typename Token>
auto AsyncAuthenticate(HttpAuthenticator& auth, std::string_view authorization, std::string host,
                       Token&& token) {
  return asio::async_initiate<Token, void(Result<Identity>)>(
      [&auth](auto handler, std::string header, std::string from) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        auto executor = asio::get_associated_executor(*shared);
        // The io_context keeps running while a password is checked on the authenticator's thread.
        auto work = std::make_shared<asio::executor_work_guard<decltype(executor)>>(executor);
        // Everything moves into what is posted: the authenticator's thread keeps nothing of the
        // io_context once it has posted.
        auth.Authenticate(
            header, std::move(from), [shared, executor, work](Result<Identity> who) mutable {
              auto target = std::move(executor);
              asio::post(target, [shared = std::move(shared), work = std::move(work),
                                  who = std::move(who)]() mutable { (*shared)(std::move(who)); });
            });
      },
      token, std::string(authorization), std::move(host));
}

// BodyStream::Next as an awaitable resumed on the awaiting coroutine's executor.
template <typename Token>
auto AsyncNext(BodyStream& body, Token&& token) {
  return asio::async_initiate<Token, void(std::optional<std::string>)>(
      [&body](auto handler) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        auto executor = asio::get_associated_executor(*shared);
        body.Next([shared, executor](std::optional<std::string> piece) {
          asio::post(executor, [shared, piece = std::move(piece)]() mutable {
            (*shared)(std::move(piece));
          });
        });
      },
      token);
}

// The scheme an Authorization header names, for the audit log: its first word when that is a
// scheme's name (letters, digits and '-', at most 20, followed by a space or tab), else
// "(malformed)". Never the credentials, even in a header without a scheme.
std::string_view SchemeOf(std::string_view authorization) {
  const size_t end = authorization.find_first_of(" \t");
  const std::string_view scheme = authorization.substr(0, end);
  const bool named = end != std::string_view::npos && !scheme.empty() && scheme.size() <= 20 &&
                     std::all_of(scheme.begin(), scheme.end(),
                                 [](unsigned char c) { return std::isalnum(c) != 0 || c == '-'; });
  return named ? scheme : "(malformed)";
}

Gauge& OpenHttpConnections() {
  static Gauge& gauge = broker::metrics::OpenConnections("http");
  return gauge;
}
Counter& BytesIn() {
  static Counter& counter = broker::metrics::BytesIn("http");
  return counter;
}
Counter& BytesOut() {
  static Counter& counter = broker::metrics::BytesOut("http");
  return counter;
}
Counter& ClosedHandshake() {
  static Counter& counter = broker::metrics::ConnectionsClosed("http", "tls_handshake_failed");
  return counter;
}

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

}  // namespace

class HttpServer::Session {
 public:
  virtual ~Session() = default;
  virtual void Start() = 0;
  virtual void Close() = 0;
};

namespace {

// One connection over `Stream`: beast::tcp_stream, or TlsStream (handshaken first, and shut down
// with a close_notify at the end, so a body delimited by the close reads as complete).
template <typename Stream>
class Connection : public HttpServer::Session,
                   public std::enable_shared_from_this<Connection<Stream>> {
 public:
  // `tls`: the context `stream` was made with, kept for the connection's life.
  Connection(HttpServer& server, const HttpServerOptions& options, const Router& router,
             Stream stream, std::shared_ptr<asio::ssl::context> tls = nullptr)
      : server_(server),
        options_(options),
        router_(router),
        executor_(stream.get_executor()),
        tls_context_(std::move(tls)),
        stream_(std::move(stream)) {}

  void Start() override {
    asio::co_spawn(executor_, Run(this->shared_from_this()), asio::detached);
  }

  void Close() override {
    asio::post(executor_, [self = this->shared_from_this()] {
      if (self->body_) self->body_->Cancel();
      beast::error_code ignored;
      self->Lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
      self->Lowest().close();
    });
  }

 private:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }

  asio::awaitable<void> Run(std::shared_ptr<Connection> self) {
    OpenHttpConnections().Inc();
    if constexpr (kTls) {
      Lowest().expires_after(kHandshakeTimeout);
      beast::error_code ec;
      co_await stream_.async_handshake(asio::ssl::stream_base::server,
                                       asio::redirect_error(use_awaitable, ec));
      if (ec) {
        ClosedHandshake().Inc();
        LogWarn("connection_closed", {{"listener", "https"}, {"reason", "tls_handshake_failed"}},
                ec.message());
        Lowest().close();
        OpenHttpConnections().Dec();
        server_.Forget(self);
        co_return;
      }
    }
    beast::error_code peer_error;
    const auto endpoint = Lowest().socket().remote_endpoint(peer_error);
    const std::string peer = peer_error ? "" : net::ClientAddress(endpoint.address());
    beast::flat_buffer buffer;
    for (;;) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.body_limit(options_.max_body_bytes);
      Lowest().expires_after(kIdleTimeout);
      beast::error_code ec;
      const size_t read = co_await bhttp::async_read(stream_, buffer, parser,
                                                     asio::redirect_error(use_awaitable, ec));
      BytesIn().Inc(static_cast<double>(read));
      if (ec == bhttp::error::body_limit) {
        co_await Write(ErrorResponse(41301, fmt::format("the request body is larger than {} bytes",
                                                        options_.max_body_bytes)),
                       false);
        break;
      }
      if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
          ec == asio::error::operation_aborted || ec == asio::error::eof ||
          ec == asio::error::connection_reset || ec == asio::ssl::error::stream_truncated) {
        break;
      }
      if (ec) {
        co_await Write(ErrorResponse(40001, fmt::format("malformed HTTP request: {}", ec.message())),
                       false);
        break;
      }
      auto request = std::make_shared<const Request>(parser.release());
      const bool keep_alive = request->keep_alive();
      Lowest().expires_never();
      Answer answer(Response{});
      Result<Identity> identity = Identity{.host = peer};
      if (options_.auth) {
        identity = co_await AsyncAuthenticate(
            *options_.auth, (*request)[bhttp::field::authorization], peer, use_awaitable);
      }
      // (Not a conditional expression: GCC 12 miscompiles co_await inside one.)
      if (identity.ok()) {
        answer =
            co_await AsyncDispatch(router_, request, std::move(identity).value(), use_awaitable);
      } else if (identity.status().code() == StatusCode::kUnavailable) {
        answer = ErrorResponse(50301, "too many password checks pending: try again");
        answer.response.set(bhttp::field::retry_after, "1");
      } else if (identity.status().code() == StatusCode::kInternal) {
        answer = ErrorResponse(50001, identity.status().message());
      } else {
        broker::AuditAuthFailure("http", peer,
                                 {{"scheme", SchemeOf((*request)[bhttp::field::authorization])}},
                                 identity.status().message());
        answer = ErrorResponse(40101, "invalid credentials");
      }
      if (answer.response.result() == bhttp::status::unauthorized && options_.auth &&
          options_.auth->required()) {
        answer.response.set(bhttp::field::www_authenticate,
                            options_.auth->Challenge((*request)[bhttp::field::authorization]));
      }
      if (answer.stream) {
        co_await WriteStream(std::move(answer));
        break;
      }
      if (!co_await Write(std::move(answer.response), keep_alive) || !keep_alive) break;
    }
    beast::error_code ignored;
    if constexpr (kTls) {
      Lowest().expires_after(kHandshakeTimeout);
      co_await stream_.async_shutdown(asio::redirect_error(use_awaitable, ignored));
    }
    Lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
    OpenHttpConnections().Dec();
    server_.Forget(self);
  }

  // Writes one answer; false when the connection failed.
  asio::awaitable<bool> Write(Response response, bool keep_alive) {
    response.set(bhttp::field::server, "herald");
    response.keep_alive(keep_alive);
    response.prepare_payload();
    Lowest().expires_after(kIdleTimeout);
    beast::error_code ec;
    const size_t written =
        co_await bhttp::async_write(stream_, response, asio::redirect_error(use_awaitable, ec));
    BytesOut().Inc(static_cast<double>(written));
    co_return !ec;
  }

  // Writes a head, then the body's pieces as they come, until the body ends or the connection
  // fails; the connection closes afterwards.
  asio::awaitable<void> WriteStream(Answer answer) {
    body_ = answer.stream;
    Response& head = answer.response;
    head.set(bhttp::field::server, "herald");
    head.keep_alive(false);
    bhttp::response_serializer<bhttp::string_body> serializer(head);
    beast::error_code ec;
    Lowest().expires_after(kIdleTimeout);
    size_t written = co_await bhttp::async_write_header(stream_, serializer,
                                                        asio::redirect_error(use_awaitable, ec));
    while (!ec) {
      std::optional<std::string> piece = co_await AsyncNext(*body_, use_awaitable);
      if (!piece) break;
      if (piece->empty()) continue;
      Lowest().expires_after(kIdleTimeout);
      written += co_await asio::async_write(stream_, asio::buffer(*piece),
                                            asio::redirect_error(use_awaitable, ec));
    }
    BytesOut().Inc(static_cast<double>(written));
    body_->Cancel();
    body_.reset();
  }

  HttpServer& server_;
  const HttpServerOptions& options_;
  const Router& router_;
  asio::any_io_executor executor_;  // the connection's strand
  const std::shared_ptr<asio::ssl::context> tls_context_;  // null for plain TCP
  Stream stream_;
  std::shared_ptr<BodyStream> body_;  // on the strand: the body being written, if any
};

}  // namespace

HttpServer::HttpServer(asio::io_context& io, HttpServerOptions options)
    : io_(io), options_(std::move(options)), acceptor_(io) {}

HttpServer::~HttpServer() = default;

Status HttpServer::Bind() {
  auto address = net::ListenAddress(io_, options_.host);
  if (!address.ok()) return address.status();
  beast::error_code ec;
  tcp::endpoint endpoint(*address, options_.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Unavailable("cannot listen for HTTP on {}:{}: {}", options_.host, options_.port,
                       ec.message());
  }
  port_ = acceptor_.local_endpoint().port();
  return Status::Ok();
}

void HttpServer::Start(const Router& router) {
  router_ = &router;
  asio::co_spawn(acceptor_.get_executor(), AcceptLoop(), asio::detached);
}

asio::awaitable<void> HttpServer::AcceptLoop() {
  asio::steady_timer retry(io_);
  Backoff backoff(std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
  for (;;) {
    beast::error_code ec;
    tcp::socket socket =
        co_await acceptor_.async_accept(asio::make_strand(io_), asio::redirect_error(use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
    if (ec) {
      // E.g. too many open files: try again later rather than spinning on it.
      const auto delay = backoff.Next();
      LogWarn("accept_failed", {{"listener", "http"}, {"retry_ms", delay.count()}}, ec.message());
      retry.expires_after(delay);
      co_await retry.async_wait(asio::redirect_error(use_awaitable, ec));
      continue;
    }
    backoff.Reset();
    std::shared_ptr<Session> session;
    if (options_.tls) {
      auto context = options_.tls->Current();
      session = std::make_shared<Connection<TlsStream>>(
          *this, options_, *router_, TlsStream(beast::tcp_stream(std::move(socket)), *context),
          context);
    } else {
      session = std::make_shared<Connection<beast::tcp_stream>>(
          *this, options_, *router_, beast::tcp_stream(std::move(socket)));
    }
    {
      MutexLock lock(mu_);
      if (stopped_) co_return;
      sessions_.insert(session);
    }
    session->Start();
  }
}

void HttpServer::Forget(const std::shared_ptr<Session>& session) {
  MutexLock lock(mu_);
  sessions_.erase(session);
}

void HttpServer::Stop() {
  asio::post(acceptor_.get_executor(), [this] {
    beast::error_code ignored;
    acceptor_.close(ignored);
  });
  MutexLock lock(mu_);
  stopped_ = true;
  for (const auto& session : sessions_) session->Close();
}

}  // namespace herald::http
