#include "broker/producer_state.h"

#include <atomic>
#include <future>
#include <limits>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "broker/broker.h"
#include "storage/engine.h"
#include "storage/mem_file_system.h"
#include "testing/memory_engine.h"
#include "testing/producer_batch.h"

namespace herald::broker {
namespace {

using Action = ProducerCheck::Action;
using testing::ProducerBatch;

constexpr int32_t kMaxSeq = std::numeric_limits<int32_t>::max();

// A header as a producer sends it: `count` records from `seq`, at `offset` once appended.
storage::BatchHeader Header(int64_t pid, int16_t epoch, int32_t seq, int count,
                            int64_t offset = 0) {
  storage::BatchHeader h;
  h.producer_id = pid;
  h.producer_epoch = epoch;
  h.base_sequence = seq;
  h.last_offset_delta = count - 1;
  h.record_count = count;
  h.base_offset = offset;
  return h;
}

// ---- the rules, on PartitionProducerState alone ----

TEST(ProducerSequenceTest, SequencesWrapAtInt32Max) {
  EXPECT_EQ(LastSequence(0, 0), 0);
  EXPECT_EQ(LastSequence(10, 4), 14);
  EXPECT_EQ(LastSequence(kMaxSeq, 0), kMaxSeq);
  EXPECT_EQ(LastSequence(kMaxSeq, 1), 0);
  EXPECT_EQ(LastSequence(kMaxSeq - 1, 3), 1);
  EXPECT_TRUE(InSequence(5, 6));
  EXPECT_FALSE(InSequence(5, 7));
  EXPECT_FALSE(InSequence(5, 5));
  EXPECT_TRUE(InSequence(kMaxSeq, 0));
  EXPECT_FALSE(InSequence(kMaxSeq, 1));
  EXPECT_FALSE(InSequence(kMaxSeq - 1, 0));
}

TEST(PartitionProducerStateTest, BatchesWithoutProducerIdAreNotChecked) {
  PartitionProducerState state;
  EXPECT_EQ(state.Check(Header(-1, -1, -1, 3)).action, Action::kAppend);
  state.Record(Header(-1, -1, -1, 3), 1);
  EXPECT_EQ(state.size(), 0u);
}

TEST(PartitionProducerStateTest, InOrderBatchesAreAppendedAndTheLastFiveRetained) {
  PartitionProducerState state;
  int64_t offset = 0;
  for (int i = 0; i < 8; ++i) {
    auto h = Header(7, 0, i * 3, 3, offset);
    ASSERT_EQ(state.Check(h).action, Action::kAppend) << i;
    state.Record(h, 100 + i);
    offset += 3;
  }
  const ProducerEntry* e = state.Find(7);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->epoch, 0);
  ASSERT_EQ(e->batches.size(), kProducerBatchesToRetain);
  EXPECT_EQ(e->batches.front(), (broker::ProducerBatch{9, 11, 9, 11}));
  EXPECT_EQ(e->batches.back(), (broker::ProducerBatch{21, 23, 21, 23}));
  EXPECT_EQ(e->last_seq(), 23);
  EXPECT_EQ(e->last_update_ms, 107);
}

TEST(PartitionProducerStateTest, UnknownProducerMustStartAtSequenceZero) {
  PartitionProducerState state;
  EXPECT_EQ(state.Check(Header(1, 0, 0, 1)).action, Action::kAppend);
  ProducerCheck c = state.Check(Header(1, 0, 5, 1));
  EXPECT_EQ(c.action, Action::kReject);
  EXPECT_EQ(c.error, ErrorCode::kUnknownProducerId);
  // A known producer's new epoch at a non-zero sequence is out of order instead.
  state.Record(Header(1, 0, 0, 1), 1);
  c = state.Check(Header(1, 1, 5, 1));
  EXPECT_EQ(c.error, ErrorCode::kOutOfOrderSequenceNumber);
}

TEST(PartitionProducerStateTest, AGapIsOutOfOrder) {
  PartitionProducerState state;
  state.Record(Header(1, 0, 0, 5, 0), 1);  // sequences 0-4
  EXPECT_EQ(state.Check(Header(1, 0, 5, 1)).action, Action::kAppend);
  ProducerCheck c = state.Check(Header(1, 0, 6, 1));
  EXPECT_EQ(c.action, Action::kReject);
  EXPECT_EQ(c.error, ErrorCode::kOutOfOrderSequenceNumber);
  EXPECT_FALSE(c.reason.empty());
  // Going back without matching a retained batch is out of order too.
  EXPECT_EQ(state.Check(Header(1, 0, 3, 1)).error, ErrorCode::kOutOfOrderSequenceNumber);
}

TEST(PartitionProducerStateTest, ARetriedBatchIsADuplicateWithItsOriginalOffsets) {
  PartitionProducerState state;
  for (int i = 0; i < 5; ++i) state.Record(Header(1, 0, i * 2, 2, 100 + i * 10), 1);
  for (int i = 0; i < 5; ++i) {
    ProducerCheck c = state.Check(Header(1, 0, i * 2, 2));
    ASSERT_EQ(c.action, Action::kDuplicate) << i;
    EXPECT_EQ(c.original, (broker::ProducerBatch{i * 2, i * 2 + 1, 100 + i * 10, 101 + i * 10}));
  }
  // The range must match exactly.
  EXPECT_EQ(state.Check(Header(1, 0, 2, 1)).error, ErrorCode::kOutOfOrderSequenceNumber);
  EXPECT_EQ(state.Check(Header(1, 0, 2, 3)).error, ErrorCode::kOutOfOrderSequenceNumber);
  // A sixth batch pushes the oldest out: its retry is then out of order.
  state.Record(Header(1, 0, 10, 2, 200), 1);
  EXPECT_EQ(state.Check(Header(1, 0, 0, 2)).error, ErrorCode::kOutOfOrderSequenceNumber);
  EXPECT_EQ(state.Check(Header(1, 0, 2, 2)).action, Action::kDuplicate);
  // The same sequences under another epoch are not duplicates.
  EXPECT_EQ(state.Check(Header(1, 1, 2, 2)).error, ErrorCode::kOutOfOrderSequenceNumber);
}

TEST(PartitionProducerStateTest, AnOlderEpochIsInvalid) {
  PartitionProducerState state;
  state.Record(Header(1, 3, 0, 1, 0), 1);
  ProducerCheck c = state.Check(Header(1, 2, 1, 1));
  EXPECT_EQ(c.action, Action::kReject);
  EXPECT_EQ(c.error, ErrorCode::kInvalidProducerEpoch);
  // Even a sequence that would be a duplicate under the current epoch.
  EXPECT_EQ(state.Check(Header(1, 2, 0, 1)).error, ErrorCode::kInvalidProducerEpoch);
}

TEST(PartitionProducerStateTest, ANewerEpochStartsAtZeroAndResetsTheBatches) {
  PartitionProducerState state;
  state.Record(Header(1, 0, 0, 1, 0), 1);
  state.Record(Header(1, 0, 1, 1, 1), 1);
  EXPECT_EQ(state.Check(Header(1, 1, 2, 1)).error, ErrorCode::kOutOfOrderSequenceNumber);
  ASSERT_EQ(state.Check(Header(1, 1, 0, 1)).action, Action::kAppend);
  state.Record(Header(1, 1, 0, 1, 2), 1);
  const ProducerEntry* e = state.Find(1);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->epoch, 1);
  ASSERT_EQ(e->batches.size(), 1u);
  EXPECT_EQ(e->batches.front().first_offset, 2);
  EXPECT_EQ(state.Check(Header(1, 0, 2, 1)).error, ErrorCode::kInvalidProducerEpoch);
  EXPECT_EQ(state.Check(Header(1, 1, 1, 1)).action, Action::kAppend);
}

