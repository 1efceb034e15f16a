#include "broker/transaction_coordinator.h"

#include <algorithm>
#include <atomic>
#include <iterator>
#include <limits>
#include <memory>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "base/log.h"
#include "broker/broker_metrics.h"
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
                                               MarkerWriter write_marker,
                                               TransactionOptions options)
    : engine_(engine),
      clock_(clock),
      new_producer_id_(std::move(new_producer_id)),
      write_marker_(std::move(write_marker)),
      options_(options) {}

std::shared_ptr<TransactionCoordinator> TransactionCoordinator::Open(storage::Engine& engine,
                                                                     Clock& clock,
                                                                     NewProducerId new_producer_id,
                                                                     MarkerWriter write_marker,
                                                                     TransactionOptions options) {
  std::shared_ptr<TransactionCoordinator> c(new TransactionCoordinator(
      engine, clock, std::move(new_producer_id), std::move(write_marker), options));
  if (Status s = c->Load(); !s.ok()) {
    c->offline_ = s.WithContext("the transaction coordinator is offline");
    LogError("transaction_coordinator_offline", {{"topic", kTransactionStateTopic}},
             c->offline_.ToString());
    return c;
  }
  // Transactions decided before a restart whose markers were not all written: write them now.
  std::vector<std::string> prepared;
  {
    MutexLock lock(c->mu_);
    for (const auto& [id, txn] : c->txns_) {
      if (IsPrepared(txn.state)) prepared.push_back(id);
    }
  }
  for (const auto& id : prepared) c->WriteMarkers(id);
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

const TxnMetadata* TransactionCoordinator::Find(const std::string& id) const {
  auto it = txns_.find(id);
  return it == txns_.end() ? nullptr : &it->second;
}

TxnMetadata TransactionCoordinator::View(const std::string& id, const TxnMetadata& txn) const {
  TxnMetadata view = txn;
  if (IsPrepared(txn.state)) {
    if (auto owed = owed_.find(id); owed != owed_.end()) view.partitions = owed->second;
  }
  return view;
}

std::optional<TxnMetadata> TransactionCoordinator::Describe(
    const std::string& transactional_id) const {
  MutexLock lock(mu_);
  const TxnMetadata* txn = Find(transactional_id);
  if (txn == nullptr) return std::nullopt;
  return View(transactional_id, *txn);
}

std::map<std::string, TxnMetadata> TransactionCoordinator::List() const {
  MutexLock lock(mu_);
  std::map<std::string, TxnMetadata> out;
  for (const auto& [id, txn] : txns_) out.emplace(id, View(id, txn));
  return out;
}

ErrorCode TransactionCoordinator::CheckPartition(const std::string& transactional_id,
                                                int64_t producer_id, int16_t epoch,
                                                const std::string& topic,
                                                int32_t partition) const {
  MutexLock lock(mu_);
  const TxnMetadata* txn = Find(transactional_id);
  if (ErrorCode e = CheckProducer(txn, producer_id, epoch); e != ErrorCode::kNone) {
    return e == ErrorCode::kProducerFenced ? ErrorCode::kInvalidProducerEpoch : e;
  }
  auto it = txn->partitions.find(topic);
  const bool added = it != txn->partitions.end() && it->second.contains(partition);
  // Once EndTxn began writing its Prepare record (owed_ is set first), the transaction takes no
  // more batches: one that passed now could land after its partition's marker.
  const bool ending = owed_.contains(transactional_id);
  return txn->state == TxnState::kOngoing && added && !ending ? ErrorCode::kNone
                                                              : ErrorCode::kInvalidTxnState;
}

namespace {

// KIP-360: a producer naming an id and epoch it holds may only be the current producer, one that
// has just been created, or a retry of the bump that exhausted the previous producer id.
bool IsStale(const TxnMetadata& txn, const std::optional<std::pair<int64_t, int16_t>>& expected) {
  return expected && txn.producer_epoch != kNoEpoch && expected->first != txn.producer_id &&
         !(expected->first == txn.last_producer_id && EpochExhausted(expected->second));
}

// `txn` moved to `state` at `now`: as Kafka's prepareTransitionTo, the producer id it had becomes
// the last one.
TxnMetadata Transition(const TxnMetadata& txn, TxnState state, int64_t now) {
  TxnMetadata next = txn;
  next.state = state;
  next.last_producer_id = txn.producer_id;
  next.updated_ms = now;
  return next;
}

// `txn` (Ongoing) as the coordinator aborts it: at a bumped epoch, which fences its producer.
// (An epoch of 32767 cannot be bumped, but cannot be reached either: InitProducerId moves an id
// at 32766 to a new producer id, and only a fence bumps past it.)
TxnMetadata Fenced(const TxnMetadata& txn, int64_t now) {
  TxnMetadata fenced = Transition(txn, TxnState::kPrepareAbort, now);
  if (fenced.producer_epoch < std::numeric_limits<int16_t>::max()) ++fenced.producer_epoch;
  fenced.last_producer_epoch = kNoEpoch;
  return fenced;
}

// The error a client is answered when a record of the coordinator could not be written: retried
// (COORDINATOR_NOT_AVAILABLE), unless the record can never be written (too large).
ErrorCode WriteError(const Status& s) {
  if (s.ok()) return ErrorCode::kNone;
  return s.code() == StatusCode::kInvalidArgument ? ErrorCode::kUnknownServerError
                                                  : ErrorCode::kCoordinatorNotAvailable;
}

}  // namespace

std::optional<TxnMetadata> TransactionCoordinator::NextForInit(
    const std::optional<TxnMetadata>& current, int32_t timeout_ms,
    std::optional<std::pair<int64_t, int16_t>> expected, std::optional<int64_t> fresh_id,
    ErrorCode& refusal) {
  const int64_t now = clock_.NowMs();
  if (!current) {
    // A new id: its first producer id, at epoch 0.
    if (!fresh_id) return std::nullopt;
    TxnMetadata next;
    next.producer_id = *fresh_id;
    next.producer_epoch = 0;
    next.timeout_ms = timeout_ms;
    next.updated_ms = now;
    return next;
  }
  const TxnMetadata& txn = *current;
  TxnMetadata next = Transition(txn, TxnState::kEmpty, now);
  next.timeout_ms = timeout_ms;
  next.partitions.clear();
  next.started_ms = -1;
  if (EpochExhausted(txn.producer_epoch) && (!expected || expected->second == txn.producer_epoch)) {
    // No epoch left to fence with: the id moves to a new producer id.
    if (!fresh_id) return std::nullopt;
    next.producer_id = *fresh_id;
    next.producer_epoch = 0;
    next.last_producer_epoch = expected ? txn.producer_epoch : kNoEpoch;
  } else if (!expected) {
    // A producer starting (or restarting): fence whoever held the id.
    next.producer_epoch = static_cast<int16_t>(txn.producer_epoch + 1);
    next.last_producer_epoch = kNoEpoch;
  } else if (txn.producer_epoch == kNoEpoch || expected->second == txn.producer_epoch) {
    // The current producer recovering from an error: bump, remembering the epoch it had.
    next.producer_epoch = static_cast<int16_t>(txn.producer_epoch + 1);
    next.last_producer_epoch = txn.producer_epoch;
  } else if (expected->second == txn.last_producer_epoch) {
    // A retry of a bump whose answer was lost: the same epochs again (the timeout as asked now).
  } else {
    refusal = ErrorCode::kProducerFenced;
  }
  return next;
}

void TransactionCoordinator::InitProducerId(const std::string& transactional_id, int32_t timeout_ms,
                                            std::optional<std::pair<int64_t, int16_t>> expected,
                                            std::function<void(TxnProducer)> done) {
  if (!offline_.ok()) return done({ErrorCode::kCoordinatorNotAvailable});
  if (transactional_id.empty() || (expected && (expected->first < 0 || expected->second < 0))) {
    return done({ErrorCode::kInvalidRequest});
  }
  if (timeout_ms <= 0 || timeout_ms > options_.max_timeout_ms) {
    return done({ErrorCode::kInvalidTransactionTimeout});
  }
  std::optional<int64_t> fresh_id;
  for (;;) {
    std::optional<TxnProducer> answer;
    std::optional<TxnMetadata> next;
    std::optional<TxnMetadata> fenced;
    bool needs_id = false;
    {
      MutexLock lock(mu_);
      std::optional<TxnMetadata> current;
      if (const TxnMetadata* known = Find(transactional_id)) current = *known;
      if (pending_.contains(transactional_id)) {
        answer = {ErrorCode::kConcurrentTransactions};
      } else if (current && IsStale(*current, expected)) {
        answer = {ErrorCode::kProducerFenced};
      } else if (current && current->state == TxnState::kOngoing) {
        // A new producer while a transaction is open: abort it, fencing its producer; the new one
        // retries and is bumped again once the abort is complete.
        fenced = Fenced(*current, clock_.NowMs());
        pending_.insert(transactional_id);
      } else if (current && !IsSettled(current->state)) {
        answer = {ErrorCode::kConcurrentTransactions};  // being completed: retry
      } else {
        ErrorCode refusal = ErrorCode::kNone;
        next = NextForInit(current, timeout_ms, expected, fresh_id, refusal);
        if (refusal != ErrorCode::kNone) {
          answer = {refusal};
        } else if (!next) {
          needs_id = true;
        } else {
          pending_.insert(transactional_id);
        }
      }
    }
    if (needs_id) {
      // Allocating may write the producer-id file: never under mu_. If the id changed meanwhile,
      // the loop decides again (and a producer id may go unused).
      auto allocated = new_producer_id_();
      if (!allocated.ok()) {
        LogError("producer_id_allocation_failed", {{"transactional_id", transactional_id}},
                 allocated.status().ToString());
        return done({ErrorCode::kCoordinatorNotAvailable});
      }
      fresh_id = *allocated;
      continue;
    }
    if (answer) return done(*answer);
    if (fenced) {
      return WritePrepared(transactional_id, std::move(*fenced), [done](ErrorCode e) {
        done({e == ErrorCode::kNone ? ErrorCode::kConcurrentTransactions : e});
      });
    }
    const TxnProducer granted{ErrorCode::kNone, next->producer_id, next->producer_epoch};
    return Write(transactional_id, std::move(next), [granted, done = std::move(done)](Status s) {
      done(s.ok() ? granted : TxnProducer{WriteError(s)});
    });
  }
}

ErrorCode TransactionCoordinator::CheckProducer(const TxnMetadata* txn, int64_t producer_id,
                                                int16_t epoch) {
  if (txn == nullptr || txn->producer_id != producer_id) {
    return ErrorCode::kInvalidProducerIdMapping;
  }
  return txn->producer_epoch == epoch ? ErrorCode::kNone : ErrorCode::kProducerFenced;
}

void TransactionCoordinator::AddPartitions(const std::string& transactional_id, int64_t producer_id,
                                           int16_t epoch, const Partitions& partitions,
                                           std::function<void(ErrorCode)> done) {
  AddPartitions(transactional_id, producer_id, epoch, partitions, std::move(done), -1);
}

void TransactionCoordinator::AddPartitions(const std::string& transactional_id, int64_t producer_id,
                                           int16_t epoch, const Partitions& partitions,
                                           std::function<void(ErrorCode)> done,
                                           int64_t parked_since_ms) {
  if (!offline_.ok()) return done(ErrorCode::kCoordinatorNotAvailable);
  if (transactional_id.empty()) return done(ErrorCode::kInvalidRequest);
  std::optional<ErrorCode> answer;
  TxnMetadata next;
  {
    MutexLock lock(mu_);
    const TxnMetadata* txn = Find(transactional_id);
    if (ErrorCode e = CheckProducer(txn, producer_id, epoch); e != ErrorCode::kNone) {
      answer = e;
    } else if (pending_.contains(transactional_id) || IsPrepared(txn->state) ||
               txn->state == TxnState::kPrepareEpochFence) {
      auto& parked = parked_[transactional_id];
      if (parked.size() >= kMaxParkedPerId) {
        answer = ErrorCode::kConcurrentTransactions;
      } else {
        // Made again once the id's next record is written (ResumeParked).
        const int64_t since = parked_since_ms >= 0 ? parked_since_ms : clock_.NowMs();
        parked.push_back({since, [weak = weak_from_this(), transactional_id, producer_id, epoch,
                                  partitions, done, since](bool retry) {
                            auto self = weak.lock();
                            if (!retry || !self) return done(ErrorCode::kConcurrentTransactions);
                            self->AddPartitions(transactional_id, producer_id, epoch, partitions,
                                                done, since);
                          }});
        return;
      }
    } else {
      const int64_t now = clock_.NowMs();
      next = Transition(*txn, TxnState::kOngoing, now);
      bool added = txn->state != TxnState::kOngoing;
      for (const auto& [topic, indexes] : partitions) {
        for (int32_t p : indexes) added |= next.partitions[topic].insert(p).second;
      }
      if (!added) {
        answer = ErrorCode::kNone;  // all in the open transaction already: nothing to write
      } else {
        if (txn->state != TxnState::kOngoing) next.started_ms = now;
        pending_.insert(transactional_id);
      }
    }
  }
  if (answer) return done(*answer);
  Write(transactional_id, std::move(next),
        [done = std::move(done)](Status s) { done(WriteError(s)); });
}

void TransactionCoordinator::EndTxn(const std::string& transactional_id, int64_t producer_id,
                                    int16_t epoch, bool commit,
                                    std::function<void(ErrorCode)> done) {
  if (!offline_.ok()) return done(ErrorCode::kCoordinatorNotAvailable);
  if (transactional_id.empty()) return done(ErrorCode::kInvalidRequest);
  std::optional<ErrorCode> answer;
  TxnMetadata prepared;
  {
    MutexLock lock(mu_);
    const TxnMetadata* txn = Find(transactional_id);
    if (ErrorCode e = CheckProducer(txn, producer_id, epoch); e != ErrorCode::kNone) {
      answer = e;
    } else if (pending_.contains(transactional_id)) {
      answer = ErrorCode::kConcurrentTransactions;
    } else {
      // As Kafka: the same end again is NONE once complete and CONCURRENT_TRANSACTIONS while it
      // completes; the other end, or no transaction, INVALID_TXN_STATE.
      const TxnState done_state = commit ? TxnState::kCompleteCommit : TxnState::kCompleteAbort;
      const TxnState prepare_state = commit ? TxnState::kPrepareCommit : TxnState::kPrepareAbort;
      if (txn->state == TxnState::kOngoing) {
        prepared = Transition(*txn, prepare_state, clock_.NowMs());
        pending_.insert(transactional_id);
      } else if (txn->state == done_state) {
        answer = ErrorCode::kNone;
      } else if (txn->state == prepare_state) {
        answer = ErrorCode::kConcurrentTransactions;
      } else {
        answer = ErrorCode::kInvalidTxnState;
      }
    }
  }
  if (answer) return done(*answer);
  WritePrepared(transactional_id, std::move(prepared), std::move(done));
}

void TransactionCoordinator::WritePrepared(const std::string& id, TxnMetadata prepared,
                                           std::function<void(ErrorCode)> done) {
  {
    MutexLock lock(mu_);
    owed_[id] = prepared.partitions;
  }
  auto self = shared_from_this();
  Write(id, std::move(prepared), [self, id, done = std::move(done)](Status s) {
    // The outcome is decided once the Prepare record is durable: the producer is answered, and
    // the markers follow (a restart before they are all written writes them again).
    done(WriteError(s));
    if (s.ok()) self->WriteMarkers(id);
  });
}

void TransactionCoordinator::WriteMarkers(const std::string& id) {
  std::shared_ptr<const TxnMetadata> txn;
  Partitions owed;
  {
    MutexLock lock(mu_);
    const TxnMetadata* known = Find(id);
    if (known == nullptr || !IsPrepared(known->state) || pending_.contains(id) ||
        marking_.contains(id)) {
      return;
    }
    marking_.insert(id);
    txn = std::make_shared<const TxnMetadata>(*known);
    auto left = owed_.find(id);
    owed = left == owed_.end() ? known->partitions : left->second;
    owed_[id] = owed;
  }
  size_t count = 0;
  for (const auto& [topic, indexes] : owed) count += indexes.size();
  if (count == 0) return Complete(id, *txn);
  auto left = std::make_shared<std::atomic<size_t>>(count);
  auto self = shared_from_this();
  const bool commit = txn->state == TxnState::kPrepareCommit;
  for (const auto& [topic, indexes] : owed) {
    for (int32_t partition : indexes) {
      write_marker_(topic, partition, txn->producer_id, txn->producer_epoch, commit,
                    [self, id, txn, left, topic = topic, partition](Status s) {
                      // Written, gone with its partition, or stale: owed no more.
                      const bool settled = s.ok() || s.code() == StatusCode::kNotFound ||
                                           s.code() == StatusCode::kOutOfRange;
                      if (!s.ok() && s.code() != StatusCode::kNotFound) {
                        LogWarn(
                            "transaction_marker_failed",
                            {{"transactional_id", id}, {"topic", topic}, {"partition", partition}},
                            s.ToString());
                      }
                      bool all_written = false;
                      {
                        MutexLock lock(self->mu_);
                        if (settled) {
                          auto& topics = self->owed_[id];
                          if (auto t = topics.find(topic); t != topics.end()) {
                            t->second.erase(partition);
                            if (t->second.empty()) topics.erase(t);
                          }
                        }
                        if (left->fetch_sub(1) != 1) return;
                        all_written = self->owed_[id].empty();
                        if (!all_written) self->marking_.erase(id);  // Tick writes the rest again
                      }
                      if (all_written) self->Complete(id, *txn);
                    });
    }
  }
}

void TransactionCoordinator::Complete(const std::string& id, const TxnMetadata& prepared) {
  TxnMetadata complete =
      Transition(prepared,
                 prepared.state == TxnState::kPrepareCommit ? TxnState::kCompleteCommit
                                                            : TxnState::kCompleteAbort,
                 clock_.NowMs());
  complete.partitions.clear();
  // Complete from now, before its record is durable, so that the id's next transaction starts at
  // once: every later record of the id follows this one in the log and is made durable with it,
  // so nothing acknowledged can rest on a Complete record a crash lost. After such a crash the
  // transaction is prepared again and its markers are written again, which is harmless.
  auto batch =
      std::make_shared<Buffer>(storage::BuildBatch({TxnRecord(id, complete, clock_.NowMs())}));
  // Pending until appended (Append writes before it returns), so that no record of the id can go
  // into the log before this one.
  {
    MutexLock lock(mu_);
    owed_.erase(id);
    marking_.erase(id);
    pending_.insert(id);
    txns_[id] = std::move(complete);
  }
  log_->Append(*batch, storage::AckLevel::kWritten, [batch, id](Result<storage::AppendInfo> r) {
    if (!r.ok()) {
      LogError("transaction_state_write_failed", {{"transactional_id", id}}, r.status().ToString());
    }
  });
  {
    MutexLock lock(mu_);
    pending_.erase(id);
  }
  ResumeParked(id);
}

void TransactionCoordinator::Tick() {
  const int64_t now = clock_.NowMs();
  std::vector<Parked> given_up;  // parked too long
  {
    MutexLock lock(mu_);
    for (auto it = parked_.begin(); it != parked_.end();) {
      auto& calls = it->second;
      auto late = std::stable_partition(calls.begin(), calls.end(), [now](const Parked& p) {
        return now - p.since_ms < kMaxParkedMs;
      });
      std::move(late, calls.end(), std::back_inserter(given_up));
      calls.erase(late, calls.end());
      it = calls.empty() ? parked_.erase(it) : std::next(it);
    }
  }
  for (auto& p : given_up) p.resume(false);
  // A coordinator whose log failed cannot record anything: markers written again would only pile
  // up duplicates in the partitions.
  if (!offline_.ok() || !log_->health().ok()) return;
  std::vector<std::pair<std::string, TxnMetadata>> timed_out;
  std::vector<std::string> owed_markers;
  std::vector<std::string> expired;
  {
    MutexLock lock(mu_);
    int64_t open = 0;
    int64_t oldest_ms = now;
    for (const auto& [id, txn] : txns_) {
      if (!IsSettled(txn.state)) {
        ++open;
        if (txn.started_ms >= 0) oldest_ms = std::min(oldest_ms, txn.started_ms);
      }
    }
    metrics::TransactionsOpen().Set(static_cast<double>(open));
    metrics::TransactionOldestOpenSeconds().Set(static_cast<double>(now - oldest_ms) / 1000.0);
    for (const auto& [id, txn] : txns_) {
      if (pending_.contains(id) || marking_.contains(id)) continue;
      switch (txn.state) {
        case TxnState::kOngoing:
          if (now - txn.started_ms > txn.timeout_ms) {
            timed_out.emplace_back(id, Fenced(txn, now));
            pending_.insert(id);
          }
          break;
        case TxnState::kPrepareCommit:
        case TxnState::kPrepareAbort:
          owed_markers.push_back(id);
          break;
        case TxnState::kEmpty:
        case TxnState::kCompleteCommit:
        case TxnState::kCompleteAbort:
          if (now - txn.updated_ms >= options_.id_expiration_ms) {
            expired.push_back(id);
            pending_.insert(id);
          }
          break;
        case TxnState::kPrepareEpochFence:
          break;
      }
    }
  }
  for (auto& [id, fenced] : timed_out) {
    LogInfo("transaction_timed_out", {{"transactional_id", id}},
            fmt::format("aborting the transaction of producer {}; its epoch is now {}",
                        fenced.producer_id, fenced.producer_epoch));
    WritePrepared(id, std::move(fenced), [](ErrorCode) {});
  }
  for (const auto& id : owed_markers) WriteMarkers(id);
  for (const auto& id : expired) Write(id, std::nullopt, [](Status) {});
}

void TransactionCoordinator::Write(const std::string& id, std::optional<TxnMetadata> next,
                                   std::function<void(Status)> done) {
  const int64_t now = clock_.NowMs();
  auto batch = std::make_shared<Buffer>(
      storage::BuildBatch({next ? TxnRecord(id, *next, now) : TxnTombstone(id, now)}));
  auto self = shared_from_this();
  log_->Append(*batch, storage::AckLevel::kDurable,
               [self, batch, id, next = std::move(next),
                done = std::move(done)](Result<storage::AppendInfo> written) mutable {
                 {
                   MutexLock lock(self->mu_);
                   self->pending_.erase(id);
                   if (written.ok()) {
                     // Markers are owed only while the transaction is prepared.
                     if (!next || !IsPrepared(next->state)) self->owed_.erase(id);
                     if (next) {
                       self->txns_[id] = std::move(*next);
                     } else {
                       self->txns_.erase(id);
                     }
                   }
                 }
                 if (!written.ok()) {
                   LogError("transaction_state_write_failed", {{"transactional_id", id}},
                            written.status().ToString());
                 }
                 done(written.ok() ? Status::Ok() : written.status());
                 self->ResumeParked(id);
               });
}

TransactionCoordinator::~TransactionCoordinator() {
  std::map<std::string, std::vector<Parked>> parked;
  {
    MutexLock lock(mu_);
    parked.swap(parked_);
  }
  for (auto& [id, calls] : parked) {
    for (auto& p : calls) p.resume(false);
  }
}

void TransactionCoordinator::ResumeParked(const std::string& id) {
  std::vector<Parked> resumed;
  {
    MutexLock lock(mu_);
    auto it = parked_.find(id);
    if (it == parked_.end()) return;
    resumed = std::move(it->second);
    parked_.erase(it);
  }
  for (auto& p : resumed) p.resume(true);
}

}  // namespace herald::broker
