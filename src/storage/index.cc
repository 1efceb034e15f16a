#include "storage/index.h"
#include "base/mutex.h"

#include <algorithm>

namespace herald::storage {

SegmentIndex::SegmentIndex(std::unique_ptr<File> offset_file, std::unique_ptr<File> time_file)
    : offset_file_(std::move(offset_file)), time_file_(std::move(time_file)) {}

Result<SegmentIndex::LoadReport> SegmentIndex::Load(uint64_t log_size) {
  MutexLock lock(mu_);
  LoadReport report;
  offsets_.clear();
  times_.clear();

  Buffer raw(offset_file_->Size());
  HERALD_ASSIGN_OR_RETURN(size_t n, offset_file_->ReadAt(0, raw));
  raw.resize(n);
  report.offset_intact = raw.size() % kOffsetIndexEntrySize == 0;
  for (size_t at = 0; at + kOffsetIndexEntrySize <= raw.size(); at += kOffsetIndexEntrySize) {
    OffsetIndexEntry e{LoadBigEndian<uint32_t>(&raw[at]), LoadBigEndian<uint32_t>(&raw[at + 4])};
    bool increasing = offsets_.empty() || (e.relative_offset > offsets_.back().relative_offset &&
                                           e.position > offsets_.back().position);
    if (!increasing || e.position >= log_size) {
      report.offset_intact = false;
      break;
    }
    offsets_.push_back(e);
  }

  raw.resize(time_file_->Size());
  HERALD_ASSIGN_OR_RETURN(n, time_file_->ReadAt(0, raw));
  raw.resize(n);
  report.time_intact = raw.size() % kTimeIndexEntrySize == 0;
  uint32_t max_rel = offsets_.empty() ? 0 : offsets_.back().relative_offset;
  for (size_t at = 0; at + kTimeIndexEntrySize <= raw.size(); at += kTimeIndexEntrySize) {
    TimeIndexEntry e{LoadBigEndian<int64_t>(&raw[at]), LoadBigEndian<uint32_t>(&raw[at + 8])};
    bool increasing = times_.empty() || (e.timestamp > times_.back().timestamp &&
                                         e.relative_offset > times_.back().relative_offset);
    // A time entry never points past the last offset entry the log still has.
    if (!increasing || e.relative_offset > max_rel || offsets_.empty()) {
      report.time_intact = false;
      break;
    }
    times_.push_back(e);
  }

  offsets_persisted_ = offsets_.size();
  times_persisted_ = times_.size();
  checked_.assign(offsets_.size(), 0);
  if (!report.offset_intact) {
    HERALD_RETURN_IF_ERROR(offset_file_->Truncate(offsets_.size() * kOffsetIndexEntrySize));
  }
  if (!report.time_intact) {
    HERALD_RETURN_IF_ERROR(time_file_->Truncate(times_.size() * kTimeIndexEntrySize));
  }
  return report;
}

void SegmentIndex::AddOffset(OffsetIndexEntry e) {
  MutexLock lock(mu_);
  offsets_.push_back(e);
}

void SegmentIndex::AddTime(TimeIndexEntry e) {
  MutexLock lock(mu_);
  times_.push_back(e);
}

void SegmentIndex::MarkTrusted(uint32_t relative_offset) const {
  MutexLock lock(mu_);
  auto it = std::lower_bound(offsets_.begin(), offsets_.end(), relative_offset,
                             [](const OffsetIndexEntry& e, uint32_t v) {
                               return e.relative_offset < v;
                             });
  size_t slot = static_cast<size_t>(it - offsets_.begin());
  if (slot < checked_.size() && it->relative_offset == relative_offset) checked_[slot] = 1;
}

std::optional<OffsetIndexEntry> SegmentIndex::FloorOffset(uint32_t rel) const {
  MutexLock lock(mu_);
  auto it = std::upper_bound(offsets_.begin(), offsets_.end(), rel,
                             [](uint32_t v, const OffsetIndexEntry& e) {
                               return v < e.relative_offset;
                             });
  if (it == offsets_.begin()) return std::nullopt;
  size_t slot = static_cast<size_t>(it - offsets_.begin()) - 1;
  OffsetIndexEntry e = offsets_[slot];
  e.trusted = slot >= checked_.size() || checked_[slot] != 0;
  return e;
}

std::optional<OffsetIndexEntry> SegmentIndex::FloorPosition(uint64_t pos) const {
  MutexLock lock(mu_);
  auto it = std::upper_bound(offsets_.begin(), offsets_.end(), pos,
                             [](uint64_t v, const OffsetIndexEntry& e) { return v < e.position; });
  if (it == offsets_.begin()) return std::nullopt;
  size_t slot = static_cast<size_t>(it - offsets_.begin()) - 1;
  OffsetIndexEntry e = offsets_[slot];
  e.trusted = slot >= checked_.size() || checked_[slot] != 0;
  return e;
}

std::optional<TimeIndexEntry> SegmentIndex::FloorTime(int64_t ts) const {
  MutexLock lock(mu_);
  if (times_.empty()) return std::nullopt;
  auto it = std::lower_bound(times_.begin(), times_.end(), ts,
                             [](const TimeIndexEntry& e, int64_t v) { return e.timestamp < v; });
  if (it == times_.begin()) return std::nullopt;
  return *std::prev(it);
}

std::optional<OffsetIndexEntry> SegmentIndex::LastOffsetEntry() const {
  MutexLock lock(mu_);
  if (offsets_.empty()) return std::nullopt;
  return offsets_.back();
}

std::optional<TimeIndexEntry> SegmentIndex::LastTimeEntry() const {
  MutexLock lock(mu_);
  if (times_.empty()) return std::nullopt;
  return times_.back();
}

Status SegmentIndex::TruncateTo(uint64_t position, uint32_t relative_offset) {
  MutexLock lock(mu_);
  while (!offsets_.empty() && offsets_.back().position >= position) offsets_.pop_back();
  if (checked_.size() > offsets_.size()) checked_.resize(offsets_.size());
  while (!times_.empty() && times_.back().relative_offset >= relative_offset) times_.pop_back();
  if (offsets_persisted_ > offsets_.size()) {
    offsets_persisted_ = offsets_.size();
    HERALD_RETURN_IF_ERROR(offset_file_->Truncate(offsets_persisted_ * kOffsetIndexEntrySize));
  }
  if (times_persisted_ > times_.size()) {
    times_persisted_ = times_.size();
    HERALD_RETURN_IF_ERROR(time_file_->Truncate(times_persisted_ * kTimeIndexEntrySize));
  }
  return Status::Ok();
}

Status SegmentIndex::Clear() {
  MutexLock lock(mu_);
  offsets_.clear();
  times_.clear();
  checked_.clear();
  offsets_persisted_ = 0;
  times_persisted_ = 0;
  HERALD_RETURN_IF_ERROR(offset_file_->Truncate(0));
  return time_file_->Truncate(0);
}

Status SegmentIndex::Persist(bool sync) {
  Buffer offsets_out, times_out;
  {
    MutexLock lock(mu_);
    BufferWriter ow(offsets_out);
    for (size_t i = offsets_persisted_; i < offsets_.size(); ++i) {
      ow.Int<uint32_t>(offsets_[i].relative_offset);
      ow.Int<uint32_t>(offsets_[i].position);
    }
    BufferWriter tw(times_out);
    for (size_t i = times_persisted_; i < times_.size(); ++i) {
      tw.Int<int64_t>(times_[i].timestamp);
      tw.Int<uint32_t>(times_[i].relative_offset);
    }
    if (!offsets_out.empty()) HERALD_RETURN_IF_ERROR(offset_file_->Append(offsets_out));
    offsets_persisted_ = offsets_.size();
    if (!times_out.empty()) HERALD_RETURN_IF_ERROR(time_file_->Append(times_out));
    times_persisted_ = times_.size();
  }
  if (sync) {
    HERALD_RETURN_IF_ERROR(offset_file_->Sync());
    HERALD_RETURN_IF_ERROR(time_file_->Sync());
  }
  return Status::Ok();
}

size_t SegmentIndex::offset_entries() const {
  MutexLock lock(mu_);
  return offsets_.size();
}

}  // namespace herald::storage
