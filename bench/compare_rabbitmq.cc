// RabbitMQ in `herald bench compare`: Debian's rabbitmq-server run as this user in a scratch
// directory (its own Erlang node name, cookie, ports, epmd, configuration, data and logs), driven
// over AMQP 0-9-1 with librabbitmq: a durable classic queue, persistent messages (delivery_mode
// 2) with publisher confirms, a consumer with manual acknowledgements.
#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include <fmt/format.h>

#include "base/net.h"
#include "compare_process.h"
#include "compare_system.h"

namespace herald::bench {
namespace {

constexpr const char* kQueue = "bench";
constexpr amqp_channel_t kChannel = 1;
constexpr const char* kRabbitServer = "/usr/lib/rabbitmq/bin/rabbitmq-server";

std::string BytesToString(amqp_bytes_t b) {
  return std::string(static_cast<const char*>(b.bytes), b.len);
}

// A failed RPC as a Status: the library's error, or the server's close reason.
Status RpcStatus(const amqp_rpc_reply_t& r, std::string_view what) {
  switch (r.reply_type) {
    case AMQP_RESPONSE_NORMAL:
      return Status::Ok();
    case AMQP_RESPONSE_NONE:
      return Internal("{}: missing RPC reply", what);
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
      return Unavailable("{}: {}", what, amqp_error_string2(r.library_error));
    case AMQP_RESPONSE_SERVER_EXCEPTION:
      if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
        auto* m = static_cast<amqp_connection_close_t*>(r.reply.decoded);
        return Internal("{}: connection closed by the server: {}", what,
                        BytesToString(m->reply_text));
      }
      if (r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
        auto* m = static_cast<amqp_channel_close_t*>(r.reply.decoded);
        return Internal("{}: channel closed by the server: {}", what, BytesToString(m->reply_text));
      }
      return Internal("{}: server exception (method {:#x})", what, r.reply.id);
  }
  return Internal("{}: unknown reply type", what);
}

Status LibraryStatus(int rc, std::string_view what) {
  if (rc == AMQP_STATUS_OK) return Status::Ok();
  return Unavailable("{}: {}", what, amqp_error_string2(rc));
}

timeval Timeval(int timeout_ms) { return timeval{timeout_ms / 1000, (timeout_ms % 1000) * 1000}; }

// One AMQP connection with channel 1 open; closed on destruction.
class AmqpConnection {
 public:
  AmqpConnection() = default;
  ~AmqpConnection() {
    if (conn_ == nullptr) return;
    if (open_) {
      (void)amqp_channel_close(conn_, kChannel, AMQP_REPLY_SUCCESS);
      (void)amqp_connection_close(conn_, AMQP_REPLY_SUCCESS);
    }
    amqp_destroy_connection(conn_);
  }
  AmqpConnection(const AmqpConnection&) = delete;
  AmqpConnection& operator=(const AmqpConnection&) = delete;

  Status Open(uint16_t port) {
    conn_ = amqp_new_connection();
    amqp_socket_t* socket = amqp_tcp_socket_new(conn_);
    if (socket == nullptr) return Internal("amqp_tcp_socket_new failed");
    HERALD_RETURN_IF_ERROR(LibraryStatus(amqp_socket_open(socket, "127.0.0.1", port), "connect"));
    HERALD_RETURN_IF_ERROR(RpcStatus(amqp_login(conn_, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN,
                                                "guest", "guest"),
                                     "login"));
    amqp_channel_open(conn_, kChannel);
    HERALD_RETURN_IF_ERROR(RpcStatus(amqp_get_rpc_reply(conn_), "channel.open"));
    open_ = true;
    return Status::Ok();
  }

  amqp_connection_state_t get() const { return conn_; }
  Status LastRpc(std::string_view what) const { return RpcStatus(amqp_get_rpc_reply(conn_), what); }

  // The server's "version" property.
  std::string ServerVersion() const {
    const amqp_table_t* props = amqp_get_server_properties(conn_);
    for (int i = 0; props != nullptr && i < props->num_entries; ++i) {
      const amqp_table_entry_t& e = props->entries[i];
      if (BytesToString(e.key) == "version" && (e.value.kind == AMQP_FIELD_KIND_UTF8 ||
                                                e.value.kind == AMQP_FIELD_KIND_BYTES)) {
        return BytesToString(e.value.value.bytes);
      }
    }
    return "unknown";
  }

