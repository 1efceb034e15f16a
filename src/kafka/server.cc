#include "kafka/server.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <deque>
#include <set>

#include <sys/sendfile.h>

#include "base/backoff.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/mutex.h"
#include "broker/audit.h"
#include "broker/broker_metrics.h"
#include "kafka/messages/sasl_authenticate.h"
#include "kafka/messages/sasl_handshake.h"
#include "net/address.h"
#include "net/tls_stream.h"
#include "storage/segment.h"

namespace herald::kafka {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;

Response Rejection(std::string_view peer, const RequestHeader& header, const Status& why) {
  LogWarn("request_rejected",
          {{"peer", peer}, {"api_key", header.api_key}, {"api_version", header.api_version}},
          why.ToString());
  Response r;
  r.send = false;
  r.close = true;
  return r;
}

namespace {

Gauge& OpenConnections() {
  static Gauge& gauge = broker::metrics::OpenConnections("kafka");
  return gauge;
}
Counter& BytesIn() {
  static Counter& counter = broker::metrics::BytesIn("kafka");
  return counter;
}
Counter& BytesOut() {
  static Counter& counter = broker::metrics::BytesOut("kafka");
  return counter;
}

// request_duration_seconds for `api`, looked up once per API.
Histogram& RequestDuration(const ApiInfo& api) {
  static const auto histograms = [] {
    std::array<Histogram*, kApis.size()> out{};
    for (size_t i = 0; i < kApis.size(); ++i) {
      out[i] = &broker::metrics::RequestDuration("kafka", kApis[i].name);
    }
    return out;
  }();
  return *histograms[static_cast<size_t>(&api - kApis.data())];
}

Counter& Refused(const char* reason) { return broker::metrics::ConnectionsRefused("kafka", reason); }
Counter& ClosedIdle() {
  static Counter& counter = broker::metrics::ConnectionsClosed("kafka", "idle");
  return counter;
}
Counter& ClosedSlow() {
  static Counter& counter = broker::metrics::ConnectionsClosed("kafka", "read_timeout");
  return counter;
}
Counter& ClosedHandshake() {
  static Counter& counter = broker::metrics::ConnectionsClosed("kafka", "tls_handshake_failed");
  return counter;
}
Counter& ClosedUnauthenticated() {
  static Counter& counter = broker::metrics::ConnectionsClosed("kafka", "authentication_failed");
  return counter;
}

// SASL steps waiting for or running on the authentication thread, in all.
constexpr size_t kMaxPendingSaslSteps = 256;

// The first chunk of a frame's body read at once; later chunks double what has arrived, so a
// frame costs O(log size) reallocations and never more memory than twice what was received.
constexpr size_t kFirstChunk = 64 << 10;

// Waits until Wake() (a timer that never expires, cancelled to wake the waiter).
class Event {
 public:
  explicit Event(const asio::any_io_executor& ex) : timer_(ex) {
    timer_.expires_at(asio::steady_timer::time_point::max());
  }
  awaitable<void> Wait() {
    boost::system::error_code ec;
    co_await timer_.async_wait(asio::redirect_error(use_awaitable, ec));
    timer_.expires_at(asio::steady_timer::time_point::max());
  }
  void Wake() { timer_.cancel(); }

 private:
  asio::steady_timer timer_;
};

}  // namespace

// The budget of request bytes held across connections (queued.max.request.bytes). A connection
// reserves a request's bytes chunk by chunk as they arrive, and the frame's owner releases them
// when the request is done with; so a length prefix alone holds one chunk (64 KiB), and a slow
// sender little more than what it sent. While the budget is spent, connections wait before reserving more, except
// the oldest frame still being read, which always may: some frame can always finish, so frames
// that hold part of their bytes while they wait cannot deadlock, and the budget is overshot by at
// most that one frame.
class RequestMemory {
 public:
  explicit RequestMemory(size_t limit)
      : limit_(limit), gauge_(broker::metrics::RequestBytesHeld("kafka")) {}

  uint64_t NewFrameId() { return next_id_.fetch_add(1, std::memory_order_relaxed); }

  // Reserves `n` more bytes for frame `id`, or registers `wake` to be called (once, from any
  // thread) after the next release and returns false.
  bool ReserveOrWait(uint64_t id, size_t n, std::function<void()> wake) {
    MutexLock lock(mu_);
    const bool oldest = !reading_.empty() && *reading_.begin() == id;
    if (held_ < limit_ || oldest) {
      held_ += n;
      reading_.insert(id);
      gauge_.Set(static_cast<double>(held_));
      return true;
    }
    waiters_.push_back(std::move(wake));
    return false;
  }

