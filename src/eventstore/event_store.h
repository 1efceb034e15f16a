// EventStore: streams of events with per-stream optimistic concurrency, stored in one partition
// of a Herald topic (by default `herald.events`), so the topic's offsets are the store's global
// order and any Kafka consumer can read the events (eventstore/event_record.h has the format).
//
//   auto store = EventStore::Open(engine, {});
//   AppendResult r = (*store)->AppendAndWait("order-42", ExpectedRevision::NoStream(),
//                                           {{.type = "OrderPlaced", .data = R"({"total":42})"}});
//   // r.next_expected_revision == 0; a second writer expecting no_stream gets
//   // AppendError::kWrongExpectedVersion with r.current_revision == 0.
//   auto events = (*store)->ReadStream("order-42", {});
//
// Appends are atomic per call (one record batch), checked against the in-memory StreamIndex
// under the writer lock, written, and answered once durable. Readers see only durable events, so
// positions appear to them in order with no gap. Idempotence: an append whose event ids are
// already in the store, consecutively in the same stream and where its expected revision put
// them, answers the first result and writes nothing; any other reuse of an id is an error.
//
// Opening loads the index from its checkpoint file (`<data dir>/meta/eventstore/<topic>.index`,
// format in stream_index.h) and reads the topic from where the file ends, so a start costs
// O(events since the last checkpoint); without a usable file it reads the whole topic. The file
// is written every `checkpoint_interval_ms` by a background thread and by Close, each time for
// events already durable.
//
// Thread-safety: every method may be called from any thread. Append's callback runs on the
// appending thread (a failure found before writing) or a flusher thread; it must not block.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/mutex.h"
#include "base/status.h"
#include "eventstore/event_record.h"
#include "eventstore/stream_index.h"
#include "storage/engine.h"

namespace herald::eventstore {

struct EventStoreOptions {
  std::string topic = "herald.events";
  size_t max_events_per_append = 10000;
  size_t max_read_count = 10000;  // the most events one read returns, whatever is asked
  // How often the index checkpoint is written (when events were appended since the last); one
  // is also written by Close. Without `background`, only Checkpoint and Close write it.
  int64_t checkpoint_interval_ms = 30000;
  bool background = true;
};

// What opening found and did.
struct EventStoreRecovery {
  bool from_checkpoint = false;  // the index started from its checkpoint file
  int64_t records_read = 0;      // records of the topic read to finish the index
  int64_t records_skipped = 0;   // of which not events (or not fitting the index)
};

struct AppendResult {
  AppendError error = AppendError::kNone;
  std::string message;                  // why, when error is set
  int64_t current_revision = -1;        // the stream's revision when checked (-1: none)
  int64_t next_expected_revision = -1;  // on success: the revision of the last event
  int64_t position = -1;                // on success: the global position of the last event

  bool ok() const { return error == AppendError::kNone; }
};

// An aggregate's state as of a revision of its stream.
struct Snapshot {
  int64_t revision = -1;  // the state includes the events up to this revision
  std::string state;      // JSON
  int64_t position = -1;
  int64_t created_ms = 0;
};

struct ReadStreamOptions {
  int64_t from_revision = 0;  // backward: -1 means from the end
  bool backward = false;
  size_t max_count = 100;
};

struct StreamSlice {
  StreamState state = StreamState::kNone;
  std::vector<RecordedEvent> events;
  int64_t last_revision = -1;  // the stream's last revision
  // Where the next page starts, or nullopt when this read reached the stream's end (forward)
  // or start (backward).
  std::optional<int64_t> next_revision;
};

struct ReadAllOptions {
  int64_t from_position = 0;  // inclusive
  size_t max_count = 100;
  std::string stream_prefix;       // e.g. "order-" for the category "order"; empty: every stream
  std::vector<std::string> types;  // only these event types; empty: every type
  bool include_system = false;     // events of `$` streams (metadata, deletions)
};

struct AllSlice {
  std::vector<RecordedEvent> events;
  int64_t next_position = 0;  // where the next read starts
  int64_t end_position = 0;   // the durable end of the store when read
};

class EventStore {
 public:
  using AppendCallback = std::function<void(AppendResult)>;

  // Opens the store on `options.topic`, rebuilding the index. A missing topic is created (one
  // partition, no retention) by the first append.
  static Result<std::unique_ptr<EventStore>> Open(storage::Engine& engine,
                                                  EventStoreOptions options = {});
  ~EventStore();  // Close()
  EventStore(const EventStore&) = delete;
  EventStore& operator=(const EventStore&) = delete;

  // Writes the index checkpoint for every event appended so far, once they are durable.
  // kUnavailable when a stream changed state meanwhile (the next call tries again).
  Status Checkpoint();
  // Stops the background checkpoints and writes a last one. Call before the engine closes; the
  // store takes no appends afterwards.
  Status Close();
  const EventStoreRecovery& recovery() const { return recovery_; }

  // Appends `events` to `stream` if it is at `expected`. `done` is called once, when the events
  // are durable or with why nothing was written.
  void Append(const std::string& stream, const ExpectedRevision& expected,
              std::vector<EventData> events, AppendCallback done);
  AppendResult AppendAndWait(const std::string& stream, const ExpectedRevision& expected,
                             std::vector<EventData> events);

