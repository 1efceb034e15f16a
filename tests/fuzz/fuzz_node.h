// What the fuzz targets that drive a broker share: an in-memory node (engine, broker, group
// coordinator and a topic "orders" of two partitions) reused across inputs, and a bounded wait for
// an answer on the node's io_context.
#pragma once

#include <ctime>
#include <functional>
#include <memory>
#include <thread>
#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without including it

#include <boost/asio.hpp>
#include <openssl/crypto.h>

#include "broker/broker.h"
#include "broker/group_coordinator.h"
#include "broker/transactions.h"
#include "discard_logs.h"
#include "storage/engine.h"
#include "storage/mem_file_system.h"

namespace herald::fuzz {

// Sets OpenSSL up, configuration included, on the main thread. Left to the first HMAC, that set-up
// runs on whichever thread hashes first (the broker's admin thread, for a SCRAM credential), and
// the error state OpenSSL makes for that thread while loading its configuration is never freed:
// LeakSanitizer reports it at exit. Targets that keep a node call this from LLVMFuzzerInitialize.
inline void InitializeOpenSsl() {
  OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, nullptr);
}

// Runs `io` until `answered()` holds; traps when it does not within 10 s of the process's CPU
// time (a hang: waiting spins, so a hang spends CPU time, while a busy or paused machine does not
// make one). With `may_wait`, runs what is ready once and returns: the answer may legitimately
// come later.
inline void Drive(boost::asio::io_context& io, const std::function<bool()>& answered,
                  bool may_wait = false) {
  const std::clock_t deadline = std::clock() + 10 * CLOCKS_PER_SEC;
  for (;;) {
    io.restart();
    io.poll();
    if (answered() || may_wait) return;
    if (std::clock() > deadline) __builtin_trap();  // never answered
    std::this_thread::yield();
  }
}

// An in-memory node. A door's target derives from it, adds its own handlers in Open and drops
// them in CloseDoor.
class FuzzNode {
 public:
  virtual ~FuzzNode() = default;

  virtual bool Open() {
    storage::EngineOptions eo;
    eo.data_dir = "/data";
    eo.fs = &fs_;
    eo.flusher_threads = 0;  // durable appends sync inline: no thread per node
    eo.background = false;
    auto engine = storage::Engine::Open(eo);
    if (!engine.ok()) return false;
    engine_ = std::move(engine).value();
    broker::BrokerOptions bo;
    bo.fetch_max_wait_ms = 0;  // a long poll answers at once: the input's next request waits
    bo.max_partitions_per_topic = 64;
    bo.max_partitions = 128;
    bo.max_partitions_per_request = 256;
    auto broker = broker::Broker::Open(*engine_, bo);
    if (!broker.ok()) return false;
    broker_ = std::move(broker).value();
    broker::GroupOptions go;
    go.initial_rebalance_delay_ms = 0;
    go.append_transactional = broker::OffsetsAppender(*broker_);
    auto groups = broker::GroupCoordinator::Open(*engine_, io_.get_executor(), go);
    if (!groups.ok()) return false;
    groups_ = std::move(groups).value();
    txns_ = std::make_unique<broker::NodeTransactions>(*engine_, *broker_, groups_,
                                                       io_.get_executor());
    return engine_->CreateTopic("orders", 2, {}).ok();
  }

  void Close() {
    groups_->Shutdown();
    txns_->Stop();
    io_.restart();
    io_.poll();
    CloseDoor();
    txns_.reset();
    broker_.reset();
    engine_->Close().IgnoreError();
    groups_.reset();
    engine_.reset();
  }

 protected:
  // Drops what the door's target added, before the broker goes.
  virtual void CloseDoor() {}

  boost::asio::io_context io_;
  storage::MemFileSystem fs_;
  std::unique_ptr<storage::Engine> engine_;
  std::unique_ptr<broker::Broker> broker_;
  std::shared_ptr<broker::GroupCoordinator> groups_;
  std::unique_ptr<broker::NodeTransactions> txns_;
};

// The node for this input: one serves kInputsPerNode inputs before a fresh one replaces it
// (making one costs more than running most inputs), so a crash may depend on the inputs run
// before it.
template <typename Node>
Node& ReusedNode() {
  constexpr int kInputsPerNode = 1000;
  static std::unique_ptr<Node> node;
  static int inputs = 0;
  if (!node || ++inputs == kInputsPerNode) {
    if (node) node->Close();
    node = std::make_unique<Node>();
    if (!node->Open()) __builtin_trap();
    inputs = 0;
  }
  return *node;
}

}  // namespace herald::fuzz
