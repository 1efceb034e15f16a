#include "kafka/server.h"

#include <sys/sendfile.h>

#include <array>
#include <chrono>
#include <deque>

#include "base/log.h"
#include "base/metrics.h"
#include "broker/broker_metrics.h"

namespace herald::kafka {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;

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

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(KafkaServer& server, tcp::socket socket)
      : server_(server),
        strand_(asio::make_strand(socket.get_executor())),
        socket_(std::move(socket)),
        reader_wakeup_(strand_),
        writer_wakeup_(strand_) {
    boost::system::error_code ec;
    auto endpoint = socket_.remote_endpoint(ec);
    peer_ = ec ? "unknown" : endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
    socket_.set_option(tcp::no_delay(true), ec);
  }

  void Start() {
    OpenConnections().Inc();
    auto self = shared_from_this();
    asio::co_spawn(strand_, [self] { return self->ReadLoop(); }, asio::detached);
    asio::co_spawn(strand_, [self] { return self->WriteLoop(); }, asio::detached);
  }

  // Stops reading; answers what is in flight, then closes.
  void Stop() {
    auto self = shared_from_this();
    asio::post(strand_, [self] {
      boost::system::error_code ec;
      self->socket_.shutdown(tcp::socket::shutdown_receive, ec);
    });
  }

 private:
  struct Slot {
    int32_t correlation_id;
    bool flexible_header;
    std::optional<Response> response;
  };

  awaitable<void> ReadLoop() {
    try {
      while (true) {
        uint8_t size_bytes[4];
        co_await asio::async_read(socket_, asio::buffer(size_bytes), use_awaitable);
        int32_t size = LoadBigEndian<int32_t>(size_bytes);
        if (size < 0 || static_cast<size_t>(size) > server_.options_.max_request_bytes) {
          LogWarn("request_rejected", {{"peer", peer_}, {"size", size}},
                  "request size is negative or above the maximum; closing the connection");
          break;
        }
        auto frame = std::make_shared<Buffer>(static_cast<size_t>(size));
        co_await asio::async_read(socket_, asio::buffer(*frame), use_awaitable);
        BytesIn().Inc(static_cast<double>(4 + frame->size()));
        const auto started = std::chrono::steady_clock::now();
        auto parsed = ParseRequest(*frame);
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
        while (slots_.size() >= server_.options_.max_in_flight) co_await reader_wakeup_.Wait();
        const uint64_t seq = first_seq_ + slots_.size();
        slots_.push_back({p.header.correlation_id,
                          supported && FlexibleResponseHeader(*p.api, p.header.api_version),
                          std::nullopt});
        RequestContext ctx;
        ctx.request = p;
        ctx.body = MutableByteView(*frame).subspan(p.body_offset);
        ctx.frame = std::move(frame);
        ctx.executor = strand_;
        ctx.peer = peer_;
        auto self = shared_from_this();
        Histogram* duration = supported ? &RequestDuration(*p.api) : nullptr;
        server_.handler_->Handle(std::move(ctx), [self, seq, duration, started](Response r) {
          if (duration) {
            duration->Observe(
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
          }
          asio::post(self->strand_, [self, seq, r = std::move(r)]() mutable {
            self->Complete(seq, std::move(r));
          });
        });
      }
    } catch (const boost::system::system_error&) {
      // The peer closed or reset the connection.
    }
    reading_ = false;
    writer_wakeup_.Wake();
  }

  void Complete(uint64_t seq, Response r) {
    if (seq < first_seq_) return;
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
        reader_wakeup_.Wake();
        Response& r = *slot.response;
        if (r.send) co_await WriteResponse(slot.correlation_id, slot.flexible_header, r);
        if (r.close) break;
      }
    } catch (const boost::system::system_error&) {
      // The peer went away mid-write.
    }
    Close();
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
      co_await asio::async_write(socket_, parts, use_awaitable);
      co_return;
    }
    co_await asio::async_write(socket_, asio::buffer(head), use_awaitable);
    size_t at = 0;
    for (const auto& s : r.splices) {
      co_await asio::async_write(socket_, asio::buffer(r.body.data() + at, s.at - at),
                                 use_awaitable);
      at = s.at;
      co_await SendSlice(s.slice);
    }
    co_await asio::async_write(socket_, asio::buffer(r.body.data() + at, r.body.size() - at),
                               use_awaitable);
  }

  // Sends a log slice straight from the page cache with sendfile(2).
  awaitable<void> SendSlice(const storage::ReadSlice& slice) {
    int in_fd = slice.segment->log_file().NativeHandle();
    if (in_fd < 0) {
      Buffer copy;
      if (!slice.AppendTo(copy).ok()) throw boost::system::system_error(asio::error::broken_pipe);
      co_await asio::async_write(socket_, asio::buffer(copy), use_awaitable);
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
    OpenConnections().Dec();
    std::lock_guard lock(server_.mu_);
    server_.connections_.erase(shared_from_this());
  }

  KafkaServer& server_;
  asio::strand<asio::any_io_executor> strand_;
  tcp::socket socket_;
  std::string peer_;
  std::deque<Slot> slots_;
  uint64_t first_seq_ = 0;
  bool reading_ = true;
  bool closed_ = false;
  Event reader_wakeup_;
  Event writer_wakeup_;
};

KafkaServer::KafkaServer(asio::io_context& io, ServerOptions options)
    : io_(io), options_(std::move(options)), acceptor_(io) {}

KafkaServer::~KafkaServer() = default;

Status KafkaServer::Bind() {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(options_.host, ec);
  if (ec) return InvalidArgument("bad listen address '{}': {}", options_.host, ec.message());
  tcp::endpoint endpoint(address, options_.port);
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
  while (acceptor_.is_open()) {
    boost::system::error_code ec;
    tcp::socket socket = co_await acceptor_.async_accept(asio::redirect_error(use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) break;
      continue;  // e.g. too many open files: keep serving the connections we have
    }
    auto connection = std::make_shared<Connection>(*this, std::move(socket));
    {
      std::lock_guard lock(mu_);
      connections_.insert(connection);
    }
    connection->Start();
  }
}

void KafkaServer::Stop() {
  asio::post(io_, [this] {
    boost::system::error_code ec;
    acceptor_.close(ec);
  });
  std::set<std::shared_ptr<Connection>> all;
  {
    std::lock_guard lock(mu_);
    all = connections_;
  }
  for (const auto& c : all) c->Stop();
}

}  // namespace herald::kafka