  // Frame `id` has all its bytes (or is gone), holding `release` bytes fewer.
  void Done(uint64_t id, size_t release) {
    std::vector<std::function<void()>> waiters;
    {
      MutexLock lock(mu_);
      const bool was_reading = reading_.erase(id) > 0;
      if (release == 0 && !was_reading) return;
      held_ -= release;
      gauge_.Set(static_cast<double>(held_));
      waiters.swap(waiters_);
    }
    for (auto& wake : waiters) wake();
  }

 private:
  const size_t limit_;
  Gauge& gauge_;
  std::atomic<uint64_t> next_id_{1};
  Mutex mu_;
  size_t held_ GUARDED_BY(mu_) = 0;
  std::set<uint64_t> reading_ GUARDED_BY(mu_);  // frames holding part of their bytes
  std::vector<std::function<void()>> waiters_ GUARDED_BY(mu_);
};

namespace {

// A request's bytes and their reservation in the budget, released with the last reference.
struct Frame {
  explicit Frame(std::shared_ptr<RequestMemory> m) : memory(std::move(m)), id(memory->NewFrameId()) {}
  ~Frame() { memory->Done(id, reserved); }
  Frame(const Frame&) = delete;
  Frame& operator=(const Frame&) = delete;
  std::shared_ptr<RequestMemory> memory;
  const uint64_t id;
  size_t reserved = 0;
  Buffer bytes;
};

}  // namespace

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // `tls`: the TLS context to handshake with, nullptr for plain TCP.
  Connection(KafkaServer& server, tcp::socket socket, std::string address, uint16_t port,
             std::shared_ptr<asio::ssl::context> tls)
      : server_(server),
        strand_(asio::make_strand(socket.get_executor())),
        socket_(std::move(socket)),
        tls_(tls ? std::make_unique<net::TlsStream>(socket_, std::move(tls)) : nullptr),
        sasl_(server.options_.sasl
                  ? std::make_unique<security::SaslServer>(server.options_.sasl->mechanisms,
                                                           server.options_.sasl->credentials)
                  : nullptr),
        auth_(sasl_ ? Auth::kHandshake : Auth::kOpen),
        authenticate_by_(sasl_ ? Now() + std::chrono::milliseconds(server.options_.sasl_timeout_ms)
                               : Clock::time_point::max()),
        address_(std::move(address)),
        peer_(address_ + ":" + std::to_string(port)),
        reader_wakeup_(strand_),
        writer_wakeup_(strand_),
        watchdog_(strand_),
        mute_timer_(strand_) {
    boost::system::error_code ec;
    socket_.set_option(tcp::no_delay(true), ec);
  }

  void Start() {
    OpenConnections().Inc();
    auto self = shared_from_this();
    asio::co_spawn(strand_, [self] { return self->Watchdog(); }, asio::detached);
    if (tls_) {
      asio::co_spawn(
          strand_, [self] { return self->Handshake(); }, asio::detached);
    } else {
      StartLoops();
    }
  }

  // Stops reading; answers what is in flight, then closes.
  void Stop() {
    auto self = shared_from_this();
    asio::post(strand_, [self] {
      self->stopping_ = true;
      self->mute_timer_.cancel();
      boost::system::error_code ec;
      self->socket_.shutdown(tcp::socket::shutdown_receive, ec);
    });
  }

 private:
  void StartLoops() {
    auto self = shared_from_this();
    asio::co_spawn(
        strand_, [self] { return self->ReadLoop(); }, asio::detached);
    asio::co_spawn(
        strand_, [self] { return self->WriteLoop(); }, asio::detached);
  }

  // The TLS handshake, which must end within the request read timeout (the watchdog closes the
  // connection otherwise); then the request loops.
  awaitable<void> Handshake() {
    handshaking_ = true;
    frame_deadline_ = Now() + ReadTimeout();
    std::optional<std::string> failure;
    try {
      co_await tls_->Handshake();
    } catch (const boost::system::system_error& e) {
      failure = e.code().message();
    }
    frame_deadline_ = Clock::time_point::max();
    handshaking_ = false;
    if (closed_) co_return;
    if (failure) {
      ClosedHandshake().Inc();
      LogWarn("connection_closed", {{"peer", peer_}, {"reason", "tls_handshake_failed"}}, *failure);
      co_return Close();
    }
    // A verified client certificate names the client, unless SASL does (SASL_SSL), as in Kafka.
    if (auto subject = sasl_ ? std::nullopt : tls_->PeerSubject()) {
      const auto& mapper = server_.options_.principal_mapper;
      std::optional<std::string> name = mapper ? mapper->Map(*subject) : subject;
      if (!name) {
        broker::AuditAuthFailure("kafka", peer_, {{"certificate_subject", *subject}},
                                 "no ssl.principal.mapping.rules rule applies to the subject");
        ClosedUnauthenticated().Inc();
        co_return Close();
      }
      certificate_principal_ = "User:" + *name;
    }
    StartLoops();
  }

