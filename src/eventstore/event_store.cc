#include "eventstore/event_store.h"

#include <algorithm>
#include <future>
#include <set>

#include <fmt/format.h>

#include "base/json.h"
#include "base/log.h"
#include "base/utf8.h"
#include "storage/record_scan.h"

namespace herald::eventstore {
namespace {

constexpr size_t kMaxNameBytes = 255;

AppendResult Failure(AppendError error, std::string message, int64_t current = -1) {
  AppendResult r;
  r.error = error;
  r.message = std::move(message);
  r.current_revision = current;
  return r;
}

Status CheckEventType(const std::string& type) {
  if (type.empty() || type.size() > kMaxNameBytes || !IsValidUtf8(type)) {
    return InvalidArgument("an event type is 1 to {} bytes of UTF-8", kMaxNameBytes);
  }
  if (type[0] == '$') return InvalidArgument("event types starting with '$' are the store's own");
  return Status::Ok();
}

// Checks what an application proposes and gives each event its id (a new UUID when it has none,
// else its own in lower case).
Result<std::vector<Uuid>> PrepareEvents(std::vector<EventData>& events, size_t max_events) {
  if (events.empty()) return InvalidArgument("an append needs at least one event");
  if (events.size() > max_events) {
    return InvalidArgument("an append takes at most {} events", max_events);
  }
  std::vector<Uuid> ids;
  ids.reserve(events.size());
  std::set<Uuid> seen;
  for (EventData& e : events) {
    HERALD_RETURN_IF_ERROR(CheckEventType(e.type));
    if (e.id.empty()) e.id = NewUuid();
    auto id = ParseUuid(e.id);
    if (!id) return InvalidArgument("event id '{}' is not a UUID", e.id);
    if (!seen.insert(*id).second) return InvalidArgument("event id {} appears twice", e.id);
    e.id = id->ToString();
    if (e.content_type.empty()) e.content_type = "application/octet-stream";
    if (!e.metadata.empty()) {
      auto m = ParseBoundedJson(e.metadata);
      if (!m || !m->is_object()) return InvalidArgument("event metadata must be a JSON object");
    }
    ids.push_back(*id);
  }
  return ids;
}

}  // namespace

EventStore::EventStore(storage::Engine& engine, EventStoreOptions options)
    : engine_(engine), options_(std::move(options)), clock_(engine.clock()) {}

Result<std::unique_ptr<EventStore>> EventStore::Open(storage::Engine& engine,
                                                     EventStoreOptions options) {
  std::unique_ptr<EventStore> store(new EventStore(engine, std::move(options)));
  // The topic appears with the first append: a broker that never stores an event shows none.
  if (engine.HasTopic(store->options_.topic)) {
    {
      WriterLock lock(store->mu_);
      HERALD_RETURN_IF_ERROR(store->OpenLog());
    }
    HERALD_RETURN_IF_ERROR(store->Rebuild());
  }
  if (store->options_.background) {
    store->checkpointer_ = std::thread([raw = store.get()] { raw->CheckpointLoop(); });
  }
  return store;
}

Status EventStore::OpenLog() {
  if (!engine_.HasTopic(options_.topic)) {
    Status created = engine_.CreateTopic(options_.topic, 1, {{"retention.ms", "-1"}});
    if (!created.ok() && created.code() != StatusCode::kAlreadyExists) {
      return created.WithContext("creating the event store's topic");
    }
  }
  HERALD_ASSIGN_OR_RETURN(storage::TopicInfo info, engine_.DescribeTopic(options_.topic));
  if (info.partitions != 1) {
    return FailedPrecondition("the event store's topic '{}' has {} partitions; it needs one",
                              options_.topic, info.partitions);
  }
  HERALD_ASSIGN_OR_RETURN(log_, engine_.GetLog(options_.topic, 0));
  return Status::Ok();
}

std::shared_ptr<storage::Log> EventStore::CurrentLog() const {
  ReaderLock lock(mu_);
  return log_;
}

void EventStore::RegisterEarlyWaiters() {
  std::vector<Waiter> waiters;
  std::shared_ptr<storage::Log> log;
  {
    WriterLock lock(mu_);
    if (!log_ || early_waiters_.empty()) return;
    waiters.swap(early_waiters_);
    log = log_;
  }
  for (Waiter& w : waiters) log->WhenDurable(w.position, std::move(w.ready));
}

std::string EventStore::CheckpointPath() const {
  using storage::JoinPath;
  return JoinPath(JoinPath(JoinPath(engine_.data_dir(), "meta"), "eventstore"),
                  options_.topic + ".index");
}

// The checkpoint file, if there is one that decodes and still matches the topic: its last event
// is where it says, with the id it says. Anything else is logged and ignored (the whole topic is
// read instead).
std::optional<StreamIndex::Decoded> EventStore::LoadCheckpoint(const storage::Log& log) const {
  storage::FileSystem& fs = engine_.fs();
  const std::string path = CheckpointPath();
  if (!fs.Exists(path)) return std::nullopt;
  auto ignore = [&](const std::string& why) {
    LogWarn("event_store_index_ignored", {{"path", path}},
            fmt::format("{}; reading the whole topic instead", why));
    return std::nullopt;
  };
  auto bytes = storage::ReadFile(fs, path);
  if (!bytes.ok()) return ignore(bytes.status().ToString());
  auto decoded = StreamIndex::Decode(*bytes);
  if (!decoded.ok()) return ignore(decoded.status().ToString());
  if (decoded->end > log.end_offset()) return ignore("the topic ends before the checkpoint");
  if (decoded->last_position >= 0) {
    std::optional<Uuid> found;
    Status read = storage::ScanRecords(log, decoded->last_position, decoded->last_position + 1,
                                       [&](const storage::RecordView& r) {
                                         auto e = DecodeEvent(r, /*with_data=*/false);
                                         if (e) found = ParseUuid(e->id);
                                         return false;
                                       });
    if (!read.ok() || found != decoded->last_id) {
      return ignore("the topic no longer holds the checkpoint's last event");
    }
  }
  return std::move(decoded).value();
}

Status EventStore::Rebuild() {
  const storage::Log& log = *log_;
  int64_t from = log.log_start_offset();
  if (auto checkpoint = LoadCheckpoint(log)) {
    index_ = std::move(checkpoint->index);
    from = std::max(from, checkpoint->end);
    recovery_.from_checkpoint = true;
    checkpointed_end_ = checkpoint->end;
  }
  StreamIndex* index = &index_;
  HERALD_RETURN_IF_ERROR(
      storage::ScanRecords(log, from, log.end_offset(), [&](const storage::RecordView& r) {
        ++recovery_.records_read;
        auto e = DecodeEvent(r, /*with_data=*/false);
        std::string data;
        if (e && e->stream.starts_with("$$") && r.value) data = std::string(AsString(*r.value));
        if (!e ||
            !index->Apply(e->stream, e->revision, *ParseUuid(e->id), e->position, e->type, data)) {
          ++recovery_.records_skipped;
        }
        return true;
      }));
  LogInfo("event_store_opened", {{"topic", options_.topic},
                                 {"streams", index->stream_count()},
                                 {"events", index->event_count()},
                                 {"from_checkpoint", recovery_.from_checkpoint},
                                 {"records_read", recovery_.records_read},
                                 {"records_skipped", recovery_.records_skipped}});
  return Status::Ok();
}

Status EventStore::Checkpoint() {
  MutexLock writing(checkpoint_write_mu_);  // one writer of the file at a time
  std::shared_ptr<storage::Log> log = CurrentLog();
  if (!log) return Status::Ok();
  const int64_t end = log->end_offset();
  if (end == checkpointed_end_.load()) return Status::Ok();
  // Everything below `end` must be durable before a file vouches for it.
  std::promise<Status> durable;
  log->WhenDurable(end - 1, [&durable](Status s) { durable.set_value(std::move(s)); });
  HERALD_RETURN_IF_ERROR(durable.get_future().get());
  Buffer file;
  {
    ReaderLock lock(mu_);
    HERALD_ASSIGN_OR_RETURN(file, index_.Encode(end));
  }
  storage::FileSystem& fs = engine_.fs();
  const std::string path = CheckpointPath();
  HERALD_RETURN_IF_ERROR(storage::CreateDirs(fs, path.substr(0, path.rfind('/'))));
  HERALD_RETURN_IF_ERROR(storage::WriteFileAtomic(fs, path, file));
  checkpointed_end_ = end;
  return Status::Ok();
}

void EventStore::CheckpointLoop() {
  MutexLock lock(checkpointer_mu_);
  while (!stopping_) {
    checkpointer_cv_.WaitFor(checkpointer_mu_,
                             std::chrono::milliseconds(options_.checkpoint_interval_ms));
    if (stopping_) break;
    if (Status s = Checkpoint(); !s.ok()) {
      // kUnavailable: a stream changed while the file was being made; the next round retries.
      LogDebug("event_store_checkpoint_skipped", {{"topic", options_.topic}}, s.ToString());
    }
  }
}

Status EventStore::Close() {
  {
    MutexLock lock(checkpointer_mu_);
    if (closed_) return Status::Ok();
    closed_ = true;
    stopping_ = true;
    checkpointer_cv_.NotifyAll();
  }
  if (checkpointer_.joinable()) checkpointer_.join();
  return Checkpoint();
}

EventStore::~EventStore() {
  if (Status s = Close(); !s.ok()) {
    LogWarn("event_store_checkpoint_failed", {{"topic", options_.topic}}, s.ToString());
  }
}

Status EventStore::ValidateStreamName(const std::string& stream) {
  if (stream.empty() || stream.size() > kMaxNameBytes || !IsValidUtf8(stream)) {
    return InvalidArgument("a stream name is 1 to {} bytes of UTF-8", kMaxNameBytes);
  }
  for (unsigned char c : stream) {
    if (c < 0x20 || c == 0x7f) return InvalidArgument("a stream name has no control characters");
  }
  if (stream[0] == '$') {
    return InvalidArgument("stream names starting with '$' are the store's own");
  }
  return Status::Ok();
}

void EventStore::Append(const std::string& stream, const ExpectedRevision& expected,
                        std::vector<EventData> events, AppendCallback done) {
  if (Status s = ValidateStreamName(stream); !s.ok()) {
    done(Failure(AppendError::kInvalid, s.message()));
    return;
  }
  auto ids = PrepareEvents(events, options_.max_events_per_append);
  if (!ids.ok()) {
    done(Failure(AppendError::kInvalid, ids.status().message()));
    return;
  }
  AppendResult result;
  {
    WriterLock lock(mu_);
    result = AppendLocked(stream, expected, events, *ids);
  }
  RegisterEarlyWaiters();
  AnswerWhenDurable(std::move(result), std::move(done));
}

AppendResult EventStore::AppendLocked(const std::string& stream, const ExpectedRevision& expected,
                                      const std::vector<EventData>& events,
                                      const std::vector<Uuid>& ids) {
  StreamIndex::Check check = index_.CheckAppend(stream, expected, ids);
  if (check.error != AppendError::kNone) {
    return Failure(check.error, check.message, check.current_revision);
  }
  AppendResult result;
  result.current_revision = check.current_revision;
  if (check.retry_position) {
    // Written before: answer as the first time, once that write is durable.
    result.next_expected_revision = *check.retry_revision;
    result.position = *check.retry_position;
    return result;
  }
  auto written = WriteLocked(stream, check.first_revision, events, ids);
  if (!written.ok()) {
    const AppendError error = written.status().code() == StatusCode::kInvalidArgument
                                  ? AppendError::kInvalid
                                  : AppendError::kStorage;
    return Failure(error, written.status().message(), check.current_revision);
  }
  result.next_expected_revision = check.first_revision + static_cast<int64_t>(events.size()) - 1;
  result.position = *written;
  return result;
}

Result<int64_t> EventStore::WriteLocked(const std::string& stream, int64_t first_revision,
                                        const std::vector<EventData>& events,
                                        const std::vector<Uuid>& ids) {
  if (!log_) {
    HERALD_RETURN_IF_ERROR(OpenLog());
  }
  const int64_t now = clock_.NowMs();
  std::vector<storage::RecordSpec> records;
  records.reserve(events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    records.push_back(
        EncodeEvent(stream, first_revision + static_cast<int64_t>(i), events[i], now));
  }
  Buffer batch = storage::BuildBatch(records);
  const size_t limit = static_cast<size_t>(log_->max_message_bytes());
  if (batch.size() > limit) {
    return InvalidArgument(
        "the events take {} bytes; the store's topic takes at most {} per append "
        "(max.message.bytes)",
        batch.size(), limit);
  }
  HERALD_ASSIGN_OR_RETURN(auto validated, storage::ValidatedBatch::Check(batch));
  auto written = log_->Write(validated);
  if (!written.ok()) {
    return Unavailable("the store's log refused the write: {}", written.status().ToString());
  }
  for (size_t i = 0; i < events.size(); ++i) {
    const bool applied = index_.Apply(stream, first_revision + static_cast<int64_t>(i), ids[i],
                                      written->base_offset + static_cast<int64_t>(i),
                                      events[i].type, events[i].data);
    HERALD_ASSERT(applied, "the index refused an append it had checked");
  }
  return written->last_offset;
}

void EventStore::AnswerWhenDurable(AppendResult result, AppendCallback done) const {
  if (!result.ok()) {
    done(std::move(result));
    return;
  }
  const int64_t position = result.position;
  CurrentLog()->WhenDurable(position, [result = std::move(result),
                                       done = std::move(done)](Status s) {
    done(s.ok() ? result : Failure(AppendError::kStorage, s.ToString(), result.current_revision));
  });
}

AppendResult WaitFor(const std::function<void(EventStore::AppendCallback)>& start) {
  std::promise<AppendResult> promise;
  auto future = promise.get_future();
  start([&promise](AppendResult r) { promise.set_value(std::move(r)); });
  return future.get();
}

AppendResult EventStore::AppendAndWait(const std::string& stream, const ExpectedRevision& expected,
                                       std::vector<EventData> events) {
  return WaitFor(
      [&](AppendCallback done) { Append(stream, expected, std::move(events), std::move(done)); });
}

void EventStore::AppendSystemEvent(const std::string& stream, const ExpectedRevision& expected,
                                   const SystemCheck& when, const std::string& type,
                                   const std::string& data, AppendCallback done) {
  if (Status s = ValidateStreamName(stream); !s.ok()) {
    done(Failure(AppendError::kInvalid, s.message()));
    return;
  }
  const std::vector<EventData> events{{.id = NewUuid(), .type = type, .data = data}};
  const std::vector<Uuid> ids{*ParseUuid(events[0].id)};
  AppendResult result;
  {
    WriterLock lock(mu_);
    // The expectation is about the stream itself; the event goes to its system stream.
    StreamIndex::Check check = index_.CheckAppend(stream, expected, {});
    const StreamIndex::Stream* s = index_.Find(stream);
    if (check.error == AppendError::kNone && when.require_live &&
        (s == nullptr || s->state != StreamState::kLive)) {
      check.error = AppendError::kWrongExpectedVersion;
      check.message = fmt::format("stream '{}' does not exist", stream);
    } else if (check.error == AppendError::kNone && when.revision_exists >= 0 &&
               check.current_revision < when.revision_exists) {
      check.error = AppendError::kInvalid;
      check.message = fmt::format("stream '{}' has no revision {} (its last is {})", stream,
                                  when.revision_exists, check.current_revision);
    }
    if (check.error != AppendError::kNone) {
      result = Failure(check.error, check.message, check.current_revision);
    } else {
      const std::string system = SystemStreamOf(stream);
      const StreamIndex::Stream* meta = index_.Find(system);
      auto written = WriteLocked(system, meta ? meta->last_revision() + 1 : 0, events, ids);
      if (written.ok()) {
        result.current_revision = check.current_revision;
        result.next_expected_revision = check.current_revision;
        result.position = *written;
      } else {
        result = Failure(AppendError::kStorage, written.status().message(), check.current_revision);
      }
    }
  }
  RegisterEarlyWaiters();
  AnswerWhenDurable(std::move(result), std::move(done));
}

void EventStore::SetMetadata(const std::string& stream, const std::string& json,
                             AppendCallback done) {
  auto metadata = StreamMetadata::FromJson(json);
  if (!metadata.ok()) {
    done(Failure(AppendError::kInvalid, metadata.status().message()));
    return;
  }
  AppendSystemEvent(stream, ExpectedRevision::Any(), {}, kMetadataType, metadata->json,
                    std::move(done));
}

StreamMetadata EventStore::GetMetadata(const std::string& stream) const {
  ReaderLock lock(mu_);
  const StreamIndex::Stream* s = index_.Find(stream);
  return s ? s->metadata : StreamMetadata{};
}

void EventStore::Delete(const std::string& stream, const ExpectedRevision& expected, bool hard,
                        AppendCallback done) {
  AppendSystemEvent(stream, expected, {.require_live = !hard},
                    hard ? kTombstoneType : kSoftDeletedType, "{}", std::move(done));
}

void EventStore::SaveSnapshot(const std::string& stream, int64_t revision, const std::string& state,
                              AppendCallback done) {
  auto parsed = ParseBoundedJson(state);
  if (!parsed) {
    done(Failure(AppendError::kInvalid, "a snapshot's state is JSON"));
    return;
  }
  if (revision < 0) {
    done(Failure(AppendError::kInvalid, "a snapshot's revision is >= 0"));
    return;
  }
  const std::string data = nlohmann::json{{"revision", revision}, {"data", *parsed}}.dump();
  AppendSystemEvent(stream, ExpectedRevision::Any(),
                    {.require_live = true, .revision_exists = revision}, kSnapshotType, data,
                    std::move(done));
}

Result<std::optional<Snapshot>> EventStore::LoadSnapshot(const std::string& stream) const {
  std::shared_ptr<storage::Log> log;
  int64_t position = -1;
  {
    ReaderLock lock(mu_);
    const StreamIndex::Stream* s = index_.Find(stream);
    if (s == nullptr || s->snapshot_position < 0 || !log_ ||
        s->snapshot_position >= log_->durable_offset()) {
      return std::optional<Snapshot>();
    }
    position = s->snapshot_position;
    log = log_;
  }
  HERALD_ASSIGN_OR_RETURN(auto events, ReadPositions(*log, SystemStreamOf(stream), {position}));
  if (events.empty()) return std::optional<Snapshot>();  // gone from the topic (DeleteRecords)
  auto parsed = ParseBoundedJson(events[0].data);
  if (!parsed || !parsed->is_object() || !parsed->contains("data")) {
    return Corruption("the snapshot of '{}' at position {} does not parse", stream, position);
  }
  Snapshot snapshot;
  snapshot.revision = parsed->value("revision", int64_t{-1});
  snapshot.state = (*parsed)["data"].dump();
  snapshot.position = position;
  snapshot.created_ms = events[0].created_ms;
  return std::optional<Snapshot>(std::move(snapshot));
}

Result<std::vector<RecordedEvent>> EventStore::ReadPositions(
    const storage::Log& log, const std::string& stream, const std::vector<int64_t>& positions) {
  // Positions come sorted (forward) or reversed (backward); read in log order, answer in theirs.
  std::vector<int64_t> sorted = positions;
  std::sort(sorted.begin(), sorted.end());
  std::vector<RecordedEvent> found;
  found.reserve(sorted.size());
  size_t next = 0;
  while (next < sorted.size()) {
    const int64_t from = sorted[next];
    HERALD_RETURN_IF_ERROR(storage::ScanRecords(
        log, from, sorted.back() + 1,
        [&](const storage::RecordView& r) {
          while (next < sorted.size() && sorted[next] < r.offset) ++next;  // gone (DeleteRecords)
          if (next == sorted.size()) return false;
          if (r.offset != sorted[next]) return true;
          auto e = DecodeEvent(r);
          if (e && e->stream == stream) found.push_back(std::move(*e));
          ++next;
          // A far-away next position: read it directly instead of scanning up to it.
          return next < sorted.size() && sorted[next] - r.offset < 64;
        },
        /*read_bytes=*/1));  // one batch per read: the positions are usually scattered
    if (next < sorted.size() && sorted[next] == from) ++next;  // unreadable
  }
  if (!positions.empty() && positions.front() > positions.back()) {
    std::reverse(found.begin(), found.end());
  }
  return found;
}

Result<StreamSlice> EventStore::ReadStream(const std::string& stream,
                                           const ReadStreamOptions& options) const {
  StreamSlice slice;
  std::vector<int64_t> positions;
  const size_t max_count = std::clamp<size_t>(options.max_count, 1, options_.max_read_count);
  int64_t max_age_seconds = -1;
  std::shared_ptr<storage::Log> log;
  {
    ReaderLock lock(mu_);
    const StreamIndex::Stream* s = index_.Find(stream);
    if (s == nullptr || s->state == StreamState::kNone || !log_) return slice;
    log = log_;
    const int64_t durable_end = log->durable_offset();
    slice.state = s->state;
    if (s->state != StreamState::kLive) return slice;
    // Only durable revisions exist for readers.
    int64_t last = s->last_revision();
    while (last >= 0 && s->positions[static_cast<size_t>(last)] >= durable_end) --last;
    slice.last_revision = last;
    const int64_t first = s->first_readable();
    max_age_seconds = s->metadata.max_age_seconds.value_or(-1);
    if (!options.backward) {
      int64_t r = std::max(options.from_revision, first);
      for (; r <= last && positions.size() < max_count; ++r) {
        positions.push_back(s->positions[static_cast<size_t>(r)]);
      }
      if (r <= last) slice.next_revision = r;
    } else {
      int64_t r = options.from_revision < 0 ? last : std::min(options.from_revision, last);
      for (; r >= first && positions.size() < max_count; --r) {
        positions.push_back(s->positions[static_cast<size_t>(r)]);
      }
      if (r >= first) slice.next_revision = r;
    }
  }
  HERALD_ASSIGN_OR_RETURN(slice.events, ReadPositions(*log, stream, positions));
  if (max_age_seconds >= 0) {
    const int64_t oldest = clock_.NowMs() - max_age_seconds * 1000;
    std::erase_if(slice.events, [&](const RecordedEvent& e) { return e.created_ms < oldest; });
  }
  return slice;
}

Result<AllSlice> EventStore::ReadAll(const ReadAllOptions& options) const {
  AllSlice slice;
  const std::shared_ptr<storage::Log> log = CurrentLog();
  slice.next_position = options.from_position;
  if (!log) return slice;
  slice.end_position = log->durable_offset();
  slice.next_position = std::max(options.from_position, log->log_start_offset());
  const size_t max_count = std::clamp<size_t>(options.max_count, 1, options_.max_read_count);
  // A narrow filter over a long log answers in pages too: at most this many records are looked
  // at per read, and next_position says where to go on.
  constexpr int64_t kMaxScanned = 100000;
  int64_t scanned = 0;
  bool stopped = false;
  HERALD_RETURN_IF_ERROR(storage::ScanRecords(
      *log, slice.next_position, slice.end_position, [&](const storage::RecordView& r) {
        slice.next_position = r.offset + 1;
        stopped = ++scanned >= kMaxScanned;
        auto e = DecodeEvent(r);
        if (e && (options.include_system || !e->stream.starts_with('$')) &&
            e->stream.starts_with(options.stream_prefix) &&
            (options.types.empty() || std::find(options.types.begin(), options.types.end(),
                                                e->type) != options.types.end())) {
          slice.events.push_back(std::move(*e));
          stopped = stopped || slice.events.size() >= max_count;
        }
        return !stopped;
      }));
  if (!stopped) slice.next_position = std::max(slice.next_position, slice.end_position);
  return slice;
}

void EventStore::WhenPast(int64_t position, std::function<void(Status)> ready) {
  std::shared_ptr<storage::Log> log;
  {
    WriterLock lock(mu_);
    if (!log_) {
      early_waiters_.push_back({position, std::move(ready)});
      return;
    }
    log = log_;
  }
  log->WhenDurable(position, std::move(ready));
}

int64_t EventStore::end_position() const {
  const std::shared_ptr<storage::Log> log = CurrentLog();
  return log ? log->durable_offset() : 0;
}

}  // namespace herald::eventstore
