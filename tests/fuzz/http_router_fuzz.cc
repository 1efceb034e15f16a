// libFuzzer target: HTTP requests through the real router. The input is what a client sends on
// one connection (requests one after another); each request Beast parses goes, as the listener
// passes it, to a Router with every route `herald serve` registers (REST proxy, admin API, ops),
// over an in-memory node with a topic "orders" of two partitions. No route may throw, crash,
// read out of bounds or answer twice, and every answer must be a valid HTTP response. A node
// serves kInputsPerNode inputs before a fresh one replaces it (as in kafka_handler_fuzz.cc).
// REST consumer instances are refused (--rest-consumer-max-instances 0): each would run a
// librdkafka consumer; their routes still parse and answer.
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
#include <boost/beast/http.hpp>

#include "base/log.h"
#include "broker/broker.h"
#include "broker/group_coordinator.h"
#include "http/api.h"
#include "http/router.h"
#include "storage/engine.h"
#include "storage/mem_file_system.h"

namespace herald::http {
namespace {

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
    bo.fetch_max_wait_ms = 0;
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
    context_.reset(new HttpContext{
        .broker = *broker_,
        .groups = *groups_,
        .version = "fuzz",
        .kafka_bootstrap = "127.0.0.1:1",
        .base_uri = "http://localhost:8080",
        .limits = {.max_rest_consumers = 0, .rest_consumer_timeout_ms = 300'000}});
    context_->ready = true;
    router_ = std::make_unique<Router>();
    AddRestProxyRoutes(*router_, *context_);
    AddAdminRoutes(*router_, *context_);
    AddOpsRoutes(*router_, *context_);
    return engine_->CreateTopic("orders", 2, {}).ok();
  }

  void Send(std::shared_ptr<const Request> request) {
    auto answers = std::make_shared<std::atomic<int>>(0);
    router_->Dispatch(std::move(request), [answers](Response response) {
      if (answers->fetch_add(1) != 0) __builtin_trap();  // answered twice
      response.prepare_payload();
      const unsigned status = response.result_int();
      if (status < 200 || status > 599) __builtin_trap();
    });
    // Every route answers at once or from the admin thread within moments; one that does not is
    // a hang.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
      io_.restart();
      io_.poll();
      if (answers->load() != 0) break;
      if (std::chrono::steady_clock::now() > deadline) __builtin_trap();  // never answered
      std::this_thread::yield();
    }
  }

  void Close() {
    groups_->Shutdown();
    io_.restart();
    io_.poll();
    router_.reset();  // joins the REST consumers' pool, so nothing of theirs outlives the node
    context_.reset();
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
  std::unique_ptr<HttpContext> context_;
  std::unique_ptr<Router> router_;
};

}  // namespace
}  // namespace herald::http

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  struct Discard : std::streambuf {
    int overflow(int c) override { return c; }
  };
  static Discard discard;
  static std::ostream sink(&discard);
  herald::ConfigureLogging(herald::LogFormat::kJson, herald::LogLevel::kDebug, sink);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace bhttp = boost::beast::http;
  constexpr int kInputsPerNode = 1000;
  static std::unique_ptr<herald::http::Node> node;
  static int inputs = 0;
  if (!node || ++inputs == kInputsPerNode) {
    if (node) node->Close();
    node = std::make_unique<herald::http::Node>();
    if (!node->Open()) __builtin_trap();
    inputs = 0;
  }
  boost::asio::const_buffer rest(data, size);
  for (int requests = 0; rest.size() > 0 && requests < 16; ++requests) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.eager(true);
    parser.body_limit(1 << 20);
    boost::beast::error_code ec;
    const size_t used = parser.put(rest, ec);
    if (ec || !parser.is_done()) break;  // the listener answers 400 and closes
    rest += used;
    node->Send(std::make_shared<const herald::http::Request>(parser.release()));
  }
  return 0;
}