  // The connection's bytes: the socket's, or TLS over it.
  awaitable<size_t> ReadSome(asio::mutable_buffer into) {
    if (tls_) co_return co_await tls_->ReadSome(into);
    co_return co_await socket_.async_read_some(into, use_awaitable);
  }
  awaitable<void> ReadExactly(asio::mutable_buffer into) {
    if (!tls_) {
      co_await asio::async_read(socket_, into, use_awaitable);
      co_return;
    }
    while (into.size() > 0) into += co_await tls_->ReadSome(into);
  }
  template <typename Buffers>
  awaitable<void> Write(const Buffers& bytes) {
    if (tls_) {
      co_await tls_->Write(bytes);
    } else {
      co_await asio::async_write(socket_, bytes, use_awaitable);
    }
  }

  struct Slot {
    int32_t correlation_id;
    bool flexible_header;
    std::optional<Response> response;
    bool raw = false;  // a SASL token after SaslHandshake v0: no response header
  };

  // Where the connection is in authenticating (SASL listeners only).
  enum class Auth {
    kOpen,       // no SASL on this listener
    kHandshake,  // waiting for SaslHandshake
    kRawTokens,  // after SaslHandshake v0: the next frames are SASL tokens
    kTokens,     // after SaslHandshake v1: tokens come in SaslAuthenticate requests
    kDone,       // authenticated
  };
  bool MayServe() const { return auth_ == Auth::kOpen || auth_ == Auth::kDone; }