TEST(PartitionProducerStateTest, SequenceWrapsFromInt32MaxToZero) {
  PartitionProducerState state;
  state.Record(Header(1, 0, 0, 1, 0), 1);
  // A batch whose records run over INT32_MAX (MAX-1, MAX, 0, 1) ends at a small sequence.
  state.Record(Header(1, 0, kMaxSeq - 1, 4, 1), 1);
  EXPECT_EQ(state.Find(1)->last_seq(), 1);
  EXPECT_EQ(state.Check(Header(1, 0, kMaxSeq - 1, 4)).action, Action::kDuplicate);
  EXPECT_EQ(state.Check(Header(1, 0, 2, 1)).action, Action::kAppend);
  EXPECT_EQ(state.Check(Header(1, 0, 0, 2)).error, ErrorCode::kOutOfOrderSequenceNumber);
  PartitionProducerState other;
  other.Record(Header(2, 0, kMaxSeq, 1, 0), 1);
  EXPECT_EQ(other.Check(Header(2, 0, 0, 1)).action, Action::kAppend);
  EXPECT_EQ(other.Check(Header(2, 0, 1, 1)).error, ErrorCode::kOutOfOrderSequenceNumber);
}

TEST(PartitionProducerStateTest, ProducersAreIndependent) {
  PartitionProducerState state;
  state.Record(Header(1, 0, 0, 10, 0), 1);
  EXPECT_EQ(state.Check(Header(2, 0, 0, 1)).action, Action::kAppend);
  EXPECT_EQ(state.Check(Header(2, 0, 10, 1)).error, ErrorCode::kUnknownProducerId);
  EXPECT_EQ(state.Check(Header(1, 0, 10, 1)).action, Action::kAppend);
}

TEST(PartitionProducerStateTest, NegativeEpochOrSequenceIsCorrupt) {
  PartitionProducerState state;
  EXPECT_EQ(state.Check(Header(1, -1, 0, 1)).error, ErrorCode::kCorruptMessage);
  EXPECT_EQ(state.Check(Header(1, 0, -1, 1)).error, ErrorCode::kCorruptMessage);
}

storage::BatchHeader Transactional(storage::BatchHeader h) {
  h.attributes = storage::kTransactionalAttribute;
  return h;
}

// A marker as the coordinator writes it: a control batch of one record, without a sequence.
storage::BatchHeader Marker(int64_t pid, int16_t epoch, int64_t offset) {
  storage::BatchHeader h = Header(pid, epoch, -1, 1, offset);
  h.attributes = storage::kTransactionalAttribute | storage::kControlAttribute;
  return h;
}

