// KafkaServer: the TCP listener that speaks the Kafka protocol's framing.
//
//   frame := size:int32 bytes[size]      (a request header and body, or a response)
//
// One Connection per client socket, on Boost.Asio with C++20 coroutines. A connection reads
// requests one after another without waiting for earlier answers (clients pipeline), hands each to
// the RequestHandler, and writes the responses strictly in request order, as the protocol
// requires. Handlers complete from any thread; the connection's strand orders the rest. At most
// `max_in_flight` requests per connection wait for answers; beyond that the connection stops
// reading (back-pressure). Log data in responses is sent with sendfile(2) where the bytes need no
// check, so it never passes through user space (except over TLS, where it is read and encrypted).
//
// Every resource a client can make the server hold is bounded (ServerOptions): connections in all
// and per address, request size, bytes held by requests across connections, the time a request
// may take to arrive, and idle time. A handler that throws closes its connection, not the process.
//
// With SASL (ServerOptions::sasl) each connection authenticates first; the connection answers
// SaslHandshake and SaslAuthenticate itself, as the state is its own.
//
// Thread-safety: Listen/Stop from one thread; everything else runs on the io_context.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without including it
#include <vector>

#include <boost/asio.hpp>

#include "base/mutex.h"
#include "base/status.h"
#include "kafka/header.h"
#include "kafka/schema.h"
#include "net/tls.h"
#include "security/delegated_logins.h"
#include "security/principal_mapping.h"
#include "security/sasl.h"

namespace herald::kafka {

// A response body (no header), with log slices to splice in.
struct Response {
  Buffer body;
  std::vector<SplicedSlice> splices;
  bool send = true;   // false: the request gets no answer (Produce with acks=0)
  bool close = false; // close the connection after this answer (or instead of it)
  // A client over its quota: the connection reads no further request for this long once the
  // answer is ready, as Kafka mutes a throttled client's channel (the answer says so too, in its
  // throttle_time_ms). Requests already read still go on (at most max_in_flight).
  int64_t throttle_ms = 0;
};
using Respond = std::function<void(Response)>;

// The answer to a request whose body does not decode, as Kafka's: none, and the connection
// closes. Logs `request_rejected` with the peer, the API and why.
Response Rejection(std::string_view peer, const RequestHeader& header, const Status& why);

// Where clients of a listener are told to connect (Metadata, FindCoordinator).
struct AdvertisedAddress {
  std::string host;
  int32_t port = -1;
};

struct RequestContext {
  ParsedRequest request;
  std::shared_ptr<Buffer> frame;  // owns the bytes `body` points into
  MutableByteView body;           // the request body; a handler may modify it in place
  boost::asio::any_io_executor executor;
  std::string peer;  // client address, for logs
  std::string host;  // the client's IP address, as ACLs name hosts
  // Who the client is: "User:<name>" once authenticated with SASL, else from its verified TLS
  // client certificate ("User:CN=...", or as ServerOptions::principal_mapper maps it), else
  // "User:ANONYMOUS".
  std::string principal = "User:ANONYMOUS";
  // The ACLs do not bind this client: a delegated login of an HTTP caller they do not bind.
  bool unrestricted = false;
  // Where a handler that knows at once that its client is over a quota (Produce) writes the
  // throttle, before Handle returns, so that the connection reads no further request from then
  // on; nullptr when nobody listens. (Response::throttle_ms does the same once answered.)
  int64_t* throttle_ms = nullptr;
  // The address of the listener the request came in on, nullptr for the broker's own.
  const AdvertisedAddress* advertised = nullptr;

  Version version() const { return {request.header.api_version, request.flexible}; }
};

class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  // Answers one request by calling `done` exactly once, from any thread. The request's API is
  // known and its version inside the advertised range, except for ApiVersions, which is passed
  // at any version.
  virtual void Handle(RequestContext ctx, Respond done) = 0;
};

