// Log: one topic-partition's durable, segmented log of Kafka record batches.
//
// A directory of segments (storage/segment.h) plus a recovery checkpoint
// (storage/recovery_checkpoint.h).
//
// Every offset below recoveryOffset was synced when the checkpoint was written. Open() trusts the
// segments before the one holding recoveryOffset, validates every batch from there to the end,
// cuts the log at the first torn or corrupt batch and rebuilds indexes that are missing or damaged.
// So opening costs O(bytes written since the last checkpoint), not O(log size). Close() writes a
// checkpoint at the end, so a clean reopen scans nothing.
//
// Appends (the hot path): validate the batch (length, magic 2, CRC32C) without any lock, then
// under the append lock assign offsets by rewriting baseOffset and the leader epoch (both outside
// the CRC), roll the segment if needed and write the bytes. A kWritten append completes at once; a
// kDurable one completes when a flusher thread has synced it (group commit, storage/flusher.h).
// Nothing is acknowledged as durable before fdatasync of its segment (and, after a roll, of the
// directory) returned. A failed write (ENOSPC, EIO) leaves the log as it was and is returned;
// appends resume when space is back. A failed fsync fails every waiting append and puts the log in
// a failed state (its page cache can no longer be trusted): appends fail with kFailedPrecondition
// until it is reopened. The bytes of appends whose fsync failed stay readable until then, though
// none of them was acknowledged as durable.
//
// Reads serve whole batches from one segment. Bytes not validated since the process started are
// checked (CRC) as they are read, so a corrupt old batch is reported (kCorruption), never served.
//
// Background work, called by the engine's cleaner thread: retention (ApplyRetention), compaction
// (Compact). Both touch only inactive segments and never hold the append lock across I/O.
//
// Thread-safety: all methods are thread-safe. Completion callbacks run on the appending thread
// (kWritten) or a flusher thread (kDurable); they must not block.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/mutex.h"
#include "base/status.h"
#include "storage/aborted_txns.h"
#include "storage/file_system.h"
#include "storage/flusher.h"
#include "storage/log_config.h"
#include "storage/read_slice.h"
#include "storage/recovery_checkpoint.h"
#include "storage/segment.h"

namespace herald::storage {

enum class AckLevel : uint8_t {
  kWritten,  // in the page cache: survives a process crash, not a power loss
  kDurable,  // fsynced: survives a power loss
};

struct AppendInfo {
  int64_t base_offset = 0;
  int64_t last_offset = 0;
  int64_t log_append_time_ms = -1;  // the time given to the batch, on LogAppendTime topics
};
using AppendCallback = std::function<void(Result<AppendInfo>)>;

struct TimestampOffset {
  int64_t offset;
  int64_t timestamp;
};

// What Open() found and did.
struct RecoveryReport {
  bool had_checkpoint = false;
  uint64_t bytes_scanned = 0;    // bytes validated batch by batch
  uint64_t bytes_truncated = 0;  // torn or corrupt tail bytes cut
  int segments_removed = 0;      // segments after a cut
  int corrupt_trusted_segments = 0;  // damaged below the checkpoint: kept, reported on read
};

struct CompactionStats {
  int segments_rewritten = 0;
  int64_t records_removed = 0;
  int64_t bytes_before = 0;
  int64_t bytes_after = 0;
};

struct LogOptions {
  FileSystem* fs = nullptr;   // must outlive the log
  std::string dir;            // the partition directory, created if missing
  LogConfig config;
  Clock* clock = nullptr;     // must outlive the log; the system clock when null
  Flusher* flusher = nullptr; // must outlive the log; without one, durable appends sync inline
  int32_t leader_epoch = 0;   // written into every batch
  // Recovery normally refuses to open a log with damage past the checkpoint that is not a torn
  // write (valid batches follow the bad one). Repair (`herald storage repair`) cuts the log at the
  // damage instead, as it would a torn tail.
  bool repair = false;
};

class Log final : public FlushTarget, public std::enable_shared_from_this<Log> {
 public:
  // Opens (recovering) or creates the log in options.dir.
  static Result<std::shared_ptr<Log>> Open(LogOptions options);
  ~Log() override;
  Log(const Log&) = delete;
  Log& operator=(const Log&) = delete;

