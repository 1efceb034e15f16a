#include "storage/aborted_txns.h"

#include <algorithm>
#include <utility>

#include "base/bytes.h"

namespace herald::storage {
namespace {

constexpr int16_t kEntryVersion = 0;

Buffer EncodeAll(const std::vector<AbortedTxn>& entries) {
  Buffer out(entries.size() * kAbortedTxnEntrySize);
  for (size_t i = 0; i < entries.size(); ++i) {
    EncodeAbortedTxn(entries[i], out.data() + i * kAbortedTxnEntrySize);
  }
  return out;
}

Status CheckOrder(const AbortedTxn& txn, int64_t last_marker) {
  if (txn.first_offset < 0 || txn.first_offset > txn.last_offset) {
    return InvalidArgument(
        "aborted transaction of producer {}: first offset {} after its marker {}", txn.producer_id,
        txn.first_offset, txn.last_offset);
  }
  if (txn.last_offset <= last_marker) {
    return InvalidArgument("aborted transaction of producer {}: marker {} not after the last, {}",
                           txn.producer_id, txn.last_offset, last_marker);
  }
  return Status::Ok();
}

}  // namespace

void EncodeAbortedTxn(const AbortedTxn& txn, uint8_t* out) {
  StoreBigEndian<int16_t>(out, kEntryVersion);
  StoreBigEndian<int64_t>(out + 2, txn.producer_id);
  StoreBigEndian<int64_t>(out + 10, txn.first_offset);
  StoreBigEndian<int64_t>(out + 18, txn.last_offset);
  StoreBigEndian<int64_t>(out + 26, txn.last_stable_offset);
}

Result<AbortedTxn> DecodeAbortedTxn(ByteView bytes) {
  if (bytes.size() != kAbortedTxnEntrySize) {
    return Corruption("an aborted transaction entry is {} bytes, not {}", bytes.size(),
                      kAbortedTxnEntrySize);
  }
  const auto version = LoadBigEndian<int16_t>(bytes.data());
  if (version != kEntryVersion)
    return Corruption("aborted transaction entry of version {}", version);
  AbortedTxn txn;
  txn.producer_id = LoadBigEndian<int64_t>(bytes.data() + 2);
  txn.first_offset = LoadBigEndian<int64_t>(bytes.data() + 10);
  txn.last_offset = LoadBigEndian<int64_t>(bytes.data() + 18);
  txn.last_stable_offset = LoadBigEndian<int64_t>(bytes.data() + 26);
  return txn;
}

Result<std::unique_ptr<AbortedTxnIndex>> AbortedTxnIndex::Open(FileSystem& fs, std::string path,
                                                               int64_t log_start_offset,
                                                               int64_t log_end_offset,
                                                               bool repair) {
  if (!fs.Exists(path)) {
    // The file's name must survive a crash before an entry synced into it can.
    HERALD_ASSIGN_OR_RETURN(auto file, fs.Open(path, OpenMode::kCreateOrOpen));
    HERALD_RETURN_IF_ERROR(fs.SyncDir(DirName(path)));
    return std::unique_ptr<AbortedTxnIndex>(new AbortedTxnIndex(std::move(file), {}));
  }
  HERALD_ASSIGN_OR_RETURN(Buffer bytes, ReadFile(fs, path));
  const size_t whole = bytes.size() / kAbortedTxnEntrySize;
  bool rewrite = bytes.size() % kAbortedTxnEntrySize != 0;  // a torn last entry
  std::vector<AbortedTxn> entries;
  int64_t last_marker = -1;
  for (size_t i = 0; i < whole; ++i) {
    auto txn =
        DecodeAbortedTxn(ByteView(bytes).subspan(i * kAbortedTxnEntrySize, kAbortedTxnEntrySize));
    Status valid = txn.ok() ? CheckOrder(*txn, last_marker) : txn.status();
    if (!valid.ok()) {
      if (repair) {
        rewrite = true;  // cut here
        break;
      }
      return Corruption("{}: entry {}: {}", path, i, valid.message());
    }
    last_marker = txn->last_offset;
    if (txn->last_offset >= log_end_offset || txn->last_offset < log_start_offset) {
      rewrite = true;  // a marker the log lost, or one before its start
      continue;
    }
    entries.push_back(*txn);
  }
  if (rewrite) HERALD_RETURN_IF_ERROR(WriteFileAtomic(fs, path, EncodeAll(entries)));
  HERALD_ASSIGN_OR_RETURN(auto file, fs.Open(path, OpenMode::kCreateOrOpen));
  if (file->Size() != entries.size() * kAbortedTxnEntrySize) {
    return Corruption("{}: {} bytes after writing {} entries", path, file->Size(), entries.size());
  }
  return std::unique_ptr<AbortedTxnIndex>(new AbortedTxnIndex(std::move(file), std::move(entries)));
}

Status AbortedTxnIndex::Append(const AbortedTxn& txn) {
  MutexLock lock(mu_);
  HERALD_RETURN_IF_ERROR(failed_);
  HERALD_RETURN_IF_ERROR(
      CheckOrder(txn, entries_.empty() ? int64_t{-1} : entries_.back().last_offset));
  uint8_t bytes[kAbortedTxnEntrySize];
  EncodeAbortedTxn(txn, bytes);
  const uint64_t size = file_->Size();
  Status written = file_->Append(ByteView(bytes, sizeof bytes));
  if (written.ok()) written = file_->Sync();
  if (!written.ok()) {
    // Leave no partial entry behind; what the file holds past `size` is not an entry.
    if (Status cut = file_->Truncate(size); !cut.ok()) {
      failed_ = FailedPrecondition(
          "the aborted-transaction index could not undo a failed append "
          "({}); it takes no entry until reopened",
          cut.ToString());
    }
    return written;
  }
  entries_.push_back(txn);
  return Status::Ok();
}

std::vector<AbortedTxn> AbortedTxnIndex::Overlapping(int64_t start, int64_t upper) const {
  MutexLock lock(mu_);
  std::vector<AbortedTxn> out;
  auto it = std::lower_bound(entries_.begin(), entries_.end(), start,
                             [](const AbortedTxn& t, int64_t at) { return t.last_offset < at; });
  for (; it != entries_.end(); ++it) {
    if (it->first_offset < upper) out.push_back(*it);
  }
  return out;
}

bool InAbortedTxn(const std::vector<AbortedTxn>& aborted, int64_t producer_id, int64_t offset) {
  return std::any_of(aborted.begin(), aborted.end(), [&](const AbortedTxn& t) {
    return t.producer_id == producer_id && t.first_offset <= offset && offset <= t.last_offset;
  });
}

int64_t AbortedTxnIndex::last_marker_offset() const {
  MutexLock lock(mu_);
  return entries_.empty() ? -1 : entries_.back().last_offset;
}

size_t AbortedTxnIndex::size() const {
  MutexLock lock(mu_);
  return entries_.size();
}

}  // namespace herald::storage
