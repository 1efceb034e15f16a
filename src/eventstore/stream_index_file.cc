// StreamIndex's checkpoint file: Encode and Decode (the format is in stream_index.h).
#include <algorithm>

#include "base/crc32c.h"
#include "base/varint.h"
#include "eventstore/stream_index.h"

namespace herald::eventstore {
namespace {

constexpr char kMagic[] = "HESI";
constexpr uint16_t kVersion = 1;
constexpr size_t kHeaderSize = 4 + 2 + 8 + 8 + 16;

void PutUuid(BufferWriter& w, const Uuid& id) {
  w.Int<uint64_t>(id.high);
  w.Int<uint64_t>(id.low);
}

void PutString(Buffer& out, std::string_view text) {
  PutUnsignedVarint(out, text.size());
  out.insert(out.end(), reinterpret_cast<const uint8_t*>(text.data()),
             reinterpret_cast<const uint8_t*>(text.data()) + text.size());
}

// Reads the file's body (after the header, before the CRC).
class BodyReader {
 public:
  explicit BodyReader(ByteView body) : r_(body) {}

  Result<uint64_t> Count(const char* what) {
    auto v = r_.GetUnsignedVarint();
    // Each counted item takes at least one byte: a count above what is left is damage.
    if (!v || *v > r_.remaining()) return Corruption("event store index: bad {}", what);
    return *v;
  }
  Result<int64_t> Position(const char* what) {
    auto v = r_.GetUnsignedVarint();
    if (!v || *v > static_cast<uint64_t>(INT64_MAX)) {
      return Corruption("event store index: bad {}", what);
    }
    return static_cast<int64_t>(*v);
  }
  Result<std::string> String(const char* what) {
    HERALD_ASSIGN_OR_RETURN(uint64_t size, Count(what));
    auto bytes = r_.GetBytes(size);
    if (!bytes) return Corruption("event store index: bad {}", what);
    return std::string(AsString(*bytes));
  }
  Result<Uuid> Id() {
    auto bytes = r_.GetBytes(16);
    if (!bytes) return Corruption("event store index: truncated event id");
    return Uuid{LoadBigEndian<uint64_t>(bytes->data()), LoadBigEndian<uint64_t>(bytes->data() + 8)};
  }
  Result<uint8_t> Byte(const char* what) {
    auto v = r_.GetInt8();
    if (!v) return Corruption("event store index: bad {}", what);
    return static_cast<uint8_t>(*v);
  }
  size_t remaining() const { return r_.remaining(); }

