// What every EventStore shares, whatever its transport.
#include "herald/event_store.h"

namespace herald::sdk {

std::vector<RecordedEvent> EventStore::ReadToEnd(const std::string& stream, int64_t from_revision) {
  std::vector<RecordedEvent> out;
  ReadOptions options;
  options.from_revision = from_revision;
  options.max_count = 1000;
  for (;;) {
    StreamSlice slice = Read(stream, options);
    if (slice.status == StreamStatus::kDeleted)
      throw StreamDeleted("stream '" + stream + "' is deleted");
    for (auto& e : slice.events) out.push_back(std::move(e));
    if (!slice.next_revision) return out;
    options.from_revision = *slice.next_revision;
  }
}

}  // namespace herald::sdk