  awaitable<void> ReadLoop() {
    try {
      while (true) {
        uint8_t size_bytes[4];
        if (Now() < muted_until_) co_await Unmuted();
        last_active_ = Now();
        size_t got = co_await ReadSome(asio::buffer(size_bytes));
        frame_deadline_ = Now() + ReadTimeout();
        if (got < 4) {
          co_await ReadExactly(asio::buffer(size_bytes + got, 4 - got));
        }
        int32_t size = LoadBigEndian<int32_t>(size_bytes);
        if (size < 0 || static_cast<size_t>(size) > server_.options_.max_request_bytes) {
          LogWarn("request_rejected", {{"peer", peer_}, {"size", size}},
                  "request size is negative or above the maximum; closing the connection");
          break;
        }
        std::shared_ptr<Frame> frame = co_await ReadFrame(static_cast<size_t>(size));
        frame_deadline_ = Clock::time_point::max();
        // An answer throttled while this request arrived holds it back too.
        if (Now() < muted_until_) co_await Unmuted();
        BytesIn().Inc(static_cast<double>(4 + frame->bytes.size()));
        if (auth_ == Auth::kRawTokens) {
          if (!co_await RawToken(frame->bytes)) break;
          continue;
        }
        const auto started = std::chrono::steady_clock::now();
        auto parsed = ParseRequest(frame->bytes);
        if (!parsed.ok()) {
          LogWarn("request_rejected", {{"peer", peer_}}, parsed.status().ToString());
          break;
        }
        const ParsedRequest& p = *parsed;
        bool is_api_versions = p.header.api_key == static_cast<int16_t>(ApiKey::kApiVersions);
        bool supported = p.api != nullptr && p.header.api_version >= p.api->min_version &&
                         p.header.api_version <= p.api->max_version;
        if (!supported && !is_api_versions) {
          // Kafka closes the connection on an unknown API or version it does not support.
          LogWarn("request_rejected",
                  {{"peer", peer_}, {"api_key", p.header.api_key},
                   {"api_version", p.header.api_version}},
                  "unsupported API or version; closing the connection");
          break;
        }
        const bool by_connection = supported && AnsweredByConnection(p.api->key);
        if (!MayServe() && !is_api_versions && !by_connection) {
          // As Kafka: nothing but ApiVersions and the SASL exchange before authentication.
          ClosedUnauthenticated().Inc();
          broker::AuditAuthFailure("kafka", peer_, {{"api_key", p.header.api_key}},
                                   "a request before SASL authentication");
          break;
        }
        while (slots_.size() >= server_.options_.max_in_flight && !closed_) {
          co_await reader_wakeup_.Wait();
        }
        if (closed_) break;
        const uint64_t seq = first_seq_ + slots_.size();
        slots_.push_back({p.header.correlation_id,
                          supported && FlexibleResponseHeader(*p.api, p.header.api_version),
                          std::nullopt});
        if (by_connection) {
          Response r = co_await AnswerSasl(p, MutableByteView(frame->bytes).subspan(p.body_offset));
          const bool close = r.close;
          Complete(seq, std::move(r));
          if (close) break;
          continue;
        }
        RequestContext ctx;
        ctx.request = p;
        ctx.body = MutableByteView(frame->bytes).subspan(p.body_offset);
        ctx.frame = std::shared_ptr<Buffer>(frame, &frame->bytes);
        ctx.executor = strand_;
        ctx.peer = peer_;
        ctx.host = address_;
        if (auth_ == Auth::kDone) {
          ctx.principal = principal_;
          ctx.unrestricted = unrestricted_;
          if (!host_.empty()) ctx.host = host_;
        } else if (!certificate_principal_.empty()) {
          ctx.principal = certificate_principal_;
        }
        if (server_.advertised_) ctx.advertised = &*server_.advertised_;
        int64_t throttle_now = 0;
        ctx.throttle_ms = &throttle_now;
        auto self = shared_from_this();
        Histogram* duration = supported ? &RequestDuration(*p.api) : nullptr;
        const int16_t api_key = p.header.api_key, api_version = p.header.api_version;
        try {
          server_.handler_->Handle(std::move(ctx), [self, seq, duration, started](Response r) {
            if (duration) {
              duration->Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                                              started)
                                    .count());
            }
            asio::post(self->strand_, [self, seq, r = std::move(r)]() mutable {
              self->Complete(seq, std::move(r));
            });
          });
          Mute(throttle_now);
        } catch (const std::exception& e) {
          // No exception ends the process: the request's connection is closed instead.
          LogError("request_failed",
                   {{"peer", peer_}, {"api_key", api_key}, {"api_version", api_version}},
                   e.what());
          Response close;
          close.send = false;
          close.close = true;
          Complete(seq, std::move(close));
        }
      }
    } catch (const boost::system::system_error&) {
      // The peer closed or reset the connection.
    }
    reading_ = false;
    writer_wakeup_.Wake();
  }

  // SaslHandshake and SaslAuthenticate.
  awaitable<Response> AnswerSasl(const ParsedRequest& p, ByteView body) {
    const Version version{p.header.api_version, p.flexible};
    Response r;
    FrameWriter w(r.body, nullptr);
    if (p.header.api_key == static_cast<int16_t>(ApiKey::kSaslHandshake)) {
      auto request = DecodeRequest<SaslHandshakeRequest>(body, version);
      if (!request.ok()) co_return Rejection(peer_, p.header, request.status());
      SaslHandshakeResponse response;
      if (sasl_) response.mechanisms = sasl_->enabled();
      if (auth_ != Auth::kHandshake) {
        // As Kafka: without SASL, or once authenticated, the answer says so and the connection
        // stays; in the middle of an exchange it ends.
        response.error_code = Code(ErrorCode::kIllegalSaslState);
        r.close = OutOfOrder("SaslHandshake");
      } else if (!sasl_->Select(request->mechanism).ok()) {
        response.error_code = Code(ErrorCode::kUnsupportedSaslMechanism);
        r.close = true;
        ClosedUnauthenticated().Inc();
        broker::AuditAuthFailure("kafka", peer_, {{"mechanism", request->mechanism}},
                                 "the client asked for a SASL mechanism that is not enabled");
      } else {
        auth_ = p.header.api_version == 0 ? Auth::kRawTokens : Auth::kTokens;
      }
      kafka::Write(w, response, version);
      co_return r;
    }
    auto request = DecodeRequest<SaslAuthenticateRequest>(body, version);
    if (!request.ok()) co_return Rejection(peer_, p.header, request.status());
    SaslAuthenticateResponse response;
    if (auth_ != Auth::kTokens) {
      response.error_code = Code(ErrorCode::kIllegalSaslState);
      response.error_message = "SaslAuthenticate is expected only after SaslHandshake v1";
      r.close = OutOfOrder("SaslAuthenticate");
    } else if (auto step = co_await Step(std::string(AsString(request->auth_bytes))); !step) {
      response.error_code = Code(ErrorCode::kSaslAuthenticationFailed);
      response.error_message = fmt::format(
          "Authentication failed during authentication due to invalid credentials with SASL "
          "mechanism {}",
          sasl_->mechanism());
      r.close = true;
    } else {
      response.auth_bytes = Buffer(step->begin(), step->end());
    }
    kafka::Write(w, response, version);
    co_return r;
  }

  // A SASL request out of order: true (the connection ends, counted and logged) unless the
  // connection may already be served.
  bool OutOfOrder(const char* api) {
    if (MayServe()) return false;
    ClosedUnauthenticated().Inc();
    broker::AuditAuthFailure("kafka", peer_, {{"api", api}}, "a SASL request out of order");
    return true;
  }

  // One SASL token after SaslHandshake v0: the frame is the token, the answer a raw frame. False
  // when authentication failed: the connection closes without an answer, as Kafka's does.
  awaitable<bool> RawToken(const Buffer& frame) {
    auto step = co_await Step(std::string(AsString(frame)));
    if (!step) co_return false;
    while (slots_.size() >= server_.options_.max_in_flight && !closed_) {
      co_await reader_wakeup_.Wait();
    }
    if (closed_) co_return false;
    Response r;
    r.body = Buffer(step->begin(), step->end());
    slots_.push_back({0, false, std::move(r), true});
    writer_wakeup_.Wake();
    co_return true;
  }

  // One step of the SASL exchange, on the authentication thread (PLAIN derives a key from the
  // password, which takes milliseconds); the server's token, nullopt when authentication failed.
  awaitable<std::optional<std::string>> Step(std::string token) {
    // The result comes back on the strand, where the reader waits for it (the connection, and so
    // sasl_, stays alive through `self`).
    auto result = std::make_shared<std::optional<Result<std::string>>>();
    if (server_.pending_steps_.fetch_add(1) >= kMaxPendingSaslSteps) {
      // Steps cost CPU (PLAIN derives keys): beyond the bound, clients are turned away rather
      // than every login waiting behind them.
      server_.pending_steps_.fetch_sub(1);
      result->emplace(Unavailable("too many SASL exchanges in progress"));
    } else {
      asio::post(*server_.auth_pool_,
                 [self = shared_from_this(), result, token = std::move(token)] {
                   Result<std::string> answer = self->sasl_->Step(token);
                   self->server_.pending_steps_.fetch_sub(1);
                   asio::post(self->strand_, [self, result, answer = std::move(answer)]() mutable {
                     result->emplace(std::move(answer));
                     self->reader_wakeup_.Wake();
                   });
                 });
    }
    stepping_ = true;
    while (!*result) co_await reader_wakeup_.Wait();
    stepping_ = false;
    if (closed_) co_return std::nullopt;  // closed meanwhile: nothing more to say
    if (!(*result)->ok()) {
      ClosedUnauthenticated().Inc();
      broker::AuditAuthFailure("kafka", peer_, {{"mechanism", sasl_->mechanism()}},
                               (*result)->status().message());
      co_return std::nullopt;
    }
    if (sasl_->authenticated()) {
      principal_ = sasl_->principal();
      if (const auto& delegation = server_.options_.sasl->delegation) {
        auto delegated = delegation(sasl_->user());
        if (!delegated) {
          // Revoked since its credential was read: the login no longer stands for anyone.
          ClosedUnauthenticated().Inc();
          broker::AuditAuthFailure("kafka", peer_, {{"mechanism", sasl_->mechanism()}},
                                   "the delegated login was revoked");
          co_return std::nullopt;
        }
        principal_ = std::move(delegated->principal);
        unrestricted_ = delegated->unrestricted;
        host_ = std::move(delegated->host);
      }
      auth_ = Auth::kDone;
      LogInfo("authenticated", {{"peer", peer_},
                                {"user", sasl_->user()},
                                {"principal", principal_},
                                {"mechanism", sasl_->mechanism()}});
    }
    co_return std::move(**result).value();
  }

  using Clock = std::chrono::steady_clock;
  static Clock::time_point Now() { return Clock::now(); }
  Clock::duration ReadTimeout() const {
    return std::chrono::milliseconds(server_.options_.request_read_timeout_ms);
  }

  // Reads a frame body of `size` bytes into a buffer that grows in chunks as the bytes arrive,
  // each chunk reserved in the server's request memory first (waiting, with the read deadline
  // paused, while the budget is spent).
  awaitable<std::shared_ptr<Frame>> ReadFrame(size_t size) {
    auto frame = std::make_shared<Frame>(server_.memory_);
    while (frame->bytes.size() < size) {
      const size_t have = frame->bytes.size();
      const size_t chunk = std::min(size - have, std::max(kFirstChunk, have));
      co_await Reserve(*frame, chunk);
      frame->bytes.resize(have + chunk);
      co_await ReadExactly(asio::buffer(frame->bytes.data() + have, chunk));
    }
    server_.memory_->Done(frame->id, 0);
    co_return frame;
  }

  // Waits out a quota's throttle (muted_until_, which answers may push further meanwhile).
  // Stopping ends the wait, and the reading.
  awaitable<void> Unmuted() {
    while (!closed_ && !stopping_ && Now() < muted_until_) {
      mute_timer_.expires_at(muted_until_);
      boost::system::error_code ec;
      co_await mute_timer_.async_wait(asio::redirect_error(use_awaitable, ec));
    }
    if (closed_ || stopping_) throw boost::system::system_error(asio::error::operation_aborted);
  }

  awaitable<void> Reserve(Frame& frame, size_t n) {
    std::weak_ptr<Connection> weak = shared_from_this();
    const auto paused_at = Now();
    bool waited = false;
    paused_ = true;
    while (!server_.memory_->ReserveOrWait(frame.id, n, [weak] {
      if (auto self = weak.lock()) {
        asio::post(self->strand_, [self] { self->reader_wakeup_.Wake(); });
      }
    })) {
      waited = true;
      co_await reader_wakeup_.Wait();
      if (closed_) throw boost::system::system_error(asio::error::operation_aborted);
    }
    paused_ = false;
    frame.reserved += n;
    if (waited) frame_deadline_ += Now() - paused_at;
  }

  // Closes the connection when a request takes longer than request_read_timeout_ms to arrive,
  // when it has been idle (nothing in flight, nothing received) for connections_max_idle_ms, or
  // when it has not authenticated within sasl_timeout_ms of being accepted.
  awaitable<void> Watchdog() {
    const auto idle = std::chrono::milliseconds(server_.options_.connections_max_idle_ms);
    auto shortest = std::min<Clock::duration>(idle, ReadTimeout());
    if (sasl_) {
      shortest = std::min<Clock::duration>(
          shortest, std::chrono::milliseconds(server_.options_.sasl_timeout_ms));
    }
    const auto tick = std::max<Clock::duration>(std::chrono::milliseconds(10), shortest / 4);
    while (!closed_) {
      watchdog_.expires_after(tick);
      boost::system::error_code ec;
      co_await watchdog_.async_wait(asio::redirect_error(use_awaitable, ec));
      if (closed_) co_return;
      const auto now = Now();
      // Checked even once reading has stopped: a client that stops reading its answers must not
      // keep an unauthenticated connection. A step on the authentication thread finishes first.
      if (!MayServe() && !stepping_ && now > authenticate_by_) {
        ClosedUnauthenticated().Inc();
        broker::AuditAuthFailure("kafka", peer_, {{"timeout_ms", server_.options_.sasl_timeout_ms}},
                                 "the client did not authenticate within the SASL timeout");
        co_return Close();
      }
      if (!reading_) {
        if (MayServe()) co_return;
        continue;
      }
      if (!paused_ && now > frame_deadline_) {
        if (handshaking_) {
          ClosedHandshake().Inc();
          LogWarn("connection_closed", {{"peer", peer_}, {"reason", "tls_handshake_failed"}},
                  "the TLS handshake did not finish within the request read timeout");
        } else {
          ClosedSlow().Inc();
          LogWarn("connection_closed", {{"peer", peer_}, {"reason", "read_timeout"}},
                  "a request did not arrive within the request read timeout");
        }
        co_return Close();
      }
      if (frame_deadline_ == Clock::time_point::max() && slots_.empty() &&
          now - std::max(last_active_, muted_until_) > idle) {
        ClosedIdle().Inc();
        LogDebug("connection_closed", {{"peer", peer_}, {"reason", "idle"}});
        co_return Close();
      }
    }
  }

  // A quota's throttle: no request is read for `throttle_ms` from now (or longer, as it was).
  void Mute(int64_t throttle_ms) {
    if (throttle_ms <= 0) return;
    muted_until_ = std::max(muted_until_, Now() + std::chrono::milliseconds(throttle_ms));
  }

  void Complete(uint64_t seq, Response r) {
    if (seq < first_seq_) return;
    Mute(r.throttle_ms);
    slots_[seq - first_seq_].response = std::move(r);
    writer_wakeup_.Wake();
  }

  awaitable<void> WriteLoop() {
    try {
      while (true) {
        while (slots_.empty() || !slots_.front().response) {
          if (slots_.empty() && !reading_) co_return Close();
          co_await writer_wakeup_.Wait();
        }
        Slot slot = std::move(slots_.front());
        slots_.pop_front();
        ++first_seq_;
        last_active_ = Now();
        reader_wakeup_.Wake();
        Response& r = *slot.response;
        if (slot.raw) {
          co_await WriteRaw(r.body);
        } else if (r.send) {
          co_await WriteResponse(slot.correlation_id, slot.flexible_header, r);
        }
        if (r.close) break;
      }
    } catch (const boost::system::system_error&) {
      // The peer went away mid-write.
    }
    Close();
  }

  // A frame without a response header: a SASL token after SaslHandshake v0.
  awaitable<void> WriteRaw(const Buffer& token) {
    uint8_t size[4];
    StoreBigEndian<int32_t>(size, static_cast<int32_t>(token.size()));
    BytesOut().Inc(static_cast<double>(4 + token.size()));
    std::array<asio::const_buffer, 2> parts{asio::buffer(size), asio::buffer(token)};
    co_await Write(parts);
  }

  awaitable<void> WriteResponse(int32_t correlation_id, bool flexible_header, const Response& r) {
    uint64_t spliced = 0;
    for (const auto& s : r.splices) spliced += s.slice.size;
    Buffer head;
    Writer w(head);
    w.Int32(static_cast<int32_t>(4 + (flexible_header ? 1 : 0) + r.body.size() + spliced));
    w.Int32(correlation_id);
    if (flexible_header) w.EmptyTaggedFields();
    BytesOut().Inc(static_cast<double>(head.size() + r.body.size() + spliced));
    if (r.splices.empty()) {
      std::array<asio::const_buffer, 2> parts{asio::buffer(head), asio::buffer(r.body)};
      co_await Write(parts);
      co_return;
    }
    co_await Write(asio::buffer(head));
    size_t at = 0;
    for (const auto& s : r.splices) {
      co_await Write(asio::buffer(r.body.data() + at, s.at - at));
      at = s.at;
      co_await SendSlice(s.slice);
    }
    co_await Write(asio::buffer(r.body.data() + at, r.body.size() - at));
  }

  // Sends a log slice straight from the page cache with sendfile(2), or read and encrypted over
  // TLS.
  awaitable<void> SendSlice(const storage::ReadSlice& slice) {
    int in_fd = slice.segment->log_file().NativeHandle();
    if (tls_ && in_fd >= 0) {
      co_await tls_->WriteFile(in_fd, static_cast<off_t>(slice.position), slice.size);
      co_return;
    }
    if (in_fd < 0) {
      Buffer copy;
      if (!slice.AppendTo(copy).ok()) throw boost::system::system_error(asio::error::broken_pipe);
      co_await Write(asio::buffer(copy));
      co_return;
    }
    if (!socket_.native_non_blocking()) socket_.native_non_blocking(true);
    off_t offset = static_cast<off_t>(slice.position);
    uint64_t left = slice.size;
    while (left > 0) {
      ssize_t n = ::sendfile(socket_.native_handle(), in_fd, &offset, left);
      if (n > 0) {
        left -= static_cast<uint64_t>(n);
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        co_await socket_.async_wait(tcp::socket::wait_write, use_awaitable);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else {
        // The file ended early (it was cut) or the socket failed: the frame is broken.
        throw boost::system::system_error(asio::error::broken_pipe);
      }
    }
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
    reader_wakeup_.Wake();
    writer_wakeup_.Wake();
    watchdog_.cancel();
    mute_timer_.cancel();
    OpenConnections().Dec();
    server_.Forget(shared_from_this(), address_);
  }

  KafkaServer& server_;
  asio::strand<asio::any_io_executor> strand_;
  tcp::socket socket_;
  const std::unique_ptr<net::TlsStream> tls_;  // over socket_; null: plain TCP
  // The SASL exchange, null on a listener without SASL. Used by the authentication thread
  // during a step, while the connection's strand waits for it.
  const std::unique_ptr<security::SaslServer> sasl_;
  Auth auth_;
  const Clock::time_point authenticate_by_;  // max() without SASL
  bool stepping_ = false;                    // a SASL step is on the authentication thread
  std::string certificate_principal_;  // User:NAME of a verified client certificate, else empty
  std::string principal_;              // once authenticated with SASL
  bool unrestricted_ = false;          // a delegated login for a caller the ACLs do not bind
  std::string host_;                   // a delegated login's caller's address, else empty
  const std::string address_;  // the client's IP address
  const std::string peer_;     // address:port, for logs
  std::deque<Slot> slots_;
  uint64_t first_seq_ = 0;
  bool reading_ = true;
  bool closed_ = false;
  Event reader_wakeup_;
  Event writer_wakeup_;
  asio::steady_timer watchdog_;
  asio::steady_timer mute_timer_;
  Clock::time_point muted_until_ = Clock::time_point::min();  // throttled: no reading before
  bool stopping_ = false;                                     // Stop was called
  Clock::time_point last_active_ = Now();  // when the connection last began reading or answered
  bool paused_ = false;                    // waiting for request memory
  bool handshaking_ = false;               // in the TLS handshake
  Clock::time_point frame_deadline_ = Clock::time_point::max();  // max: not inside a frame
};

