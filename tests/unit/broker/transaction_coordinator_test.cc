#include "broker/transaction_coordinator.h"

#include <future>
#include <limits>

#include <gtest/gtest.h>

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
    txns_ = TransactionCoordinator::Open(*engine_, clock_, [this]() -> Result<int64_t> {
      if (!allocations_ok_) return Internal("no producer ids today");
      return next_id_++;
    });
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
  EXPECT_EQ(Of(Init("worn", {{5, last}})), (Answer{kNone, {1000, 0}})) << "a retry";
  EXPECT_EQ(txns_->Describe("worn")->last_producer_id, 5);
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

}  // namespace
}  // namespace herald::broker
