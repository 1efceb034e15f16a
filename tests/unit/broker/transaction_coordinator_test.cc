#include "broker/transaction_coordinator.h"

#include <chrono>
#include <future>
#include <limits>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "broker/broker_metrics.h"
#include "storage/mem_file_system.h"
#include "storage/record_batch.h"

namespace herald::broker {
namespace {

class TransactionCoordinatorTest : public ::testing::Test {
 protected:
  void SetUp() override { OpenEngine(); }
  void TearDown() override { ASSERT_TRUE(engine_->Close().ok()); }

  void OpenEngine() {
    storage::EngineOptions o;
    o.data_dir = "/data";
    o.fs = &fs_;
    o.background = false;
    engine_ = std::move(storage::Engine::Open(o)).value();
    txns_ = TransactionCoordinator::Open(
        *engine_, clock_,
        [this]() -> Result<int64_t> {
          if (!allocations_ok_) return Internal("no producer ids today");
          return next_id_++;
        },
        [this](const std::string& topic, int32_t partition, int64_t producer_id, int16_t epoch,
               bool commit, std::function<void(Status)> done) {
          Status outcome;
          {
            std::lock_guard lock(markers_mu_);
            if (failing_.contains(partition)) {
              outcome = IoError("partition {} is failing", partition);
            } else if (gone_.contains(partition)) {
              outcome = NotFound("partition {} is gone", partition);
            } else if (stale_.contains(partition)) {
              outcome = OutOfRange("partition {} has seen a newer epoch", partition);
            } else {
              markers_.emplace_back(topic, partition, producer_id, epoch, commit);
            }
          }
          done(outcome);
        });
  }
  void FailMarkers(std::set<int32_t> partitions) {
    std::lock_guard lock(markers_mu_);
    failing_ = std::move(partitions);
  }
  using Marker = std::tuple<std::string, int32_t, int64_t, int16_t, bool>;
  std::vector<Marker> Markers() {
    std::lock_guard lock(markers_mu_);
    return markers_;
  }
  // Waits (a bounded time) until `id`'s transaction is in `state`, as the markers and the
  // Complete record are written after EndTxn is answered.
  bool Reaches(const std::string& id, TxnState state) {
    for (int i = 0; i < 2000; ++i) {
      auto txn = txns_->Describe(id);
      if (txn && txn->state == state) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return false;
  }
  ErrorCode Add(const std::string& id, int64_t producer_id, int16_t epoch,
                TransactionCoordinator::Partitions partitions) {
    std::promise<ErrorCode> answer;
    txns_->AddPartitions(id, producer_id, epoch, partitions,
                         [&](ErrorCode e) { answer.set_value(e); });
    return answer.get_future().get();
  }
  // AddPartitions without waiting for its answer.
  std::future<ErrorCode> AddLater(const std::string& id, int64_t producer_id, int16_t epoch,
                                  TransactionCoordinator::Partitions partitions) {
    auto answer = std::make_shared<std::promise<ErrorCode>>();
    auto future = answer->get_future();
    txns_->AddPartitions(id, producer_id, epoch, partitions,
                         [answer](ErrorCode e) { answer->set_value(e); });
    return future;
  }
  ErrorCode End(const std::string& id, int64_t producer_id, int16_t epoch, bool commit) {
    std::promise<ErrorCode> answer;
    txns_->EndTxn(id, producer_id, epoch, commit, [&](ErrorCode e) { answer.set_value(e); });
    return answer.get_future().get();
  }
  // Closes and reopens the engine and the coordinator, as a restart would.
  void Restart() {
    txns_.reset();
    ASSERT_TRUE(engine_->Close().ok());
    engine_.reset();
    OpenEngine();
  }

  TxnProducer Init(const std::string& id,
                   std::optional<std::pair<int64_t, int16_t>> expected = std::nullopt,
                   int32_t timeout_ms = 60'000) {
    std::promise<TxnProducer> answer;
    txns_->InitProducerId(id, timeout_ms, expected, [&](TxnProducer p) { answer.set_value(p); });
    return answer.get_future().get();
  }

  storage::MemFileSystem fs_;
  ManualClock clock_;
  std::unique_ptr<storage::Engine> engine_;
  std::shared_ptr<TransactionCoordinator> txns_;
  int64_t next_id_ = 1000;
  bool allocations_ok_ = true;
  std::mutex markers_mu_;
  std::vector<Marker> markers_;
  std::set<int32_t> failing_;  // partitions whose markers fail
  std::set<int32_t> gone_;     // partitions that no longer exist
  std::set<int32_t> stale_;    // partitions that have seen a newer epoch of the producer
};

std::pair<ErrorCode, std::pair<int64_t, int16_t>> Of(const TxnProducer& p) {
  return {p.error, {p.producer_id, p.producer_epoch}};
}

using Answer = std::pair<ErrorCode, std::pair<int64_t, int16_t>>;
constexpr ErrorCode kNone = ErrorCode::kNone;

// A new transactional id gets a producer id at epoch 0; each later start bumps the epoch (which
// fences the producer that held it) and keeps the producer id, across restarts.
TEST_F(TransactionCoordinatorTest, EachInitBumpsTheEpochOfTheIdsProducerAcrossRestarts) {
  EXPECT_EQ(Of(Init("payments")), (Answer{kNone, {1000, 0}}));
  EXPECT_EQ(Of(Init("payments")), (Answer{kNone, {1000, 1}}));
  EXPECT_EQ(Of(Init("ledger")), (Answer{kNone, {1001, 0}}));
  Restart();
  EXPECT_EQ(Of(Init("payments")), (Answer{kNone, {1000, 2}}));
  auto described = txns_->Describe("payments");
  ASSERT_TRUE(described.has_value());
  EXPECT_EQ(described->state, TxnState::kEmpty);
  EXPECT_EQ(described->timeout_ms, 60'000);
  EXPECT_FALSE(txns_->Describe("nobody").has_value());
}

// KIP-360: a producer naming the id and epoch it holds is bumped; a retry naming the epoch before
// the bump gets the same answer again; any other epoch or id is PRODUCER_FENCED.
TEST_F(TransactionCoordinatorTest, AProducerNamingItsEpochIsBumpedAndAStaleOneFenced) {
  EXPECT_EQ(Of(Init("payments")), (Answer{kNone, {1000, 0}}));
  EXPECT_EQ(Of(Init("payments", {{1000, 0}})), (Answer{kNone, {1000, 1}}));
  EXPECT_EQ(Of(Init("payments", {{1000, 0}})), (Answer{kNone, {1000, 1}})) << "a retry";
  EXPECT_EQ(Of(Init("payments", {{1000, 1}})), (Answer{kNone, {1000, 2}}));
  EXPECT_EQ(Init("payments", {{1000, 0}}).error, ErrorCode::kProducerFenced);
  EXPECT_EQ(Init("payments", {{77, 2}}).error, ErrorCode::kProducerFenced);
  // A new producer takes the id: the one it replaced is fenced, even naming its own epoch.
  EXPECT_EQ(Of(Init("payments")), (Answer{kNone, {1000, 3}}));
  EXPECT_EQ(Init("payments", {{1000, 2}}).error, ErrorCode::kProducerFenced);
  EXPECT_EQ(Of(Init("payments", {{1000, 3}})), (Answer{kNone, {1000, 4}}));
}

// An id whose epoch is exhausted moves to a new producer id at epoch 0; a retry of that move
// (naming the old id at its last epoch) is answered the same.
TEST_F(TransactionCoordinatorTest, AnExhaustedEpochMovesTheIdToANewProducerId) {
  const int16_t last = std::numeric_limits<int16_t>::max() - 1;
  TxnMetadata worn;
  worn.producer_id = 5;
  worn.producer_epoch = last;
  worn.timeout_ms = 60'000;
  auto log = engine_->GetLog(kTransactionStateTopic, 0);
  ASSERT_TRUE(log.ok());
  Buffer batch = storage::BuildBatch({TxnRecord("worn", worn, 0), TxnRecord("spent", worn, 0)});
  ASSERT_TRUE((*log)->AppendAndWait(batch, storage::AckLevel::kDurable).ok());
  Restart();
  EXPECT_EQ(Of(Init("worn", {{5, last}})), (Answer{kNone, {1000, 0}}));
  EXPECT_EQ(txns_->Describe("worn")->last_producer_id, 5);
  EXPECT_EQ(Of(Init("worn", {{5, last}})), (Answer{kNone, {1000, 0}})) << "a retry";
  // As Kafka, the retry's own transition makes 1000 the last producer id: retried again, the old
  // producer is fenced.
  EXPECT_EQ(Init("worn", {{5, last}}).error, ErrorCode::kProducerFenced);
  EXPECT_EQ(Of(Init("spent")), (Answer{kNone, {1001, 0}}));
}

TEST_F(TransactionCoordinatorTest, RefusesTimeoutsOutOfRangeAndAnswersWhenIdsRunOut) {
  EXPECT_EQ(Init("payments", std::nullopt, 0).error, ErrorCode::kInvalidTransactionTimeout);
  EXPECT_EQ(Init("payments", std::nullopt, 900'001).error, ErrorCode::kInvalidTransactionTimeout);
  EXPECT_EQ(Init("payments", std::nullopt, 900'000).error, kNone);
  allocations_ok_ = false;
  EXPECT_EQ(Of(Init("ledger")), (Answer{ErrorCode::kCoordinatorNotAvailable, {-1, -1}}));
  EXPECT_EQ(Of(Init("payments")), (Answer{kNone, {1000, 1}})) << "a bump needs no new id";
  EXPECT_FALSE(txns_->Describe("ledger").has_value());
}

// A damaged record is skipped, not the coordinator: the ids before and after it are served.
TEST_F(TransactionCoordinatorTest, ADamagedRecordIsSkipped) {
  EXPECT_EQ(Of(Init("payments")), (Answer{kNone, {1000, 0}}));
  auto log = engine_->GetLog(kTransactionStateTopic, 0);
  ASSERT_TRUE(log.ok());
  std::vector<storage::RecordSpec> records = {
      {std::string("txn\0broken", 10), std::string("{\"producer_id\": 1e300}"), 0, {}},
      {std::string("nonsense"), std::string("{}"), 0, {}},
      TxnRecord("later", TxnMetadata{.producer_id = 9, .producer_epoch = 3}, 0)};
  Buffer batch = storage::BuildBatch(records);
  ASSERT_TRUE((*log)->AppendAndWait(batch, storage::AckLevel::kDurable).ok());
  Restart();
  ASSERT_TRUE(txns_->offline().ok());
  EXPECT_FALSE(txns_->Describe("broken").has_value());
  EXPECT_EQ(Of(Init("payments")), (Answer{kNone, {1000, 1}}));
  EXPECT_EQ(Of(Init("later")), (Answer{kNone, {9, 4}}));
}

// A transaction holds the partitions added to it; EndTxn answers once its outcome is durable, then
// a marker goes to each partition and the transaction completes. Ending it again the same way is
// NONE, the other way INVALID_TXN_STATE.
TEST_F(TransactionCoordinatorTest, ATransactionCommitsThroughMarkersAndCompletes) {
  ASSERT_EQ(Of(Init("payments")), (Answer{kNone, {1000, 0}}));
  EXPECT_EQ(Add("payments", 1000, 0, {{"orders", {0, 1}}}), kNone);
  EXPECT_EQ(Add("payments", 1000, 0, {{"orders", {1}}, {"audit", {0}}}), kNone);
  EXPECT_EQ(Add("payments", 1000, 0, {{"orders", {0}}}), kNone) << "already in it";
  auto open = txns_->Describe("payments");
  ASSERT_TRUE(open.has_value());
  EXPECT_EQ(open->state, TxnState::kOngoing);
  EXPECT_EQ(open->partitions,
            (TransactionCoordinator::Partitions{{"audit", {0}}, {"orders", {0, 1}}}));
  EXPECT_EQ(open->started_ms, clock_.NowMs());
  EXPECT_EQ(End("payments", 1000, 0, /*commit=*/true), kNone);
  ASSERT_TRUE(Reaches("payments", TxnState::kCompleteCommit));
  EXPECT_EQ(Markers(), (std::vector<Marker>{{"audit", 0, 1000, 0, true},
                                            {"orders", 0, 1000, 0, true},
                                            {"orders", 1, 1000, 0, true}}));
  EXPECT_TRUE(txns_->Describe("payments")->partitions.empty());
  EXPECT_EQ(End("payments", 1000, 0, true), kNone) << "a retry after completion";
  EXPECT_EQ(End("payments", 1000, 0, false), ErrorCode::kInvalidTxnState);
  // The next transaction, aborted.
  EXPECT_EQ(Add("payments", 1000, 0, {{"orders", {1}}}), kNone);
  EXPECT_EQ(End("payments", 1000, 0, /*commit=*/false), kNone);
  ASSERT_TRUE(Reaches("payments", TxnState::kCompleteAbort));
  EXPECT_EQ(Markers().back(), (Marker{"orders", 1, 1000, 0, false}));
  EXPECT_EQ(End("payments", 1000, 0, true), ErrorCode::kInvalidTxnState);
}

TEST_F(TransactionCoordinatorTest, RefusesOtherProducersAndEndsWithoutATransaction) {
  ASSERT_EQ(Of(Init("payments")), (Answer{kNone, {1000, 0}}));
  EXPECT_EQ(Add("nobody", 1000, 0, {{"orders", {0}}}), ErrorCode::kInvalidProducerIdMapping);
  EXPECT_EQ(Add("payments", 1001, 0, {{"orders", {0}}}), ErrorCode::kInvalidProducerIdMapping);
  EXPECT_EQ(Add("payments", 1000, 1, {{"orders", {0}}}), ErrorCode::kProducerFenced);
  EXPECT_EQ(End("payments", 1000, 0, true), ErrorCode::kInvalidTxnState) << "none is open";
  EXPECT_EQ(End("nobody", 1000, 0, true), ErrorCode::kInvalidProducerIdMapping);
  ASSERT_EQ(Of(Init("payments")), (Answer{kNone, {1000, 1}}));
  EXPECT_EQ(Add("payments", 1000, 0, {{"orders", {0}}}), ErrorCode::kProducerFenced);
  EXPECT_EQ(End("payments", 1000, 0, false), ErrorCode::kProducerFenced);
  EXPECT_TRUE(Markers().empty());
}

// A marker that cannot be written leaves the transaction prepared; Tick writes what is still
// owed (not the markers already written) and completes it. A partition that no longer exists is
// owed none.
TEST_F(TransactionCoordinatorTest, TickWritesTheMarkersStillOwedAndSkipsGonePartitions) {
  ASSERT_EQ(Of(Init("payments")), (Answer{kNone, {1000, 0}}));
  EXPECT_EQ(Add("payments", 1000, 0, {{"orders", {0, 1, 7}}}), kNone);
  FailMarkers({1});
  {
    std::lock_guard lock(markers_mu_);
    gone_ = {7};
  }
  EXPECT_EQ(End("payments", 1000, 0, true), kNone);
  EXPECT_EQ(txns_->Describe("payments")->state, TxnState::kPrepareCommit);
  FailMarkers({});
  bool completed = false;
  for (int i = 0; i < 2000 && !completed; ++i) {
    txns_->Tick();
    completed = txns_->Describe("payments")->state == TxnState::kCompleteCommit;
    if (!completed) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE(completed);
  EXPECT_EQ(Markers(),
            (std::vector<Marker>{{"orders", 0, 1000, 0, true}, {"orders", 1, 1000, 0, true}}));
}

// Markers that cannot be written leave the transaction prepared, across a restart too; the
// restarted coordinator writes them again and completes it.
TEST_F(TransactionCoordinatorTest, MarkersNotWrittenAreWrittenAgainAfterARestart) {
  ASSERT_EQ(Of(Init("payments")), (Answer{kNone, {1000, 0}}));
  EXPECT_EQ(Add("payments", 1000, 0, {{"orders", {0, 1}}}), kNone);
  FailMarkers({1});
  EXPECT_EQ(End("payments", 1000, 0, true), kNone);
  ASSERT_TRUE(Reaches("payments", TxnState::kPrepareCommit));
  Restart();  // still failing: the markers written at open fail again
  EXPECT_EQ(txns_->Describe("payments")->state, TxnState::kPrepareCommit);
  // A new transaction's first partition waits for this one to complete, 5 s at most.
  auto added = AddLater("payments", 1000, 0, {{"orders", {2}}});
  EXPECT_EQ(End("payments", 1000, 0, true), ErrorCode::kConcurrentTransactions);
  EXPECT_EQ(Init("payments").error, ErrorCode::kConcurrentTransactions);
  clock_.AdvanceMs(4999);
  txns_->Tick();
  EXPECT_EQ(added.wait_for(std::chrono::milliseconds(20)), std::future_status::timeout);
  clock_.AdvanceMs(1);
  txns_->Tick();
  EXPECT_EQ(added.get(), ErrorCode::kConcurrentTransactions);
  FailMarkers({});
  Restart();
  ASSERT_TRUE(Reaches("payments", TxnState::kCompleteCommit));
  EXPECT_EQ(Markers().back(), (Marker{"orders", 1, 1000, 0, true}));
}

// The first AddPartitions of a producer's next transaction, arriving while the last one's markers
// are being written, is answered once they are (not CONCURRENT_TRANSACTIONS, which clients retry
// only after a backoff).
TEST_F(TransactionCoordinatorTest, ANextTransactionWaitsForTheLastOneToComplete) {
  ASSERT_EQ(Of(Init("payments")), (Answer{kNone, {1000, 0}}));
  EXPECT_EQ(Add("payments", 1000, 0, {{"orders", {0, 1}}}), kNone);
  FailMarkers({1});
  EXPECT_EQ(End("payments", 1000, 0, true), kNone);
  ASSERT_TRUE(Reaches("payments", TxnState::kPrepareCommit));
  auto added = AddLater("payments", 1000, 0, {{"orders", {1}}});
  EXPECT_EQ(added.wait_for(std::chrono::milliseconds(20)), std::future_status::timeout);
  FailMarkers({});
  txns_->Tick();  // writes the marker still owed, then the Complete record
  EXPECT_EQ(added.get(), kNone);
  EXPECT_EQ(txns_->Describe("payments")->state, TxnState::kOngoing);
  EXPECT_EQ(txns_->Describe("payments")->partitions,
            (TransactionCoordinator::Partitions{{"orders", {1}}}));
  // A call parked when the coordinator goes is answered.
  EXPECT_EQ(End("payments", 1000, 0, true), kNone);
  auto unanswered = AddLater("payments", 1000, 0, {{"orders", {0}}});
  txns_.reset();
  EXPECT_EQ(unanswered.wait_for(std::chrono::seconds(5)), std::future_status::ready);
}

// A transaction open past its timeout is aborted by Tick at a bumped epoch, which fences its
// producer; a new producer taking the id aborts the open transaction the same way and is told to
// retry, then gets the epoch after that.
TEST_F(TransactionCoordinatorTest, TimeoutsAndNewProducersAbortOpenTransactionsFencing) {
  ASSERT_EQ(Of(Init("payments", std::nullopt, 10'000)), (Answer{kNone, {1000, 0}}));
  EXPECT_EQ(Add("payments", 1000, 0, {{"orders", {0}}}), kNone);
  clock_.AdvanceMs(10'000);
  txns_->Tick();
  // Not past it yet: nothing is being aborted (adding would be CONCURRENT_TRANSACTIONS).
  EXPECT_EQ(Add("payments", 1000, 0, {{"orders", {0}}}), kNone);
  EXPECT_TRUE(Markers().empty());
  clock_.AdvanceMs(1);
  txns_->Tick();
  ASSERT_TRUE(Reaches("payments", TxnState::kCompleteAbort));
  EXPECT_EQ(Markers(), (std::vector<Marker>{{"orders", 0, 1000, 1, false}}));
  EXPECT_EQ(Add("payments", 1000, 0, {{"orders", {0}}}), ErrorCode::kProducerFenced);
  EXPECT_EQ(End("payments", 1000, 0, true), ErrorCode::kProducerFenced);

  ASSERT_EQ(Of(Init("ledger")), (Answer{kNone, {1001, 0}}));
  EXPECT_EQ(Add("ledger", 1001, 0, {{"audit", {3}}}), kNone);
  EXPECT_EQ(Init("ledger").error, ErrorCode::kConcurrentTransactions);
  ASSERT_TRUE(Reaches("ledger", TxnState::kCompleteAbort));
  EXPECT_EQ(Markers().back(), (Marker{"audit", 3, 1001, 1, false}));
  EXPECT_EQ(Of(Init("ledger")), (Answer{kNone, {1001, 2}}));
}

// An id unused for transactional.id.expiration.ms with no transaction open is forgotten; using
// it again starts over with a new producer id.
TEST_F(TransactionCoordinatorTest, IdsUnusedForTheExpirationAreForgotten) {
  ASSERT_EQ(Of(Init("payments")), (Answer{kNone, {1000, 0}}));
  ASSERT_EQ(Of(Init("ledger")), (Answer{kNone, {1001, 0}}));
  EXPECT_EQ(Add("ledger", 1001, 0, {{"orders", {0}}}), kNone);
  clock_.AdvanceMs(7 * 86'400'000LL);
  txns_->Tick();  // ledger's transaction times out instead
  for (int i = 0; i < 2000 && txns_->Describe("payments"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_FALSE(txns_->Describe("payments").has_value());
  EXPECT_TRUE(Reaches("ledger", TxnState::kCompleteAbort));
  Restart();
  EXPECT_FALSE(txns_->Describe("payments").has_value());
  EXPECT_EQ(Of(Init("payments")), (Answer{kNone, {1002, 0}}));
}

TEST(TxnRecordsTest, RoundTripsEveryField) {
  TxnMetadata txn;
  txn.producer_id = 12;
  txn.producer_epoch = 3;
  txn.last_producer_id = 11;
  txn.last_producer_epoch = 2;
  txn.timeout_ms = 30'000;
  txn.state = TxnState::kOngoing;
  txn.partitions = {{"orders", {0, 2}}, {"payments", {1}}};
  txn.started_ms = 100;
  txn.updated_ms = 200;
  auto spec = TxnRecord("id\xff", txn, 5);
  storage::RecordView view;
  view.key = AsBytes(*spec.key);
  view.value = AsBytes(*spec.value);
  auto decoded = DecodeTxnRecord(view);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->transactional_id, "id\xff");
  EXPECT_EQ(decoded->txn, txn);
  auto tombstone = TxnTombstone("id", 5);
  view.key = AsBytes(*tombstone.key);
  view.value.reset();
  EXPECT_FALSE(DecodeTxnRecord(view)->txn.has_value());
  for (TxnState s :
       {TxnState::kEmpty, TxnState::kOngoing, TxnState::kPrepareCommit, TxnState::kPrepareAbort,
        TxnState::kCompleteCommit, TxnState::kCompleteAbort, TxnState::kPrepareEpochFence}) {
    EXPECT_EQ(ParseTxnState(TxnStateName(s)), s);
  }
  EXPECT_FALSE(ParseTxnState("Dead").has_value());
}

// List and Describe show each id as last made durable; while markers are being written, only
// the partitions still owed one. Tick counts the transactions open and the oldest one's age.
TEST_F(TransactionCoordinatorTest, ListShowsTransactionsAndTickMeasuresTheOpenOnes) {
  const TxnProducer a = Init("a");
  Init("b");
  ASSERT_EQ(Add("a", a.producer_id, a.producer_epoch, {{"t", {0, 1}}}), kNone);
  clock_.AdvanceMs(4000);
  txns_->Tick();
  EXPECT_EQ(metrics::TransactionsOpen().Value(), 1);
  EXPECT_EQ(metrics::TransactionOldestOpenSeconds().Value(), 4);
  auto all = txns_->List();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all.at("a").state, TxnState::kOngoing);
  EXPECT_EQ(all.at("b").state, TxnState::kEmpty);

  FailMarkers({1});  // partition 0 gets its marker, partition 1 does not
  ASSERT_EQ(End("a", a.producer_id, a.producer_epoch, true), kNone);
  for (int i = 0; i < 2000 && Markers().empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto a_now = txns_->Describe("a");
  ASSERT_TRUE(a_now.has_value());
  EXPECT_EQ(a_now->state, TxnState::kPrepareCommit);
  EXPECT_EQ(a_now->partitions, (TransactionCoordinator::Partitions{{"t", {1}}}))
      << "only the partition still owed a marker";
  FailMarkers({});
  txns_->Tick();
  EXPECT_TRUE(Reaches("a", TxnState::kCompleteCommit));
  txns_->Tick();
  EXPECT_EQ(metrics::TransactionsOpen().Value(), 0);
  EXPECT_EQ(metrics::TransactionOldestOpenSeconds().Value(), 0);
}

// A partition that has seen a newer epoch of the producer refuses its marker as stale: it is owed
// no more, as Kafka drops such markers, and the transaction completes instead of retrying forever.
TEST_F(TransactionCoordinatorTest, AStaleMarkerIsOwedNoMore) {
  const TxnProducer p = Init("s");
  ASSERT_EQ(Add("s", p.producer_id, p.producer_epoch, {{"t", {0, 1}}}), kNone);
  stale_ = {1};
  ASSERT_EQ(End("s", p.producer_id, p.producer_epoch, true), kNone);
  EXPECT_TRUE(Reaches("s", TxnState::kCompleteCommit));
  ASSERT_EQ(Markers().size(), 1u);
  EXPECT_EQ(std::get<1>(Markers()[0]), 0);
}

}  // namespace
}  // namespace herald::broker
