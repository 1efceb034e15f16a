// libFuzzer target: HTTP requests through the real router. The input is what a client sends on
// one connection (requests one after another); each request Beast parses goes, as the listener
// passes it, to a Router with every route `herald serve` registers (REST proxy, admin API, ops,
// event store, schema registry),
// over an in-memory node with a topic "orders" of two partitions. No route may throw, crash,
// read out of bounds or answer twice, and every answer must be a valid HTTP response. Nodes are
// reused across inputs (fuzz_node.h).
// REST consumer instances are refused (--rest-consumer-max-instances 0): each would run a
// librdkafka consumer; their routes still parse and answer.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include <boost/beast/http.hpp>

#include "fuzz_node.h"
#include "http/api.h"
#include "http/router.h"

namespace herald::http {
namespace {

class Node final : public fuzz::FuzzNode {
 public:
  bool Open() override {
    if (!FuzzNode::Open()) return false;
    auto registry = registry::SchemaRegistry::Open(*engine_);
    if (!registry.ok()) return false;
    registry_ = std::move(registry).value();
    context_.reset(
        new HttpContext{.broker = *broker_,
                        .groups = *groups_,
                        .version = "fuzz",
                        .kafka_bootstrap = "127.0.0.1:1",
                        .base_uri = "http://localhost:8080",
                        .limits = {.max_rest_consumers = 0, .rest_consumer_timeout_ms = 300'000},
                        .registry = registry_.get(),
                        .txns = &txns_->coordinator()});
    context_->ready = true;
    auto events = eventstore::EventStore::Open(*engine_, {.background = false});
    if (!events.ok()) return false;
    events_ = std::move(events).value();
    auto subscriptions = eventstore::PersistentSubscriptions::Open(*events_, *engine_);
    if (!subscriptions.ok()) return false;
    subscriptions_ = std::move(subscriptions).value();
    router_ = std::make_unique<Router>();
    AddRestProxyRoutes(*router_, *context_);
    AddAdminRoutes(*router_, *context_);
    AddOpsRoutes(*router_, *context_);
    AddStreamRoutes(*router_, *events_, io_.get_executor());
    AddPersistentSubscriptionRoutes(*router_, *subscriptions_, events_->topic());
    AddRegistryRoutes(*router_, *registry_);
    return true;
  }

  void Send(std::shared_ptr<const Request> request) {
    auto answers = std::make_shared<std::atomic<int>>(0);
    router_->Dispatch(std::move(request), Identity{}, [answers](Answer answer) {
      if (answers->fetch_add(1) != 0) __builtin_trap();  // answered twice
      if (answer.stream) answer.stream->Cancel();  // a subscription: its head is the answer
      Response& response = answer.response;
      response.prepare_payload();
      const unsigned status = response.result_int();
      if (status < 200 || status > 599) __builtin_trap();
    });
    // Every route answers at once or from the admin thread within moments.
    fuzz::Drive(io_, [&] { return answers->load() != 0; });
  }

 private:
  void CloseDoor() override {
    router_.reset();  // joins the REST consumers' pool, so nothing of theirs outlives the node
    context_.reset();
    subscriptions_.reset();
    events_.reset();
    registry_.reset();
  }

  std::unique_ptr<HttpContext> context_;
  std::unique_ptr<eventstore::EventStore> events_;
  std::unique_ptr<eventstore::PersistentSubscriptions> subscriptions_;
  std::unique_ptr<registry::SchemaRegistry> registry_;
  std::unique_ptr<Router> router_;
};

}  // namespace
}  // namespace herald::http

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  herald::fuzz::DiscardLogs();
  herald::fuzz::InitializeOpenSsl();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace bhttp = boost::beast::http;
  auto& node = herald::fuzz::ReusedNode<herald::http::Node>();
  boost::asio::const_buffer rest(data, size);
  for (int requests = 0; rest.size() > 0 && requests < 16; ++requests) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.eager(true);
    parser.body_limit(1 << 20);
    boost::beast::error_code ec;
    const size_t used = parser.put(rest, ec);
    if (ec || !parser.is_done()) break;  // the listener answers 400 and closes
    rest += used;
    node.Send(std::make_shared<const herald::http::Request>(parser.release()));
  }
  return 0;
}
