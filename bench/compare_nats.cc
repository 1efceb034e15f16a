// NATS JetStream in `herald bench compare`: Debian's nats-server with JetStream on a loopback
// port and its store in a scratch directory, driven with the NATS C client (libnats): a
// file-storage stream, acknowledged asynchronous publishes (js_PublishAsync, at most the window
// pending), and a durable pull consumer (js_PullSubscribe + fetch) acknowledging each batch.
#include <nats/nats.h>

#include <fstream>
#include <string>

#include <fmt/format.h>

#include "base/mutex.h"
#include "base/net.h"
#include "compare_process.h"
#include "compare_system.h"

namespace herald::bench {
namespace {

constexpr const char* kStream = "bench";
constexpr const char* kSubject = "bench";
constexpr const char* kDurable = "bench-consumer";
constexpr int kFetchBatch = 1000;

Status NatsStatus(natsStatus s, std::string_view what,
                  jsErrCode js_error = static_cast<jsErrCode>(0)) {
  if (s == NATS_OK) return Status::Ok();
  const char* detail = nats_GetLastError(nullptr);
  std::string text = fmt::format("{}: {}", what, natsStatus_GetText(s));
  if (detail != nullptr && *detail != '\0') text += fmt::format(" ({})", detail);
  if (js_error != 0) text += fmt::format(" [JetStream error {}]", static_cast<int>(js_error));
  return Status(s == NATS_TIMEOUT || s == NATS_NO_SERVER ? StatusCode::kUnavailable
                                                          : StatusCode::kInternal,
                text);
}

// A connection and its JetStream context.
class NatsClient {
 public:
  NatsClient() = default;
  ~NatsClient() {
    if (js_ != nullptr) jsCtx_Destroy(js_);
    if (nc_ != nullptr) {
      natsConnection_Close(nc_);
      natsConnection_Destroy(nc_);
    }
  }
  NatsClient(const NatsClient&) = delete;
  NatsClient& operator=(const NatsClient&) = delete;

  Status Open(uint16_t port, jsOptions* js_options) {
    HERALD_RETURN_IF_ERROR(NatsStatus(
        natsConnection_ConnectTo(&nc_, fmt::format("nats://127.0.0.1:{}", port).c_str()),
        "connect"));
    return NatsStatus(natsConnection_JetStream(&js_, nc_, js_options), "JetStream context");
  }
  jsCtx* js() const { return js_; }

 private:
  natsConnection* nc_ = nullptr;
  jsCtx* js_ = nullptr;
};

class NatsPublisher : public Publisher {
 public:
  ~NatsPublisher() override {
    jsPubOptions o;
    jsPubOptions_Init(&o);
    o.MaxWait = 5000;
    if (client_.js() != nullptr) (void)js_PublishAsyncComplete(client_.js(), &o);
  }

  static Result<std::unique_ptr<Publisher>> Create(uint16_t port, uint64_t window) {
    auto p = std::make_unique<NatsPublisher>();
    jsOptions o;
    jsOptions_Init(&o);
    o.PublishAsync.MaxPending = static_cast<int64_t>(window);
    o.PublishAsync.AckHandler = OnAck;
    o.PublishAsync.AckHandlerClosure = p.get();
    o.PublishAsync.StallWait = 10000;
    HERALD_RETURN_IF_ERROR(p->client_.Open(port, &o));
    return std::unique_ptr<Publisher>(std::move(p));
  }

  Status Send(std::string_view payload) override {
    return NatsStatus(js_PublishAsync(client_.js(), kSubject, payload.data(),
                                      static_cast<int>(payload.size()), nullptr),
                      "js_PublishAsync");
  }

  Result<uint64_t> PollAcks(int timeout_ms) override {
    MutexLock lock(mu_);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (acked_ <= reported_ && error_.empty() && cv_.WaitUntil(mu_, deadline)) {
    }
    if (!error_.empty()) return Internal("JetStream refused a publish: {}", error_);
    uint64_t n = acked_ - reported_;
    reported_ = acked_;
    return n;
  }

