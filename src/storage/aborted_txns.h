// The transactions aborted in one partition, which a read_committed fetch answers with so that the
// client drops their records: one file per partition log, `aborted-txns`, of Kafka's transaction
// index entries (the layout of its .txnindex files) in the order of their markers:
//
//   aborted-txns := entry*
//   entry := version:int16(0) producerId:int64 firstOffset:int64 lastOffset:int64
//            lastStableOffset:int64                                    (34 bytes, big-endian)
//
// firstOffset is the transaction's first record in the partition (its marker's offset when it
// wrote none here), lastOffset its abort marker's, lastStableOffset the partition's last stable
// offset once the marker was written.
//
// An entry is synced before its marker is acknowledged. So after a crash the file may name a
// marker the log lost (at or past its end: dropped on open; the coordinator writes the marker
// again) or, when the crash came between the marker and its entry, miss the entry of a marker
// the log kept (the broker adds it back from the log at start, see broker/producer_state.h).
// Entries wholly before the log's start are dropped on open. A torn last entry is cut; an entry
// out of order or of another version is damage (kCorruption).
//
// Thread-safety: thread-safe; Append is called by one writer at a time (the partition's).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/mutex.h"
#include "base/status.h"
#include "storage/file_system.h"

namespace herald::storage {

inline constexpr char kAbortedTxnsName[] = "aborted-txns";
inline constexpr size_t kAbortedTxnEntrySize = 34;

struct AbortedTxn {
  int64_t producer_id = -1;
  int64_t first_offset = -1;
  int64_t last_offset = -1;  // the abort marker's offset
  int64_t last_stable_offset = -1;
  bool operator==(const AbortedTxn&) const = default;
};

class AbortedTxnIndex {
 public:
  // Opens `path`, creating it when missing, for a log holding [log_start_offset,
  // log_end_offset). Rewrites the file (atomically) when entries were dropped or a torn one cut.
  // With `repair`, damage is cut too: the entries before it are kept (the broker indexes again
  // the aborts of the log's recent segments it finds missing).
  static Result<std::unique_ptr<AbortedTxnIndex>> Open(FileSystem& fs, std::string path,
                                                       int64_t log_start_offset,
                                                       int64_t log_end_offset, bool repair = false);

  // Appends `txn` and syncs it. kInvalidArgument when its marker is not after the last entry's
  // or its offsets are out of order; I/O errors from the file (the entry is then not kept), and
  // kFailedPrecondition after a failure that left part of an entry behind.
  Status Append(const AbortedTxn& txn);

  // The aborted transactions with records in [start, upper): last_offset >= start and
  // first_offset < upper, in marker order.
  std::vector<AbortedTxn> Overlapping(int64_t start, int64_t upper) const;

  // The last entry's marker offset; -1 when there is none.
  int64_t last_marker_offset() const;
  size_t size() const;

 private:
  AbortedTxnIndex(std::unique_ptr<File> file, std::vector<AbortedTxn> entries)
      : file_(std::move(file)), entries_(std::move(entries)) {}

  mutable Mutex mu_;
  std::unique_ptr<File> file_ GUARDED_BY(mu_);
  // Set when a failed append could not be undone: the file may end in part of an entry, so
  // nothing more is appended until it is opened again (which cuts that part).
  Status failed_ GUARDED_BY(mu_);
  std::vector<AbortedTxn> entries_ GUARDED_BY(mu_);
};

// Whether a batch of `producer_id` at `offset` belongs to one of the `aborted` transactions (a
// read_committed reader drops it): one of them is the producer's and spans the offset.
bool InAbortedTxn(const std::vector<AbortedTxn>& aborted, int64_t producer_id, int64_t offset);

// One entry's bytes, and an entry from exactly kAbortedTxnEntrySize bytes (kCorruption for
// another version).
void EncodeAbortedTxn(const AbortedTxn& txn, uint8_t* out);
Result<AbortedTxn> DecodeAbortedTxn(ByteView bytes);

}  // namespace herald::storage