// A producer's first transactional batch opens its transaction; its marker closes it. The oldest
// open transaction's first offset is the partition's first unstable offset.
TEST(PartitionProducerStateTest, TransactionalBatchesOpenATransactionThatAMarkerCloses) {
  PartitionProducerState state;
  EXPECT_EQ(state.FirstUnstableOffset(), std::nullopt);
  EXPECT_EQ(state.Check(Transactional(Header(1, 0, 0, 2))).action, Action::kAppend);
  EXPECT_EQ(state.Record(Transactional(Header(1, 0, 0, 2, 5)), 1), std::nullopt);
  EXPECT_EQ(state.Record(Transactional(Header(1, 0, 2, 1, 7)), 1), std::nullopt);
  EXPECT_EQ(state.Find(1)->txn_first_offset, 5);
  EXPECT_EQ(state.FirstUnstableOffset(), 5);
  // Outside its transaction, producer 1 may not write; producer 2 may.
  ProducerCheck outside = state.Check(Header(1, 0, 3, 1));
  EXPECT_EQ(outside.action, Action::kReject);
  EXPECT_EQ(outside.error, ErrorCode::kInvalidTxnState);
  EXPECT_EQ(state.Check(Header(2, 0, 0, 1)).action, Action::kAppend);
  state.Record(Transactional(Header(2, 0, 0, 1, 9)), 1);
  EXPECT_EQ(state.FirstUnstableOffset(), 5);

  EXPECT_EQ(state.Record(Marker(1, 0, 10), 2), (CompletedTxn{1, 5, 10}));
  EXPECT_EQ(state.Find(1)->txn_first_offset, -1);
  EXPECT_EQ(state.FirstUnstableOffset(), 9);
  EXPECT_EQ(state.Record(Marker(2, 0, 11), 2), (CompletedTxn{2, 9, 11}));
  EXPECT_EQ(state.FirstUnstableOffset(), std::nullopt);
  // The marker keeps the producer's sequence: its next batch follows the last one.
  EXPECT_EQ(state.Check(Header(1, 0, 3, 1)).action, Action::kAppend);
  // A retry of a batch of the closed transaction is still a duplicate.
  EXPECT_EQ(state.Check(Transactional(Header(1, 0, 2, 1))).action, Action::kDuplicate);
}

// The coordinator's markers carry the producer's epoch, bumped when it aborts a transaction that
// timed out: an older one is INVALID_PRODUCER_EPOCH; a newer one takes the producer's epoch, so
// the fenced producer's batches are refused. A marker with nothing open here closes nothing.
TEST(PartitionProducerStateTest, MarkersCheckAndCarryTheProducersEpoch) {
  PartitionProducerState state;
  EXPECT_EQ(state.CheckMarker(1, 0), ErrorCode::kNone);  // a producer never seen here
  state.Record(Transactional(Header(1, 3, 0, 1, 0)), 1);
  EXPECT_EQ(state.CheckMarker(1, 2), ErrorCode::kInvalidProducerEpoch);
  EXPECT_EQ(state.CheckMarker(1, 3), ErrorCode::kNone);
  EXPECT_EQ(state.CheckMarker(1, 4), ErrorCode::kNone);
  EXPECT_EQ(state.Record(Marker(1, 4, 1), 2), (CompletedTxn{1, 0, 1}));
  EXPECT_EQ(state.Find(1)->epoch, 4);
  EXPECT_EQ(state.Check(Transactional(Header(1, 3, 1, 1))).error, ErrorCode::kInvalidProducerEpoch);
  EXPECT_EQ(state.Record(Marker(1, 4, 2), 3), (CompletedTxn{1, 2, 2}));
  EXPECT_EQ(state.FirstUnstableOffset(), std::nullopt);
}

TEST(PartitionProducerStateTest, ExpireBeforeForgetsIdleProducers) {
  PartitionProducerState state;
  state.Record(Header(1, 0, 0, 1, 0), 1000);
  state.Record(Header(2, 0, 0, 1, 1), 2000);
  EXPECT_EQ(state.ExpireBefore(1500), 1u);
  EXPECT_EQ(state.Find(1), nullptr);
  EXPECT_NE(state.Find(2), nullptr);
  EXPECT_EQ(state.Check(Header(1, 0, 1, 1)).error, ErrorCode::kUnknownProducerId);

  // A producer whose transaction is open is kept, however idle (its marker is still to come).
  state.Record(Transactional(Header(3, 0, 0, 1, 2)), 2000);
  EXPECT_EQ(state.ExpireBefore(5000), 1u);
  EXPECT_NE(state.Find(3), nullptr);
  EXPECT_EQ(state.FirstUnstableOffset(), 2);
}

// ---- the Broker, on an in-memory engine ----

class BrokerProducerTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open(BrokerOptions bo = {}) {
    broker_.reset();
    ASSERT_NO_FATAL_FAILURE(testing::ReopenMemoryEngine(engine_, fs_, clock_));
    auto broker = Broker::Open(*engine_, bo);
    ASSERT_TRUE(broker.ok()) << broker.status().ToString();
    broker_ = std::move(broker).value();
  }

  void TearDown() override {
    broker_.reset();
    if (engine_) {
      EXPECT_TRUE(engine_->Close().ok());
    }
  }

  AppendResult Append(Buffer batch, storage::AckLevel ack = storage::AckLevel::kDurable,
                      const std::string& topic = "t") {
    std::promise<AppendResult> promise;
    auto future = promise.get_future();
    auto valid = storage::ValidatedBatch::Check(batch);
    if (!valid.ok()) {
      AppendResult refused;
      refused.status = valid.status();
      return refused;
    }
    broker_->Append(topic, 0, *valid, ack, [&](AppendResult r) { promise.set_value(std::move(r)); });
    return future.get();
  }

  int64_t EndOffset(const std::string& topic = "t") {
    auto log = engine_->GetLog(topic, 0);
    EXPECT_TRUE(log.ok());
    return log.ok() ? (*log)->end_offset() : -1;
  }

  Status WriteMarker(int64_t pid, int16_t epoch, storage::ControlType type,
                     const std::string& topic = "t") {
    std::promise<Status> promise;
    auto future = promise.get_future();
    broker_->WriteMarker({topic, 0}, pid, epoch, type,
                         [&](Status s) { promise.set_value(std::move(s)); });
    return future.get();
  }

  Buffer Batch(int64_t pid, int16_t epoch, int32_t seq, int count) {
    return ProducerBatch(pid, epoch, seq, count, "v", clock_.NowMs());
  }

  storage::MemFileSystem fs_;
  ManualClock clock_;
  std::unique_ptr<storage::Engine> engine_;
  std::unique_ptr<Broker> broker_;
};

TEST_F(BrokerProducerTest, InitProducerIdGivesDistinctIdsAtEpochZero) {
  std::set<int64_t> ids;
  for (int i = 0; i < 2500; ++i) {
    auto id = broker_->InitProducerId();
    ASSERT_TRUE(id.ok()) << id.status().ToString();
    EXPECT_EQ(id->producer_epoch, 0);
    EXPECT_GE(id->producer_id, 0);
    ids.insert(id->producer_id);
  }
  EXPECT_EQ(ids.size(), 2500u);
}

TEST_F(BrokerProducerTest, ProducerIdsStayUniqueAcrossRestartsAndAreReservedInBlocks) {
  BrokerOptions bo;
  bo.producer_id_block_size = 10;
  Open(bo);
  std::set<int64_t> ids;
  for (int i = 0; i < 3; ++i) ids.insert(broker_->InitProducerId()->producer_id);
  Buffer raw;
  ASSERT_TRUE(fs_.GetContents("/data/meta/producer_ids.json", &raw));
  // One write for the first block, none for the next two ids.
  EXPECT_EQ(nlohmann::json::parse(AsString(raw)).at("next_producer_id").get<int64_t>(), 10);
  for (int restart = 0; restart < 3; ++restart) {
    Open(bo);
    for (int i = 0; i < 12; ++i) {
      auto id = broker_->InitProducerId();
      ASSERT_TRUE(id.ok());
      EXPECT_TRUE(ids.insert(id->producer_id).second) << "reused " << id->producer_id;
    }
  }
  // Also after a power loss: the high-water mark was synced before ids of a block went out.
  const int64_t before_crash = broker_->InitProducerId()->producer_id;
  broker_.reset();
  fs_.SimulateCrash(7);
  engine_.reset();  // the dying process
  fs_.Restart();
  Open(bo);
  EXPECT_GT(broker_->InitProducerId()->producer_id, before_crash);
}

TEST_F(BrokerProducerTest, ACorruptHighWaterMarkFailsOpen) {
  broker_.reset();
  ASSERT_TRUE(storage::WriteFileAtomic(fs_, "/data/meta/producer_ids.json", AsBytes("{oops")).ok());
  auto broker = Broker::Open(*engine_, {});
  EXPECT_EQ(broker.status().code(), StatusCode::kCorruption);
}

TEST_F(BrokerProducerTest, ADuplicateIsAcknowledgedWithTheOriginalOffsetAndNotWritten) {
  ASSERT_TRUE(engine_->CreateTopic("t", 1).ok());
  ASSERT_TRUE(Append(Batch(-1, -1, -1, 4)).status.ok());  // someone else's records first
  AppendResult first = Append(Batch(5, 0, 0, 3));
  ASSERT_TRUE(first.status.ok()) << first.status.ToString();
  EXPECT_FALSE(first.duplicate);
  EXPECT_EQ(first.info.base_offset, 4);
  EXPECT_EQ(first.info.last_offset, 6);
  AppendResult second = Append(Batch(5, 0, 3, 2));
  ASSERT_TRUE(second.status.ok());
  EXPECT_EQ(second.info.base_offset, 7);
  EXPECT_EQ(EndOffset(), 9);

  for (auto ack : {storage::AckLevel::kDurable, storage::AckLevel::kWritten}) {
    AppendResult retry = Append(Batch(5, 0, 0, 3), ack);
    ASSERT_TRUE(retry.status.ok()) << retry.status.ToString();
    EXPECT_TRUE(retry.duplicate);
    EXPECT_EQ(retry.info.base_offset, 4);
    EXPECT_EQ(retry.info.last_offset, 6);
  }
  EXPECT_EQ(EndOffset(), 9);  // nothing written again
  AppendResult next = Append(Batch(5, 0, 5, 1));
  ASSERT_TRUE(next.status.ok());
  EXPECT_EQ(next.info.base_offset, 9);
}

TEST_F(BrokerProducerTest, ADurableRetryOfAWrittenBatchWaitsForItsSync) {
  ASSERT_TRUE(engine_->CreateTopic("t", 1).ok());
  ASSERT_TRUE(Append(Batch(5, 0, 0, 3), storage::AckLevel::kWritten).status.ok());
  AppendResult retry = Append(Batch(5, 0, 0, 3), storage::AckLevel::kDurable);
  ASSERT_TRUE(retry.status.ok());
  EXPECT_TRUE(retry.duplicate);
  EXPECT_GE((*engine_->GetLog("t", 0))->durable_offset(), 3);
}

