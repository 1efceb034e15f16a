#include "eventstore/event_record.h"

#include <algorithm>
#include <charconv>

#include "base/log.h"

namespace herald::eventstore {
namespace {

std::optional<int64_t> ParseRevision(std::string_view text) {
  int64_t value = -1;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

}  // namespace

storage::RecordSpec EncodeEvent(const std::string& stream, int64_t revision, const EventData& event,
                                int64_t now_ms) {
  storage::RecordSpec spec;
  spec.key = stream;
  spec.value = event.data;
  spec.timestamp = now_ms;
  spec.headers = {{"ce_specversion", "1.0"},
                  {"ce_id", event.id},
                  {"ce_source", "/streams/" + stream},
                  {"ce_type", event.type},
                  {"ce_subject", stream},
                  {"ce_time", FormatLogTimestamp(now_ms)},
                  {"content-type", event.content_type},
                  {"ce_streamrevision", std::to_string(revision)}};
  if (!event.metadata.empty()) spec.headers.emplace_back("ce_metadata", event.metadata);
  return spec;
}

std::optional<RecordedEvent> DecodeEvent(const storage::RecordView& record, bool with_data) {
  if (!record.key) return std::nullopt;
  RecordedEvent e;
  e.stream = std::string(AsString(*record.key));
  e.position = record.offset;
  e.created_ms = record.timestamp;
  bool has_revision = false;
  storage::ForEachHeader(record, [&](ByteView key, std::optional<ByteView> value) {
    if (!value) return;
    const std::string_view name = AsString(key), text = AsString(*value);
    if (name == "ce_id") {
      e.id = std::string(text);
    } else if (name == "ce_type") {
      e.type = std::string(text);
    } else if (name == "content-type") {
      e.content_type = std::string(text);
    } else if (name == "ce_streamrevision") {
      auto revision = ParseRevision(text);
      has_revision = revision.has_value();
      e.revision = revision.value_or(0);
    } else if (name == "ce_metadata" && with_data) {
      e.metadata = std::string(text);
    }
  });
  auto id = ParseUuid(e.id);
  if (!id || !has_revision || e.type.empty() || e.stream.empty()) return std::nullopt;
  // The lower-case form, as the store writes it (a record written otherwise is rewritten).
  if (std::any_of(e.id.begin(), e.id.end(), [](char c) { return c >= 'A' && c <= 'F'; })) {
    e.id = id->ToString();
  }
  if (with_data && record.value) e.data = std::string(AsString(*record.value));
  return e;
}

}  // namespace herald::eventstore