 private:
  // Runs on the library's thread for every publish acknowledgement (or error).
  static void OnAck(jsCtx*, natsMsg* msg, jsPubAck*, jsPubAckErr* pae, void* closure) {
    auto* self = static_cast<NatsPublisher*>(closure);
    {
      MutexLock lock(self->mu_);
      if (pae != nullptr) {
        if (self->error_.empty()) {
          self->error_ = fmt::format("{} (error code {})",
                                     pae->ErrText ? pae->ErrText : natsStatus_GetText(pae->Err),
                                     static_cast<int>(pae->ErrCode));
        }
      } else {
        ++self->acked_;
      }
    }
    self->cv_.NotifyOne();
    natsMsg_Destroy(msg);
  }

  Mutex mu_;
  CondVar cv_;
  uint64_t acked_ = 0;     // guarded by mu_
  std::string error_;      // guarded by mu_
  uint64_t reported_ = 0;  // publisher thread only
  NatsClient client_;      // last: closed first, while OnAck's state still exists
};

class NatsConsumer : public Consumer {
 public:
  ~NatsConsumer() override {
    if (sub_ != nullptr) natsSubscription_Destroy(sub_);
  }

  static Result<std::unique_ptr<Consumer>> Create(uint16_t port) {
    auto c = std::make_unique<NatsConsumer>();
    HERALD_RETURN_IF_ERROR(c->client_.Open(port, nullptr));
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = kStream;
    so.Config.DeliverPolicy = js_DeliverAll;
    so.Config.AckPolicy = js_AckAll;
    so.Config.MaxAckPending = 4 * kFetchBatch;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    HERALD_RETURN_IF_ERROR(NatsStatus(
        js_PullSubscribe(&c->sub_, c->client_.js(), kSubject, kDurable, nullptr, &so, &jerr),
        "js_PullSubscribe", jerr));
    return std::unique_ptr<Consumer>(std::move(c));
  }

  Result<uint64_t> Poll(int timeout_ms, const Handler& on_message) override {
    natsMsgList list{};
    // First what the stream has now, without waiting (the server answers at once)...
    jsFetchRequest req;
    jsFetchRequest_Init(&req);
    req.Batch = kFetchBatch;
    req.NoWait = true;
    req.Expires = int64_t{5000} * 1000 * 1000;
    natsStatus s = natsSubscription_FetchRequest(&list, sub_, &req);
    // ...and when it has nothing, wait for the next message (a batch of 1 returns as soon as it
    // arrives; a larger wait-mode fetch would hold messages until the batch fills).
    if ((s == NATS_NOT_FOUND || s == NATS_TIMEOUT) && timeout_ms > 0) {
      jsErrCode jerr = static_cast<jsErrCode>(0);
      s = natsSubscription_Fetch(&list, sub_, 1, timeout_ms, &jerr);
    }
    if (s == NATS_NOT_FOUND || s == NATS_TIMEOUT) return uint64_t{0};
    HERALD_RETURN_IF_ERROR(NatsStatus(s, "fetch"));
    for (int i = 0; i < list.Count; ++i) {
      natsMsg* m = list.Msgs[i];
      on_message(
          std::string_view(natsMsg_GetData(m), static_cast<size_t>(natsMsg_GetDataLength(m))));
    }
    // AckAll: acknowledging the last message acknowledges the batch.
    Status acked = list.Count > 0
                       ? NatsStatus(natsMsg_Ack(list.Msgs[list.Count - 1], nullptr), "ack")
                       : Status::Ok();
    const auto n = static_cast<uint64_t>(list.Count);
    natsMsgList_Destroy(&list);
    if (!acked.ok()) return acked;
    return n;
  }

 private:
  NatsClient client_;
  natsSubscription* sub_ = nullptr;
};

class NatsSystem : public PeerSystem {
 public:
  ~NatsSystem() override { Stop(); }
  std::string_view name() const override { return "nats"; }

