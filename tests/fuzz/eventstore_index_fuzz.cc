// libFuzzer target: the event store's index checkpoint file (meta/eventstore/<topic>.index), as a
// start reads it. Whatever decodes must make a consistent index: encoding it again at the same
// end and decoding that gives the same streams and events. Nothing may crash, hang or read out of
// bounds; damage is refused (kCorruption), never taken.
#include <cstddef>
#include <cstdint>

#include "eventstore/stream_index.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using herald::eventstore::StreamIndex;
  auto decoded = StreamIndex::Decode(herald::ByteView(data, size));
  if (!decoded.ok()) return 0;
  auto again = decoded->index.Encode(decoded->end);
  if (!again.ok()) __builtin_trap();  // a decoded index is as of its end
  auto round = StreamIndex::Decode(*again);
  if (!round.ok() || round->end != decoded->end ||
      round->index.stream_count() != decoded->index.stream_count() ||
      round->index.event_count() != decoded->index.event_count()) {
    __builtin_trap();
  }
  return 0;
}