 private:
  VarintReader r_;
};

}  // namespace

Result<Buffer> StreamIndex::Encode(int64_t end) const {
  int64_t last_position = -1;
  Uuid last_id;
  for (const auto& [id, position] : ids_) {
    if (position < end && position > last_position) {
      last_position = position;
      last_id = id;
    }
  }
  // (Built from the magic rather than appended to an empty buffer: GCC 12 warns falsely there.)
  Buffer out(kMagic, kMagic + 4);
  out.reserve(kHeaderSize + 4 + ids_.size() * 20);
  BufferWriter w(out);
  w.Int<uint16_t>(kVersion);
  w.Int<int64_t>(end);
  w.Int<int64_t>(last_position);
  PutUuid(w, last_id);

  size_t streams = 0;
  for (const auto& [name, s] : streams_) {
    if (s->first_position < 0 || s->first_position >= end) continue;  // not yet at `end`
    if (s->state_position >= end) {
      return Unavailable("stream '{}' changed at position {}, after {}", name, s->state_position,
                         end);
    }
    ++streams;
  }
  PutUnsignedVarint(out, streams);
  for (const auto& [name, s] : streams_) {
    if (s->first_position < 0 || s->first_position >= end) continue;
    PutString(out, name);
    out.push_back(static_cast<uint8_t>(s->state));
    PutUnsignedVarint(out, static_cast<uint64_t>(s->deleted_before));
    PutString(out, s->metadata.json);
    PutUnsignedVarint(out, static_cast<uint64_t>(s->snapshot_revision + 1));
    PutUnsignedVarint(out, static_cast<uint64_t>(s->snapshot_position + 1));
    const auto below = std::lower_bound(s->positions.begin(), s->positions.end(), end);
    PutUnsignedVarint(out, static_cast<uint64_t>(below - s->positions.begin()));
    int64_t previous = 0;
    for (auto it = s->positions.begin(); it != below; ++it) {
      PutUnsignedVarint(out, static_cast<uint64_t>(*it - previous));
      previous = *it;
    }
  }
  size_t events = 0;
  for (const auto& [id, position] : ids_) events += position < end ? 1 : 0;
  PutUnsignedVarint(out, events);
  for (const auto& [id, position] : ids_) {
    if (position >= end) continue;
    PutUnsignedVarint(out, static_cast<uint64_t>(position));
    PutUuid(w, id);
  }
  w.Int<uint32_t>(Crc32c(out));
  return out;
}

Result<StreamIndex::Decoded> StreamIndex::Decode(ByteView bytes) {
  if (bytes.size() < kHeaderSize + 4 || AsString(bytes.first(4)) != std::string_view(kMagic, 4)) {
    return Corruption("not an event store index file");
  }
  if (LoadBigEndian<uint16_t>(&bytes[4]) != kVersion) {
    return Corruption("event store index version {} is not {}", LoadBigEndian<uint16_t>(&bytes[4]),
                      kVersion);
  }
  const size_t body_end = bytes.size() - 4;
  if (LoadBigEndian<uint32_t>(&bytes[body_end]) != Crc32c(bytes.first(body_end))) {
    return Corruption("event store index: CRC mismatch");
  }
  Decoded d;
  d.end = LoadBigEndian<int64_t>(&bytes[6]);
  d.last_position = LoadBigEndian<int64_t>(&bytes[14]);
  d.last_id = {LoadBigEndian<uint64_t>(&bytes[22]), LoadBigEndian<uint64_t>(&bytes[30])};
  if (d.end < 0 || d.last_position < -1 || d.last_position >= d.end) {
    return Corruption("event store index: bad end {} or last position {}", d.end, d.last_position);
  }
  BodyReader r(bytes.subspan(kHeaderSize, body_end - kHeaderSize));
  HERALD_ASSIGN_OR_RETURN(uint64_t streams, r.Count("stream count"));
  for (uint64_t i = 0; i < streams; ++i) {
    HERALD_ASSIGN_OR_RETURN(std::string name, r.String("stream name"));
    auto stream = std::make_unique<Stream>();
    HERALD_ASSIGN_OR_RETURN(uint8_t state, r.Byte("stream state"));
    if (state > static_cast<uint8_t>(StreamState::kHardDeleted)) {
      return Corruption("event store index: bad state {} of '{}'", state, name);
    }
    stream->state = static_cast<StreamState>(state);
    HERALD_ASSIGN_OR_RETURN(stream->deleted_before, r.Position("deleted_before"));
    HERALD_ASSIGN_OR_RETURN(std::string metadata, r.String("metadata"));
    if (metadata != "{}") {
      auto parsed = StreamMetadata::FromJson(metadata);
      if (!parsed.ok()) return Corruption("event store index: metadata of '{}'", name);
      stream->metadata = std::move(parsed).value();
    }
    HERALD_ASSIGN_OR_RETURN(int64_t snapshot_revision, r.Position("snapshot revision"));
    HERALD_ASSIGN_OR_RETURN(int64_t snapshot_position, r.Position("snapshot position"));
    stream->snapshot_revision = snapshot_revision - 1;
    stream->snapshot_position = snapshot_position - 1;
    HERALD_ASSIGN_OR_RETURN(uint64_t count, r.Count("position count"));
    stream->positions.reserve(count);
    int64_t position = 0;
    for (uint64_t k = 0; k < count; ++k) {
      HERALD_ASSIGN_OR_RETURN(int64_t delta, r.Position("position"));
      if ((k > 0 && delta == 0) || delta > d.end - position) {
        return Corruption("event store index: positions of '{}' out of order", name);
      }
      position += delta;
      stream->positions.push_back(position);
    }
    if (stream->snapshot_position >= d.end ||
        stream->snapshot_revision > static_cast<int64_t>(stream->positions.size()) - 1 ||
        (stream->snapshot_revision < 0) != (stream->snapshot_position < 0)) {
      return Corruption("event store index: bad snapshot of '{}'", name);
    }
    // Only the order of these two against `end` matters from now on.
    stream->first_position = 0;
    stream->state_position = stream->state == StreamState::kNone ? -1 : 0;
    if (!d.index.streams_.emplace(std::move(name), std::move(stream)).second) {
      return Corruption("event store index: a stream appears twice");
    }
  }
  HERALD_ASSIGN_OR_RETURN(uint64_t events, r.Count("event count"));
  d.index.ids_.reserve(events);
  for (uint64_t k = 0; k < events; ++k) {
    HERALD_ASSIGN_OR_RETURN(int64_t position, r.Position("event position"));
    HERALD_ASSIGN_OR_RETURN(Uuid id, r.Id());
    if (position >= d.end || !d.index.ids_.emplace(id, position).second) {
      return Corruption("event store index: bad event entry at {}", position);
    }
  }
  if (r.remaining() != 0) return Corruption("event store index: bytes after the events");
  return d;
}

}  // namespace herald::eventstore