 private:
  amqp_connection_state_t conn_ = nullptr;
  bool open_ = false;
};

// A server method that ends the channel or the connection, as a Status.
Status CloseFrameStatus(const amqp_frame_t& frame, std::string_view what) {
  amqp_rpc_reply_t r{};
  r.reply_type = AMQP_RESPONSE_SERVER_EXCEPTION;
  r.reply = frame.payload.method;
  return RpcStatus(r, what);
}

class AmqpPublisher : public Publisher {
 public:
  static Result<std::unique_ptr<Publisher>> Create(uint16_t port) {
    auto p = std::make_unique<AmqpPublisher>();
    HERALD_RETURN_IF_ERROR(p->conn_.Open(port));
    amqp_confirm_select(p->conn_.get(), kChannel);
    HERALD_RETURN_IF_ERROR(p->conn_.LastRpc("confirm.select"));
    return std::unique_ptr<Publisher>(std::move(p));
  }

  Status Send(std::string_view payload) override {
    amqp_basic_properties_t props{};
    props._flags = AMQP_BASIC_DELIVERY_MODE_FLAG;
    props.delivery_mode = 2;  // persistent
    amqp_bytes_t body{payload.size(), const_cast<char*>(payload.data())};
    HERALD_RETURN_IF_ERROR(LibraryStatus(
        amqp_basic_publish(conn_.get(), kChannel, amqp_empty_bytes, amqp_cstring_bytes(kQueue),
                           /*mandatory=*/0, /*immediate=*/0, &props, body),
        "basic.publish"));
    return Status::Ok();
  }

  Result<uint64_t> PollAcks(int timeout_ms) override {
    uint64_t acked = 0;
    timeval tv = Timeval(timeout_ms);
    for (int frames = 0; frames < 100000; ++frames) {
      amqp_frame_t frame;
      int rc = amqp_simple_wait_frame_noblock(conn_.get(), &frame, &tv);
      if (rc == AMQP_STATUS_TIMEOUT) break;
      HERALD_RETURN_IF_ERROR(LibraryStatus(rc, "waiting for confirms"));
      tv = Timeval(0);  // then only what is already there
      if (frame.frame_type != AMQP_FRAME_METHOD) continue;
      switch (frame.payload.method.id) {
        case AMQP_BASIC_ACK_METHOD: {
          auto* ack = static_cast<amqp_basic_ack_t*>(frame.payload.method.decoded);
          acked += Confirm(ack->delivery_tag, ack->multiple != 0);
          break;
        }
        case AMQP_BASIC_NACK_METHOD:
          return Internal("RabbitMQ refused (basic.nack) message {}",
                          static_cast<amqp_basic_nack_t*>(frame.payload.method.decoded)
                              ->delivery_tag);
        case AMQP_BASIC_RETURN_METHOD:
          return Internal("RabbitMQ returned a message as unroutable");
        case AMQP_CHANNEL_CLOSE_METHOD:
        case AMQP_CONNECTION_CLOSE_METHOD:
          return CloseFrameStatus(frame, "publishing");
        default:
          break;
      }
    }
    amqp_maybe_release_buffers(conn_.get());
    return acked;
  }

 private:
  // Counts the messages a confirm covers: delivery tags are 1, 2, ... in publish order; a
  // `multiple` confirm covers every unconfirmed tag up to `tag`.
  uint64_t Confirm(uint64_t tag, bool multiple) {
    uint64_t n = 0;
    if (multiple) {
      if (tag <= confirmed_upto_) return 0;
      auto end = confirmed_above_.upper_bound(tag);
      uint64_t singles = static_cast<uint64_t>(std::distance(confirmed_above_.begin(), end));
      confirmed_above_.erase(confirmed_above_.begin(), end);
      n = tag - confirmed_upto_ - singles;
      confirmed_upto_ = tag;
    } else if (tag > confirmed_upto_ && confirmed_above_.insert(tag).second) {
      n = 1;
    }
    while (!confirmed_above_.empty() && *confirmed_above_.begin() == confirmed_upto_ + 1) {
      confirmed_above_.erase(confirmed_above_.begin());
      ++confirmed_upto_;
    }
    return n;
  }

