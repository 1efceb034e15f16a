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
//     CONCURRENT_TRANSACTIONS, which clients retry; an open transaction is aborted first (with the
//     epoch bumped, so its producer is fenced at its partitions too), and CONCURRENT_TRANSACTIONS
//     answered meanwhile.
//
// AddPartitions (AddPartitionsToTxn; AddOffsetsToTxn adds the group's offsets partition) and
// EndTxn follow handleAddPartitionsToTransaction and handleEndTransaction (Kafka 3.x, before
// KIP-890's epoch bump on every end), except that an AddPartitions arriving while the id's last
// transaction completes waits for it (up to 5 s) instead of being answered
// CONCURRENT_TRANSACTIONS at once, which clients retry only after a backoff (librdkafka: 20 ms): an
// unknown id or another producer id is INVALID_PRODUCER_ID_MAPPING, another epoch PRODUCER_FENCED;
// partitions join the open transaction (starting one); EndTxn writes PrepareCommit or PrepareAbort,
// answers, then has a COMMIT or ABORT marker written to each partition of the transaction
// (MarkerWriter, the broker's job) and writes CompleteCommit or CompleteAbort. A retried EndTxn
// after completion is NONE, one during it CONCURRENT_TRANSACTIONS, the other ending or no
// transaction INVALID_TXN_STATE.
//
// Tick() does what time decides: a transaction open longer than its timeout is aborted (epoch
// bumped); markers that could not be written (a failed partition, or a restart between the
// Prepare record and the Complete one) are written again; an id unused for
// transactional.id.expiration.ms without a transaction is forgotten. It also sets the metrics
// transactions_open (transactions begun and not yet complete) and
// transaction_oldest_open_seconds (the age of the oldest, 0 when none).
//
// Thread-safe. Callbacks (`done`, and the MarkerWriter with its own `done`) run on the thread
// that made a record durable (a flusher thread) or on the caller's: they must not block, and must
// never wait for a flush. A write in flight keeps the coordinator alive.
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
  int32_t max_timeout_ms = 900'000;             // transaction.max.timeout.ms, Kafka's default
  int64_t id_expiration_ms = 7 * 86'400'000LL;  // transactional.id.expiration.ms
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
  // Writes a COMMIT (or ABORT) marker of `producer_id` at `producer_epoch` to a partition, durably,
  // then calls `done` (once, from any thread): kNotFound when the partition no longer exists (it
  // is owed no marker then, as Kafka skips a deleted partition), kOutOfRange when the partition
  // has seen a newer epoch of the producer (the marker is stale and owed no more, as Kafka drops
  // markers answered INVALID_PRODUCER_EPOCH), any other error to be retried.
  using MarkerWriter =
      std::function<void(const std::string& topic, int32_t partition, int64_t producer_id,
                         int16_t producer_epoch, bool commit, std::function<void(Status)> done)>;
  using Partitions = std::map<std::string, std::set<int32_t>>;

  // Opens __transaction_state (creating it) and replays it; a record that does not decode is
  // skipped with a warning. When the topic cannot be created or read, the coordinator is offline
  // (offline() says why) and answers COORDINATOR_NOT_AVAILABLE: the rest of the broker serves on.
  static std::shared_ptr<TransactionCoordinator> Open(storage::Engine& engine, Clock& clock,
                                                      NewProducerId new_producer_id,
                                                      MarkerWriter write_marker,
                                                      TransactionOptions options = {});
  // Answers the calls still parked CONCURRENT_TRANSACTIONS.
  ~TransactionCoordinator();
  TransactionCoordinator(const TransactionCoordinator&) = delete;
  TransactionCoordinator& operator=(const TransactionCoordinator&) = delete;

  Status offline() const { return offline_; }

  // InitProducerId for a non-empty transactional id; `expected` is the id and epoch the producer
  // says it holds (v3+), if any. Calls `done` once.
  void InitProducerId(const std::string& transactional_id, int32_t timeout_ms,
                      std::optional<std::pair<int64_t, int16_t>> expected,
                      std::function<void(TxnProducer)> done);

  // Adds partitions to the producer's transaction, opening one if none is. Calls `done` once.
  void AddPartitions(const std::string& transactional_id, int64_t producer_id, int16_t epoch,
                     const Partitions& partitions, std::function<void(ErrorCode)> done);

  // Commits or aborts the producer's transaction; `done` is called once the outcome is durable
  // (the markers follow). Calls `done` once.
  void EndTxn(const std::string& transactional_id, int64_t producer_id, int16_t epoch, bool commit,
              std::function<void(ErrorCode)> done);

  // Whether producer `producer_id` at `epoch`, holding `transactional_id`, may write a
  // transactional batch to a partition: NONE when the partition is in its open transaction;
  // INVALID_PRODUCER_ID_MAPPING for an id it does not hold, INVALID_PRODUCER_EPOCH for another
  // epoch (a fenced producer), INVALID_TXN_STATE when no open transaction holds the partition or
  // the transaction is ending (KIP-890's verification: a batch outside the transaction would
  // never get a marker).
  ErrorCode CheckPartition(const std::string& transactional_id, int64_t producer_id, int16_t epoch,
                           const std::string& topic, int32_t partition) const;

  // Aborts timed-out transactions, writes markers still owed, forgets expired ids.
  void Tick();

  // What the coordinator knows of `transactional_id`, as last made durable (a Complete state as
  // soon as it is written); while its transaction's markers are being written, its partitions are
  // those still owed a marker (as Kafka's DescribeTransactions answers).
  std::optional<TxnMetadata> Describe(const std::string& transactional_id) const;
  // The same for every transactional id it knows, by id (DescribeTransactions, ListTransactions,
  // the admin API).
  std::map<std::string, TxnMetadata> List() const;

 private:
  TransactionCoordinator(storage::Engine& engine, Clock& clock, NewProducerId new_producer_id,
                         MarkerWriter write_marker, TransactionOptions options);
  Status Load();
  // AddPartitions for a call first parked at `parked_since_ms` (-1: not parked before), so that
  // parking again keeps its first time.
  void AddPartitions(const std::string& transactional_id, int64_t producer_id, int16_t epoch,
                     const Partitions& partitions, std::function<void(ErrorCode)> done,
                     int64_t parked_since_ms);
  // The metadata InitProducerId moves an id to from `current` (nullopt for a new id; otherwise
  // with no transaction in progress), or in `refusal` the error to answer. When the id needs a
  // new producer id and `fresh_id` is nullopt, answers nullopt: the caller allocates one without
  // holding mu_ (allocating may write a file) and asks again.
  std::optional<TxnMetadata> NextForInit(const std::optional<TxnMetadata>& current,
                                         int32_t timeout_ms,
                                         std::optional<std::pair<int64_t, int16_t>> expected,
                                         std::optional<int64_t> fresh_id, ErrorCode& refusal)
      REQUIRES(mu_);
  // The producer of `txn` named by a request: INVALID_PRODUCER_ID_MAPPING or PRODUCER_FENCED when
  // it is not the one holding the id, NONE when it is.
  static ErrorCode CheckProducer(const TxnMetadata* txn, int64_t producer_id, int16_t epoch);
  // `id`'s metadata, nullptr when the id is unknown.
  const TxnMetadata* Find(const std::string& id) const REQUIRES(mu_);
  // `txn` (of `id`) as Describe answers it.
  TxnMetadata View(const std::string& id, const TxnMetadata& txn) const REQUIRES(mu_);
  // Writes `next` for `id` (which is pending until then), then makes it current and calls done
  // with the outcome. `next` nullopt writes the id's tombstone.
  void Write(const std::string& id, std::optional<TxnMetadata> next,
             std::function<void(Status)> done);
  // Writes `prepared` (PrepareCommit or PrepareAbort) for `id`, which the caller marked pending;
  // once durable calls `done` with the outcome and has the markers written.
  void WritePrepared(const std::string& id, TxnMetadata prepared,
                     std::function<void(ErrorCode)> done);
  // Writes the markers of `id`'s prepared transaction, then Complete()s it; does nothing when
  // `id` has no prepared transaction or its markers are being written already.
  void WriteMarkers(const std::string& id);
  // Makes `id` CompleteCommit or CompleteAbort once `prepared`'s markers are written, and
  // appends its record without waiting for it to be durable (see the definition).
  void Complete(const std::string& id, const TxnMetadata& prepared);

  storage::Engine& engine_;
  Clock& clock_;
  const NewProducerId new_producer_id_;
  const MarkerWriter write_marker_;
  const TransactionOptions options_;
  std::shared_ptr<storage::Log> log_;
  Status offline_;

  mutable Mutex mu_;
  std::map<std::string, TxnMetadata> txns_ GUARDED_BY(mu_);
  std::set<std::string> pending_ GUARDED_BY(mu_);  // ids whose next record is being written
  std::set<std::string> marking_ GUARDED_BY(mu_);  // ids whose markers are being written
  // The partitions a prepared transaction still owes a marker to, by id (all of them when absent:
  // after a restart every marker is written again, which is harmless).
  std::map<std::string, Partitions> owed_ GUARDED_BY(mu_);
  // AddPartitions calls that found their id's record being written or its transaction completing,
  // by id: made again once the id's next record is written, so a producer's next transaction
  // starts as soon as the last one completes instead of after a CONCURRENT_TRANSACTIONS and the
  // client's retry backoff. Tick answers those parked longer than kMaxParkedMs
  // CONCURRENT_TRANSACTIONS; past kMaxParkedPerId an id's further calls are answered so at once.
  static constexpr int64_t kMaxParkedMs = 5000;
  static constexpr size_t kMaxParkedPerId = 16;
  struct Parked {
    int64_t since_ms = 0;
    std::function<void(bool retry)> resume;  // retry, or answer CONCURRENT_TRANSACTIONS
  };
  std::map<std::string, std::vector<Parked>> parked_ GUARDED_BY(mu_);
  // Resumes (retries) the calls parked for `id`.
  void ResumeParked(const std::string& id);
};

}  // namespace herald::broker
