// Producer state for Kafka's idempotent and transactional producers (KIP-98).
//
// PartitionProducerState is what one partition remembers about each producer id that wrote to
// it: the producer epoch, the last 5 batches (first/last sequence, first/last offset), as in
// Kafka's ProducerStateEntry (NUM_BATCHES_TO_RETAIN = 5), and the first offset of the producer's
// open transaction. Check() applies the rules Kafka applies to a client's append
// (ProducerStateManager / ProducerAppendInfo):
//
//   1. Same epoch and a sequence range equal to a retained batch: a retried duplicate. It is not
//      written again; the producer is told the original offsets.
//   2. An epoch older than the producer's: INVALID_PRODUCER_EPOCH (47; Kafka 2.x raises
//      ProducerFencedException, which that code carries).
//   3. An epoch other than the producer's (a newer one, or a producer id the partition has never
//      seen) must start at sequence 0. Otherwise OUT_OF_ORDER_SEQUENCE_NUMBER (45) for a known
//      producer, UNKNOWN_PRODUCER_ID (59) for an unknown one (the producer then resets its
//      sequence, e.g. after its state expired).
//   4. The same epoch: the first sequence must follow the last one (0 follows INT32_MAX), else
//      OUT_OF_ORDER_SEQUENCE_NUMBER. A retry of a batch older than the retained 5 is out of order
//      too.
//   5. A batch that is not transactional from a producer whose transaction is open:
//      INVALID_TXN_STATE (48).
//   A batch with a producer id but a negative epoch or base sequence is CORRUPT_MESSAGE (2).
//   Batches without a producer id (-1) are not checked.
// Record() then notes an appended batch (a new epoch drops the retained batches). A producer's
// first transactional batch opens its transaction at the batch's offset; a transaction marker
// (the control batch the coordinator writes, checked with CheckMarker: an epoch older than the
// producer's is INVALID_PRODUCER_EPOCH) closes it. The first offset of the oldest open
// transaction bounds the partition's last stable offset: read_committed consumers read no
// further.
//
// LoadProducerState() rebuilds a partition's state from its log after a restart by reading batch
// headers only (see its comment for the bound on what it reads).
//
// ProducerIdAllocator hands out producer ids that stay unique across restarts.
//
// Errors are Kafka's error codes (ErrorCode, broker/error_code.h), since the protocol defines these
// semantics.
//
// Thread-safety: PartitionProducerState is not thread-safe (its owner, the Broker, serialises
// each partition's check-and-append under one lock). LoadProducerState may run concurrently with
// appends to the log. ProducerIdAllocator is thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/mutex.h"
#include "base/status.h"
#include "broker/error_code.h"
#include "storage/file_system.h"
#include "storage/log.h"
#include "storage/record_batch.h"

namespace herald::broker {

inline constexpr size_t kProducerBatchesToRetain = 5;                  // Kafka's value
inline constexpr int64_t kDefaultProducerIdExpirationMs = 86'400'000;  // producer.id.expiration.ms

// One appended batch of a producer.
struct ProducerBatch {
  int32_t first_seq = 0;
  int32_t last_seq = 0;
  int64_t first_offset = 0;
  int64_t last_offset = 0;

  bool operator==(const ProducerBatch&) const = default;
};

struct ProducerEntry {
  int16_t epoch = -1;
  std::deque<ProducerBatch> batches;  // oldest first, at most kProducerBatchesToRetain
  int64_t last_update_ms = 0;         // broker clock at the last Record() (for expiration)
  int64_t last_timestamp = -1;        // the last batch's max timestamp (DescribeProducers)
  int64_t txn_first_offset = -1;      // the open transaction's first offset; -1 when none

  // The last sequence written, -1 when no batch is retained.
  int32_t last_seq() const { return batches.empty() ? -1 : batches.back().last_seq; }
};

// What to do with one batch.
struct ProducerCheck {
  enum class Action : uint8_t { kAppend, kDuplicate, kReject };
  Action action = Action::kAppend;
  // kReject: the answer (CORRUPT_MESSAGE, OUT_OF_ORDER_SEQUENCE_NUMBER, INVALID_PRODUCER_EPOCH,
  // UNKNOWN_PRODUCER_ID, INVALID_TXN_STATE).
  ErrorCode error = ErrorCode::kNone;
  std::string reason;       // kReject: why, for logs
  ProducerBatch original;   // kDuplicate: the batch already in the log
};

// A transaction a marker closed in one partition: its producer, its first offset (the marker's
// own when the partition held none of its records) and the marker's offset.
struct CompletedTxn {
  int64_t producer_id = -1;
  int64_t first_offset = -1;
  int64_t last_offset = -1;
  bool operator==(const CompletedTxn&) const = default;
};

// The sequence of a batch's last record: `base_sequence + last_offset_delta`, wrapping past
// INT32_MAX to 0 as Kafka's DefaultRecordBatch.incrementSequence does.
int32_t LastSequence(int32_t base_sequence, int32_t last_offset_delta);

// Whether sequence `next` directly follows `last` (0 follows INT32_MAX).
bool InSequence(int32_t last, int32_t next);

class PartitionProducerState {
 public:
  // Decides what to do with a batch a client sent (rules above). Batches without a producer id
  // are always kAppend.
  ProducerCheck Check(const storage::BatchHeader& batch) const;

