// EventStore: streams of events with per-stream optimistic concurrency, one interface over
//   - the embedded store: Herald's event store in this process, on the data directory of an
//     embedded transport (OpenEmbeddedEventStore), which `herald serve` can later serve as is;
//   - the remote store: the event store of a running `herald serve`, over its HTTP port
//     (ConnectEventStore).
//
//   auto store = herald::sdk::OpenEmbeddedEventStore(herald::sdk::OpenEmbedded({}));
//   auto r = store->Append("order-42", ExpectedRevision::NoStream(),
//                          {{.type = "OrderPlaced", .data = R"({"total":42})"}});
//   // r.next_expected_revision == 0; another writer expecting NoStream gets
//   // WrongExpectedVersion with current_revision() == 0, and nothing is written.
//   auto slice = store->Read("order-42");
//
// The stores behave alike, with one difference: the remote store carries JSON data through the
// HTTP API's JSON, so it reads back the same value, not always the same bytes (spaces, key
// order); data of another content type is carried as is.
//
// Thread-safety: every method may be called from any thread; a Subscription is used by one
// thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "herald/errors.h"
#include "herald/transport.h"

namespace herald::sdk {

// An event as an application proposes it.
struct EventData {
  std::string type;
  std::string data;  // JSON unless content_type says otherwise
  std::string content_type = "application/json";
  std::string id;        // a UUID; the store generates one when empty
  std::string metadata;  // a JSON object (correlation id, causation id, user, ...), or empty
};

// An event as the store recorded it.
struct RecordedEvent {
  std::string stream;
  int64_t revision = 0;  // 0, 1, 2, ... within the stream
  int64_t position = 0;  // the global order across streams
  std::string id;
  std::string type;
  std::string data;
  std::string content_type;
  std::string metadata;
  int64_t created_ms = 0;
};

// What a write expects of its stream.
struct ExpectedRevision {
  enum class Kind { kAny, kNoStream, kStreamExists, kExact };
  Kind kind = Kind::kAny;
  int64_t revision = -1;  // kExact only

  static ExpectedRevision Any() { return {Kind::kAny, -1}; }
  static ExpectedRevision NoStream() { return {Kind::kNoStream, -1}; }
  static ExpectedRevision StreamExists() { return {Kind::kStreamExists, -1}; }
  // The stream's last revision is `revision` (-1: the stream has no event, as NoStream).
  static ExpectedRevision Exact(int64_t revision) {
    return revision < 0 ? NoStream() : ExpectedRevision{Kind::kExact, revision};
  }
};

// The stream was not at the expected revision: nothing was written.
class WrongExpectedVersion : public Error {
 public:
  WrongExpectedVersion(const std::string& message, int64_t current_revision)
      : Error(message), current_revision_(current_revision) {}
  // The stream's last revision when the write was checked; -1 when it had none.
  int64_t current_revision() const { return current_revision_; }