TEST_F(BrokerProducerTest, RefusedBatchesAreAnsweredAndNotWritten) {
  ASSERT_TRUE(engine_->CreateTopic("t", 1).ok());
  ASSERT_TRUE(Append(Batch(5, 2, 0, 3)).status.ok());
  struct Case {
    Buffer batch;
    ErrorCode error;
  };
  std::vector<Case> cases;
  cases.push_back({Batch(5, 2, 4, 1), ErrorCode::kOutOfOrderSequenceNumber});  // gap
  cases.push_back({Batch(5, 1, 3, 1), ErrorCode::kInvalidProducerEpoch});      // older epoch
  cases.push_back({Batch(5, 3, 3, 1), ErrorCode::kOutOfOrderSequenceNumber});  // new epoch at 3
  cases.push_back({Batch(6, 0, 9, 1), ErrorCode::kUnknownProducerId});         // never seen
  cases.push_back({Batch(6, 0, -1, 1), ErrorCode::kCorruptMessage});
  for (auto& c : cases) {
    AppendResult r = Append(c.batch);
    EXPECT_FALSE(r.status.ok());
    EXPECT_EQ(r.status.code(), StatusCode::kFailedPrecondition);
    EXPECT_EQ(r.refusal, c.error) << r.status.ToString();
  }
  EXPECT_EQ(EndOffset(), 3);
  // The refusals did not disturb the state.
  EXPECT_EQ(Append(Batch(5, 2, 3, 1)).info.base_offset, 3);
  EXPECT_EQ(Append(Batch(5, 3, 0, 1)).info.base_offset, 4);
}

TEST_F(BrokerProducerTest, BatchesWithoutProducerIdBypassTheChecks) {
  ASSERT_TRUE(engine_->CreateTopic("t", 1).ok());
  for (int i = 0; i < 3; ++i) {
    AppendResult r = Append(Batch(-1, -1, -1, 2));
    ASSERT_TRUE(r.status.ok());
    EXPECT_FALSE(r.duplicate);
    EXPECT_EQ(r.info.base_offset, i * 2);
  }
  EXPECT_EQ(EndOffset(), 6);
}

