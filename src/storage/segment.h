// Segment: one file of a partition's log, with its offset and time indexes.
//
// Files in the partition directory, named by the segment's base offset (20 digits):
//   00000000000000000000.log        record batches, back to back, exactly as validated
//   00000000000000000000.index      sparse offset index (storage/index.h)
//   00000000000000000000.timeindex  sparse time index
//
// A segment is appended to by one writer (the partition's Log, under its append lock) and read
// by any number of readers at once: the writer publishes size and next offset with release
// stores after the bytes are written, so a reader that loads them sees whole batches.
// Readers hold a std::shared_ptr<Segment>; a deleted segment's files stay readable until the
// last holder lets go.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "base/bytes.h"
#include "base/mutex.h"
#include "base/status.h"
#include "storage/file_system.h"
#include "storage/index.h"
#include "storage/record_batch.h"

namespace herald::storage {

class Segment {
 public:
  static std::string FileStem(int64_t base_offset);  // 20-digit zero-padded base offset
  static std::string LogFileName(int64_t base_offset) { return FileStem(base_offset) + ".log"; }
  static std::string IndexFileName(int64_t base_offset) {
    return FileStem(base_offset) + ".index";
  }
  static std::string TimeIndexFileName(int64_t base_offset) {
    return FileStem(base_offset) + ".timeindex";
  }
  // Parses "<20 digits>.log" into a base offset.
  static std::optional<int64_t> ParseLogFileName(const std::string& name);

  // Creates an empty segment (creating or emptying its three files). The new directory entries
  // are durable only after the caller syncs the directory.
  static Result<std::shared_ptr<Segment>> Create(FileSystem& fs, const std::string& dir,
                                                 int64_t base_offset, uint32_t index_interval,
                                                 int64_t now_ms);

  // Opens an existing segment's files (creating missing index files) without reading the log.
  // The segment reports no content until one of the Recover* calls below.
  static Result<std::shared_ptr<Segment>> Open(FileSystem& fs, const std::string& dir,
                                               int64_t base_offset, uint32_t index_interval,
                                               int64_t now_ms);

  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;

  // Recovery of a segment whose bytes were synced before the last checkpoint: loads the indexes
  // (keeping their valid prefix) and reads only the batches after the last index entry to learn
  // the next offset and the largest timestamp; when the index is missing or damaged it rebuilds
  // it from the whole segment. Returns kCorruption when a batch does not validate; the segment
  // then keeps all its bytes (reads of the bad batch report it) and ends at `next_segment_base`.
  Status RecoverTrusted(std::optional<int64_t> next_segment_base);

  // Recovery of a segment that may hold unsynced bytes: trusts the bytes before the indexed batch
  // at or below `from_offset` (falling back to the segment start when that index entry does not
  // match the log), then validates every batch after it and truncates the segment before the
  // first one that is torn or corrupt.
  // A bad batch found below `durable_offset` (offsets the last checkpoint vouched for) is not a
  // torn write but damage to acknowledged data: then nothing is cut, the segment keeps all its
  // bytes (reads of the bad batch report it) and ends at `durable_offset`. A bad batch past it
  // that valid batches follow (so not a torn write either) is kCorruption, with nothing cut,
  // unless `cut_damage`.
  struct TailRecovery {
    uint64_t bytes_scanned = 0;
    uint64_t bytes_truncated = 0;
    bool damaged_durable_data = false;
  };
  Result<TailRecovery> RecoverTail(int64_t from_offset, int64_t durable_offset,
                                   bool cut_damage = false);

  // Appends one validated batch whose offsets the Log assigned. Writer only. On failure the
  // segment is unchanged (the file keeps its size) and the error is returned. The first append
  // starts the segment's age (segment.ms) at `now_ms`.
  Status Append(ByteView batch, const BatchHeader& header, int64_t now_ms);

  // Position of the first batch before `limit` whose last offset is >= `offset`, or `limit`
  // when there is none.
  // kCorruption when a batch header on the way does not parse.
  Result<uint64_t> FindBatchPosition(int64_t offset, uint64_t limit) const;

  // End of the whole batches that start at `pos` and fit in `max_bytes` (at least one batch,
  // even a larger one), never past `limit`.
  Result<uint64_t> SliceEnd(uint64_t pos, uint64_t max_bytes, uint64_t limit) const;

  // Whether [begin, end) was validated in this process (appended, or read and checked).
  bool IsVerified(uint64_t begin, uint64_t end) const;
  // Reads [pos, end). Every batch in it is validated (CRC, offsets increasing and inside the
  // segment) unless the range was validated before. Returns the bytes of the valid batches from
  // `pos` on, stopping before the first bad one; kCorruption names it when it is the first.
  Result<Buffer> ReadVerified(uint64_t pos, uint64_t end) const;

