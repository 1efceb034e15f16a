#include "storage/record_scan.h"

namespace herald::storage {

Status ScanRecords(const Log& log, int64_t from, int64_t to,
                   const std::function<bool(const RecordView&)>& fn, uint64_t read_bytes) {
  return ScanBatchRecords(
      log, from, to, [&](const BatchHeader&, const RecordView& r) { return fn(r); }, read_bytes);
}

Status ScanBatchRecords(const Log& log, int64_t from, int64_t to,
                        const std::function<bool(const BatchHeader&, const RecordView&)>& fn,
                        uint64_t read_bytes) {
  int64_t offset = std::max(from, log.log_start_offset());
  Buffer scratch;
  bool more = true;
  while (more && offset < to) {
    HERALD_ASSIGN_OR_RETURN(ReadSlice slice, log.Read(offset, read_bytes));
    if (slice.empty()) break;
    HERALD_ASSIGN_OR_RETURN(ByteView bytes, slice.View(scratch));
    const int64_t before = offset;
    for (size_t at = 0; more && at < bytes.size();) {
      HERALD_ASSIGN_OR_RETURN(BatchHeader h, ParseBatchHeader(bytes.subspan(at)));
      if (h.size() > bytes.size() - at) return Corruption("batch at {} runs past its read", offset);
      HERALD_RETURN_IF_ERROR(ForEachRecord(bytes.subspan(at, h.size()), [&](const RecordView& r) {
        if (more && r.offset >= offset && r.offset < to) more = fn(h, r);
      }));
      offset = std::max(offset, h.next_offset());
      at += h.size();
    }
    if (offset == before) break;  // nothing past `offset` was readable
  }
  return Status::Ok();
}

}  // namespace herald::storage