TEST_F(BrokerProducerTest, ABatchTheLogRefusesLeavesNoState) {
  ASSERT_TRUE(engine_->CreateTopic("t", 1, {{"max.message.bytes", "200"}}).ok());
  AppendResult big = Append(ProducerBatch(5, 0, 0, 1, std::string(500, 'x'), clock_.NowMs()));
  EXPECT_EQ(big.status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(big.refusal, ErrorCode::kNone);
  auto entry = broker_->GetProducerEntry("t", 0, 5);
  ASSERT_TRUE(entry.ok());
  EXPECT_FALSE(entry->has_value());
  AppendResult small = Append(Batch(5, 0, 0, 1));
  ASSERT_TRUE(small.status.ok());
  EXPECT_FALSE(small.duplicate);
  EXPECT_EQ(small.info.base_offset, 0);
}

TEST_F(BrokerProducerTest, UnknownPartitionIsNotFound) {
  EXPECT_EQ(Append(Batch(5, 0, 0, 1), storage::AckLevel::kDurable, "missing").status.code(),
            StatusCode::kNotFound);
}

TEST_F(BrokerProducerTest, ARecreatedTopicStartsWithoutProducerState) {
  ASSERT_TRUE(engine_->CreateTopic("t", 1).ok());
  ASSERT_TRUE(Append(Batch(5, 0, 0, 1)).status.ok());
  ASSERT_TRUE(engine_->DeleteTopic("t").ok());
  ASSERT_TRUE(engine_->CreateTopic("t", 1).ok());
  AppendResult r = Append(Batch(5, 0, 0, 1));
  ASSERT_TRUE(r.status.ok());
  EXPECT_FALSE(r.duplicate);
  EXPECT_EQ(Append(Batch(5, 0, 5, 1)).refusal, ErrorCode::kOutOfOrderSequenceNumber);
}

// Two threads retry the same 200 batches of one producer at once, as a client with requests in
// flight on two connections would: each batch must be written exactly once, in order.
TEST_F(BrokerProducerTest, ConcurrentRetriesOfOneProducerWriteEachBatchOnce) {
  constexpr int kBatches = 300;
  for (auto ack : {storage::AckLevel::kWritten, storage::AckLevel::kDurable}) {
    const std::string topic = ack == storage::AckLevel::kWritten ? "written" : "durable";
    ASSERT_TRUE(engine_->CreateTopic(topic, 1).ok());
    std::atomic<int> appended{0};
    auto run = [&] {
      for (int i = 0; i < kBatches; ++i) {
        AppendResult r = Append(Batch(9, 0, i, 1), ack, topic);
        if (r.status.ok()) {
          if (!r.duplicate) ++appended;
          EXPECT_EQ(r.info.base_offset, i);
        } else if (r.refusal != ErrorCode::kOutOfOrderSequenceNumber) {
          // (Out of order: more than 5 batches behind the other thread, whose batch is in.)
          ADD_FAILURE() << r.status.ToString();
          return;
        }
      }
    };
    std::thread a(run), b(run);
    a.join();
    b.join();
    EXPECT_EQ(appended.load(), kBatches);
    EXPECT_EQ(EndOffset(topic), kBatches);
    auto log = *engine_->GetLog(topic, 0);
    auto slice = log->Read(0, 1 << 20);
    ASSERT_TRUE(slice.ok());
    Buffer bytes;
    ASSERT_TRUE(slice->AppendTo(bytes).ok());
    size_t at = 0;
    int32_t expect_seq = 0;
    while (at < bytes.size()) {
      auto h = storage::ParseBatchHeader(ByteView(bytes).subspan(at));
      ASSERT_TRUE(h.ok());
      EXPECT_EQ(h->base_sequence, expect_seq++);
      at += h->size();
    }
    EXPECT_EQ(expect_seq, kBatches) << topic;
  }
}

// A producer pipelines batches (up to 5 in flight): each is checked against the state its
// predecessor left when it got its offsets, not when it became durable.
TEST_F(BrokerProducerTest, PipelinedDurableBatchesAreCheckedAgainstTheirPredecessors) {
  ASSERT_TRUE(engine_->CreateTopic("t", 1).ok());
  constexpr int kBatches = 100;
  std::vector<std::promise<AppendResult>> results(kBatches);
  std::vector<Buffer> batches;
  for (int i = 0; i < kBatches; ++i) batches.push_back(Batch(9, 0, i * 2, 2));
  for (int i = 0; i < kBatches; ++i) {
    auto valid = storage::ValidatedBatch::Check(batches[static_cast<size_t>(i)]);
    ASSERT_TRUE(valid.ok()) << valid.status().ToString();
    broker_->Append(
        "t", 0, *valid, storage::AckLevel::kDurable,
        [&results, i](AppendResult r) { results[static_cast<size_t>(i)].set_value(std::move(r)); });
  }
  for (int i = 0; i < kBatches; ++i) {
    AppendResult r = results[static_cast<size_t>(i)].get_future().get();
    ASSERT_TRUE(r.status.ok()) << i << ": " << r.status.ToString();
    EXPECT_EQ(r.info.base_offset, i * 2);
  }
}

TEST_F(BrokerProducerTest, StateIsRebuiltFromTheLogAfterARestart) {
  ASSERT_TRUE(engine_->CreateTopic("t", 1, {{"segment.bytes", "1024"}}).ok());
  // Producer 5 at epoch 1 and producer 6, interleaved with plain batches, over several segments.
  ASSERT_TRUE(Append(Batch(5, 0, 0, 2)).status.ok());
  int32_t seq5 = 0, seq6 = 0;
  int64_t last5_offset = -1;
  for (int i = 0; i < 20; ++i) {
    AppendResult r = Append(Batch(5, 1, seq5, 2));
    ASSERT_TRUE(r.status.ok()) << r.status.ToString();
    last5_offset = r.info.base_offset;
    seq5 += 2;
    ASSERT_TRUE(Append(Batch(6, 0, seq6++, 1)).status.ok());
    ASSERT_TRUE(Append(Batch(-1, -1, -1, 3)).status.ok());
  }
  const int64_t end = EndOffset();
  ASSERT_GT((*engine_->GetLog("t", 0))->segment_count(), 3u);

  Open();  // a clean restart
  AppendResult retry = Append(Batch(5, 1, seq5 - 2, 2));
  ASSERT_TRUE(retry.status.ok()) << retry.status.ToString();
  EXPECT_TRUE(retry.duplicate);
  EXPECT_EQ(retry.info.base_offset, last5_offset);
  EXPECT_EQ(EndOffset(), end);
  EXPECT_EQ(Append(Batch(5, 0, seq5, 2)).refusal, ErrorCode::kInvalidProducerEpoch);
  EXPECT_EQ(Append(Batch(5, 1, seq5 + 1, 2)).refusal,
            ErrorCode::kOutOfOrderSequenceNumber);
  EXPECT_EQ(Append(Batch(5, 1, seq5, 2)).info.base_offset, end);
  auto six = broker_->GetProducerEntry("t", 0, 6);
  ASSERT_TRUE(six.ok() && six->has_value());
  EXPECT_EQ((*six)->last_seq(), seq6 - 1);
  EXPECT_EQ((*six)->batches.size(), kProducerBatchesToRetain);

  // After a power loss too: recovery keeps what was synced, and the state follows the log.
  broker_.reset();
  fs_.SimulateCrash(3);
  engine_.reset();  // the dying process
  fs_.Restart();
  Open();
  retry = Append(Batch(5, 1, seq5, 2));
  ASSERT_TRUE(retry.status.ok());
  EXPECT_TRUE(retry.duplicate);
  EXPECT_EQ(retry.info.base_offset, end);
}

TEST_F(BrokerProducerTest, RestartSkipsSegmentsOlderThanTheExpiration) {
  // segment.ms: the first append after the clock jump starts a new segment.
  ASSERT_TRUE(
      engine_->CreateTopic("t", 1, {{"segment.bytes", "1024"}, {"segment.ms", "3600000"}}).ok());
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(Append(Batch(5, 0, i, 1)).status.ok());
  clock_.AdvanceMs(2 * kDefaultProducerIdExpirationMs);
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(Append(Batch(6, 0, i, 1)).status.ok());
  auto log = *engine_->GetLog("t", 0);
  const size_t segments = log->segment_count();
  ASSERT_GT(segments, 4u);

  PartitionProducerState state;
  auto stats = LoadProducerState(*log, clock_.NowMs(), kDefaultProducerIdExpirationMs, state);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_GT(stats->segments_skipped, 0);
  EXPECT_EQ(static_cast<size_t>(stats->segments_scanned + stats->segments_skipped), segments);
  EXPECT_EQ(stats->segments_damaged, 0);
  ASSERT_NE(state.Find(6), nullptr);
  EXPECT_EQ(state.Find(6)->last_seq(), 29);
  EXPECT_EQ(state.Find(5), nullptr);  // only in segments past the window
  EXPECT_LT(stats->batches_scanned, 60);

  // Everything is read when the window covers it.
  PartitionProducerState all;
  stats = LoadProducerState(*log, clock_.NowMs(), 3 * kDefaultProducerIdExpirationMs, all);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->segments_skipped, 0);
  EXPECT_EQ(stats->batches_scanned, 60);
  ASSERT_NE(all.Find(5), nullptr);
  EXPECT_EQ(all.Find(5)->last_seq(), 29);

  // The broker applies the same window: producer 5 is unknown after a restart.
  Open();
  EXPECT_EQ(Append(Batch(5, 0, 30, 1)).refusal, ErrorCode::kUnknownProducerId);
  EXPECT_TRUE(Append(Batch(6, 0, 29, 1)).duplicate);
}

