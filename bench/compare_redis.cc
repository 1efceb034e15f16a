// Redis Streams in `herald bench compare`: Debian's redis-server on a loopback port with its AOF
// in a scratch directory, driven with hiredis: pipelined XADD (each reply is the
// acknowledgement), a consumer group read with XREADGROUP and acknowledged with XACK.
#include <hiredis/hiredis.h>
#include <poll.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "base/net.h"
#include "compare_process.h"
#include "compare_system.h"

namespace herald::bench {
namespace {

constexpr const char* kRedisStream = "bench";
constexpr const char* kGroup = "bench-group";
constexpr int kReadBatch = 1000;

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

// One synchronous hiredis connection; commands can be pipelined with Append + GetReply.
class RedisConnection {
 public:
  RedisConnection() = default;
  ~RedisConnection() {
    if (c_ != nullptr) redisFree(c_);
  }
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  Status Open(uint16_t port) {
    c_ = redisConnectWithTimeout("127.0.0.1", port, timeval{5, 0});
    if (c_ == nullptr) return Internal("redisConnect: out of memory");
    if (c_->err) return Unavailable("connect: {}", c_->errstr);
    if (redisSetTimeout(c_, timeval{60, 0}) != REDIS_OK) return Error("set timeout");
    return Status::Ok();
  }

  // Queues a command in the output buffer; Flush or GetReply sends it.
  Status Append(const std::vector<std::string_view>& args) {
    argv_.clear();
    lens_.clear();
    for (auto a : args) {
      argv_.push_back(a.data());
      lens_.push_back(a.size());
    }
    if (redisAppendCommandArgv(c_, static_cast<int>(args.size()), argv_.data(), lens_.data()) !=
        REDIS_OK) {
      return Error("append");
    }
    return Status::Ok();
  }

  Status Flush() {
    int done = 0;
    while (!done) {
      if (redisBufferWrite(c_, &done) != REDIS_OK) return Error("write");
    }
    return Status::Ok();
  }

  // The next reply, waiting for it. An error reply becomes a Status.
  Result<ReplyPtr> GetReply() {
    void* raw = nullptr;
    if (redisGetReply(c_, &raw) != REDIS_OK) return Error("read");
    return Checked(ReplyPtr(static_cast<redisReply*>(raw)));
  }

  Result<ReplyPtr> Command(const std::vector<std::string_view>& args) {
    HERALD_RETURN_IF_ERROR(Append(args));
    return GetReply();
  }

  // Replies already received and parsed, without reading the socket: nullptr when none.
  Result<ReplyPtr> TryReply() {
    void* raw = nullptr;
    if (redisGetReplyFromReader(c_, &raw) != REDIS_OK) return Error("parse");
    if (raw == nullptr) return ReplyPtr();
    return Checked(ReplyPtr(static_cast<redisReply*>(raw)));
  }

  // Reads what arrives within `timeout_ms` into hiredis's buffer. Returns whether anything came.
  Result<bool> ReadAvailable(int timeout_ms) {
    bool any = false;
    for (int reads = 0; reads < 16; ++reads) {
      pollfd p{c_->fd, POLLIN, 0};
      if (::poll(&p, 1, reads == 0 ? timeout_ms : 0) <= 0) break;
      if (redisBufferRead(c_) != REDIS_OK) return Error("read");
      any = true;
    }
    return any;
  }

 private:
  Status Error(std::string_view what) const {
    return Unavailable("redis {}: {}", what, c_->err ? c_->errstr : "unknown error");
  }
  static Result<ReplyPtr> Checked(ReplyPtr r) {
    if (r && r->type == REDIS_REPLY_ERROR) {
      return Internal("redis: {}", std::string(r->str, r->len));
    }
    return r;
  }

  redisContext* c_ = nullptr;
  std::vector<const char*> argv_;
  std::vector<size_t> lens_;
};

class RedisPublisher : public Publisher {
 public:
  static Result<std::unique_ptr<Publisher>> Create(uint16_t port) {
    auto p = std::make_unique<RedisPublisher>();
    HERALD_RETURN_IF_ERROR(p->conn_.Open(port));
    return std::unique_ptr<Publisher>(std::move(p));
  }

  Status Send(std::string_view payload) override {
    HERALD_RETURN_IF_ERROR(conn_.Append({"XADD", kRedisStream, "*", "d", payload}));
    ++outstanding_;
    return Status::Ok();
  }

  Result<uint64_t> PollAcks(int timeout_ms) override {
    HERALD_RETURN_IF_ERROR(conn_.Flush());
    HERALD_ASSIGN_OR_RETURN(uint64_t n, Drain());
    if (n == 0 && outstanding_ > 0) {
      HERALD_ASSIGN_OR_RETURN(bool any, conn_.ReadAvailable(timeout_ms));
      if (any) {
        HERALD_ASSIGN_OR_RETURN(n, Drain());
      }
    } else if (n == 0 && timeout_ms > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(timeout_ms));  // nothing to wait for
    }
    outstanding_ -= n;
    return n;
  }

 private:
  // Counts the XADD replies already parsed (each one an acknowledged message).
  Result<uint64_t> Drain() {
    uint64_t n = 0;
    while (true) {
      HERALD_ASSIGN_OR_RETURN(ReplyPtr r, conn_.TryReply());
      if (!r) return n;
      ++n;
    }
  }

  RedisConnection conn_;
  uint64_t outstanding_ = 0;
};

class RedisConsumer : public Consumer {
 public:
  ~RedisConsumer() override {
    if (ack_in_flight_) (void)conn_.GetReply();
  }

