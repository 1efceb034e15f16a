// libFuzzer target: the Kafka handlers through a real broker. The input is what a client sends on
// one connection (size-prefixed request frames, one after another); each frame goes, as the
// listener passes it, to the KafkaHandlers of an in-memory node (engine, broker, group
// coordinator, a topic "orders" with two partitions). No handler may throw, crash, read out of
// bounds or answer twice; anything it cannot handle is an error answer or a closed connection.
// A node serves kInputsPerNode inputs before a fresh one replaces it (making one costs more than
// running most inputs), so a crash may depend on the inputs run before it.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <ostream>
#include <streambuf>
#include <thread>
#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without including it

#include <boost/asio.hpp>

#include "base/log.h"
#include "broker/broker.h"
#include "broker/group_coordinator.h"
#include "kafka/handlers.h"
#include "kafka/header.h"
#include "storage/engine.h"
#include "storage/mem_file_system.h"

namespace herald::kafka {
namespace {

// One input's node, built fresh so that inputs do not depend on each other.
class Node {
 public:
  bool Open() {
    storage::EngineOptions eo;
    eo.data_dir = "/data";
    eo.fs = &fs_;
    eo.flusher_threads = 1;
    eo.background = false;
    auto engine = storage::Engine::Open(eo);
    if (!engine.ok()) return false;
    engine_ = std::move(engine).value();
    broker::BrokerOptions bo;
    bo.fetch_max_wait_ms = 0;  // a long poll answers at once: the input's next frame is waiting
    bo.max_partitions_per_topic = 64;
    bo.max_partitions = 128;
    bo.max_partitions_per_request = 256;
    auto broker = broker::Broker::Open(*engine_, bo);
    if (!broker.ok()) return false;
    broker_ = std::move(broker).value();
    broker::GroupOptions go;
    go.initial_rebalance_delay_ms = 0;
    auto groups = broker::GroupCoordinator::Open(*engine_, io_.get_executor(), go);
    if (!groups.ok()) return false;
    groups_ = std::move(groups).value();
    handlers_ = std::make_unique<KafkaHandlers>(*broker_, *groups_);
    return engine_->CreateTopic("orders", 2, {}).ok();
  }

  // Hands one request frame to the handlers as the listener would; false when the listener
  // would have closed the connection before (or instead of) answering.
  bool Send(const Buffer& bytes) {
    auto frame = std::make_shared<Buffer>(bytes);
    auto parsed = ParseRequest(*frame);
    if (!parsed.ok() || parsed->api == nullptr) return false;
    const int16_t v = parsed->header.api_version;
    const bool is_api_versions = parsed->header.api_key == static_cast<int16_t>(ApiKey::kApiVersions);
    if ((v < parsed->api->min_version || v > parsed->api->max_version) && !is_api_versions) {
      return false;
    }
    RequestContext ctx;
    ctx.request = *parsed;
    ctx.body = MutableByteView(*frame).subspan(parsed->body_offset);
    ctx.frame = frame;
    ctx.executor = io_.get_executor();
    ctx.peer = "fuzz";
    auto answers = std::make_shared<std::atomic<int>>(0);
    auto closed = std::make_shared<std::atomic<bool>>(false);
    handlers_->Handle(std::move(ctx), [answers, closed](Response r) {
      if (answers->fetch_add(1) != 0) __builtin_trap();  // answered twice
      if (r.close) closed->store(true);
    });
    // A join or sync may wait for other members, as it would for a real client; every other
    // request is answered at once or from the flusher or admin thread within moments (a fetch
    // does not long-poll here), and one that is not is a hang.
    const auto key = static_cast<ApiKey>(parsed->header.api_key);
    const bool may_wait = key == ApiKey::kJoinGroup || key == ApiKey::kSyncGroup;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
      io_.restart();
      io_.poll();
      if (answers->load() != 0 || may_wait) break;
      if (std::chrono::steady_clock::now() > deadline) __builtin_trap();  // never answered
      std::this_thread::yield();
    }
    return !closed->load();
  }

  void Close() {
    groups_->Shutdown();
    io_.restart();
    io_.poll();
    handlers_.reset();
    broker_.reset();
    engine_->Close().IgnoreError();
    groups_.reset();
    engine_.reset();
  }

 private:
  boost::asio::io_context io_;
  storage::MemFileSystem fs_;
  std::unique_ptr<storage::Engine> engine_;
  std::unique_ptr<broker::Broker> broker_;
  std::shared_ptr<broker::GroupCoordinator> groups_;
  std::unique_ptr<KafkaHandlers> handlers_;
};

}  // namespace
}  // namespace herald::kafka

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Every log event is built and formatted (that is where a client's bytes meet JSON), then
  // dropped.
  struct Discard : std::streambuf {
    int overflow(int c) override { return c; }
  };
  static Discard discard;
  static std::ostream sink(&discard);
  herald::ConfigureLogging(herald::LogFormat::kJson, herald::LogLevel::kDebug, sink);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr int kInputsPerNode = 1000;
  static std::unique_ptr<herald::kafka::Node> node;
  static int inputs = 0;
  if (!node || ++inputs == kInputsPerNode) {
    if (node) node->Close();
    node = std::make_unique<herald::kafka::Node>();
    if (!node->Open()) __builtin_trap();
    inputs = 0;
  }
  size_t at = 0;
  while (size - at >= 4) {
    const uint32_t length = herald::LoadBigEndian<uint32_t>(data + at);
    at += 4;
    if (length > size - at) break;
    herald::Buffer frame(data + at, data + at + length);
    at += length;
    if (!node->Send(frame)) break;
  }
  return 0;
}