  nlohmann::json settings() const override {
    const bool fsync = config_.durability == Durability::kFsync;
    std::string ack;
    if (sync_always_) {
      ack = "sync_interval: always: JetStream fsyncs each write before acknowledging";
    } else if (fsync) {
      ack = fmt::format("NOT fsync: this nats-server rejects 'sync_interval: always' ({}), so "
                        "JetStream acknowledges once written to the OS and fsyncs on its own "
                        "schedule; its figures are page-cache durability",
                        sync_always_refusal_);
    } else {
      ack = "acknowledged once written to the OS (page cache); JetStream fsyncs on its own "
            "schedule";
    }
    return {
        {"server", server_ ? server_->command_line() : ""},
        {"config_file", config_text_},
        {"protocol", "NATS (libnats C client), JetStream API"},
        {"destination", fmt::format("file-storage stream '{}' (subject '{}', limits retention, 1 "
                                    "replica)",
                                    kStream, kSubject)},
        {"producer", fmt::format("js_PublishAsync with PublishAsync.MaxPending {}",
                                 config_.window)},
        {"consumer", fmt::format("durable pull consumer '{}' (AckAll), fetch up to {} "
                                 "(no-wait, else wait for 1), ack of the last message per batch",
                                 kDurable, kFetchBatch)},
        {"sync_interval_always", fsync ? nlohmann::json(sync_always_)
                                       : nlohmann::json("not requested (durability os)")},
        {"acknowledgement", ack},
        {"acknowledged", sync_always_ ? "fsync (sync_interval: always)"
                         : fsync      ? "page cache (sync_interval: always unsupported)"
                                      : "page cache"},
    };
  }

  Result<std::unique_ptr<Publisher>> NewPublisher() override {
    return NatsPublisher::Create(port_, config_.window);
  }
  Result<std::unique_ptr<Consumer>> NewConsumer() override { return NatsConsumer::Create(port_); }

 private:
  std::string ConfigText(bool sync_always) const {
    return fmt::format(
        "listen: 127.0.0.1:{}\n"
        "jetstream {{\n"
        "  store_dir: \"{}/jetstream\"\n"
        "{}"
        "}}\n",
        port_, config_.dir, sync_always ? "  sync_interval: always\n" : "");
  }

  Status StartServer() override {
    if (FindExecutable("nats-server").empty()) {
      return Unavailable("nats-server is not installed (Debian package nats-server)");
    }
    port_ = FreeLoopbackPort();
    const std::string conf = config_.dir + "/nats.conf";
    if (auto v = RunToCompletion({"nats-server", "--version"}); v.ok()) {
      version_ = v->output.substr(0, v->output.find('\n'));
      if (auto at = version_.find(" v"); at != std::string::npos) {
        version_ = version_.substr(at + 2);
      }
    }
    // fsync: ask for a sync before every acknowledgement where this server version knows how;
    // `nats-server -t` checks the configuration without starting.
    sync_always_ = false;
    if (config_.durability == Durability::kFsync) {
      std::ofstream(conf) << ConfigText(true);
      HERALD_ASSIGN_OR_RETURN(CommandOutput test,
                              RunToCompletion({"nats-server", "-c", conf, "-t"}));
      sync_always_ = test.exit_code == 0;
      if (!sync_always_) {
        sync_always_refusal_ = test.output.substr(0, test.output.find('\n'));
        if (auto at = sync_always_refusal_.find("unknown field"); at != std::string::npos) {
          sync_always_refusal_ = sync_always_refusal_.substr(at);
        }
      }
    }
    config_text_ = ConfigText(sync_always_);
    std::ofstream(conf) << config_text_;
    server_ = std::make_unique<ChildProcess>();
    HERALD_RETURN_IF_ERROR(server_->Start({"nats-server", "-js", "-c", conf}, {}, config_.dir,
                                          config_.dir + "/nats.log"));
    HERALD_RETURN_IF_ERROR(WaitForPort(*server_, port_, config_.start_timeout));

    NatsClient client;
    HERALD_RETURN_IF_ERROR(client.Open(port_, nullptr));
    jsStreamConfig sc;
    jsStreamConfig_Init(&sc);
    const char* subjects[] = {kSubject};
    sc.Name = kStream;
    sc.Subjects = subjects;
    sc.SubjectsLen = 1;
    sc.Storage = js_FileStorage;
    sc.Retention = js_LimitsPolicy;
    sc.Replicas = 1;
    jsStreamInfo* info = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    natsStatus s = js_AddStream(&info, client.js(), &sc, nullptr, &jerr);
    if (info != nullptr) jsStreamInfo_Destroy(info);
    return NatsStatus(s, "creating the stream", jerr);
  }

  uint16_t port_ = 0;
  std::string config_text_;
  bool sync_always_ = false;
  std::string sync_always_refusal_;
};

}  // namespace

std::unique_ptr<System> MakeNatsSystem() { return std::make_unique<NatsSystem>(); }

}  // namespace herald::bench