// Open transactions are rebuilt from the log: a transactional batch without its marker is open.
TEST_F(BrokerProducerTest, OpenTransactionsAreRebuiltFromTheLog) {
  ASSERT_TRUE(engine_->CreateTopic("t", 1).ok());
  auto log = *engine_->GetLog("t", 0);
  auto append = [&](Buffer batch) {
    ASSERT_TRUE(log->AppendAndWait(batch, storage::AckLevel::kDurable).ok());
  };
  const int64_t now = clock_.NowMs();
  append(ProducerBatch(5, 0, 0, 2, "v", now, /*transactional=*/true));           // 0-1, committed
  append(ProducerBatch(6, 0, 0, 1, "v", now, /*transactional=*/true));           // 2, left open
  append(storage::BuildTxnMarker(5, 0, storage::ControlType::kCommit, 0, now));  // 3
  append(ProducerBatch(5, 0, 2, 1, "v", now));                                   // 4
  PartitionProducerState state;
  ASSERT_TRUE(LoadProducerState(*log, now, kDefaultProducerIdExpirationMs, state).ok());
  EXPECT_EQ(state.FirstUnstableOffset(), 2);
  EXPECT_EQ(state.Find(5)->txn_first_offset, -1);
  EXPECT_EQ(state.Find(5)->last_seq(), 2);
  EXPECT_EQ(state.Find(6)->txn_first_offset, 2);
}

// The coordinator's markers: a transaction's batches hold the last stable offset back until its
// marker; an abort is indexed for read_committed fetches before the marker is acknowledged.
TEST_F(BrokerProducerTest, MarkersEndTransactionsAndAbortsAreIndexed) {
  ASSERT_TRUE(engine_->CreateTopic("t", 1).ok());
  const int64_t now = clock_.NowMs();
  ASSERT_TRUE(Append(ProducerBatch(5, 0, 0, 2, "v", now, /*transactional=*/true)).status.ok());
  ASSERT_TRUE(Append(ProducerBatch(6, 0, 0, 1, "v", now, /*transactional=*/true)).status.ok());
  EXPECT_EQ(*broker_->LastStableOffset("t", 0), 0);
  // Outside its transaction, producer 5 may not write.
  EXPECT_EQ(Append(Batch(5, 0, 2, 1)).refusal, ErrorCode::kInvalidTxnState);

  EXPECT_TRUE(WriteMarker(5, 0, storage::ControlType::kAbort).ok());  // offset 3
  EXPECT_EQ(*broker_->LastStableOffset("t", 0), 2);                   // producer 6's is still open
  auto log = *engine_->GetLog("t", 0);
  EXPECT_EQ(log->AbortedTxns(0, 100), (std::vector<storage::AbortedTxn>{{5, 0, 3, 2}}));
  EXPECT_TRUE(WriteMarker(6, 0, storage::ControlType::kCommit).ok());  // offset 4
  EXPECT_EQ(*broker_->LastStableOffset("t", 0), 5);
  EXPECT_EQ(log->AbortedTxns(0, 100).size(), 1u);  // a commit is not indexed
  EXPECT_EQ(EndOffset(), 5);
  EXPECT_TRUE(Append(Batch(5, 0, 2, 1)).status.ok());

  // A marker at an epoch older than one the partition has seen is stale.
  ASSERT_TRUE(Append(ProducerBatch(5, 1, 0, 1, "v", now, /*transactional=*/true)).status.ok());
  EXPECT_EQ(WriteMarker(5, 0, storage::ControlType::kAbort).code(), StatusCode::kOutOfRange);
  EXPECT_EQ(WriteMarker(5, 1, storage::ControlType::kAbort, "none").code(), StatusCode::kNotFound);

  // After a restart the state, and with it the last stable offset, is rebuilt from the log.
  Open();
  EXPECT_EQ(*broker_->LastStableOffset("t", 0), 6);
  EXPECT_EQ((*engine_->GetLog("t", 0))->AbortedTxns(0, 100).size(), 1u);
}