  // Validates `batch` and appends it, rewriting its baseOffset and leader epoch in place. `done`
  // is called exactly once: with the assigned offsets when `ack` is met, or with the error:
  // kCorruption (bad length, magic or CRC), kInvalidArgument (larger than max.message.bytes),
  // kNoSpace / kIoError (the disk), kFailedPrecondition (closed or failed). On any error the log
  // is unchanged.
  void Append(MutableByteView batch, AckLevel ack, AppendCallback done);
  // Append of a batch already checked (the produce path validates each batch once, upstream):
  // Write, then for kDurable WhenDurable.
  void Append(const ValidatedBatch& batch, AckLevel ack, AppendCallback done);
  // The synchronous half of Append, for a caller that must know a batch's offsets before it lets
  // the next batch in (the broker's producer state): assigns the offsets, rewriting baseOffset
  // and the leader epoch in place, and writes the batch, readable at once but not yet durable
  // (WhenDurable waits for that). Errors as Append's; on any error the log is unchanged.
  Result<AppendInfo> Write(const ValidatedBatch& batch);
  // Append, waiting for `done`.
  Result<AppendInfo> AppendAndWait(MutableByteView batch, AckLevel ack);

  // Whole batches starting with the one that holds `offset`, at most `max_bytes` (but at least
  // one batch), none at or past `max_offset` (a batch boundary: a read_committed fetch stops at
  // the last stable offset). An empty slice when `offset` is the end offset or at least
  // `max_offset`. kOutOfRange when `offset` is below the log start or above the end;
  // kCorruption when the bytes fail their checks.
  Result<ReadSlice> Read(int64_t offset, uint64_t max_bytes, int64_t max_offset = INT64_MAX) const;

  // The first record whose timestamp is >= `timestamp` (for compressed batches, the batch's
  // base offset), or nullopt when every record is older.
  Result<std::optional<TimestampOffset>> OffsetForTimestamp(int64_t timestamp) const;
  // The largest batch max timestamp in the log, -1 when it holds none.
  int64_t max_timestamp() const;

  int64_t log_start_offset() const;
  int64_t end_offset() const;      // the next offset to assign (= high watermark on one node)
  int64_t durable_offset() const;  // every offset below it is fsynced
  uint64_t size_bytes() const;
  size_t segment_count() const;
  std::vector<std::shared_ptr<const Segment>> segments() const;
  const RecoveryReport& recovery_report() const { return recovery_; }
  LogConfig config() const;
  // OK, or why the log stopped accepting appends (a failed fsync) until it is reopened.
  Status health() const;
  int32_t max_message_bytes() const;  // config().max_message_bytes, without the copy
  // What the broker applies to a batch before writing it, read under one lock per batch.
  struct AppendPolicy {
    bool schema_validation = false;          // key or value schema validation is on
    std::optional<Compression> compression;  // recompress to this codec (nullopt: producer)
    // How far before and after the clock a record's timestamp may be (LogConfig's
    // TimestampBeforeMaxMs and TimestampAfterMaxMs); kNever when unbounded or with LogAppendTime.
    int64_t timestamp_before_max_ms = LogConfig::kNever;
    int64_t timestamp_after_max_ms = LogConfig::kNever;
  };
  AppendPolicy append_policy() const;
  // kOutOfRange when a record's timestamp, or the batch's max timestamp, is more than
  // `before_max_ms` before the clock or more than `after_max_ms` after it (Kafka's
  // INVALID_TIMESTAMP); a record without a timestamp (-1) passes, as in Kafka. Reads every record
  // (decompressing) unless both bounds are kNever.
  Status CheckTimestamps(const ValidatedBatch& batch, const AppendPolicy& policy) const;
  const std::string& dir() const { return options_.dir; }