  AmqpConnection conn_;
  uint64_t confirmed_upto_ = 0;        // every tag <= this is confirmed
  std::set<uint64_t> confirmed_above_;  // confirmed tags above it
};

class AmqpConsumer : public Consumer {
 public:
  static Result<std::unique_ptr<Consumer>> Create(uint16_t port, uint16_t prefetch) {
    auto c = std::make_unique<AmqpConsumer>();
    HERALD_RETURN_IF_ERROR(c->conn_.Open(port));
    amqp_basic_qos(c->conn_.get(), kChannel, 0, prefetch, 0);
    HERALD_RETURN_IF_ERROR(c->conn_.LastRpc("basic.qos"));
    amqp_basic_consume(c->conn_.get(), kChannel, amqp_cstring_bytes(kQueue), amqp_empty_bytes,
                       /*no_local=*/0, /*no_ack=*/0, /*exclusive=*/0, amqp_empty_table);
    HERALD_RETURN_IF_ERROR(c->conn_.LastRpc("basic.consume"));
    c->batch_ = std::max<uint16_t>(1, prefetch / 2);
    return std::unique_ptr<Consumer>(std::move(c));
  }

  Result<uint64_t> Poll(int timeout_ms, const Handler& on_message) override {
    uint64_t n = 0;
    uint64_t last_tag = 0;
    timeval tv = Timeval(timeout_ms);
    while (n < batch_) {
      amqp_maybe_release_buffers(conn_.get());
      amqp_envelope_t envelope;
      amqp_rpc_reply_t r = amqp_consume_message(conn_.get(), &envelope, &tv, 0);
      if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
          r.library_error == AMQP_STATUS_TIMEOUT) {
        break;
      }
      if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
          r.library_error == AMQP_STATUS_UNEXPECTED_STATE) {
        // Some other frame than a delivery: find out which.
        amqp_frame_t frame;
        timeval now = Timeval(0);
        if (amqp_simple_wait_frame_noblock(conn_.get(), &frame, &now) == AMQP_STATUS_OK &&
            frame.frame_type == AMQP_FRAME_METHOD &&
            (frame.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD ||
             frame.payload.method.id == AMQP_CONNECTION_CLOSE_METHOD)) {
          return CloseFrameStatus(frame, "consuming");
        }
        continue;
      }
      HERALD_RETURN_IF_ERROR(RpcStatus(r, "consuming"));
      on_message(std::string_view(static_cast<const char*>(envelope.message.body.bytes),
                                  envelope.message.body.len));
      last_tag = envelope.delivery_tag;
      amqp_destroy_envelope(&envelope);
      ++n;
      tv = Timeval(0);  // then only what is already there
    }
    if (n > 0) {
      HERALD_RETURN_IF_ERROR(LibraryStatus(
          amqp_basic_ack(conn_.get(), kChannel, last_tag, /*multiple=*/1), "basic.ack"));
    }
    return n;
  }

 private:
  AmqpConnection conn_;
  uint64_t batch_ = 1;
};

class RabbitMqSystem : public PeerSystem {
 public:
  ~RabbitMqSystem() override { Stop(); }
  std::string_view name() const override { return "rabbitmq"; }

  void Stop() override {
    server_.reset();  // SIGTERM: the script stops the node gracefully
    epmd_.reset();
  }

  nlohmann::json settings() const override {
    return {
        {"server", server_ ? server_->command_line() : ""},
        {"epmd", epmd_ ? epmd_->command_line() : ""},
        {"config_file", config_text_},
        {"protocol", "AMQP 0-9-1 (librabbitmq C client)"},
        {"destination", fmt::format("durable classic queue '{}' on the default exchange", kQueue)},
        {"producer", fmt::format("persistent messages (delivery_mode 2), publisher confirms "
                                 "(confirm.select), at most {} unconfirmed",
                                 config_.window)},
        {"consumer", fmt::format("basic.consume, prefetch {}, manual basic.ack (multiple) per "
                                 "batch",
                                 Prefetch())},
        {"acknowledged", "fsync (confirms, persistent)"},
        {"acknowledgement",
         config_.durability == Durability::kFsync
             ? "publisher confirm of a persistent message on a durable queue: RabbitMQ confirms "
               "once the message store has fsynced it (or once a consumer acknowledged it)"
             : "same as fsync: RabbitMQ has no page-cache-only setting for persistent messages "
               "(transient messages are not written at all), so its confirms still wait for fsync"},
    };
  }

  Result<std::unique_ptr<Publisher>> NewPublisher() override {
    return AmqpPublisher::Create(amqp_port_);
  }
  Result<std::unique_ptr<Consumer>> NewConsumer() override {
    return AmqpConsumer::Create(amqp_port_, Prefetch());
  }

