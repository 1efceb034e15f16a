#include "broker/transactions.h"

#include "broker/group_records.h"
#include "storage/record_batch.h"

namespace herald::broker {

std::function<void(Buffer, std::function<void(Result<int64_t>)>)> OffsetsAppender(Broker& broker) {
  return [&broker](Buffer batch, std::function<void(Result<int64_t>)> done) {
    auto valid = storage::ValidatedBatch::Check(batch);
    if (!valid.ok()) return done(valid.status());
    // The batch is written before AppendForCoordinator returns: `batch` outlives the write.
    broker.AppendForCoordinator({kOffsetsTopic, 0}, *valid, std::move(done));
  };
}

// Runs Tick on a strand every kTickInterval until stopped.
struct NodeTransactions::Ticker : std::enable_shared_from_this<Ticker> {
  Ticker(boost::asio::any_io_executor executor, Timers& timers_to_use,
         std::shared_ptr<TransactionCoordinator> ticked)
      : strand(boost::asio::make_strand(executor)),
        timers(timers_to_use),
        coordinator(std::move(ticked)) {}

  void Schedule() {
    if (stopped) return;
    timer = timers.Start(strand, kTickInterval, [self = shared_from_this()] {
      self->coordinator->Tick();
      self->Schedule();
    });
  }

  boost::asio::strand<boost::asio::any_io_executor> strand;
  Timers& timers;
  std::shared_ptr<TransactionCoordinator> coordinator;
  std::unique_ptr<Timers::Timer> timer;  // on strand
  bool stopped = false;                  // on strand
};

NodeTransactions::NodeTransactions(storage::Engine& engine, Broker& broker,
                                   std::shared_ptr<GroupCoordinator> groups,
                                   boost::asio::any_io_executor executor, Timers& timers,
                                   TransactionOptions options) {
  auto new_producer_id = [&broker]() -> Result<int64_t> {
    HERALD_ASSIGN_OR_RETURN(ProducerIdAndEpoch id, broker.InitProducerId());
    return id.producer_id;
  };
  auto write_marker = [&broker, groups](const std::string& topic, int32_t partition,
                                        int64_t producer_id, int16_t producer_epoch, bool commit,
                                        std::function<void(Status)> done) {
    const auto type = commit ? storage::ControlType::kCommit : storage::ControlType::kAbort;
    broker.WriteMarker({topic, partition}, producer_id, producer_epoch, type,
                       [groups, topic, producer_id, commit, done = std::move(done)](Status s) {
                         if (s.ok() && topic == kOffsetsTopic) {
                           groups->CompleteTxn(producer_id, commit);
                         }
                         done(s);
                       });
  };
  coordinator_ = TransactionCoordinator::Open(engine, engine.clock(), std::move(new_producer_id),
                                              std::move(write_marker), options);
  ticker_ = std::make_shared<Ticker>(std::move(executor), timers, coordinator_);
  boost::asio::post(ticker_->strand, [ticker = ticker_] { ticker->Schedule(); });
}

NodeTransactions::~NodeTransactions() { Stop(); }

void NodeTransactions::Stop() {
  boost::asio::post(ticker_->strand, [ticker = ticker_] {
    ticker->stopped = true;
    ticker->timer.reset();
  });
}

}  // namespace herald::broker
