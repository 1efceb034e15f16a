#include "storage/segment.h"
#include "base/mutex.h"

#include <algorithm>
#include <charconv>
#include <limits>

#include <fmt/format.h>

namespace herald::storage {
namespace {

constexpr size_t kScanChunk = 1 << 20;

uint32_t Relative(int64_t offset, int64_t base) {
  if (offset <= base) return 0;
  return static_cast<uint32_t>(
      std::min<int64_t>(offset - base, std::numeric_limits<uint32_t>::max()));
}

}  // namespace

std::string Segment::FileStem(int64_t base_offset) { return fmt::format("{:020d}", base_offset); }

std::optional<int64_t> Segment::ParseLogFileName(const std::string& name) {
  if (name.size() != 24 || !name.ends_with(".log")) return std::nullopt;
  for (size_t i = 0; i < 20; ++i) {
    if (name[i] < '0' || name[i] > '9') return std::nullopt;
  }
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(name.data(), name.data() + 20, value);
  if (ec != std::errc() || ptr != name.data() + 20 || value < 0) return std::nullopt;
  return value;
}

Segment::Segment(FileSystem& fs, std::string dir, int64_t base_offset, uint32_t index_interval,
                 int64_t now_ms, std::unique_ptr<File> log, std::unique_ptr<File> index,
                 std::unique_ptr<File> time_index)
    : fs_(fs),
      dir_(std::move(dir)),
      log_path_(JoinPath(dir_, LogFileName(base_offset))),
      base_offset_(base_offset),
      index_interval_(index_interval),
      created_ms_(now_ms),
      log_(std::move(log)),
      index_(std::move(index), std::move(time_index)),
      next_offset_(base_offset) {}

Result<std::shared_ptr<Segment>> Segment::OpenFiles(FileSystem& fs, const std::string& dir,
                                                    int64_t base_offset, uint32_t index_interval,
                                                    int64_t now_ms, OpenMode mode) {
  HERALD_ASSIGN_OR_RETURN(auto log, fs.Open(JoinPath(dir, LogFileName(base_offset)), mode));
  HERALD_ASSIGN_OR_RETURN(auto index, fs.Open(JoinPath(dir, IndexFileName(base_offset)), mode));
  HERALD_ASSIGN_OR_RETURN(auto time_index,
                          fs.Open(JoinPath(dir, TimeIndexFileName(base_offset)), mode));
  return std::shared_ptr<Segment>(new Segment(fs, dir, base_offset, index_interval, now_ms,
                                              std::move(log), std::move(index),
                                              std::move(time_index)));
}

Result<std::shared_ptr<Segment>> Segment::Create(FileSystem& fs, const std::string& dir,
                                                 int64_t base_offset, uint32_t index_interval,
                                                 int64_t now_ms) {
  return OpenFiles(fs, dir, base_offset, index_interval, now_ms, OpenMode::kCreate);
}

Result<std::shared_ptr<Segment>> Segment::Open(FileSystem& fs, const std::string& dir,
                                               int64_t base_offset, uint32_t index_interval,
                                               int64_t now_ms) {
  if (!fs.Exists(JoinPath(dir, LogFileName(base_offset)))) {
    return NotFound("segment {} in {} has no log file", base_offset, dir);
  }
  return OpenFiles(fs, dir, base_offset, index_interval, now_ms, OpenMode::kCreateOrOpen);
}

void Segment::NoteBatch(const BatchHeader& h, uint64_t pos) {
  int64_t max_ts = std::max(max_timestamp_.load(std::memory_order_relaxed), h.max_timestamp);
  // Strictly after the last entry: recovery resumes at an indexed batch and must not add it twice.
  if (!last_index_position_ ||
      (pos > *last_index_position_ && pos - *last_index_position_ >= index_interval_)) {
    uint32_t rel = Relative(h.base_offset, base_offset_);
    index_.AddOffset({rel, static_cast<uint32_t>(pos)});
    last_index_position_ = pos;
    if (max_ts > last_time_entry_ts_) {
      index_.AddTime({max_ts, rel});
      last_time_entry_ts_ = max_ts;
    }
  }
  max_timestamp_.store(max_ts, std::memory_order_release);
  // next_offset_ before size_: a reader that sees the new size also sees the new next offset.
  next_offset_.store(h.next_offset(), std::memory_order_release);
  size_.store(pos + h.size(), std::memory_order_release);
}

std::pair<uint64_t, Status> Segment::Scan(
    uint64_t pos, uint64_t limit, int64_t first_offset, bool contiguous,
    const std::function<bool(const BatchHeader&, ByteView, uint64_t)>& fn) const {
  Buffer chunk;
  uint64_t chunk_pos = pos;  // file position of chunk[0]
  int64_t expected_min_offset = std::max(first_offset, base_offset_);
  while (pos < limit) {
    // Make sure the chunk holds the batch header at `pos`, then the whole batch.
    auto ensure = [&](uint64_t need_end) -> Status {
      need_end = std::min(need_end, limit);
      if (pos >= chunk_pos && need_end <= chunk_pos + chunk.size()) return Status::Ok();
      chunk_pos = pos;
      chunk.resize(std::min<uint64_t>(std::max<uint64_t>(need_end - pos, kScanChunk), limit - pos));
      HERALD_ASSIGN_OR_RETURN(size_t n, log_->ReadAt(pos, chunk));
      chunk.resize(n);
      return Status::Ok();
    };
    if (Status s = ensure(pos + kBatchHeaderSize); !s.ok()) return {pos, s};
    ByteView avail = ByteView(chunk).subspan(pos - chunk_pos);
    if (avail.size() < kBatchHeaderSize) {
      return {pos, Corruption("{}: torn batch header at position {}", log_path_, pos)};
    }
    auto header = ParseBatchHeader(avail);
    if (!header.ok()) return {pos, header.status().WithContext(fmt::format("{} position {}", log_path_, pos))};
    if (pos + header->size() > limit) {
      return {pos, Corruption("{}: batch at position {} runs past the end ({} bytes)", log_path_,
                              pos, header->size())};
    }
    if (Status s = ensure(pos + header->size()); !s.ok()) return {pos, s};
    avail = ByteView(chunk).subspan(pos - chunk_pos);
    if (avail.size() < header->size()) {
      return {pos, Corruption("{}: torn batch at position {}", log_path_, pos)};
    }
    ByteView batch = avail.first(header->size());
    auto valid = ValidateBatch(batch);
    if (!valid.ok()) return {pos, valid.status().WithContext(fmt::format("{} position {}", log_path_, pos))};
    if (valid->base_offset < expected_min_offset ||
        (contiguous && valid->base_offset != expected_min_offset)) {
      return {pos, Corruption("{}: batch at position {} has offset {} where {} was expected",
                              log_path_, pos, valid->base_offset, expected_min_offset)};
    }
    expected_min_offset = valid->next_offset();
    if (!fn(*valid, batch, pos)) return {pos, Status::Ok()};
    pos += valid->size();
  }
  return {pos, Status::Ok()};
}

std::pair<uint64_t, Status> Segment::ScanAndNote(uint64_t pos, int64_t first_offset,
                                                  bool contiguous) {
  return Scan(pos, log_->Size(), first_offset, contiguous,
              [this](const BatchHeader& h, ByteView, uint64_t at) {
                NoteBatch(h, at);
                return true;
              });
}

Status Segment::RecoverTrusted(std::optional<int64_t> next_segment_base) {
  uint64_t file_size = log_->Size();
  HERALD_ASSIGN_OR_RETURN(auto report, index_.Load(file_size));
  (void)report;
  if (auto last = index_.LastOffsetEntry()) {
    // Learn the batches from the last indexed one on, without re-adding its entry.
    auto header = ReadHeaderAt(last->position, file_size);
    if (header.ok() && header->base_offset == base_offset_ + last->relative_offset) {
      index_.MarkTrusted(last->relative_offset);
      last_index_position_ = last->position;
      auto last_time = index_.LastTimeEntry();
      last_time_entry_ts_ = last_time ? last_time->timestamp : -1;
      max_timestamp_.store(last_time_entry_ts_);
      next_offset_.store(header->base_offset);
      if (ScanAndNote(last->position, header->base_offset, false).second.ok()) {
        index_.Persist(/*sync=*/false).IgnoreError();  // entries the scan added, if any
        return Status::Ok();
      }
    }
  }
  // No index, a damaged one, or bad bytes after it: rebuild the index from the whole segment,
  // and write it back so the next open need not.
  HERALD_RETURN_IF_ERROR(ResetIndex());
  auto [end, status] = ScanAndNote(0, base_offset_, false);
  index_.Persist(/*sync=*/true).IgnoreError();  // derived data: a failure costs a rescan later
  if (!status.ok()) {
    // Keep every byte: the bad batch is reported to whoever reads it, never served.
    size_.store(file_size);
    if (next_segment_base) next_offset_.store(*next_segment_base);
  }
  return status;
}

Status Segment::ResetIndex() {
  HERALD_RETURN_IF_ERROR(index_.Clear());
  last_index_position_.reset();
  last_time_entry_ts_ = -1;
  max_timestamp_.store(-1);
  next_offset_.store(base_offset_);
  size_.store(0);
  return Status::Ok();
}

Result<Segment::TailRecovery> Segment::RecoverTail(int64_t from_offset, int64_t durable_offset,
                                                   bool cut_damage) {
  uint64_t file_size = log_->Size();
  HERALD_ASSIGN_OR_RETURN(auto report, index_.Load(file_size));
  (void)report;
  auto entry = index_.FloorOffset(Relative(from_offset, base_offset_));
  if (entry) {
    // Trust the index entry only if the batch it points at is the one it names.
    auto header = ReadHeaderAt(entry->position, file_size);
    if (!header.ok() || header->base_offset != base_offset_ + entry->relative_offset) {
      entry.reset();
    } else {
      index_.MarkTrusted(entry->relative_offset);
    }
  }
  uint64_t start = 0;
  if (entry) {
    start = entry->position;
    // Keep index entries up to the one at `start`; the scan adds the rest.
    HERALD_RETURN_IF_ERROR(index_.TruncateTo(start + 1, entry->relative_offset + 1));
    last_index_position_ = start;
    auto last_time = index_.LastTimeEntry();
    last_time_entry_ts_ = last_time ? last_time->timestamp : -1;
    max_timestamp_.store(last_time_entry_ts_);
    next_offset_.store(base_offset_ + entry->relative_offset);
    size_.store(start);
  } else {
    HERALD_RETURN_IF_ERROR(ResetIndex());
  }
  // Past the checkpoint nothing was compacted: every batch must follow the one before exactly.
  auto [end, status] = ScanAndNote(start, next_offset(), /*contiguous=*/true);
  MarkVerified(start, end);
  if (!status.ok() && next_offset() < durable_offset) {
    size_.store(file_size);
    next_offset_.store(durable_offset);
    return TailRecovery{end - start, 0, true};
  }
  // Past the durable point, the first torn or corrupt batch marks the end of the log, unless a
  // valid batch continuing its offsets follows it: a torn write loses what was written last, so
  // intact data after a bad batch means damage, which is never cut away silently.
  TailRecovery result{end - start, file_size - end, false};
  if (end < file_size) {
    if (auto bad = ReadHeaderAt(end, file_size);
        !cut_damage && bad.ok() && end + bad->size() < file_size) {
      int followers = 0;
      auto [after_end, after] = Scan(end + bad->size(), file_size, bad->next_offset(),
                                     /*contiguous=*/true,
                                     [&](const BatchHeader&, ByteView, uint64_t) {
                                       ++followers;
                                       return false;
                                     });
      (void)after_end;
      if (after.ok() && followers > 0) {
        return Corruption("{}: the batch at position {} (offsets {} to {}) is damaged and valid "
                          "batches follow it; this is not a torn write, so nothing is cut: "
                          "`herald storage repair` truncates the log there",
                          log_path_, end, bad->base_offset, bad->last_offset());
      }
    }
    HERALD_RETURN_IF_ERROR(log_->Truncate(end));
    HERALD_RETURN_IF_ERROR(index_.TruncateTo(end, Relative(next_offset(), base_offset_)));
    size_.store(end);
  }
  return result;
}

Status Segment::Append(ByteView batch, const BatchHeader& header, int64_t now_ms) {
  uint64_t pos = size_.load(std::memory_order_relaxed);
  HERALD_RETURN_IF_ERROR(log_->Append(batch));
  if (pos == 0) created_ms_.store(now_ms, std::memory_order_relaxed);
  NoteBatch(header, pos);
  MarkVerified(pos, pos + batch.size());
  return Status::Ok();
}

Result<BatchHeader> Segment::ReadHeaderAt(uint64_t pos, uint64_t limit) const {
  if (pos + kBatchHeaderSize > limit) {
    return Corruption("{}: batch header at position {} runs past the end {}", log_path_, pos,
                      limit);
  }
  uint8_t raw[kBatchHeaderSize];
  HERALD_ASSIGN_OR_RETURN(size_t n, log_->ReadAt(pos, raw));
  if (n < kBatchHeaderSize) return Corruption("{}: short read at position {}", log_path_, pos);
  auto header = ParseBatchHeader(ByteView(raw, kBatchHeaderSize));
  if (!header.ok()) return header.status().WithContext(fmt::format("{} position {}", log_path_, pos));
  if (pos + header->size() > limit || header->base_offset < base_offset_) {
    return Corruption("{}: batch at position {} (offset {}, {} bytes) does not fit the segment",
                      log_path_, pos, header->base_offset, header->size());
  }
  return header;
}

std::optional<uint64_t> Segment::CheckedPosition(const OffsetIndexEntry& entry) const {
  if (entry.trusted) return entry.position;
  auto header = ReadHeaderAt(entry.position, size());
  if (!header.ok() || header->base_offset != base_offset_ + entry.relative_offset) {
    return std::nullopt;  // a damaged entry: the caller scans without it
  }
  index_.MarkTrusted(entry.relative_offset);
  return entry.position;
}

Result<BatchHeader> Segment::ReadServedHeaderAt(uint64_t pos, uint64_t limit) const {
  HERALD_ASSIGN_OR_RETURN(BatchHeader h, ReadHeaderAt(pos, limit));
  if (h.base_offset >= next_offset()) {
    return Corruption("{}: batch at position {} has offset {}, past the segment's end {}",
                      log_path_, pos, h.base_offset, next_offset());
  }
  return h;
}

Result<uint64_t> Segment::FindBatchPosition(int64_t offset, uint64_t limit) const {
  uint64_t pos = 0;
  if (auto entry = index_.FloorOffset(Relative(offset, base_offset_))) {
    pos = CheckedPosition(*entry).value_or(0);
  }
  while (pos < limit) {
    HERALD_ASSIGN_OR_RETURN(BatchHeader h, ReadServedHeaderAt(pos, limit));
    if (h.last_offset() >= offset) return pos;
    pos += h.size();
  }
  return limit;
}

Result<uint64_t> Segment::SliceEnd(uint64_t pos, uint64_t max_bytes, uint64_t limit) const {
  if (limit - pos <= max_bytes) return limit;
  HERALD_ASSIGN_OR_RETURN(BatchHeader first, ReadServedHeaderAt(pos, limit));
  uint64_t end = pos + first.size();
  // Jump to the last indexed batch boundary that fits, then walk the few headers after it.
  if (auto entry = index_.FloorPosition(pos + max_bytes); entry && entry->position > end) {
    if (auto checked = CheckedPosition(*entry)) end = *checked;
  }
  while (end < limit && end - pos < max_bytes) {
    auto h = ReadServedHeaderAt(end, limit);
    if (!h.ok() || end + h->size() - pos > max_bytes) break;  // a bad header ends the slice
    end += h->size();
  }
  return end;
}

uint64_t Segment::PositionForTimestamp(int64_t timestamp) const {
  auto t = index_.FloorTime(timestamp);
  if (!t) return 0;
  auto e = index_.FloorOffset(t->relative_offset);
  return e ? CheckedPosition(*e).value_or(0) : 0;
}

void Segment::MarkVerified(uint64_t begin, uint64_t end) const {
  MutexLock lock(verified_mu_);
  if (verified_end_ == verified_begin_) {
    verified_begin_ = begin;
    verified_end_ = end;
  } else if (begin <= verified_end_ && end >= verified_begin_) {
    verified_begin_ = std::min(verified_begin_, begin);
    verified_end_ = std::max(verified_end_, end);
  }
}

bool Segment::IsVerified(uint64_t begin, uint64_t end) const {
  MutexLock lock(verified_mu_);
  return begin >= verified_begin_ && end <= verified_end_;
}

Result<Buffer> Segment::ReadVerified(uint64_t pos, uint64_t end) const {
  Buffer out(end - pos);
  HERALD_ASSIGN_OR_RETURN(size_t n, log_->ReadAt(pos, out));
  if (n != out.size()) return Corruption("{}: short read at position {}", log_path_, pos);
  if (IsVerified(pos, end)) return out;
  const int64_t next = next_offset();
  int64_t min_offset = base_offset_;
  size_t at = 0;
  Status bad;
  while (at < out.size()) {
    ByteView rest = ByteView(out).subspan(at);
    auto header = ParseBatchHeader(rest);
    if (!header.ok()) {
      bad = header.status();
      break;
    }
    if (header->size() > rest.size()) {
      bad = Corruption("runs past the read range");
      break;
    }
    auto valid = ValidateBatch(rest.first(header->size()));
    if (!valid.ok()) {
      bad = valid.status();
      break;
    }
    if (valid->base_offset < min_offset || valid->base_offset >= next) {
      bad = Corruption("offset {} is outside [{}, {})", valid->base_offset, min_offset, next);
      break;
    }
    min_offset = valid->next_offset();
    at += header->size();
  }
  if (!bad.ok() && at == 0) {
    return Corruption("{}: bad batch at position {}: {}", log_path_, pos, bad.message());
  }
  out.resize(at);  // serve the good batches before a bad one; the next read reports it
  MarkVerified(pos, pos + at);
  return out;
}

Status Segment::ForEachBatch(
    uint64_t pos, uint64_t limit,
    const std::function<bool(const BatchHeader&, ByteView, uint64_t)>& fn) const {
  return Scan(pos, limit, base_offset_, /*contiguous=*/false, fn).second;
}

Status Segment::Sync() {
  HERALD_RETURN_IF_ERROR(log_->Sync());
  // Derived data: entries that fail to be written now are written by a later call, or rebuilt
  // by recovery.
  index_.Persist(/*sync=*/false).IgnoreError();
  return Status::Ok();
}

Status Segment::SyncIndexes() { return index_.Persist(/*sync=*/true); }

Status Segment::RemoveFiles() {
  HERALD_RETURN_IF_ERROR(fs_.Remove(log_path_));
  for (const auto& name : {IndexFileName(base_offset_), TimeIndexFileName(base_offset_)}) {
    Status s = fs_.Remove(JoinPath(dir_, name));
    if (!s.ok() && s.code() != StatusCode::kNotFound) return s;
  }
  return Status::Ok();
}

}  // namespace herald::storage
