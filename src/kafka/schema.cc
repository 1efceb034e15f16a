#include "kafka/schema.h"

namespace herald::kafka {

Status FrameWriter::WriteRecords(const Records& r, bool compact) {
  // Never null: clients (librdkafka among them) reject a null record set in a fetch answer.
  uint64_t total = r.size();
  if (compact) {
    UnsignedVarint(static_cast<uint32_t>(total + 1));
  } else {
    Int32(static_cast<int32_t>(total));
  }
  if (r.bytes) Raw(*r.bytes);
  for (const auto& slice : r.slices) {
    if (splices_ != nullptr && slice.bytes.empty()) {
      splices_->push_back({size(), slice});
    } else {
      HERALD_RETURN_IF_ERROR(slice.AppendTo(buffer()));
    }
  }
  return Status::Ok();
}

}  // namespace herald::kafka
