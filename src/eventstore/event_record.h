// Events as Kafka records: how the event store writes an event into its topic and reads it back.
//
// One record per event, a CloudEvents 1.0 event in Kafka's binary binding, so kcat or any Kafka
// consumer can read the store's topic and build projections from it:
//
//   key      the stream name
//   value    the event's data
//   headers  ce_specversion "1.0", ce_id (the event id, a lower-case UUID),
//            ce_source "/streams/<stream>", ce_type, ce_subject (the stream),
//            ce_time (RFC 3339, UTC), content-type, ce_streamrevision (decimal),
//            ce_metadata (the event's metadata, a JSON object, when it has one)
//
// The record's offset in the store's topic is the event's global position.
//
// Thread-safety: pure functions and values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/uuid.h"
#include "storage/record_batch.h"

namespace herald::eventstore {

// An event as an application proposes it.
struct EventData {
  std::string id;  // a UUID; the store generates one when empty
  std::string type;
  std::string data;
  std::string content_type = "application/json";
  std::string metadata;  // a JSON object (correlation id, causation id, user, ...), or empty
};

// An event as the store recorded it.
struct RecordedEvent {
  std::string stream;
  int64_t revision = 0;  // 0, 1, 2, ... within the stream
  int64_t position = 0;  // the offset in the store's topic: the global order
  std::string id;        // lower-case UUID
  std::string type;
  std::string data;
  std::string content_type;
  std::string metadata;
  int64_t created_ms = 0;  // the record's timestamp
};

// The record for `event` (whose id is already a lower-case UUID) at `revision` of `stream`.
storage::RecordSpec EncodeEvent(const std::string& stream, int64_t revision, const EventData& event,
                                int64_t now_ms);

// The event a record holds; nullopt when the record is not one (no key, no ce_id that is a UUID,
// no ce_type, or no decimal ce_streamrevision): a record written into the topic some other way.
// `with_data` false leaves data and metadata empty (an index replay needs only the rest).
std::optional<RecordedEvent> DecodeEvent(const storage::RecordView& record, bool with_data = true);

}  // namespace herald::eventstore
