// ReadSlice: what Log::Read hands a reader, and what a fetch response carries to the socket.
//
// Thread-safety: a value; distinct slices may be used from any threads.
#pragma once

#include <cstdint>
#include <memory>

#include "base/bytes.h"
#include "base/status.h"

namespace herald::storage {

class Segment;

// A range of whole batches in one segment. Holding it keeps the segment's file readable.
struct ReadSlice {
  std::shared_ptr<const Segment> segment;
  uint64_t position = 0;
  uint64_t size = 0;  // 0: nothing to read at this offset yet
  Buffer bytes;       // filled when the read validated the bytes; else read from the file
  int64_t high_watermark = 0;
  int64_t log_start_offset = 0;

  bool empty() const { return size == 0; }
  // The slice's bytes: `bytes` when the read filled it, else read from the file into `scratch`.
  // The view is valid while the slice and `scratch` are unchanged.
  Result<ByteView> View(Buffer& scratch) const;
  // Appends the slice's bytes to `out`.
  Status AppendTo(Buffer& out) const;
};

}  // namespace herald::storage
