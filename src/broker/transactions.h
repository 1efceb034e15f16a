// A node's transactions: the transaction coordinator wired to the node's broker and group
// coordinator. Producer ids come from the broker (unique across restarts, shared with idempotent
// producers); markers are written by the broker (Broker::WriteMarker), and a marker that reaches
// __consumer_offsets hands the transaction's offsets to the group coordinator (CompleteTxn); the
// coordinator's Tick (timeouts, markers still owed, expired ids) runs every tick interval.
//
// Thread-safety: as TransactionCoordinator. Stop (or destruction) cancels the tick from any
// thread; the executor must run until then.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without including it

#include <boost/asio.hpp>

#include "base/bytes.h"
#include "base/status.h"
#include "broker/broker.h"
#include "broker/group_coordinator.h"
#include "broker/timers.h"
#include "broker/transaction_coordinator.h"

namespace herald::broker {

// GroupOptions::append_transactional for a node whose broker is `broker` (which must outlive the
// group coordinator): the batch goes to __consumer_offsets-0 through
// Broker::AppendForCoordinator.
std::function<void(Buffer, std::function<void(Result<int64_t>)>)> OffsetsAppender(Broker& broker);

class NodeTransactions {
 public:
  // How often Tick runs: Kafka aborts timed-out transactions every 10 s
  // (transaction.abort.timed.out.transaction.cleanup.interval.ms); markers owed are retried on
  // the same beat.
  static constexpr std::chrono::milliseconds kTickInterval{1000};

  // `engine`, `broker`, `groups` and `timers` must outlive this object.
  NodeTransactions(storage::Engine& engine, Broker& broker, std::shared_ptr<GroupCoordinator> groups,
                   boost::asio::any_io_executor executor, Timers& timers = Timers::Real(),
                   TransactionOptions options = {});
  ~NodeTransactions();
  NodeTransactions(const NodeTransactions&) = delete;
  NodeTransactions& operator=(const NodeTransactions&) = delete;

  TransactionCoordinator& coordinator() { return *coordinator_; }
  void Stop();

 private:
  struct Ticker;
  std::shared_ptr<TransactionCoordinator> coordinator_;
  std::shared_ptr<Ticker> ticker_;
};

}  // namespace herald::broker