// A transaction open in a segment whose timestamps are older than the producer expiration
// window (the timestamps are the producer's own) is found again after restarts, clean or not,
// and whether or not the partition was used in between: its first offset holds read_committed
// readers back and its abort is indexed from there.
TEST_F(BrokerProducerTest, AnOpenTransactionInAnOldSegmentSurvivesRestarts) {
  ASSERT_TRUE(engine_->CreateTopic("t", 1, {{"segment.bytes", "1024"}}).ok());
  const int64_t old = clock_.NowMs() - 2 * kDefaultProducerIdExpirationMs;
  ASSERT_TRUE(Append(ProducerBatch(7, 0, 0, 1, "v", old, /*transactional=*/true)).status.ok());
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(Append(ProducerBatch(5, 0, i, 1, "v", old)).status.ok());
  }
  ASSERT_GE((*engine_->GetLog("t", 0))->segment_count(), 3u);
  EXPECT_EQ(*broker_->LastStableOffset("t", 0), 0);

  Open();  // clean
  Open();  // clean, the partition untouched in between
  EXPECT_EQ(*broker_->LastStableOffset("t", 0), 0);
  ASSERT_TRUE(Append(Batch(8, 0, 0, 1)).status.ok());  // newer data after a crash
  broker_.reset();
  fs_.SimulateCrash(1);
  engine_.reset();
  fs_.Restart();
  Open();
  EXPECT_EQ(*broker_->LastStableOffset("t", 0), 0);
  EXPECT_TRUE(WriteMarker(7, 0, storage::ControlType::kAbort).ok());
  const auto aborted = (*engine_->GetLog("t", 0))->AbortedTxns(0, EndOffset());
  ASSERT_EQ(aborted.size(), 1u);
  EXPECT_EQ(aborted[0].first_offset, 0) << "the abort covers the transaction from its start";
  EXPECT_EQ(*broker_->LastStableOffset("t", 0), EndOffset());
}

// A crash between an abort marker and its index entry: the entry is written again at start, from
// the marker in the log.
TEST_F(BrokerProducerTest, AnAbortMissingFromTheIndexIsIndexedAgainAtStart) {
  ASSERT_TRUE(engine_->CreateTopic("t", 1).ok());
  auto log = *engine_->GetLog("t", 0);
  const int64_t now = clock_.NowMs();
  for (Buffer batch : {ProducerBatch(5, 0, 0, 2, "v", now, /*transactional=*/true),
                       storage::BuildTxnMarker(5, 0, storage::ControlType::kAbort, 0, now),
                       ProducerBatch(5, 0, 2, 1, "v", now, /*transactional=*/true),
                       storage::BuildTxnMarker(5, 0, storage::ControlType::kCommit, 0, now)}) {
    ASSERT_TRUE(log->AppendAndWait(batch, storage::AckLevel::kDurable).ok());
  }
  EXPECT_TRUE(log->AbortedTxns(0, 100).empty());
  log.reset();
  Open();
  EXPECT_EQ(*broker_->LastStableOffset("t", 0), 5);
  log = *engine_->GetLog("t", 0);
  EXPECT_EQ(log->AbortedTxns(0, 100), (std::vector<storage::AbortedTxn>{{5, 0, 2, 3}}));
  Open();  // indexed once, not again
  EXPECT_EQ(*broker_->LastStableOffset("t", 0), 5);
  EXPECT_EQ((*engine_->GetLog("t", 0))->AbortedTxns(0, 100).size(), 1u);
}

TEST_F(BrokerProducerTest, RebuildingReadsHeadersNotRecords) {
  ASSERT_TRUE(engine_->CreateTopic("t", 1).ok());
  const std::string big(200 << 10, 'x');  // batches of ~200 KiB
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(Append(ProducerBatch(5, 0, i, 1, big, clock_.NowMs())).status.ok());
  }
  auto log = *engine_->GetLog("t", 0);
  PartitionProducerState state;
  auto stats = LoadProducerState(*log, clock_.NowMs(), kDefaultProducerIdExpirationMs, state);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->batches_scanned, 10);
  // The first read is a 64 KiB chunk; after seeing a large batch, headers only.
  EXPECT_LT(stats->bytes_read, uint64_t{70} << 10);
  EXPECT_LT(stats->bytes_read * 20, log->size_bytes());
  EXPECT_EQ(state.Find(5)->last_seq(), 9);
}

TEST_F(BrokerProducerTest, IdleProducersExpire) {
  BrokerOptions bo;
  bo.producer_id_expiration_ms = 60'000;
  Open(bo);
  ASSERT_TRUE(engine_->CreateTopic("t", 1).ok());
  ASSERT_TRUE(Append(Batch(5, 0, 0, 1)).status.ok());
  clock_.AdvanceMs(30 * 60 * 1000);
  ASSERT_TRUE(Append(Batch(6, 0, 0, 1)).status.ok());  // runs the expiry check
  auto entry = broker_->GetProducerEntry("t", 0, 5);
  ASSERT_TRUE(entry.ok());
  EXPECT_FALSE(entry->has_value());
  EXPECT_EQ(Append(Batch(5, 0, 1, 1)).refusal, ErrorCode::kUnknownProducerId);
}

}  // namespace
}  // namespace herald::broker
