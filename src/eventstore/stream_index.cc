#include "eventstore/stream_index.h"

#include <algorithm>

#include <fmt/format.h>

#include "base/json.h"

namespace herald::eventstore {
namespace {

std::optional<int64_t> NonNegative(const nlohmann::json& object, const char* key, Status& error) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::nullopt;
  auto value = JsonInteger<int64_t>(*it);
  if (!value || *value < 0) {
    error = InvalidArgument("stream metadata: {} must be a non-negative integer", key);
    return std::nullopt;
  }
  return value;
}

}  // namespace

std::string SystemStreamOf(std::string_view stream) {
  return fmt::format("$${}", stream);
}

std::string ExpectedRevision::ToString() const {
  switch (kind) {
    case ExpectedKind::kAny:
      return "any";
    case ExpectedKind::kNoStream:
      return "no_stream";
    case ExpectedKind::kStreamExists:
      return "stream_exists";
    case ExpectedKind::kExact:
      return std::to_string(revision);
  }
  return "?";
}

Result<StreamMetadata> StreamMetadata::FromJson(std::string_view json) {
  auto parsed = ParseBoundedJson(json);
  if (!parsed || !parsed->is_object()) {
    return InvalidArgument("stream metadata must be a JSON object");
  }
  StreamMetadata m;
  Status error;
  m.max_count = NonNegative(*parsed, "max_count", error);
  m.max_age_seconds = NonNegative(*parsed, "max_age", error);
  m.truncate_before = NonNegative(*parsed, "truncate_before", error);
  HERALD_RETURN_IF_ERROR(error);
  m.json = parsed->dump();
  return m;
}

int64_t StreamIndex::Stream::first_readable() const {
  int64_t first = std::max<int64_t>(deleted_before, metadata.truncate_before.value_or(0));
  if (metadata.max_count) first = std::max(first, last_revision() + 1 - *metadata.max_count);
  return first;
}

const StreamIndex::Stream* StreamIndex::Find(const std::string& stream) const {
  auto it = streams_.find(stream);
  return it == streams_.end() ? nullptr : it->second.get();
}

StreamIndex::Stream& StreamIndex::GetOrCreate(const std::string& stream) {
  auto& slot = streams_[stream];
  if (!slot) slot = std::make_unique<Stream>();
  return *slot;
}

StreamIndex::Check StreamIndex::CheckAppend(const std::string& stream,
                                            const ExpectedRevision& expected,
                                            const std::vector<Uuid>& ids) const {
  Check c;
  const Stream* s = Find(stream);
  const int64_t last = s ? s->last_revision() : -1;
  const StreamState state = s ? s->state : StreamState::kNone;
  c.current_revision = last;
  c.first_revision = last + 1;
  if (state == StreamState::kHardDeleted) {
    c.error = AppendError::kStreamDeleted;
    c.message = fmt::format("stream '{}' is deleted for good", stream);
    return c;
  }

  // A retry: every id already written, consecutively in this stream, where `expected` put them.
  size_t known = 0;
  for (const Uuid& id : ids) known += ids_.contains(id) ? 1 : 0;
  if (known > 0) {
    c.error = AppendError::kEventIdReused;
    c.message = fmt::format("event id {} is already in the store", ids[0].ToString());
    if (known < ids.size() || s == nullptr) return c;
    const int64_t first_position = ids_.at(ids[0]);
    auto at = std::lower_bound(s->positions.begin(), s->positions.end(), first_position);
    if (at == s->positions.end() || *at != first_position) return c;
    const int64_t first = at - s->positions.begin();
    if (first + static_cast<int64_t>(ids.size()) - 1 > last) return c;
    for (size_t k = 0; k < ids.size(); ++k) {
      if (s->positions[static_cast<size_t>(first) + k] != ids_.at(ids[k])) return c;
    }
    const bool same_expectation =
        expected.kind == ExpectedKind::kAny ||
        (expected.kind == ExpectedKind::kNoStream && first == 0) ||
        (expected.kind == ExpectedKind::kStreamExists && first > 0) ||
        (expected.kind == ExpectedKind::kExact && first == expected.revision + 1);
    if (!same_expectation) {
      c.message = fmt::format(
          "the events were appended at revision {}, not where expected revision {} puts them",
          first, expected.ToString());
      return c;
    }
    c.error = AppendError::kNone;
    c.message.clear();
    c.retry_revision = first + static_cast<int64_t>(ids.size()) - 1;
    c.retry_position = s->positions[static_cast<size_t>(*c.retry_revision)];
    return c;
  }

  const bool exists = state == StreamState::kLive;
  bool matches = false;
  switch (expected.kind) {
    case ExpectedKind::kAny:
      matches = true;
      break;
    case ExpectedKind::kNoStream:
      matches = !exists;
      break;
    case ExpectedKind::kStreamExists:
      matches = exists;
      break;
    case ExpectedKind::kExact:
      matches = expected.revision == last;
      break;
  }
  if (!matches) {
    c.error = AppendError::kWrongExpectedVersion;
    c.message = fmt::format("stream '{}' is at revision {}, not {}", stream,
                            exists ? std::to_string(last) : "no_stream", expected.ToString());
  }
  return c;
}

bool StreamIndex::Apply(const std::string& stream, int64_t revision, const Uuid& id,
                        int64_t position, std::string_view type, std::string_view data) {
  Stream& s = GetOrCreate(stream);
  if (revision != s.last_revision() + 1 || ids_.contains(id)) return false;
  if (!s.positions.empty() && position <= s.positions.back()) return false;
  s.positions.push_back(position);
  ids_.emplace(id, position);
  if (s.first_position < 0) s.first_position = position;
  if (stream.starts_with("$$")) {
    Stream& target = GetOrCreate(stream.substr(2));
    if (target.first_position < 0) target.first_position = position;
    target.state_position = position;
    ApplySystemEvent(target, type, data, position);
  } else if (s.state != StreamState::kHardDeleted && s.state != StreamState::kLive) {
    s.state = StreamState::kLive;
    s.state_position = position;
  }
  return true;
}

void StreamIndex::ApplySystemEvent(Stream& s, std::string_view type, std::string_view data,
                                   int64_t position) {
  if (type == kMetadataType) {
    if (auto m = StreamMetadata::FromJson(data); m.ok()) s.metadata = std::move(m).value();
  } else if (type == kSoftDeletedType) {
    s.deleted_before = s.last_revision() + 1;
    if (s.state == StreamState::kLive) s.state = StreamState::kSoftDeleted;
    s.snapshot_revision = s.snapshot_position = -1;
  } else if (type == kTombstoneType) {
    s.state = StreamState::kHardDeleted;
    s.snapshot_revision = s.snapshot_position = -1;
  } else if (type == kSnapshotType) {
    auto parsed = ParseBoundedJson(data);
    auto revision = parsed && parsed->is_object() && parsed->contains("revision")
                        ? JsonInteger<int64_t>((*parsed)["revision"])
                        : std::nullopt;
    if (revision && *revision >= 0 && *revision <= s.last_revision()) {
      s.snapshot_revision = *revision;
      s.snapshot_position = position;
    }
  }
}

}  // namespace herald::eventstore
