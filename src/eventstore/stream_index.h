// StreamIndex: the event store's in-memory index, rebuilt from the store's topic: for each stream
// the position of every revision, its metadata and whether it was deleted; for each event id its
// position. It answers the append checks (expected revision, idempotent retries, reused ids) and
// where a stream's events lie.
//
// Memory: about 8 bytes per event in its stream's list plus about 50 in the id table, and a
// hundred or so per stream.
//
// System streams: `$$<stream>` holds <stream>'s system events ($metadata, $streamDeleted for a
// soft delete, $streamTombstoned for a hard one, $snapshot); their data is JSON.
//
// Checkpoint file (Encode/Decode), so a start replays only the topic's tail:
//
//   file   := "HESI" version:uint16(1) end:int64 last_position:int64 last_id:16 bytes
//             stream_count:uvarint stream* event_count:uvarint event* crc32c:uint32
//   stream := name_len:uvarint name state:uint8 deleted_before:uvarint
//             metadata_len:uvarint metadata snapshot_revision+1:uvarint snapshot_position+1:uvarint
//             count:uvarint position_delta:uvarint{count}
//   event  := position:uvarint id:16 bytes
//
// (big-endian; the CRC32C covers everything before it). It holds the index as it was at position
// `end`: every event below it, and the state of every stream that existed before it.
// last_position/last_id name the last event below `end` (-1 and zeros for none), so a reader can
// check the file still matches the topic.
//
// Thread-safety: none; the EventStore serialises writers and lets readers share.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"
#include "base/uuid.h"

namespace herald::eventstore {

inline constexpr char kMetadataType[] = "$metadata";
inline constexpr char kSoftDeletedType[] = "$streamDeleted";
inline constexpr char kTombstoneType[] = "$streamTombstoned";
inline constexpr char kSnapshotType[] = "$snapshot";  // data: {"revision": N, "data": <state>}

// The system stream that holds `stream`'s metadata and deletions.
std::string SystemStreamOf(std::string_view stream);

enum class ExpectedKind { kAny, kNoStream, kStreamExists, kExact };

struct ExpectedRevision {
  ExpectedKind kind = ExpectedKind::kAny;
  int64_t revision = -1;  // kExact only

  static ExpectedRevision Any() { return {ExpectedKind::kAny, -1}; }
  static ExpectedRevision NoStream() { return {ExpectedKind::kNoStream, -1}; }
  static ExpectedRevision StreamExists() { return {ExpectedKind::kStreamExists, -1}; }
  static ExpectedRevision Exact(int64_t revision) { return {ExpectedKind::kExact, revision}; }
  // "any", "no_stream", "stream_exists" or the revision.
  std::string ToString() const;
};

// What a stream's metadata says about which events stay readable, plus the JSON it came from.
struct StreamMetadata {
  std::optional<int64_t> max_count;        // only the newest N events
  std::optional<int64_t> max_age_seconds;  // only events younger than this
  std::optional<int64_t> truncate_before;  // only revisions >= this
  std::string json = "{}";                 // as set, custom fields included

  // Parses and checks the JSON an application sets (non-negative integers where given).
  static Result<StreamMetadata> FromJson(std::string_view json);
};

enum class StreamState { kNone, kLive, kSoftDeleted, kHardDeleted };

// Why an append wrote nothing.
enum class AppendError {
  kNone,
  kWrongExpectedVersion,  // the stream is not at the expected revision
  kStreamDeleted,         // hard-deleted: no append ever succeeds again
  kEventIdReused,         // an event id is already in the store, not as this append's retry
  kInvalid,               // the request itself is wrong (names, ids, sizes)
  kStorage,               // the log refused or failed the write
};

class StreamIndex {
 public:
  struct Stream {
    std::vector<int64_t> positions;  // by revision
    StreamState state = StreamState::kNone;
    int64_t deleted_before = 0;  // a soft delete hides revisions below this
    StreamMetadata metadata;
    int64_t snapshot_revision = -1;  // the latest snapshot's revision and where it is
    int64_t snapshot_position = -1;
    int64_t first_position = -1;  // the first event of this stream or about it
    int64_t state_position = -1;  // the last event that changed state, deleted_before or metadata

    // The last revision, or -1 when it has none.
    int64_t last_revision() const { return static_cast<int64_t>(positions.size()) - 1; }
    // The first revision a read may return (truncation, soft delete and max_count).
    int64_t first_readable() const;
  };

  // The outcome of checking an append before it is written.
  struct Check {
    AppendError error = AppendError::kNone;
    std::string message;
    int64_t current_revision = -1;
    // Set when the append is a retry of one already written: the revision and position of its
    // last event. Nothing is to be written.
    std::optional<int64_t> retry_revision;
    std::optional<int64_t> retry_position;
    int64_t first_revision = 0;  // where the events go when they are written
  };

  // Checks appending events with `ids` (parsed, distinct) to `stream` at `expected`.
  Check CheckAppend(const std::string& stream, const ExpectedRevision& expected,
                    const std::vector<Uuid>& ids) const;

  // Records an event written at `position`. Answers false, changing nothing, when `revision` is
  // not the stream's next or the id is already known (a record the index cannot take).
  bool Apply(const std::string& stream, int64_t revision, const Uuid& id, int64_t position,
             std::string_view type, std::string_view data);

  const Stream* Find(const std::string& stream) const;

  // The checkpoint file of the index as it was at position `end` (every event below `end`
  // written). kUnavailable when a stream that existed before `end` changed state at or after it
  // (that earlier state is gone; try again later).
  Result<Buffer> Encode(int64_t end) const;
  struct Decoded;
  // kCorruption when `bytes` is not a whole checkpoint file of this version.
  static Result<Decoded> Decode(ByteView bytes);
  size_t stream_count() const { return streams_.size(); }
  size_t event_count() const { return ids_.size(); }

 private:
  Stream& GetOrCreate(const std::string& stream);
  void ApplySystemEvent(Stream& target, std::string_view type, std::string_view data,
                        int64_t position);

  std::unordered_map<std::string, std::unique_ptr<Stream>> streams_;
  std::unordered_map<Uuid, int64_t, UuidHash> ids_;  // event id -> position
};

struct StreamIndex::Decoded {
  StreamIndex index;
  int64_t end = 0;             // the index holds every event below this position
  int64_t last_position = -1;  // the last event below `end`, -1 for none
  Uuid last_id;
};

}  // namespace herald::eventstore
