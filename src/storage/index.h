// Sparse indexes of one segment, kept in memory and mirrored to files.
//
// Offset index file `<base>.index`, a sequence of 8-byte entries:
//   entry := relativeOffset:uint32 position:uint32      (big-endian)
// mapping the base offset of a batch (minus the segment's base offset) to its byte position.
//
// Time index file `<base>.timeindex`, a sequence of 12-byte entries:
//   entry := timestamp:int64 relativeOffset:uint32
// saying that batches up to relativeOffset have timestamps up to `timestamp`.
//
// An entry is added about every `index_interval_bytes` of log. Both indexes are derived data:
// they are checked when loaded (entries strictly increasing and inside the log) and rebuilt from
// the log when missing or damaged. An offset entry loaded from a file is untrusted until a reader
// has checked that the batch at its position carries its offset (MarkTrusted); entries added in
// this process are trusted. Entries are appended to their files lazily (on flush); their
// files are synced when a segment is rolled or closed.
//
// Thread-safety: internally locked; one writer (Add, Truncate, Persist), many readers.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "base/bytes.h"
#include "base/mutex.h"
#include "base/status.h"
#include "storage/file_system.h"

namespace herald::storage {

struct OffsetIndexEntry {
  uint32_t relative_offset;
  uint32_t position;
  // Lookups only: false for an entry loaded from the file and not yet checked against the log.
  bool trusted = true;
};

struct TimeIndexEntry {
  int64_t timestamp;
  uint32_t relative_offset;
};

inline constexpr size_t kOffsetIndexEntrySize = 8;
inline constexpr size_t kTimeIndexEntrySize = 12;

class SegmentIndex {
 public:
  // Takes ownership of the two files (opened read-write).
  SegmentIndex(std::unique_ptr<File> offset_file, std::unique_ptr<File> time_file);

  struct LoadReport {
    bool offset_intact = true;  // every entry in the file was valid
    bool time_intact = true;
  };

  // Reads both files and keeps their longest valid prefixes: entries strictly increasing, offset
  // positions below `log_size`. Invalid suffixes are cut from the files too.
  Result<LoadReport> Load(uint64_t log_size);

  // Adds entries (the writer guarantees they increase).
  void AddOffset(OffsetIndexEntry e);
  void AddTime(TimeIndexEntry e);

  // Marks the entry for `relative_offset` as checked against the log.
  void MarkTrusted(uint32_t relative_offset) const;

  // The last entry with relative_offset <= rel, if any.
  std::optional<OffsetIndexEntry> FloorOffset(uint32_t rel) const;
  // The last entry with position <= pos, if any.
  std::optional<OffsetIndexEntry> FloorPosition(uint64_t pos) const;
  // The last entry with timestamp < ts, if any: every batch up to it is older than ts.
  std::optional<TimeIndexEntry> FloorTime(int64_t ts) const;
  std::optional<OffsetIndexEntry> LastOffsetEntry() const;
  std::optional<TimeIndexEntry> LastTimeEntry() const;

  // Drops offset entries at or past `position` and time entries at or past `relative_offset`
  // (used when the log is truncated). Cuts the files when needed.
  Status TruncateTo(uint64_t position, uint32_t relative_offset);
  // Removes every entry, in memory and in the files.
  Status Clear();

  // Writes entries not yet in the files. With `sync`, makes the files durable.
  Status Persist(bool sync);

  size_t offset_entries() const;

 private:
  mutable Mutex mu_;
  const std::unique_ptr<File> offset_file_;  // set at construction; File is thread-safe
  const std::unique_ptr<File> time_file_;
  std::vector<OffsetIndexEntry> offsets_ GUARDED_BY(mu_);
  std::vector<TimeIndexEntry> times_ GUARDED_BY(mu_);
  // For the first checked_.size() entries (loaded from the file).
  mutable std::vector<uint8_t> checked_ GUARDED_BY(mu_);
  size_t offsets_persisted_ GUARDED_BY(mu_) = 0;  // entries [0, n) are in the file
  size_t times_persisted_ GUARDED_BY(mu_) = 0;
};

}  // namespace herald::storage