// SASL on a listener (Kafka's SASL_PLAINTEXT, or SASL_SSL with TLS): a connection must
// authenticate with one of `mechanisms` before any request other than ApiVersions and
// SaslHandshake. SaslHandshake v0 is followed by the SASL tokens as raw frames (a 4-byte length
// and the bytes, both ways), v1 by SaslAuthenticate requests. A failed authentication closes the
// connection (after the SaslAuthenticate answer saying so).
struct SaslSettings {
  std::vector<std::string> mechanisms;  // SASL names (security/sasl.h)
  // Looks up stored credentials; called from the server's authentication thread.
  security::SaslServer::Credentials credentials;
  // Who an authenticated user stands for when it is a delegated login (the REST proxy's
  // consumers: security/delegated_logins.h): its principal and host. Null: User:<name>. Set,
  // and nullopt (a login revoked meanwhile): the connection is closed.
  std::function<std::optional<security::Delegation>(const std::string& user)> delegation;
};

// The listener's bounds. Each is a `herald serve` flag (docs/configuration.md).
struct ServerOptions {
  std::string host = "0.0.0.0";
  uint16_t port = 9092;  // 0 picks a free port
  // socket.request.max.bytes: a larger frame closes the connection.
  size_t max_request_bytes = size_t{100} << 20;
  size_t max_in_flight = 64;  // requests read but not yet answered, per connection
  // max.connections and max.connections.per.ip: a connection beyond either is closed at accept.
  size_t max_connections = 5000;
  size_t max_connections_per_ip = 1000;
  // connections.max.idle.ms: a connection with nothing in flight that sends nothing for this long
  // is closed.
  int64_t connections_max_idle_ms = 600'000;
  // Once a request's first byte arrives, the whole request must arrive within this long (time
  // spent paused by the memory budget below does not count); else the connection is closed.
  int64_t request_read_timeout_ms = 30'000;
  // queued.max.request.bytes: request bytes held in all (read and not yet released by their
  // handlers). Beyond it connections stop reading until memory is released; frames are read in
  // growing chunks, so bytes are held only once they arrive.
  size_t queued_max_request_bytes = size_t{512} << 20;
  // When set, the listener speaks TLS: each connection handshakes with the context current when
  // it was accepted, within request_read_timeout_ms.
  std::shared_ptr<net::TlsContext> tls;
  // With tls and client certificates: how a verified certificate's subject becomes the client's
  // principal (ssl.principal.mapping.rules); null: User:SUBJECT.
  std::shared_ptr<const security::PrincipalMapper> principal_mapper;
  // When set, clients must authenticate with SASL, within sasl_timeout_ms of being accepted (the
  // TLS handshake included); else the connection is closed.
  std::shared_ptr<const SaslSettings> sasl;
  int64_t sasl_timeout_ms = 10'000;
};

class Connection;
class RequestMemory;

class KafkaServer {
 public:
  KafkaServer(boost::asio::io_context& io, ServerOptions options);
  ~KafkaServer();

  // Binds the listening socket. kUnavailable when the address cannot be bound.
  Status Bind();
  // The bound port (after Bind; useful with port 0).
  uint16_t port() const { return port_; }
  // The address this listener's clients are told to use (Metadata, FindCoordinator), when it is
  // not the broker's own: a second listener's. Before Start.
  void Advertise(AdvertisedAddress address) { advertised_ = std::move(address); }
  // Starts accepting connections and handing their requests to `handler`, which must outlive the
  // server.
  void Start(RequestHandler& handler);
  // Stops accepting and asks every connection to finish its in-flight requests and close.
  void Stop();

 private:
  boost::asio::awaitable<void> AcceptLoop();

  // Whether a connection from `address` may be opened now (counting it when it may); else the
  // limit it would break. Forget undoes it.
  const char* Admit(const std::string& address);
  void Forget(const std::shared_ptr<Connection>& connection, const std::string& address);

  boost::asio::io_context& io_;
  const ServerOptions options_;
  RequestHandler* handler_ = nullptr;
  boost::asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::optional<AdvertisedAddress> advertised_;
  std::shared_ptr<RequestMemory> memory_;  // shared with the frames it accounts for
  // Runs SASL steps (PLAIN derives a key from the password): never on the network threads.
  std::unique_ptr<boost::asio::thread_pool> auth_pool_;
  std::atomic<size_t> pending_steps_{0};  // SASL steps queued or running on auth_pool_
  Mutex mu_;
  std::set<std::shared_ptr<Connection>> connections_ GUARDED_BY(mu_);
  std::map<std::string, size_t> per_address_ GUARDED_BY(mu_);
  size_t admitted_ GUARDED_BY(mu_) = 0;
  friend class Connection;
};

}  // namespace herald::kafka
