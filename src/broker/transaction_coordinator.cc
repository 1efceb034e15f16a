#include "broker/transaction_coordinator.h"

#include <limits>
#include <utility>

#include "base/log.h"
#include "storage/record_scan.h"

namespace herald::broker {

namespace {

constexpr int16_t kNoEpoch = -1;

// Kafka's TransactionMetadata.isEpochExhausted: the last epoch a producer may be bumped from
// keeps one in reserve for fencing a transaction in progress.
bool EpochExhausted(int16_t epoch) {
  return epoch >= std::numeric_limits<int16_t>::max() - 1;
}

}  // namespace

TransactionCoordinator::TransactionCoordinator(storage::Engine& engine, Clock& clock,
                                               NewProducerId new_producer_id,
                                               TransactionOptions options)
    : engine_(engine),
      clock_(clock),
      new_producer_id_(std::move(new_producer_id)),
      options_(options) {}

std::shared_ptr<TransactionCoordinator> TransactionCoordinator::Open(storage::Engine& engine,
                                                                     Clock& clock,
                                                                     NewProducerId new_producer_id,
                                                                     TransactionOptions options) {
  std::shared_ptr<TransactionCoordinator> c(
      new TransactionCoordinator(engine, clock, std::move(new_producer_id), options));
  if (Status s = c->Load(); !s.ok()) {
    c->offline_ = s.WithContext("the transaction coordinator is offline");
    LogError("transaction_coordinator_offline", {{"topic", kTransactionStateTopic}},
             c->offline_.ToString());
  }
  return c;
}

Status TransactionCoordinator::Load() {
  if (!engine_.HasTopic(kTransactionStateTopic)) {
    HERALD_RETURN_IF_ERROR(
        engine_.CreateTopic(kTransactionStateTopic, 1,
                            {{"cleanup.policy", "compact"}, {"segment.bytes", "104857600"}}));
  }
  HERALD_ASSIGN_OR_RETURN(log_, engine_.GetLog(kTransactionStateTopic, 0));
  std::map<std::string, TxnMetadata> replayed;
  HERALD_RETURN_IF_ERROR(storage::ScanRecords(
      *log_, log_->log_start_offset(), log_->end_offset(), [&](const storage::RecordView& r) {
        auto entry = DecodeTxnRecord(r);
        if (!entry.ok()) {
          LogWarn("transaction_record_skipped", {{"offset", r.offset}}, entry.status().message());
        } else if (entry->txn) {
          replayed[entry->transactional_id] = std::move(*entry->txn);
        } else {
          replayed.erase(entry->transactional_id);
        }
        return true;
      }));
  MutexLock lock(mu_);
  txns_ = std::move(replayed);
  return Status::Ok();
}

std::optional<TxnMetadata> TransactionCoordinator::Describe(
    const std::string& transactional_id) const {
  MutexLock lock(mu_);
  auto it = txns_.find(transactional_id);
  if (it == txns_.end()) return std::nullopt;
  return it->second;
}

Result<TxnMetadata> TransactionCoordinator::NextForInit(
    const std::optional<TxnMetadata>& current, int32_t timeout_ms,
    std::optional<std::pair<int64_t, int16_t>> expected, ErrorCode& refusal) {
  const int64_t now = clock_.NowMs();
  if (!current) {
    // A new id: its first producer id, at epoch 0.
    HERALD_ASSIGN_OR_RETURN(const int64_t id, new_producer_id_());
    TxnMetadata next;
    next.producer_id = id;
    next.producer_epoch = 0;
    next.timeout_ms = timeout_ms;
    next.updated_ms = now;
    return next;
  }
  const TxnMetadata& txn = *current;
  // A producer naming an id and epoch it holds may only be the current producer, one that has
  // just been created, or a retry of the bump that exhausted the previous producer id.
  if (expected && txn.producer_epoch != kNoEpoch && expected->first != txn.producer_id &&
      !(expected->first == txn.last_producer_id && EpochExhausted(expected->second))) {
    refusal = ErrorCode::kProducerFenced;
    return TxnMetadata{};
  }
  if (txn.state != TxnState::kEmpty && txn.state != TxnState::kCompleteCommit &&
      txn.state != TxnState::kCompleteAbort) {
    // A transaction is being completed (or one is open, which InitProducerId cannot end yet):
    // the client backs off and retries.
    refusal = ErrorCode::kConcurrentTransactions;
    return TxnMetadata{};
  }
  TxnMetadata next = txn;
  next.timeout_ms = timeout_ms;
  next.updated_ms = now;
  next.partitions.clear();
  next.started_ms = -1;
  next.state = TxnState::kEmpty;
  next.last_producer_id = txn.producer_id;
  if (EpochExhausted(txn.producer_epoch) && (!expected || expected->second == txn.producer_epoch)) {
    // No epoch left to fence with: the id moves to a new producer id.
    HERALD_ASSIGN_OR_RETURN(next.producer_id, new_producer_id_());
    next.producer_epoch = 0;
    next.last_producer_epoch = expected ? txn.producer_epoch : kNoEpoch;
    return next;
  }
  if (!expected) {
    // A producer starting (or restarting): fence whoever held the id.
    next.producer_epoch = static_cast<int16_t>(txn.producer_epoch + 1);
    next.last_producer_epoch = kNoEpoch;
  } else if (txn.producer_epoch == kNoEpoch || expected->second == txn.producer_epoch) {
    // The current producer recovering from an error: bump, remembering the epoch it had.
    next.producer_epoch = static_cast<int16_t>(txn.producer_epoch + 1);
    next.last_producer_epoch = txn.producer_epoch;
  } else if (expected->second == txn.last_producer_epoch) {
    // A retry of a bump whose answer was lost: the same answer again.
    next = txn;
  } else {
    refusal = ErrorCode::kProducerFenced;
    return TxnMetadata{};
  }
  return next;
}

void TransactionCoordinator::InitProducerId(const std::string& transactional_id, int32_t timeout_ms,
                                            std::optional<std::pair<int64_t, int16_t>> expected,
                                            std::function<void(TxnProducer)> done) {
  if (!offline_.ok()) return done({ErrorCode::kCoordinatorNotAvailable});
  if (timeout_ms <= 0 || timeout_ms > options_.max_timeout_ms) {
    return done({ErrorCode::kInvalidTransactionTimeout});
  }
  TxnMetadata next;
  {
    MutexLock lock(mu_);
    if (pending_.contains(transactional_id)) return done({ErrorCode::kConcurrentTransactions});
    std::optional<TxnMetadata> current;
    if (auto it = txns_.find(transactional_id); it != txns_.end()) current = it->second;
    ErrorCode refusal = ErrorCode::kNone;
    auto computed = NextForInit(current, timeout_ms, expected, refusal);
    if (!computed.ok()) {
      LogError("producer_id_allocation_failed", {{"transactional_id", transactional_id}},
               computed.status().ToString());
      return done({ErrorCode::kCoordinatorNotAvailable});
    }
    if (refusal != ErrorCode::kNone) return done({refusal});
    if (current && *computed == *current) {
      // A retried bump: nothing changes, nothing to write.
      return done({ErrorCode::kNone, current->producer_id, current->producer_epoch});
    }
    next = std::move(computed).value();
    pending_.insert(transactional_id);
  }
  const TxnProducer answer{ErrorCode::kNone, next.producer_id, next.producer_epoch};
  Write(transactional_id, std::move(next), [answer, done = std::move(done)](Status s) {
    done(s.ok() ? answer : TxnProducer{ErrorCode::kCoordinatorNotAvailable});
  });
}

void TransactionCoordinator::Write(const std::string& id, TxnMetadata next,
                                   std::function<void(Status)> done) {
  auto batch = std::make_shared<Buffer>(storage::BuildBatch({TxnRecord(id, next, clock_.NowMs())}));
  auto self = shared_from_this();
  log_->Append(*batch, storage::AckLevel::kDurable,
               [self, batch, id, next = std::move(next),
                done = std::move(done)](Result<storage::AppendInfo> written) mutable {
                 {
                   MutexLock lock(self->mu_);
                   self->pending_.erase(id);
                   if (written.ok()) self->txns_[id] = std::move(next);
                 }
                 if (!written.ok()) {
                   LogError("transaction_state_write_failed", {{"transactional_id", id}},
                            written.status().ToString());
                 }
                 done(written.ok() ? Status::Ok() : written.status());
               });
}

}  // namespace herald::broker