KafkaServer::KafkaServer(asio::io_context& io, ServerOptions options)
    : io_(io),
      options_(std::move(options)),
      acceptor_(io),
      memory_(std::make_shared<RequestMemory>(options_.queued_max_request_bytes)),
      auth_pool_(options_.sasl ? std::make_unique<asio::thread_pool>(1) : nullptr) {}

KafkaServer::~KafkaServer() = default;

Status KafkaServer::Bind() {
  auto address = net::ListenAddress(io_, options_.host);
  if (!address.ok()) return address.status();
  boost::system::error_code ec;
  tcp::endpoint endpoint(*address, options_.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Unavailable("cannot listen on {}:{}: {}", options_.host, options_.port, ec.message());
  }
  port_ = acceptor_.local_endpoint().port();
  return Status::Ok();
}

void KafkaServer::Start(RequestHandler& handler) {
  handler_ = &handler;
  asio::co_spawn(io_, AcceptLoop(), asio::detached);
}

awaitable<void> KafkaServer::AcceptLoop() {
  asio::steady_timer retry(io_);
  Backoff backoff(std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
  while (acceptor_.is_open()) {
    boost::system::error_code ec;
    tcp::socket socket = co_await acceptor_.async_accept(asio::redirect_error(use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) break;
      // E.g. too many open files: keep serving the connections we have, and try again later
      // rather than spinning on an accept that keeps failing.
      const auto delay = backoff.Next();
      LogWarn("accept_failed", {{"listener", "kafka"}, {"retry_ms", delay.count()}},
              ec.message());
      retry.expires_after(delay);
      co_await retry.async_wait(asio::redirect_error(use_awaitable, ec));
      continue;
    }
    backoff.Reset();
    auto endpoint = socket.remote_endpoint(ec);
    if (ec) continue;  // the client went away already
    std::string address = net::ClientAddress(endpoint.address());
    if (const char* limit = Admit(address)) {
      Refused(limit).Inc();
      LogDebug("connection_refused", {{"peer", address}, {"limit", limit}});
      socket.close(ec);
      continue;
    }
    auto connection =
        std::make_shared<Connection>(*this, std::move(socket), address, endpoint.port(),
                                     options_.tls ? options_.tls->Current() : nullptr);
    {
      MutexLock lock(mu_);
      connections_.insert(connection);
    }
    connection->Start();
  }
}

const char* KafkaServer::Admit(const std::string& address) {
  MutexLock lock(mu_);
  if (admitted_ >= options_.max_connections) return "max_connections";
  size_t& from_address = per_address_[address];
  if (from_address >= options_.max_connections_per_ip) return "max_connections_per_ip";
  ++from_address;
  ++admitted_;
  return nullptr;
}

void KafkaServer::Forget(const std::shared_ptr<Connection>& connection,
                         const std::string& address) {
  MutexLock lock(mu_);
  connections_.erase(connection);
  --admitted_;
  auto it = per_address_.find(address);
  if (it != per_address_.end() && --it->second == 0) per_address_.erase(it);
}

void KafkaServer::Stop() {
  asio::post(io_, [this] {
    boost::system::error_code ec;
    acceptor_.close(ec);
  });
  std::set<std::shared_ptr<Connection>> all;
  {
    MutexLock lock(mu_);
    all = connections_;
  }
  for (const auto& c : all) c->Stop();
}

}  // namespace herald::kafka