  // Whether the coordinator may write a marker for `producer_id` at `epoch`: OK, or
  // INVALID_PRODUCER_EPOCH when the partition has seen a newer epoch of that producer.
  ErrorCode CheckMarker(int64_t producer_id, int16_t epoch) const;

  // Notes a batch that is in the log; `batch.base_offset` must be its assigned offset. A
  // different epoch than the producer's replaces the entry's epoch and drops its batches; only
  // the last kProducerBatchesToRetain batches are kept; a transactional batch opens the
  // producer's transaction if none is open. A control batch (a marker) closes the producer's
  // transaction and returns it. Batches without a producer id are ignored.
  std::optional<CompletedTxn> Record(const storage::BatchHeader& batch, int64_t now_ms);

  // The first offset of the oldest open transaction, if any is open.
  std::optional<int64_t> FirstUnstableOffset() const;

  // Forgets producers whose last Record() was before `cutoff_ms`, except those with an open
  // transaction (as Kafka). Returns how many.
  size_t ExpireBefore(int64_t cutoff_ms);

  // The entry of `producer_id`, or nullptr.
  const ProducerEntry* Find(int64_t producer_id) const;
  const std::unordered_map<int64_t, ProducerEntry>& entries() const { return producers_; }
  size_t size() const { return producers_.size(); }

 private:
  // Rules 1-4: the epoch and the sequence.
  ProducerCheck CheckSequence(const storage::BatchHeader& batch) const;

  std::unordered_map<int64_t, ProducerEntry> producers_;
  std::map<int64_t, int64_t> open_txns_;  // first offset -> producer id
};

struct ProducerLoadStats {
  int segments_scanned = 0;
  int segments_skipped = 0;  // older than the expiration window
  int segments_damaged = 0;  // a header did not parse: the rest of that segment was skipped
  int64_t batches_scanned = 0;
  uint64_t bytes_read = 0;
};

// Rebuilds `state` from the batch headers in `log`: those of the last (active) segment, of every
// segment whose largest timestamp is at or after `now_ms - expiration_ms` (Kafka forgets a
// producer after producer.id.expiration.ms, 1 day by default), and of every segment past the
// log's producer_scan_floor() (where a transaction still open may begin), oldest first. Entries
// found get `last_update_ms = now_ms`, so a restart never expires them early. Bound: reads the
// headers of the batches in those segments only, never a record; with batches under 64 KiB it reads
// those segments sequentially in 64 KiB chunks, with larger batches one 61-byte header per batch.
// Nothing older than the window is read, however long the log. Returns what it read. A header that
// does not parse ends the scan of its segment (counted in segments_damaged; the state may then miss
// batches). kIoError when a read fails. With `aborted`, adds to it each transaction an abort marker
// it read closed (reading that marker's record, a few dozen bytes, for its type), as the
// partition's aborted-transaction index holds them (storage/aborted_txns.h): the broker indexes
// again those a crash kept from the index.
Result<ProducerLoadStats> LoadProducerState(const storage::Log& log, int64_t now_ms,
                                            int64_t expiration_ms, PartitionProducerState& state,
                                            std::vector<storage::AbortedTxn>* aborted = nullptr);

// Hands out producer ids unique across restarts of one data directory. Ids are reserved in
// blocks: the end of the reserved range is written to `path` (JSON {"next_producer_id": N},
// atomically) before any id of a new block is handed out, so after a restart or crash allocation
// resumes at the end of the last reserved block and only every `block_size`-th call writes.
// The unused rest of a block is skipped after a restart.
class ProducerIdAllocator {
 public:
  // Reads `path` if it exists (its parent directory must exist). kCorruption when it does not
  // parse; kInvalidArgument for block_size < 1; I/O errors from reading.
  static Result<std::unique_ptr<ProducerIdAllocator>> Open(storage::FileSystem& fs,
                                                           std::string path, int64_t block_size);

  // The next producer id. Errors from writing `path` when a new block must be reserved (nothing
  // is handed out then; the next call tries again); kOutOfRange when ids are exhausted.
  Result<int64_t> Allocate();

 private:
  ProducerIdAllocator(storage::FileSystem& fs, std::string path, int64_t block_size, int64_t next)
      : fs_(fs),
        path_(std::move(path)),
        block_size_(block_size),
        next_(next),
        reserved_end_(next) {}

  storage::FileSystem& fs_;
  const std::string path_;
  const int64_t block_size_;
  Mutex mu_;
  int64_t next_ GUARDED_BY(mu_);
  int64_t reserved_end_ GUARDED_BY(mu_);  // ids below it are reserved on disk
};

}  // namespace herald::broker
