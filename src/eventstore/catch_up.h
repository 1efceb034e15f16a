// CatchUpReader: what a catch-up subscription reads. It follows one stream (by revision) or every
// stream, optionally filtered (by position), page by page from a cursor, and tells when a page
// reached the end of what is durable. The HTTP door's Server-Sent Events and the SDK's embedded
// Subscription both read through it, and wait for more with EventStore::WhenPast.
//
//   CatchUpReader reader(store, "order-42", {}, /*next=*/0);
//   auto page = reader.Read(100);  // revisions 0..; page->at_end once nothing more is stored
//
// Thread-safety: one thread at a time (the store itself is thread-safe).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "eventstore/event_store.h"

namespace herald::eventstore {

class CatchUpReader {
 public:
  // `stream` empty: every stream that `filter` selects, `next` a position; else one stream,
  // `next` a revision.
  CatchUpReader(const EventStore& store, std::string stream, ReadAllOptions filter, int64_t next)
      : store_(store), stream_(std::move(stream)), filter_(std::move(filter)), next_(next) {}

  struct Page {
    std::vector<RecordedEvent> events;
    bool at_end = false;   // nothing more was durable when read
    bool deleted = false;  // the stream is hard-deleted: nothing will ever come
  };
  // The next events, at most `max_count`, moving the cursor past them.
  Result<Page> Read(size_t max_count);

  bool one_stream() const { return !stream_.empty(); }
  // The next revision (one stream) or position to read.
  int64_t next() const { return next_; }

 private:
  const EventStore& store_;
  const std::string stream_;
  const ReadAllOptions filter_;
  int64_t next_;
};

}  // namespace herald::eventstore