 private:
  uint16_t Prefetch() const {
    return static_cast<uint16_t>(std::clamp<uint64_t>(config_.window, 1, 65535));
  }

  Status StartServer() override {
    namespace fs = std::filesystem;
    if (::access(kRabbitServer, X_OK) != 0) {
      return Unavailable("{} is not installed (Debian package rabbitmq-server)", kRabbitServer);
    }
    const std::string dir = config_.dir;
    amqp_port_ = FreeLoopbackPort();
    const uint16_t dist_port = FreeLoopbackPort();
    const uint16_t epmd_port = FreeLoopbackPort();
    if (dist_port == amqp_port_ || epmd_port == amqp_port_ || epmd_port == dist_port) {
      return Unavailable("could not pick three distinct free ports");
    }
    // The Erlang cookie lives in $HOME; an empty env file keeps /etc/rabbitmq out.
    {
      std::ofstream cookie(dir + "/.erlang.cookie");
      cookie << fmt::format("herald-bench-{}-{}", ::getpid(), amqp_port_);
    }
    fs::permissions(dir + "/.erlang.cookie", fs::perms::owner_read, fs::perm_options::replace);
    std::ofstream(dir + "/rabbitmq-env.conf").flush();
    std::ofstream(dir + "/enabled_plugins") << "[].\n";
    config_text_ = fmt::format(
        "listeners.tcp.1 = 127.0.0.1:{}\n"
        "log.console = false\n"
        "log.file.level = warning\n",
        amqp_port_);
    std::ofstream(dir + "/rabbitmq.conf") << config_text_;

    // Our own epmd on a private port, so no system-wide epmd is started or left behind.
    epmd_ = std::make_unique<ChildProcess>();
    HERALD_RETURN_IF_ERROR(epmd_->Start({"epmd", "-port", std::to_string(epmd_port), "-address",
                                         "127.0.0.1"},
                                        {}, dir, dir + "/epmd.log"));
    {
      Status s = WaitForPort(*epmd_, epmd_port, std::chrono::seconds(5));
      if (!s.ok()) return s.WithContext("epmd");
    }
    const std::string node = fmt::format("herald-bench-{}-{}@localhost", ::getpid(), amqp_port_);
    const ChildProcess::Env env = {
        {"HOME", dir},
        {"ERL_EPMD_PORT", std::to_string(epmd_port)},
        {"RABBITMQ_CONF_ENV_FILE", dir + "/rabbitmq-env.conf"},
        {"RABBITMQ_CONFIG_FILE", dir + "/rabbitmq.conf"},
        {"RABBITMQ_ADVANCED_CONFIG_FILE", dir + "/advanced.config"},
        {"RABBITMQ_ENABLED_PLUGINS_FILE", dir + "/enabled_plugins"},
        {"RABBITMQ_MNESIA_BASE", dir + "/mnesia"},
        {"RABBITMQ_LOG_BASE", dir + "/log"},
        {"RABBITMQ_PID_FILE", dir + "/rabbitmq.pid"},
        {"RABBITMQ_NODENAME", node},
        {"RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1"},
        {"RABBITMQ_NODE_PORT", std::to_string(amqp_port_)},
        {"RABBITMQ_DIST_PORT", std::to_string(dist_port)},
        {"RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS", "-start_epmd false"},
    };
    server_ = std::make_unique<ChildProcess>();
    HERALD_RETURN_IF_ERROR(server_->Start({kRabbitServer}, env, dir, dir + "/server.log"));
    HERALD_RETURN_IF_ERROR(WaitForPort(*server_, amqp_port_, config_.start_timeout));

    // The queue, and the version the server announces.
    AmqpConnection conn;
    HERALD_RETURN_IF_ERROR(conn.Open(amqp_port_));
    version_ = conn.ServerVersion();
    amqp_queue_declare(conn.get(), kChannel, amqp_cstring_bytes(kQueue), /*passive=*/0,
                       /*durable=*/1, /*exclusive=*/0, /*auto_delete=*/0, amqp_empty_table);
    return conn.LastRpc("queue.declare");
  }

  std::unique_ptr<ChildProcess> epmd_;
  uint16_t amqp_port_ = 0;
  std::string config_text_;
};

}  // namespace

std::unique_ptr<System> MakeRabbitMqSystem() { return std::make_unique<RabbitMqSystem>(); }

}  // namespace herald::bench