  // Calls fn(header, bytes) for each batch from `pos` to `limit`, validating each; stops early
  // when fn returns false. kCorruption on the first bad batch.
  Status ForEachBatch(uint64_t pos, uint64_t limit,
                      const std::function<bool(const BatchHeader&, ByteView, uint64_t)>& fn) const;

  // The header of the batch at `pos` (no CRC check), kCorruption if it does not parse or runs
  // past `limit`.
  Result<BatchHeader> ReadHeaderAt(uint64_t pos, uint64_t limit) const;

  // Where to start scanning for the first record at or after `timestamp` (time index, then the
  // offset index); 0 when the indexes do not help.
  uint64_t PositionForTimestamp(int64_t timestamp) const;

  // Makes appended log bytes durable, then writes pending index entries (not synced; the index
  // is derived data, so failing to write it does not fail the sync).
  Status Sync();
  // Writes and syncs the index files.
  Status SyncIndexes();
  // Removes the segment's files; open handles stay readable.
  Status RemoveFiles();

  int64_t base_offset() const { return base_offset_; }
  // One past the last offset stored (base_offset() when empty).
  int64_t next_offset() const { return next_offset_.load(std::memory_order_acquire); }
  uint64_t size() const { return size_.load(std::memory_order_acquire); }
  // Largest batch max timestamp, -1 when empty.
  int64_t max_timestamp() const { return max_timestamp_.load(std::memory_order_acquire); }
  // When the first batch was appended (or the segment opened): for segment.ms.
  int64_t created_ms() const { return created_ms_.load(std::memory_order_relaxed); }
  bool empty() const { return size() == 0; }
  const SegmentIndex& index() const { return index_; }
  const File& log_file() const { return *log_; }
  const std::string& log_path() const { return log_path_; }

 private:
  Segment(FileSystem& fs, std::string dir, int64_t base_offset, uint32_t index_interval,
          int64_t now_ms, std::unique_ptr<File> log, std::unique_ptr<File> index,
          std::unique_ptr<File> time_index);

  static Result<std::shared_ptr<Segment>> OpenFiles(FileSystem& fs, const std::string& dir,
                                                    int64_t base_offset, uint32_t index_interval,
                                                    int64_t now_ms, OpenMode mode);
  // Updates the in-memory state and indexes for a batch at `pos` (writer and recovery).
  void NoteBatch(const BatchHeader& header, uint64_t pos);
  // Validates batches from `pos` to the end of file, noting each; stops at the first bad one.
  // Returns the position after the last good batch and why it stopped (OK at end of file).
  // With `contiguous`, each batch must start exactly where the one before ended (no gaps, as in
  // any segment compaction has not touched).
  std::pair<uint64_t, Status> ScanAndNote(uint64_t pos, int64_t first_offset, bool contiguous);
  // Walks validated batches from `pos` to `limit`, the first starting at or after
  // `first_offset` (exactly there with `contiguous`); returns where it stopped and why.
  std::pair<uint64_t, Status> Scan(
      uint64_t pos, uint64_t limit, int64_t first_offset, bool contiguous,
      const std::function<bool(const BatchHeader&, ByteView, uint64_t)>& fn) const;
  // The position of an index entry, checked against the log if it came from the file; nullopt
  // when it does not name the batch there.
  std::optional<uint64_t> CheckedPosition(const OffsetIndexEntry& entry) const;
  // ReadHeaderAt for serving reads: the batch must also lie below next_offset().
  Result<BatchHeader> ReadServedHeaderAt(uint64_t pos, uint64_t limit) const;
  void MarkVerified(uint64_t begin, uint64_t end) const;
  // Forgets the in-memory index and position state (before a full rescan).
  Status ResetIndex();

  FileSystem& fs_;
  const std::string dir_;
  const std::string log_path_;
  const int64_t base_offset_;
  const uint32_t index_interval_;
  std::atomic<int64_t> created_ms_;
  std::unique_ptr<File> log_;
  SegmentIndex index_;

  std::atomic<uint64_t> size_{0};
  std::atomic<int64_t> next_offset_;
  std::atomic<int64_t> max_timestamp_{-1};
  // [verified_begin_, verified_end_) passed validation in this process: reads inside it skip
  // the CRC check.
  mutable Mutex verified_mu_;
  mutable uint64_t verified_begin_ GUARDED_BY(verified_mu_) = 0;
  mutable uint64_t verified_end_ GUARDED_BY(verified_mu_) = 0;
  // Writer state for spacing index entries.
  std::optional<uint64_t> last_index_position_;
  int64_t last_time_entry_ts_ = -1;
};

}  // namespace herald::storage