 private:
  int64_t current_revision_;
};

// The stream was hard-deleted: no write to it can succeed again.
class StreamDeleted : public Error {
 public:
  using Error::Error;
};

struct AppendResult {
  int64_t next_expected_revision = -1;  // the revision of the last event written
  int64_t position = -1;                // its global position
};

enum class StreamStatus {
  kOk,
  kNotFound,  // never written, or soft-deleted
  kDeleted,   // hard-deleted
};

struct ReadOptions {
  int64_t from_revision = 0;  // backward: -1 reads from the end
  bool backward = false;
  size_t max_count = 100;  // the store caps it (10,000 by default)
};

struct StreamSlice {
  StreamStatus status = StreamStatus::kNotFound;
  std::vector<RecordedEvent> events;
  int64_t last_revision = -1;  // the stream's last revision
  // Where the next page starts; nullopt when this read reached the end (or, backward, the start).
  std::optional<int64_t> next_revision;
};

struct ReadAllOptions {
  int64_t from_position = 0;  // inclusive
  size_t max_count = 100;
  std::string category;            // only streams named "<category>-..."; empty: every stream
  std::vector<std::string> types;  // only these event types; empty: every type
};

struct AllSlice {
  std::vector<RecordedEvent> events;
  int64_t next_position = 0;  // where the next read starts
  int64_t end_position = 0;   // the store's end when read
};

// An aggregate's state as of a revision of its stream.
struct Snapshot {
  int64_t revision = -1;  // the state includes the events up to this revision
  std::string state;      // JSON
  int64_t position = -1;
  int64_t created_ms = 0;
};

struct SubscribeOptions {
  std::string stream = "$all";  // a stream, "$all" or "$ce-<category>"
  // The last revision (a stream) or position ($all, categories) already seen: the subscription
  // starts after it. nullopt: from the start.
  std::optional<int64_t> after;
  std::vector<std::string> types;  // $all and categories only: only these event types
};

// A catch-up subscription: the events already stored from where it starts, then new ones as
// they are written, each once and in order.
class Subscription {
 public:
  virtual ~Subscription() = default;
  // The next events (at most `max_events`), waiting up to `timeout` for the first; empty when
  // none came. Throws Error when the subscription cannot go on (StreamDeleted for a stream
  // hard-deleted).
  virtual std::vector<RecordedEvent> Next(std::chrono::milliseconds timeout,
                                          size_t max_events = 1000) = 0;
  // Whether the events stored when it started have all been handed out.
  virtual bool caught_up() const = 0;
};

class EventStore {
 public:
  virtual ~EventStore() = default;

  // Appends `events` to `stream` atomically if it is at `expected`, and waits until they are
  // durable. Idempotent by event id: re-sending an append with the same ids and expectation
  // answers the first result and writes nothing. Throws WrongExpectedVersion, StreamDeleted or
  // Error (invalid names, ids or sizes, an id used elsewhere, a failed write).
  virtual AppendResult Append(const std::string& stream, const ExpectedRevision& expected,
                              std::vector<EventData> events) = 0;
  // One page of `stream`'s events.
  virtual StreamSlice Read(const std::string& stream, const ReadOptions& options = {}) = 0;
  // Every event of `stream` from `from_revision` on, page after page.
  std::vector<RecordedEvent> ReadToEnd(const std::string& stream, int64_t from_revision = 0);
  // One page of events of every stream (or a category) in global order.
  virtual AllSlice ReadAll(const ReadAllOptions& options = {}) = 0;

  // Stores `state` (JSON) as `stream`'s snapshot at `revision`, which the stream must have.
  virtual void SaveSnapshot(const std::string& stream, int64_t revision,
                            const std::string& state) = 0;
  // The latest snapshot of `stream`, if any.
  virtual std::optional<Snapshot> LoadSnapshot(const std::string& stream) = 0;

  // Sets `stream`'s metadata, a JSON object: max_count, max_age (seconds) and truncate_before (a
  // revision) limit what reads return; other fields are kept.
  virtual void SetMetadata(const std::string& stream, const std::string& json) = 0;
  // The stream's metadata; "{}" when none was set.
  virtual std::string GetMetadata(const std::string& stream) = 0;
  // Deletes `stream` if it is at `expected`. Soft: reads find nothing and the next append
  // re-creates it, revisions continuing. Hard: no append ever succeeds again.
  virtual void Delete(const std::string& stream, const ExpectedRevision& expected,
                      bool hard = false) = 0;

  virtual std::unique_ptr<Subscription> Subscribe(const SubscribeOptions& options) = 0;
};

// The event store of an embedded transport's data directory (in the topic `herald.events`),
// opened on first use and closed with the transport, which it keeps open. Throws Error when
// `transport` is not embedded (use ConnectEventStore to reach a server).
std::shared_ptr<EventStore> OpenEmbeddedEventStore(std::shared_ptr<Transport> transport);

struct RemoteOptions {
  std::string url = "http://localhost:8080";  // `herald serve`'s HTTP port
  std::string api_key;                        // when the server wants one
  int timeout_ms = 30000;                     // per request
};

// The event store of a running `herald serve`, over HTTP.
std::shared_ptr<EventStore> ConnectEventStore(const RemoteOptions& options);

}  // namespace herald::sdk