  // Changes settings; they apply from the next append or cleaner run.
  void SetConfig(const LogConfig& config);

  // DeleteRecords: makes `offset` the log start (durably, before returning) and removes whole
  // segments below it. kOutOfRange when `offset` is past the end. No-op when below the start.
  Status DeleteRecordsBefore(int64_t offset);

  // Deletes whole inactive segments past retention.ms / retention.bytes (if cleanup includes
  // delete). Rolls the active segment first when it alone is past retention.ms. Returns the
  // number of segments deleted.
  Result<int> ApplyRetention();

  // Whether Compact() could find work: cleanup includes compact and a segment was rolled since the
  // last compaction, or delete.retention.ms passed since it (tombstones may have expired).
  bool CompactionDue() const;

  // Compaction (if cleanup includes compact): in the inactive segments keeps only the latest
  // record of each key, and tombstones younger than delete.retention.ms. Offsets never change.
  // Transactions, as Kafka's cleaner treats them: an aborted transaction's batches are removed
  // and its records never count as a key's latest; a committed one's count from its marker;
  // nothing from the first batch of a transaction still open (its marker not among the inactive
  // segments) on is compacted. Markers are kept.
  Result<CompactionStats> Compact();

  // The partition's aborted transactions (aborted_txns.h). AppendAbortedTxn syncs the entry of
  // the abort marker at `txn.last_offset`, before that marker may be acknowledged; AbortedTxns
  // answers a read_committed fetch of [start, upper).
  Status AppendAbortedTxn(const AbortedTxn& txn);
  std::vector<AbortedTxn> AbortedTxns(int64_t start, int64_t upper) const;
  // The last aborted transaction's marker offset; -1 when none is indexed.
  int64_t last_aborted_marker() const;

  // The first offset of the oldest transaction open in the log (-1: none), as the partition's
  // producer state knows it; every checkpoint records it (recovery_checkpoint.h). Until the
  // broker sets it, it holds producer_scan_floor().
  void SetFirstUnstableOffset(int64_t offset) { first_unstable_.store(offset); }
  // Where a rebuild of the producer state must read every segment from, whatever their
  // timestamps, to find each transaction still open: the checkpoint's first unstable offset when
  // the log was closed cleanly; after a crash the lower of it and the checkpoint's recovery offset
  // (a transaction may have begun in what recovery found past it); the log start without a
  // checkpoint. -1 when no transaction can be open. Fixed once the log is open.
  int64_t producer_scan_floor() const { return producer_scan_floor_; }

  // Calls `done` once every offset up to and including `offset` is durable: at once when it
  // already is, else after the flusher's next round (the caller never fsyncs). A failed sync
  // passes its error.
  void WhenDurable(int64_t offset, std::function<void(Status)> done);

  // Syncs everything written so far; completes durable waiters.
  Status Flush();
  // Writes the recovery checkpoint at the durable offset (syncing index files first).
  Status Checkpoint();
  // Flushes, syncs indexes, writes the checkpoint. Later appends fail; reads still work.
  Status Close();

  // FlushTarget.
  void FlushNow() override;
  void FlushIfDue(int64_t now_ms) override;

 private:
  struct Waiter {
    int64_t last_offset;
    std::function<void(Status)> done;
  };