  // Sets `stream`'s metadata (a JSON object; max_count, max_age and truncate_before are obeyed).
  // `done` as Append's.
  void SetMetadata(const std::string& stream, const std::string& json, AppendCallback done);
  // The stream's metadata; "{}" when none was set.
  StreamMetadata GetMetadata(const std::string& stream) const;
  // Deletes `stream` if it is at `expected`. Soft: its events stop being readable and appending
  // re-creates it, revisions continuing. Hard: it can never be appended to again. `done` as
  // Append's.
  void Delete(const std::string& stream, const ExpectedRevision& expected, bool hard,
              AppendCallback done);

  // Reads events of one stream (kNone: never written; kHardDeleted or kSoftDeleted: no events).
  Result<StreamSlice> ReadStream(const std::string& stream, const ReadStreamOptions& options) const;
  // Stores `state` (JSON) as `stream`'s snapshot at `revision`, which the stream must have.
  // Loading an aggregate reads the latest snapshot, then the events after its revision. A
  // deletion drops the snapshot. `done` as Append's.
  void SaveSnapshot(const std::string& stream, int64_t revision, const std::string& state,
                    AppendCallback done);
  // The latest durable snapshot of `stream`; nullopt when there is none.
  Result<std::optional<Snapshot>> LoadSnapshot(const std::string& stream) const;
  // Reads events in global order.
  Result<AllSlice> ReadAll(const ReadAllOptions& options) const;

  // Calls `ready` once the store's durable end passes `position` (at once if it already has),
  // for subscriptions waiting on live events. `ready` runs on a flusher or appending thread.
  void WhenPast(int64_t position, std::function<void(Status)> ready);
  // The position after the last durable event.
  int64_t end_position() const;
  const std::string& topic() const { return options_.topic; }

  // Validation shared by the doors: a stream name an application may write (1-255 bytes of
  // UTF-8 without control characters, not starting with '$').
  static Status ValidateStreamName(const std::string& stream);

 private:
  struct Waiter {
    int64_t position;
    std::function<void(Status)> ready;
  };

  EventStore(storage::Engine& engine, EventStoreOptions options);
  // Creates the topic if needed and opens its log.
  Status OpenLog() REQUIRES(mu_);
  std::shared_ptr<storage::Log> CurrentLog() const EXCLUDES(mu_);
  // Hands WhenPast calls made before the log existed to the log, once it does.
  void RegisterEarlyWaiters() EXCLUDES(mu_);
  // Runs in Open, before any other thread can see the store: it takes no lock.
  Status Rebuild() NO_THREAD_SAFETY_ANALYSIS;
  std::string CheckpointPath() const;
  std::optional<StreamIndex::Decoded> LoadCheckpoint(const storage::Log& log) const;
  void CheckpointLoop();
  // Checks `events` (prepared: ids parsed) against the index and writes them, or finds them
  // written before (a retry). The result still has to wait for durability.
  AppendResult AppendLocked(const std::string& stream, const ExpectedRevision& expected,
                            const std::vector<EventData>& events, const std::vector<Uuid>& ids)
      REQUIRES(mu_);
  // Writes `events` as revisions first_revision... of `stream` in one batch and indexes them;
  // answers the last one's position. kInvalidArgument when the batch is too large for the topic.
  Result<int64_t> WriteLocked(const std::string& stream, int64_t first_revision,
                              const std::vector<EventData>& events, const std::vector<Uuid>& ids)
      REQUIRES(mu_);
  // Calls `done` with `result` once its position is durable (at once for a failure).
  void AnswerWhenDurable(AppendResult result, AppendCallback done) const;
  // What a system event needs of its stream besides the expected revision.
  struct SystemCheck {
    bool require_live = false;     // the stream exists (not deleted)
    int64_t revision_exists = -1;  // the stream has this revision
  };
  // Writes a system event about `stream` into its system stream, if `stream` is at `expected`
  // and passes `when`; `done` as Append's.
  void AppendSystemEvent(const std::string& stream, const ExpectedRevision& expected,
                         const SystemCheck& when, const std::string& type, const std::string& data,
                         AppendCallback done);
  static Result<std::vector<RecordedEvent>> ReadPositions(const storage::Log& log,
                                                          const std::string& stream,
                                                          const std::vector<int64_t>& positions);

  storage::Engine& engine_;
  const EventStoreOptions options_;
  Clock& clock_;
  mutable SharedMutex mu_;  // writers exclusive (check, write, index), readers shared
  std::shared_ptr<storage::Log> log_ GUARDED_BY(mu_);  // null until the topic exists
  StreamIndex index_ GUARDED_BY(mu_);
  std::vector<Waiter> early_waiters_ GUARDED_BY(mu_);
  EventStoreRecovery recovery_;
  std::atomic<int64_t> checkpointed_end_{-1};

  Mutex checkpoint_write_mu_;  // held across Checkpoint; after checkpointer_mu_ when both
  Mutex checkpointer_mu_;
  CondVar checkpointer_cv_;
  bool stopping_ GUARDED_BY(checkpointer_mu_) = false;
  bool closed_ GUARDED_BY(checkpointer_mu_) = false;
  std::thread checkpointer_;
};

// Runs `start` with a callback and waits for it: EventStore's asynchronous calls made blocking,
// for tests and tools (never on an io thread).
AppendResult WaitFor(const std::function<void(EventStore::AppendCallback)>& start);

}  // namespace herald::eventstore