  static Result<std::unique_ptr<Consumer>> Create(uint16_t port) {
    auto c = std::make_unique<RedisConsumer>();
    HERALD_RETURN_IF_ERROR(c->conn_.Open(port));
    return std::unique_ptr<Consumer>(std::move(c));
  }

  Result<uint64_t> Poll(int timeout_ms, const Handler& on_message) override {
    const std::string count = std::to_string(kReadBatch);
    const std::string block = std::to_string(timeout_ms);
    std::vector<std::string_view> args = {"XREADGROUP", "GROUP", kGroup, "c1", "COUNT", count};
    if (timeout_ms > 0) args.insert(args.end(), {"BLOCK", block});
    args.insert(args.end(), {"STREAMS", kRedisStream, ">"});
    HERALD_RETURN_IF_ERROR(conn_.Append(args));
    // The previous batch's XACK went out before this read; its reply comes first.
    if (ack_in_flight_) {
      ack_in_flight_ = false;
      HERALD_ASSIGN_OR_RETURN(ReplyPtr acked, conn_.GetReply());
    }
    HERALD_ASSIGN_OR_RETURN(ReplyPtr reply, conn_.GetReply());
    if (reply->type == REDIS_REPLY_NIL) return uint64_t{0};
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1 ||
        reply->element[0]->type != REDIS_REPLY_ARRAY || reply->element[0]->elements < 2) {
      return Internal("unexpected XREADGROUP reply (type {})", reply->type);
    }
    const redisReply* entries = reply->element[0]->element[1];
    std::vector<std::string_view> ack = {"XACK", kRedisStream, kGroup};
    for (size_t i = 0; i < entries->elements; ++i) {
      const redisReply* e = entries->element[i];
      if (e->type != REDIS_REPLY_ARRAY || e->elements < 2 || e->element[1]->elements < 2) {
        return Internal("unexpected stream entry in the XREADGROUP reply");
      }
      const redisReply* value = e->element[1]->element[1];
      on_message(std::string_view(value->str, value->len));
      ack.emplace_back(e->element[0]->str, e->element[0]->len);
    }
    if (entries->elements > 0) {
      HERALD_RETURN_IF_ERROR(conn_.Append(ack));
      HERALD_RETURN_IF_ERROR(conn_.Flush());
      ack_in_flight_ = true;
    }
    return static_cast<uint64_t>(entries->elements);
  }

 private:
  RedisConnection conn_;
  bool ack_in_flight_ = false;
};

class RedisSystem : public PeerSystem {
 public:
  ~RedisSystem() override { Stop(); }
  std::string_view name() const override { return "redis"; }

  nlohmann::json settings() const override {
    const bool fsync = config_.durability == Durability::kFsync;
    return {
        {"server", server_ ? server_->command_line() : ""},
        {"protocol", "RESP2 (hiredis C client)"},
        {"destination", fmt::format("stream '{}', consumer group '{}'", kRedisStream, kGroup)},
        {"producer", fmt::format("pipelined XADD {} * d <payload>, at most {} replies "
                                 "outstanding",
                                 kRedisStream, config_.window)},
        {"consumer", fmt::format("XREADGROUP COUNT {} BLOCK, then one XACK per batch (pipelined "
                                 "with the next read)",
                                 kReadBatch)},
        {"acknowledged", fsync ? "fsync (appendfsync always)" : "page cache (appendfsync no)"},
        {"acknowledgement",
         fsync ? "appendfsync always: Redis writes and fsyncs the AOF before replying (one fsync "
                 "per event-loop pass covers every write it read in that pass)"
               : "appendfsync no: Redis replies once the AOF write() reached the page cache; the "
                 "OS flushes it when it likes"},
    };
  }

  Result<std::unique_ptr<Publisher>> NewPublisher() override {
    return RedisPublisher::Create(port_);
  }
  Result<std::unique_ptr<Consumer>> NewConsumer() override { return RedisConsumer::Create(port_); }

 private:
  Status StartServer() override {
    if (FindExecutable("redis-server").empty()) {
      return Unavailable("redis-server is not installed (Debian package redis-server)");
    }
    port_ = FreeLoopbackPort();
    const bool fsync = config_.durability == Durability::kFsync;
    server_ = std::make_unique<ChildProcess>();
    HERALD_RETURN_IF_ERROR(server_->Start(
        {"redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1", "--dir",
         config_.dir, "--appendonly", "yes", "--appendfsync", fsync ? "always" : "no", "--save",
         "", "--daemonize", "no", "--protected-mode", "yes"},
        {}, config_.dir, config_.dir + "/redis.log"));
    HERALD_RETURN_IF_ERROR(WaitForPort(*server_, port_, config_.start_timeout));
    RedisConnection conn;
    HERALD_RETURN_IF_ERROR(conn.Open(port_));
    // Until it answers PING, Redis may still be loading.
    for (int i = 0;; ++i) {
      auto pong = conn.Command({"PING"});
      if (pong.ok()) break;
      if (i > 100) return pong.status();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    HERALD_ASSIGN_OR_RETURN(ReplyPtr info, conn.Command({"INFO", "server"}));
    std::string_view text(info->str, info->len);
    auto at = text.find("redis_version:");
    if (at != std::string_view::npos) {
      text.remove_prefix(at + 14);
      version_ = std::string(text.substr(0, text.find_first_of("\r\n")));
    }
    HERALD_ASSIGN_OR_RETURN(ReplyPtr created, conn.Command({"XGROUP", "CREATE", kRedisStream,
                                                            kGroup, "0", "MKSTREAM"}));
    return Status::Ok();
  }

  uint16_t port_ = 0;
};

}  // namespace

std::unique_ptr<System> MakeRedisSystem() { return std::make_unique<RedisSystem>(); }

}  // namespace herald::bench