  explicit Log(LogOptions options);
  // Recover and its phases run in Open, before any other thread can see the log: they take no
  // lock.
  Status Recover() NO_THREAD_SAFETY_ANALYSIS;
  Result<std::vector<int64_t>> ListSegmentFiles();
  Status CreateFirstSegment(const std::optional<RecoveryCheckpoint>& checkpoint)
      NO_THREAD_SAFETY_ANALYSIS;
  static size_t FirstUntrustedSegment(const std::vector<int64_t>& bases,
                                      const std::optional<RecoveryCheckpoint>& checkpoint);
  Status OpenTrustedSegments(const std::vector<int64_t>& bases, size_t first_tail)
      NO_THREAD_SAFETY_ANALYSIS;
  Result<bool> RecoverTailSegments(const std::vector<int64_t>& bases, size_t first_tail,
                                   const std::optional<RecoveryCheckpoint>& checkpoint)
      NO_THREAD_SAFETY_ANALYSIS;
  void PublishRecoveredOffsets(const std::optional<RecoveryCheckpoint>& checkpoint)
      NO_THREAD_SAFETY_ANALYSIS;
  Status RefreshCheckpoint(const std::optional<RecoveryCheckpoint>& checkpoint)
      NO_THREAD_SAFETY_ANALYSIS;
  uint32_t IndexInterval() const NO_THREAD_SAFETY_ANALYSIS;
  Status WriteCheckpointFile(int64_t recovery_offset, int64_t log_start);
  // Checkpoint at `recovery` (durable), syncing the active segment's indexes first.
  Status CheckpointAt(int64_t recovery, const std::shared_ptr<Segment>& active)
      REQUIRES(flush_mu_);
  Status Roll(int64_t now_ms) REQUIRES(append_mu_);
  Status DoFlush();
  void FailWaiters(const Status& status);
  std::shared_ptr<Segment> SegmentFor(int64_t offset) const;
  std::shared_ptr<Segment> NextSegment(int64_t base_offset) const;
  Status RemoveSegments(const std::vector<std::shared_ptr<Segment>>& doomed);
  Result<bool> CompactSegment(const std::shared_ptr<Segment>& segment,
                              const std::map<std::string, int64_t>& latest,
                              const std::set<int64_t>& aborted, int64_t now_ms,
                              CompactionStats& stats);

  const LogOptions options_;
  FileSystem& fs_;
  Clock& clock_;
  const std::string checkpoint_path_;
  RecoveryReport recovery_;
  std::unique_ptr<AbortedTxnIndex> aborted_txns_;  // set by Recover, then thread-safe itself

  // Writer state. Lock order: cleaner_mu_ -> flush_mu_ -> append_mu_ -> segments_mu_.
  mutable Mutex append_mu_;
  LogConfig config_ GUARDED_BY(append_mu_);
  std::shared_ptr<Segment> active_ GUARDED_BY(append_mu_);
  std::vector<std::shared_ptr<Segment>> rolled_unsynced_ GUARDED_BY(append_mu_);
  bool dir_dirty_ GUARDED_BY(append_mu_) = false;
  std::deque<Waiter> waiters_ GUARDED_BY(append_mu_);
  int64_t unflushed_messages_ GUARDED_BY(append_mu_) = 0;
  int64_t first_unflushed_ms_ GUARDED_BY(append_mu_) = -1;
  Status failed_ GUARDED_BY(append_mu_);
  bool closed_ GUARDED_BY(append_mu_) = false;
  bool roll_before_append_ GUARDED_BY(append_mu_) = false;
  std::atomic<int64_t> end_offset_{0};
  std::atomic<int64_t> durable_offset_{0};
  std::atomic<int64_t> log_start_offset_{0};
  std::atomic<int64_t> first_unstable_{-1};
  int64_t producer_scan_floor_ = 0;  // set by Recover
  int64_t checkpointed_offset_ GUARDED_BY(flush_mu_) = -1;

  // The segment map, read by readers, changed by rolls, retention and compaction.
  mutable SharedMutex segments_mu_;
  std::map<int64_t, std::shared_ptr<Segment>> segments_ GUARDED_BY(segments_mu_);

  Mutex flush_mu_;    // one flush at a time
  Mutex cleaner_mu_;  // one of retention / compaction / DeleteRecords at a time
  std::atomic<int64_t> compacted_active_base_{-1};  // the active segment at the last compaction
  std::atomic<int64_t> compacted_at_ms_{0};
  // When the first segment that min.compaction.lag.ms held back becomes old enough.
  std::atomic<int64_t> held_back_until_ms_{LogConfig::kNever};
};

}  // namespace herald::storage
