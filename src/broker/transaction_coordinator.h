// TransactionCoordinator: Kafka's transaction coordinator (KIP-98) for a node that is the
// coordinator of every transactional id. It keeps, per transactional id, the producer id and
// epoch the id holds and the state of its transaction (txn_records.h), as records of the
// compacted internal topic __transaction_state, replayed at start; a change is answered only
// once its record is durable.
//
// InitProducerId follows Kafka's TransactionCoordinator.handleInitProducerId:
//   - a timeout that is not in (0, transaction.max.timeout.ms]: INVALID_TRANSACTION_TIMEOUT;
//   - a new id: a new producer id, epoch 0;
//   - a known id with no transaction in progress: its epoch bumped, which fences the producer
//     that had it; once the epoch is exhausted (32766), a new producer id at epoch 0;
//   - from v3 the producer may say which id and epoch it holds (KIP-360): the current ones are
//     bumped, the ones before the last bump are answered again (a retry whose answer was lost),
//     any other is PRODUCER_FENCED;
//   - while an earlier change of the id is being written, or its transaction is being completed:
//     CONCURRENT_TRANSACTIONS, which clients retry.
//
// Thread-safe; callbacks run on the thread that made the record durable (a flusher thread) or on
// the caller's, and must not block. A write in flight keeps the coordinator alive.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "base/clock.h"
#include "base/mutex.h"
#include "base/status.h"
#include "broker/error_code.h"
#include "broker/txn_records.h"
#include "storage/engine.h"
#include "storage/log.h"

namespace herald::broker {

struct TransactionOptions {
  int32_t max_timeout_ms = 900'000;  // transaction.max.timeout.ms, Kafka's default
};

struct TxnProducer {
  ErrorCode error = ErrorCode::kNone;
  int64_t producer_id = -1;  // -1 and -1 with an error, as Kafka answers
  int16_t producer_epoch = -1;
};

class TransactionCoordinator : public std::enable_shared_from_this<TransactionCoordinator> {
 public:
  // Hands out a new producer id, unique across restarts.
  using NewProducerId = std::function<Result<int64_t>()>;

  // Opens __transaction_state (creating it) and replays it; a record that does not decode is
  // skipped with a warning. When the topic cannot be created or read, the coordinator is offline
  // (offline() says why) and answers COORDINATOR_NOT_AVAILABLE: the rest of the broker serves on.
  static std::shared_ptr<TransactionCoordinator> Open(storage::Engine& engine, Clock& clock,
                                                      NewProducerId new_producer_id,
                                                      TransactionOptions options = {});
  TransactionCoordinator(const TransactionCoordinator&) = delete;
  TransactionCoordinator& operator=(const TransactionCoordinator&) = delete;

  Status offline() const { return offline_; }

  // InitProducerId for a non-empty transactional id; `expected` is the id and epoch the producer
  // says it holds (v3+), if any. Calls `done` once.
  void InitProducerId(const std::string& transactional_id, int32_t timeout_ms,
                      std::optional<std::pair<int64_t, int16_t>> expected,
                      std::function<void(TxnProducer)> done);

  // What the coordinator knows of `transactional_id`, as last made durable.
  std::optional<TxnMetadata> Describe(const std::string& transactional_id) const;

 private:
  TransactionCoordinator(storage::Engine& engine, Clock& clock, NewProducerId new_producer_id,
                         TransactionOptions options);
  Status Load();
  // The metadata InitProducerId moves `id` to from `current` (nullopt for a new id), or the
  // error to answer.
  Result<TxnMetadata> NextForInit(const std::optional<TxnMetadata>& current, int32_t timeout_ms,
                                  std::optional<std::pair<int64_t, int16_t>> expected,
                                  ErrorCode& refusal) REQUIRES(mu_);
  // Writes `next` for `id` (which is pending until then), then makes it current and calls done
  // with the outcome.
  void Write(const std::string& id, TxnMetadata next, std::function<void(Status)> done);

  storage::Engine& engine_;
  Clock& clock_;
  const NewProducerId new_producer_id_;
  const TransactionOptions options_;
  std::shared_ptr<storage::Log> log_;
  Status offline_;

  mutable Mutex mu_;
  std::map<std::string, TxnMetadata> txns_ GUARDED_BY(mu_);
  std::set<std::string> pending_ GUARDED_BY(mu_);  // ids whose next record is being written
};

}  // namespace herald::broker
