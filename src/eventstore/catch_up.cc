#include "eventstore/catch_up.h"

#include <algorithm>

namespace herald::eventstore {

Result<CatchUpReader::Page> CatchUpReader::Read(size_t max_count) {
  Page page;
  if (stream_.empty()) {
    ReadAllOptions options = filter_;
    options.from_position = next_;
    options.max_count = max_count;
    HERALD_ASSIGN_OR_RETURN(AllSlice slice, store_.ReadAll(options));
    page.events = std::move(slice.events);
    next_ = std::max(next_, slice.next_position);
    page.at_end = slice.next_position >= slice.end_position;
    return page;
  }
  HERALD_ASSIGN_OR_RETURN(StreamSlice slice, store_.ReadStream(stream_, {.from_revision = next_,
                                                                         .max_count = max_count}));
  if (slice.state == StreamState::kHardDeleted) {
    page.deleted = true;
    page.at_end = true;
    return page;
  }
  if (!slice.events.empty()) next_ = slice.events.back().revision + 1;
  page.events = std::move(slice.events);
  page.at_end = !slice.next_revision.has_value();
  return page;
}

}  // namespace herald::eventstore
