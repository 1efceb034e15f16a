#include "storage/log.h"

#include <algorithm>
#include <chrono>
#include <future>
#include <optional>
#include <set>
#include <unordered_map>

#include "base/log.h"
#include "base/metrics.h"
#include "base/mutex.h"
#include "storage/recovery_checkpoint.h"

namespace herald::storage {
Log::Log(LogOptions options)
    : options_(std::move(options)),
      fs_(*options_.fs),
      clock_(options_.clock ? *options_.clock : Clock::System()),
      checkpoint_path_(JoinPath(options_.dir, kRecoveryCheckpointName)),
      config_(options_.config) {}

Log::~Log() { Close().IgnoreError(); }

Result<std::shared_ptr<Log>> Log::Open(LogOptions options) {
  HERALD_ASSERT(options.fs != nullptr, "LogOptions.fs is required");
  std::shared_ptr<Log> log(new Log(std::move(options)));
  if (Status recovered = log->Recover(); !recovered.ok()) {
    // The log never opened: closing it must neither flush nor write a checkpoint that would
    // vouch for what recovery could not accept.
    MutexLock lock(log->append_mu_);
    log->closed_ = true;
    return recovered.WithContext(fmt::format("recovering {}", log->options_.dir));
  }
  if (log->options_.flusher) log->options_.flusher->Register(log);
  return log;
}

// Recovery, in phases: list the segment files (removing leftovers), read the checkpoint, open
// the segments it vouches for without scanning, scan the ones after it (cutting a torn or
// damaged tail), then publish the offsets and write a checkpoint that matches them.
Status Log::Recover() {
  HERALD_RETURN_IF_ERROR(CreateDirs(fs_, options_.dir));
  HERALD_ASSIGN_OR_RETURN(std::vector<int64_t> bases, ListSegmentFiles());
  HERALD_ASSIGN_OR_RETURN(std::optional<RecoveryCheckpoint> checkpoint, ReadRecoveryCheckpoint(fs_, checkpoint_path_));
  recovery_.had_checkpoint = checkpoint.has_value();

  bool changed = !checkpoint.has_value();
  if (bases.empty()) {
    HERALD_RETURN_IF_ERROR(CreateFirstSegment(checkpoint));
    changed = true;
  } else {
    const size_t first_tail = FirstUntrustedSegment(bases, checkpoint);
    HERALD_RETURN_IF_ERROR(OpenTrustedSegments(bases, first_tail));
    HERALD_ASSIGN_OR_RETURN(bool scanned, RecoverTailSegments(bases, first_tail, checkpoint));
    changed = changed || scanned;
  }
  if (changed) HERALD_RETURN_IF_ERROR(fs_.SyncDir(options_.dir));

  PublishRecoveredOffsets(checkpoint);
  if (end_offset_.load() == log_start_offset_.load()) {
    producer_scan_floor_ = -1;  // an empty log holds no transaction
  } else if (!checkpoint || checkpoint->first_unstable_offset == kUnknownFirstUnstable) {
    producer_scan_floor_ = log_start_offset_.load();
  } else if (checkpoint->recovery_offset == end_offset_.load()) {
    producer_scan_floor_ = checkpoint->first_unstable_offset;
  } else if (checkpoint->first_unstable_offset < 0) {
    producer_scan_floor_ = checkpoint->recovery_offset;
  } else {
    producer_scan_floor_ = std::min(checkpoint->first_unstable_offset, checkpoint->recovery_offset);
  }
  first_unstable_.store(producer_scan_floor_);
  HERALD_ASSIGN_OR_RETURN(
      aborted_txns_,
      AbortedTxnIndex::Open(fs_, JoinPath(options_.dir, kAbortedTxnsName), log_start_offset_.load(),
                            end_offset_.load(), options_.repair));
  if (changed || !checkpoint || checkpoint->recovery_offset != end_offset_.load()) {
    return RefreshCheckpoint(checkpoint);
  }
  return Status::Ok();
}

Result<std::vector<int64_t>> Log::ListSegmentFiles() {
  HERALD_ASSIGN_OR_RETURN(auto names, fs_.ListDir(options_.dir));
  std::vector<int64_t> bases;
  std::vector<std::string> stems;
  for (const auto& name : names) {
    if (name.ends_with(".tmp") || name.ends_with(".cleaned")) {
      HERALD_RETURN_IF_ERROR(fs_.Remove(JoinPath(options_.dir, name)));
    } else if (auto base = Segment::ParseLogFileName(name)) {
      bases.push_back(*base);
    } else if (name.ends_with(".index") || name.ends_with(".timeindex")) {
      stems.push_back(name);
    }
  }
  std::sort(bases.begin(), bases.end());
  // Index files whose log is gone are leftovers of a deletion.
  for (const auto& name : stems) {
    std::string stem = name.substr(0, name.find('.'));
    if (!fs_.Exists(JoinPath(options_.dir, stem + ".log"))) {
      HERALD_RETURN_IF_ERROR(fs_.Remove(JoinPath(options_.dir, name)));
    }
  }
  return bases;
}

// No segment file: the log starts where the checkpoint says it ended (all of it deleted), or
// at 0.
Status Log::CreateFirstSegment(const std::optional<RecoveryCheckpoint>& checkpoint) {
  const int64_t base =
      checkpoint ? std::max(checkpoint->recovery_offset, checkpoint->log_start_offset) : 0;
  HERALD_ASSIGN_OR_RETURN(auto seg, Segment::Create(fs_, options_.dir, base, IndexInterval(),
                                                    clock_.NowMs()));
  segments_[base] = seg;
  return Status::Ok();
}

// The first segment that may hold bytes written after the checkpoint.
size_t Log::FirstUntrustedSegment(const std::vector<int64_t>& bases,
                                  const std::optional<RecoveryCheckpoint>& checkpoint) {
  size_t first_tail = 0;
  if (checkpoint) {
    while (first_tail + 1 < bases.size() && bases[first_tail + 1] <= checkpoint->recovery_offset) {
      ++first_tail;
    }
  }
  return first_tail;
}

// Segments wholly below the checkpoint were synced before it was written: their ends are known
// from the next segment's base, and only their indexes are checked.
Status Log::OpenTrustedSegments(const std::vector<int64_t>& bases, size_t first_tail) {
  for (size_t i = 0; i < first_tail; ++i) {
    HERALD_ASSIGN_OR_RETURN(auto seg, Segment::Open(fs_, options_.dir, bases[i], IndexInterval(),
                                                    clock_.NowMs()));
    if (!seg->RecoverTrusted(bases[i + 1]).ok()) ++recovery_.corrupt_trusted_segments;
    segments_[bases[i]] = seg;
  }
  return Status::Ok();
}

// Scans the segments from `first_tail` on, cutting at the first torn or damaged batch and
// removing every segment after a cut (what follows a hole was never acknowledged). Syncs what
// the scan accepted, which may sit only in the page cache, before a checkpoint vouches for it
// (always when there was no checkpoint).
// Answers whether anything on disk changed.
Result<bool> Log::RecoverTailSegments(const std::vector<int64_t>& bases, size_t first_tail,
                                      const std::optional<RecoveryCheckpoint>& checkpoint) {
  bool changed = false;
  bool cut = false;
  for (size_t i = first_tail; i < bases.size(); ++i) {
    HERALD_ASSIGN_OR_RETURN(auto seg, Segment::Open(fs_, options_.dir, bases[i], IndexInterval(),
                                                    clock_.NowMs()));
    // The previous segment lost its unsynced end whole: what follows was never durable.
    if (!cut && i > first_tail && bases[i] != segments_.rbegin()->second->next_offset()) {
      cut = true;
    }
    if (cut) {
      HERALD_RETURN_IF_ERROR(seg->RemoveFiles());
      ++recovery_.segments_removed;
      changed = true;
      continue;
    }
    const int64_t from = (checkpoint && i == first_tail) ? checkpoint->recovery_offset : bases[i];
    const int64_t durable = checkpoint ? checkpoint->recovery_offset : 0;
    HERALD_ASSIGN_OR_RETURN(auto tail, seg->RecoverTail(from, durable, options_.repair));
    recovery_.bytes_scanned += tail.bytes_scanned;
    recovery_.bytes_truncated += tail.bytes_truncated;
    if (tail.damaged_durable_data) {
      ++recovery_.corrupt_trusted_segments;
      roll_before_append_ = true;  // never append after damaged bytes
    }
    if (tail.bytes_truncated > 0) cut = true;
    if (tail.bytes_scanned > 0 || tail.bytes_truncated > 0) changed = true;
    segments_[bases[i]] = seg;
  }
  if (!changed && checkpoint) return false;
  for (auto it = segments_.lower_bound(bases[first_tail]); it != segments_.end(); ++it) {
    HERALD_RETURN_IF_ERROR(it->second->Sync());
    HERALD_RETURN_IF_ERROR(it->second->SyncIndexes());
  }
  return changed;
}

// Everything recovered is durable: the end, the durable offset and the checkpointed offset are
// one value. The start is the first segment's base, or the checkpoint's when DeleteRecords
// moved it inside that segment.
void Log::PublishRecoveredOffsets(const std::optional<RecoveryCheckpoint>& checkpoint) {
  active_ = segments_.rbegin()->second;
  // An empty last segment starts where the log ends.
  const int64_t end = std::max(active_->next_offset(), active_->base_offset());
  int64_t start = segments_.begin()->second->base_offset();
  if (checkpoint) start = std::max(start, checkpoint->log_start_offset);
  start = std::min(start, end);
  end_offset_.store(end);
  durable_offset_.store(end);
  log_start_offset_.store(start);
  checkpointed_offset_ = end;
}

Status Log::RefreshCheckpoint(const std::optional<RecoveryCheckpoint>& checkpoint) {
  const int64_t end = end_offset_.load();
  Status written = WriteCheckpointFile(end, log_start_offset_.load());
  const bool old_still_true = !checkpoint || checkpoint->recovery_offset <= end;
  if (written.ok() || !old_still_true) return written;
  // The checkpoint only saves the next recovery work (everything above is synced): a full disk
  // must not keep the partition offline. The old checkpoint stays and is still true.
  LogWarn("checkpoint_failed", {{"path", options_.dir}},
          fmt::format("{}; the next start scans more", written.ToString()));
  checkpointed_offset_ = checkpoint ? checkpoint->recovery_offset : 0;
  return Status::Ok();
}

uint32_t Log::IndexInterval() const {
  return static_cast<uint32_t>(config_.index_interval_bytes);
}

Status Log::WriteCheckpointFile(int64_t recovery_offset, int64_t log_start) {
  return WriteRecoveryCheckpoint(fs_, checkpoint_path_,
                                 {recovery_offset, log_start, first_unstable_.load()});
}

void Log::Append(MutableByteView batch, AckLevel ack, AppendCallback done) {
  auto validated = ValidatedBatch::Check(batch);
  if (!validated.ok()) {
    done(validated.status());
    return;
  }
  Append(*validated, ack, std::move(done));
}

void Log::Append(const ValidatedBatch& validated, AckLevel ack, AppendCallback done) {
  Result<AppendInfo> written = Write(validated);
  if (!written.ok() || ack != AckLevel::kDurable) {
    done(std::move(written));
    return;
  }
  WhenDurable(written->last_offset, [info = *written, done = std::move(done)](Status s) {
    if (s.ok()) {
      done(info);
    } else {
      done(std::move(s));
    }
  });
}

Result<AppendInfo> Log::Write(const ValidatedBatch& validated) {
  const MutableByteView batch = validated.bytes();
  BatchHeader header = validated.header();
  const int64_t now = clock_.NowMs();
  bool flush = false;
  AppendInfo info;
  {
    MutexLock lock(append_mu_);
    if (closed_) return FailedPrecondition("log {} is closed", options_.dir);
    if (!failed_.ok()) {
      return FailedPrecondition("log {} failed and must be reopened: {}", options_.dir,
                                failed_.message());
    }
    if (header.size() > static_cast<uint64_t>(config_.max_message_bytes)) {
      return InvalidArgument("batch of {} bytes is larger than max.message.bytes {}",
                             header.size(), config_.max_message_bytes);
    }
    if (config_.log_append_time) SetLogAppendTime(batch, header, now);
    const int64_t base = end_offset_.load(std::memory_order_relaxed);
    SetBaseOffset(batch, base);
    SetLeaderEpoch(batch, options_.leader_epoch);
    header.base_offset = base;
    header.leader_epoch = options_.leader_epoch;
    const bool full =
        roll_before_append_ ||
        (!active_->empty() &&
         (active_->size() + header.size() > static_cast<uint64_t>(config_.segment_bytes) ||
          now - active_->created_ms() >= config_.segment_ms ||
          header.last_offset() - active_->base_offset() > int64_t{UINT32_MAX}));
    if (full) HERALD_RETURN_IF_ERROR(Roll(now));
    HERALD_RETURN_IF_ERROR(active_->Append(batch, header, now));
    end_offset_.store(header.next_offset(), std::memory_order_release);
    info = {base, header.last_offset(), config_.log_append_time ? now : -1};
    unflushed_messages_ += int64_t{header.last_offset_delta} + 1;
    if (first_unflushed_ms_ < 0) first_unflushed_ms_ = now;
    flush = unflushed_messages_ >= config_.flush_messages;
  }
  if (flush) {
    if (options_.flusher) {
      options_.flusher->Request(shared_from_this());
    } else {
      FlushNow();
    }
  }
  return info;
}

Result<AppendInfo> Log::AppendAndWait(MutableByteView batch, AckLevel ack) {
  std::promise<Result<AppendInfo>> promise;
  auto future = promise.get_future();
  Append(batch, ack, [&promise](Result<AppendInfo> r) { promise.set_value(std::move(r)); });
  return future.get();
}

Status Log::Roll(int64_t now_ms) {
  const int64_t base = end_offset_.load(std::memory_order_relaxed);
  if (active_->base_offset() == base) return Status::Ok();  // the active segment is empty
  HERALD_ASSIGN_OR_RETURN(
      auto seg, Segment::Create(fs_, options_.dir, base,
                                static_cast<uint32_t>(config_.index_interval_bytes), now_ms));
  {
    WriterLock lock(segments_mu_);
    segments_[base] = seg;
  }
  if (LogEnabled(LogLevel::kInfo)) {
    LogInfo("segment_rolled", {{"path", options_.dir},
                               {"offset", base},
                               {"previous_segment_bytes", active_->size()}});
  }
  rolled_unsynced_.push_back(std::move(active_));
  active_ = std::move(seg);
  dir_dirty_ = true;
  roll_before_append_ = false;
  return Status::Ok();
}

Status Log::DoFlush() {
  std::vector<Waiter> ready;
  Status s;
  {
    MutexLock flush_lock(flush_mu_);
    int64_t target;
    std::vector<std::shared_ptr<Segment>> to_sync;
    bool sync_dir;
    {
      MutexLock lock(append_mu_);
      if (!failed_.ok()) return failed_;
      target = end_offset_.load(std::memory_order_relaxed);
      to_sync = std::move(rolled_unsynced_);
      rolled_unsynced_.clear();
      to_sync.push_back(active_);
      sync_dir = dir_dirty_;
      dir_dirty_ = false;
      unflushed_messages_ = 0;
      first_unflushed_ms_ = -1;
    }
    if (target != durable_offset_.load() || to_sync.size() > 1 || sync_dir) {
      static Histogram& fsync_seconds =
          MetricsRegistry::Global()
              .AddHistogram("fsync_duration_seconds",
                            "Time to make a log's appended bytes durable (fdatasync).", {},
                            {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                             0.1, 0.25, 0.5, 1, 2.5, 5, 10})
              .WithLabels();
      auto started = std::chrono::steady_clock::now();
      for (size_t i = 0; i < to_sync.size() && s.ok(); ++i) {
        s = to_sync[i]->Sync();
        // A rolled segment is complete: its indexes are final, make them durable too.
        if (s.ok() && i + 1 < to_sync.size()) s = to_sync[i]->SyncIndexes();
      }
      if (s.ok() && sync_dir) s = fs_.SyncDir(options_.dir);
      fsync_seconds.Observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
    if (s.ok() && to_sync.size() > 1) {
      // Segments were rolled and are now durable whole. The checkpoint says so before anything
      // after them is acknowledged: recovery then trusts them and reports damage in them, instead
      // of taking a damaged last batch for a torn write and cutting the acknowledged segments
      // after it. A checkpoint that cannot be written (a full disk) leaves the older one, which
      // is still true.
      if (Status c = CheckpointAt(target, to_sync.back()); !c.ok()) {
        LogWarn("checkpoint_failed", {{"path", options_.dir}}, c.ToString());
      }
    }
    if (s.ok()) {
      durable_offset_.store(target, std::memory_order_release);
      MutexLock lock(append_mu_);
      for (auto it = waiters_.begin(); it != waiters_.end();) {
        if (it->last_offset < target) {
          ready.push_back(std::move(*it));
          it = waiters_.erase(it);
        } else {
          ++it;
        }
      }
    } else {
      // After a failed fsync the page cache cannot be trusted: stop accepting appends.
      MutexLock lock(append_mu_);
      failed_ = s.WithContext("log failed a sync and must be reopened");
      LogError("log_failed", {{"path", options_.dir}}, failed_.message());
    }
  }
  // Callbacks run with no lock held: they may append again.
  if (!s.ok()) {
    FailWaiters(s);
    return s;
  }
  for (auto& w : ready) w.done(Status::Ok());
  return Status::Ok();
}

void Log::FailWaiters(const Status& status) {
  std::deque<Waiter> failed;
  {
    MutexLock lock(append_mu_);
    failed.swap(waiters_);
  }
  for (auto& w : failed) w.done(status);
}

void Log::WhenDurable(int64_t offset, std::function<void(Status)> done) {
  Status now;
  bool wait = false;
  {
    MutexLock lock(append_mu_);
    if (!failed_.ok()) {
      now = failed_;
    } else if (durable_offset_.load() <= offset) {
      // Waiters complete when a flush passes their offset; order among them does not matter for
      // correctness (a later one at the front only delays this one to the next round).
      waiters_.push_back({offset, std::move(done)});
      wait = true;
    }
  }
  if (!wait) {
    done(now);
    return;
  }
  if (options_.flusher) {
    options_.flusher->Request(shared_from_this());
  } else {
    FlushNow();
  }
}

void Log::FlushNow() { DoFlush().IgnoreError(); }

void Log::FlushIfDue(int64_t now_ms) {
  bool due;
  {
    MutexLock lock(append_mu_);
    due = first_unflushed_ms_ >= 0 && now_ms - first_unflushed_ms_ >= config_.flush_ms;
  }
  if (due) FlushNow();
}

Status Log::Flush() { return DoFlush(); }

Status Log::Checkpoint() {
  MutexLock flush_lock(flush_mu_);
  std::shared_ptr<Segment> active;
  {
    MutexLock lock(append_mu_);
    active = active_;
  }
  return CheckpointAt(durable_offset_.load(), active);
}

Status Log::CheckpointAt(int64_t recovery, const std::shared_ptr<Segment>& active) {
  if (recovery == checkpointed_offset_) return Status::Ok();
  // Index entries below the recovery point are trusted on reopen: write them out first.
  HERALD_RETURN_IF_ERROR(active->SyncIndexes());
  HERALD_RETURN_IF_ERROR(WriteCheckpointFile(recovery, log_start_offset_.load()));
  checkpointed_offset_ = recovery;
  return Status::Ok();
}

Status Log::Close() {
  {
    MutexLock lock(append_mu_);
    if (closed_) return Status::Ok();
    closed_ = true;
  }
  Status flushed = DoFlush();
  if (!flushed.ok()) return flushed;
  return Checkpoint();
}

std::shared_ptr<Segment> Log::SegmentFor(int64_t offset) const {
  ReaderLock lock(segments_mu_);
  auto it = segments_.upper_bound(offset);
  if (it == segments_.begin()) return it == segments_.end() ? nullptr : it->second;
  return std::prev(it)->second;
}

std::shared_ptr<Segment> Log::NextSegment(int64_t base_offset) const {
  ReaderLock lock(segments_mu_);
  auto it = segments_.upper_bound(base_offset);
  return it == segments_.end() ? nullptr : it->second;
}

Result<ReadSlice> Log::Read(int64_t offset, uint64_t max_bytes, int64_t max_offset) const {
  ReadSlice slice;
  slice.high_watermark = end_offset_.load(std::memory_order_acquire);
  slice.log_start_offset = log_start_offset_.load(std::memory_order_acquire);
  if (offset < slice.log_start_offset || offset > slice.high_watermark) {
    return OutOfRange("offset {} is outside the log [{}, {}]", offset, slice.log_start_offset,
                      slice.high_watermark);
  }
  if (offset == slice.high_watermark || offset >= max_offset) return slice;
  for (auto seg = SegmentFor(offset); seg; seg = NextSegment(seg->base_offset())) {
    if (seg->base_offset() >= max_offset) break;
    uint64_t limit = seg->size();
    if (offset >= seg->next_offset()) continue;  // compaction may have emptied its end
    if (max_offset < seg->next_offset()) {
      HERALD_ASSIGN_OR_RETURN(limit, seg->FindBatchPosition(max_offset, limit));
    }
    HERALD_ASSIGN_OR_RETURN(uint64_t pos, seg->FindBatchPosition(offset, limit));
    if (pos >= limit) {
      if (max_offset < seg->next_offset()) break;  // nothing before max_offset
      continue;
    }
    HERALD_ASSIGN_OR_RETURN(uint64_t end, seg->SliceEnd(pos, std::max<uint64_t>(max_bytes, 1), limit));
    slice.position = pos;
    slice.size = end - pos;
    if (!seg->IsVerified(pos, end)) {
      HERALD_ASSIGN_OR_RETURN(slice.bytes, seg->ReadVerified(pos, end));
      slice.size = slice.bytes.size();
    }
    slice.segment = std::move(seg);
    return slice;
  }
  return slice;
}

Result<std::optional<TimestampOffset>> Log::OffsetForTimestamp(int64_t timestamp) const {
  const int64_t start = log_start_offset_.load();
  for (const auto& seg : segments()) {
    if (seg->max_timestamp() < timestamp) continue;
    uint64_t pos = seg->PositionForTimestamp(timestamp);
    std::optional<TimestampOffset> found;
    Status inner;
    HERALD_RETURN_IF_ERROR(seg->ForEachBatch(
        pos, seg->size(), [&](const BatchHeader& h, ByteView bytes, uint64_t) {
          if (h.max_timestamp < timestamp || h.last_offset() < start) return true;
          inner = ForEachRecord(bytes, [&](const RecordView& r) {
            if (!found && r.timestamp >= timestamp && r.offset >= start) {
              found = TimestampOffset{r.offset, r.timestamp};
            }
          });
          return !found && inner.ok();
        }));
    HERALD_RETURN_IF_ERROR(inner);
    if (found) return found;
  }
  return std::optional<TimestampOffset>();
}

int64_t Log::max_timestamp() const {
  int64_t max = -1;
  for (const auto& seg : segments()) max = std::max(max, seg->max_timestamp());
  return max;
}

int64_t Log::log_start_offset() const { return log_start_offset_.load(); }

Status Log::AppendAbortedTxn(const AbortedTxn& txn) {
  return aborted_txns_->Append(txn);
}

std::vector<AbortedTxn> Log::AbortedTxns(int64_t start, int64_t upper) const {
  return aborted_txns_->Overlapping(start, upper);
}

int64_t Log::last_aborted_marker() const {
  return aborted_txns_->last_marker_offset();
}
int64_t Log::end_offset() const { return end_offset_.load(); }
int64_t Log::durable_offset() const { return durable_offset_.load(); }

uint64_t Log::size_bytes() const {
  ReaderLock lock(segments_mu_);
  uint64_t total = 0;
  for (const auto& [base, seg] : segments_) total += seg->size();
  return total;
}

size_t Log::segment_count() const {
  ReaderLock lock(segments_mu_);
  return segments_.size();
}

std::vector<std::shared_ptr<const Segment>> Log::segments() const {
  ReaderLock lock(segments_mu_);
  std::vector<std::shared_ptr<const Segment>> out;
  out.reserve(segments_.size());
  for (const auto& [base, seg] : segments_) out.push_back(seg);
  return out;
}

LogConfig Log::config() const {
  MutexLock lock(append_mu_);
  return config_;
}

Status Log::health() const {
  MutexLock lock(append_mu_);
  return failed_;
}

Log::AppendPolicy Log::append_policy() const {
  MutexLock lock(append_mu_);
  AppendPolicy policy;
  policy.schema_validation = config_.key_schema_validation || config_.value_schema_validation;
  policy.compression = config_.compression;
  if (!config_.log_append_time) {
    policy.timestamp_before_max_ms = config_.TimestampBeforeMaxMs();
    policy.timestamp_after_max_ms = config_.TimestampAfterMaxMs();
  }
  return policy;
}

Status Log::CheckTimestamps(const ValidatedBatch& batch, const AppendPolicy& policy) const {
  const int64_t before = policy.timestamp_before_max_ms;
  const int64_t after = policy.timestamp_after_max_ms;
  if ((before == LogConfig::kNever && after == LogConfig::kNever) || batch.header().control()) {
    return Status::Ok();
  }
  const int64_t now = clock_.NowMs();
  Status far;
  auto check = [&](int64_t ts) {
    if (!far.ok() || ts == -1) return;  // Kafka's NO_TIMESTAMP
    // Timestamps are int64s from the wire: the distance between two of them always fits in an
    // unsigned 64-bit integer, their signed difference may not.
    auto distance = [](int64_t from, int64_t to) {
      return static_cast<uint64_t>(to) - static_cast<uint64_t>(from);
    };
    const bool too_old = before != LogConfig::kNever && ts < now &&
                         distance(ts, now) > static_cast<uint64_t>(before);
    const bool too_new =
        after != LogConfig::kNever && ts > now && distance(now, ts) > static_cast<uint64_t>(after);
    if (too_old || too_new) {
      far = OutOfRange(
          "timestamp {} is out of range: it may be at most {} ms before and {} ms after the "
          "broker's time {} (message.timestamp.before.max.ms, message.timestamp.after.max.ms, "
          "message.timestamp.difference.max.ms)",
          ts, before, after, now);
    }
  };
  check(batch.header().max_timestamp);
  // Every record, as Kafka checks them: a record's delta may put it before the first.
  HERALD_RETURN_IF_ERROR(
      ForEachRecord(batch.bytes(), [&](const RecordView& r) { check(r.timestamp); }));
  return far;
}

int32_t Log::max_message_bytes() const {
  MutexLock lock(append_mu_);
  return config_.max_message_bytes;
}

void Log::SetConfig(const LogConfig& config) {
  MutexLock lock(append_mu_);
  config_ = config;
}

Status Log::RemoveSegments(const std::vector<std::shared_ptr<Segment>>& doomed) {
  if (doomed.empty()) return Status::Ok();
  {
    WriterLock lock(segments_mu_);
    for (const auto& seg : doomed) segments_.erase(seg->base_offset());
  }
  for (const auto& seg : doomed) HERALD_RETURN_IF_ERROR(seg->RemoveFiles());
  return Status::Ok();
}

Status Log::DeleteRecordsBefore(int64_t offset) {
  MutexLock cleaner_lock(cleaner_mu_);
  int64_t end = end_offset_.load();
  if (offset > end) {
    return OutOfRange("cannot delete records before {}: the log ends at {}", offset, end);
  }
  if (offset <= log_start_offset_.load()) return Status::Ok();
  {
    MutexLock flush_lock(flush_mu_);
    HERALD_RETURN_IF_ERROR(WriteCheckpointFile(checkpointed_offset_ >= 0 ? checkpointed_offset_
                                                                          : durable_offset_.load(),
                                               offset));
  }
  log_start_offset_.store(offset);
  std::vector<std::shared_ptr<Segment>> doomed;
  {
    ReaderLock lock(segments_mu_);
    for (auto it = segments_.begin(); it != segments_.end(); ++it) {
      auto next = std::next(it);
      if (next == segments_.end() || next->first > offset) break;
      doomed.push_back(it->second);
    }
  }
  return RemoveSegments(doomed);
}

Result<int> Log::ApplyRetention() {
  MutexLock cleaner_lock(cleaner_mu_);
  const int64_t now = clock_.NowMs();
  LogConfig config;
  {
    MutexLock lock(append_mu_);
    config = config_;
    if (!config.cleanup_delete) return 0;
    // The active segment alone past retention.ms: roll it so that it can go too.
    if (config.retention_ms >= 0 && !closed_ && failed_.ok() && !active_->empty() &&
        active_->max_timestamp() < now - config.retention_ms) {
      HERALD_RETURN_IF_ERROR(Roll(now));
    }
  }
  std::vector<std::shared_ptr<Segment>> all;
  {
    ReaderLock lock(segments_mu_);
    for (const auto& [base, seg] : segments_) all.push_back(seg);
  }
  uint64_t total = 0;
  for (const auto& seg : all) total += seg->size();
  std::vector<std::shared_ptr<Segment>> doomed;
  for (size_t i = 0; i + 1 < all.size(); ++i) {
    const auto& seg = all[i];
    bool expired = config.retention_ms >= 0 && seg->max_timestamp() < now - config.retention_ms;
    bool oversize = config.retention_bytes >= 0 &&
                    total - seg->size() >= static_cast<uint64_t>(config.retention_bytes);
    if (!expired && !oversize) break;
    doomed.push_back(seg);
    total -= seg->size();
  }
  if (doomed.empty()) return 0;
  int64_t new_start = all[doomed.size()]->base_offset();
  int64_t current = log_start_offset_.load();
  while (current < new_start && !log_start_offset_.compare_exchange_weak(current, new_start)) {
  }
  HERALD_RETURN_IF_ERROR(RemoveSegments(doomed));
  return static_cast<int>(doomed.size());
}

bool Log::CompactionDue() const {
  MutexLock lock(append_mu_);
  if (!config_.cleanup_compact) return false;
  const int64_t now = clock_.NowMs();
  return active_->base_offset() != compacted_active_base_.load() ||
         now - compacted_at_ms_.load() >= config_.delete_retention_ms ||
         now >= held_back_until_ms_.load();
}

Result<CompactionStats> Log::Compact() {
  MutexLock cleaner_lock(cleaner_mu_);
  CompactionStats stats;
  const int64_t now = clock_.NowMs();
  int64_t delete_retention_ms;
  int64_t min_lag_ms;
  {
    MutexLock lock(append_mu_);
    if (!config_.cleanup_compact) return stats;
    delete_retention_ms = config_.delete_retention_ms;
    min_lag_ms = config_.min_compaction_lag_ms;
  }
  // Compaction leaves gaps at segment ends, which recovery only accepts below the checkpoint:
  // make every inactive segment durable and checkpointed first.
  HERALD_RETURN_IF_ERROR(Flush());
  HERALD_RETURN_IF_ERROR(Checkpoint());
  std::vector<std::shared_ptr<Segment>> inactive;
  {
    ReaderLock lock(segments_mu_);
    for (const auto& [base, seg] : segments_) inactive.push_back(seg);
  }
  compacted_active_base_.store(inactive.back()->base_offset());
  compacted_at_ms_.store(now);
  inactive.pop_back();  // never the active segment
  // min.compaction.lag.ms: as Kafka's first uncleanable offset, the first segment with a record
  // younger than the lag ends what may be compacted.
  held_back_until_ms_.store(LogConfig::kNever);
  if (min_lag_ms > 0) {
    auto young = std::ranges::find_if(inactive, [&](const std::shared_ptr<Segment>& seg) {
      return seg->max_timestamp() > now - min_lag_ms;
    });
    // CompactionDue again once the first segment held back is old enough, even if no other
    // segment rolls by then.
    if (young != inactive.end()) {
      const int64_t ts = (*young)->max_timestamp();
      held_back_until_ms_.store(ts > LogConfig::kNever - min_lag_ms ? LogConfig::kNever
                                                                    : ts + min_lag_ms);
    }
    inactive.erase(young, inactive.end());
  }
  if (inactive.empty()) return stats;

  // Pass 1: the latest offset of every key in the inactive segments, below `limit`. A
  // transaction's records wait for its marker: a commit makes them count, an abort marks its
  // batches for removal. Returns the first offset of a transaction still open at `limit`.
  struct Pending {
    std::vector<std::pair<std::string, int64_t>> keys;
    std::vector<int64_t> batches;  // base offsets
  };
  std::map<std::string, int64_t> latest;
  std::set<int64_t> aborted;  // base offsets of aborted batches
  auto scan = [&](int64_t limit) -> Result<int64_t> {
    latest.clear();
    aborted.clear();
    std::map<int64_t, Pending> open;  // by producer id
    for (const auto& seg : inactive) {
      if (seg->base_offset() >= limit) break;
      Status inner;
      HERALD_RETURN_IF_ERROR(
          seg->ForEachBatch(0, seg->size(), [&](const BatchHeader& h, ByteView bytes, uint64_t) {
            if (h.base_offset >= limit) return false;
            if (h.control()) {
              auto txn = open.find(h.producer_id);
              if (txn == open.end()) return true;
              // A marker whose type does not read ends its transaction as neither.
              auto parsed = ControlTypeOf(bytes);
              const ControlType type = parsed.ok() ? *parsed : ControlType::kUnknown;
              if (type == ControlType::kCommit) {
                for (const auto& [key, offset] : txn->second.keys) latest[key] = offset;
              } else if (type == ControlType::kAbort) {
                aborted.insert(txn->second.batches.begin(), txn->second.batches.end());
              }
              open.erase(txn);
              return true;
            }
            Pending* txn = h.transactional() ? &open[h.producer_id] : nullptr;
            if (txn != nullptr) txn->batches.push_back(h.base_offset);
            inner = ForEachRecord(bytes, [&](const RecordView& r) {
              if (!r.key) return;
              std::string key(AsString(*r.key));
              if (txn != nullptr) {
                txn->keys.emplace_back(std::move(key), r.offset);
              } else {
                latest[std::move(key)] = r.offset;
              }
            });
            return inner.ok();
          }));
      HERALD_RETURN_IF_ERROR(inner);
    }
    int64_t stable = limit;
    for (const auto& [producer, txn] : open) stable = std::min(stable, txn.batches.front());
    return stable;
  };
  // As Kafka's cleaner, nothing from the first transaction still open on counts or is compacted
  // (it may yet abort): scan again below it until no transaction is open below the limit.
  int64_t limit = INT64_MAX;
  for (;;) {
    HERALD_ASSIGN_OR_RETURN(int64_t stable, scan(limit));
    if (stable == limit) break;
    limit = stable;
  }
  // Pass 2: rewrite each segment that has something to drop.
  for (const auto& seg : inactive) {
    if (seg->next_offset() > limit) break;
    auto compacted = CompactSegment(seg, latest, aborted, now - delete_retention_ms, stats);
    HERALD_RETURN_IF_ERROR(compacted);
  }
  return stats;
}

Result<bool> Log::CompactSegment(const std::shared_ptr<Segment>& seg,
                                 const std::map<std::string, int64_t>& latest,
                                 const std::set<int64_t>& aborted, int64_t tombstone_horizon_ms,
                                 CompactionStats& stats) {
  const std::string cleaned_path = seg->log_path() + ".cleaned";
  HERALD_ASSIGN_OR_RETURN(auto out, fs_.Open(cleaned_path, OpenMode::kCreate));
  int64_t removed = 0;
  Status inner;
  Buffer kept;  // the records to keep, back to back
  Status scan = seg->ForEachBatch(0, seg->size(), [&](const BatchHeader& h, ByteView bytes,
                                                      uint64_t) {
    if (h.control()) {
      inner = out->Append(bytes);
      return inner.ok();
    }
    if (aborted.contains(h.base_offset)) {
      removed += h.record_count;
      return true;
    }
    kept.clear();
    int32_t total = 0, kept_count = 0;
    inner = ForEachRecord(bytes, [&](const RecordView& r) {
      ++total;
      bool keep = true;
      if (r.key) {
        auto it = latest.find(std::string(AsString(*r.key)));
        if (it != latest.end() && it->second > r.offset) {
          keep = false;  // a later record has this key
        } else if (!r.value && r.timestamp < tombstone_horizon_ms) {
          keep = false;  // an expired tombstone
        }
      }
      if (keep) {
        kept.insert(kept.end(), r.raw.begin(), r.raw.end());
        ++kept_count;
      }
    });
    if (!inner.ok()) return false;
    removed += total - kept_count;
    if (kept_count == total) {
      inner = out->Append(bytes);
    } else if (kept_count > 0) {
      auto rebuilt = RebuildBatch(h, kept, kept_count);
      inner = rebuilt.ok() ? out->Append(*rebuilt) : rebuilt.status();
    }
    return inner.ok();
  });
  HERALD_RETURN_IF_ERROR(scan);
  HERALD_RETURN_IF_ERROR(inner);
  if (removed == 0) {
    out.reset();
    HERALD_RETURN_IF_ERROR(fs_.Remove(cleaned_path));
    return false;
  }
  HERALD_RETURN_IF_ERROR(out->Sync());
  const uint64_t new_size = out->Size();
  out.reset();

  // Swap: drop the old indexes (rebuilt below), move the cleaned log into place, make it durable.
  const int64_t base = seg->base_offset();
  for (const auto& name : {Segment::IndexFileName(base), Segment::TimeIndexFileName(base)}) {
    Status s = fs_.Remove(JoinPath(options_.dir, name));
    if (!s.ok() && s.code() != StatusCode::kNotFound) return s;
  }
  HERALD_RETURN_IF_ERROR(fs_.Rename(cleaned_path, seg->log_path()));
  HERALD_RETURN_IF_ERROR(fs_.SyncDir(options_.dir));
  HERALD_ASSIGN_OR_RETURN(
      auto fresh, Segment::Open(fs_, options_.dir, base,
                                static_cast<uint32_t>(options_.config.index_interval_bytes),
                                seg->created_ms()));
  auto next = NextSegment(base);
  HERALD_RETURN_IF_ERROR(fresh->RecoverTrusted(next ? std::optional(next->base_offset())
                                                    : std::nullopt));
  HERALD_RETURN_IF_ERROR(fresh->SyncIndexes());
  {
    WriterLock lock(segments_mu_);
    segments_[base] = fresh;
  }
  stats.segments_rewritten += 1;
  stats.records_removed += removed;
  stats.bytes_before += static_cast<int64_t>(seg->size());
  stats.bytes_after += static_cast<int64_t>(new_size);
  return true;
}

}  // namespace herald::storage
