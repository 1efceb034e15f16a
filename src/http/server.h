// HttpServer: Herald's one HTTP listener (Boost.Beast on C++20 coroutines). It serves whatever
// the Router holds: the REST proxy, the admin API, /metrics, /healthz and /readyz.
//
// Each connection reads a request (bodies above `max_body_bytes` get 413), finds who it is from
// (http/auth.h: 401 for wrong credentials, never data), hands the request and its identity to
// the router and writes its answer; keep-alive connections then read the next one. Handlers answer
// from any thread; the connection's strand carries on from there.
//
// Thread-safety: Bind/Start/Stop from one thread; the rest runs on the io_context.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without including it

#include <boost/asio.hpp>

#include "base/mutex.h"
#include "base/status.h"
#include "http/auth.h"
#include "http/router.h"
#include "net/tls.h"

namespace herald::http {

struct HttpServerOptions {
  std::string host = "0.0.0.0";
  uint16_t port = 8080;  // 0 picks a free port
  size_t max_body_bytes = size_t{16} << 20;
  // Who each request is from (http/auth.h); null: everyone is User:ANONYMOUS, no ACLs.
  std::shared_ptr<HttpAuthenticator> auth;
  // When set, the listener speaks HTTPS: each connection handshakes with the context current
  // when it was accepted.
  std::shared_ptr<net::TlsContext> tls;
};

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, HttpServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds the listening socket. kUnavailable when the address cannot be bound.
  Status Bind();
  uint16_t port() const { return port_; }
  // Starts accepting; `router` must outlive the server.
  void Start(const Router& router);
  // Stops accepting and closes every connection.
  void Stop();

  class Session;
  // A connection is done: the server forgets it.
  void Forget(const std::shared_ptr<Session>& session);

 private:
  boost::asio::awaitable<void> AcceptLoop();

  boost::asio::io_context& io_;
  const HttpServerOptions options_;
  const Router* router_ = nullptr;
  boost::asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  Mutex mu_;
  bool stopped_ GUARDED_BY(mu_) = false;
  std::set<std::shared_ptr<Session>> sessions_ GUARDED_BY(mu_);
};

}  // namespace herald::http
