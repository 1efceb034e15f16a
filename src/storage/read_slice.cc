#include "storage/read_slice.h"

#include "storage/segment.h"

namespace herald::storage {

Result<ByteView> ReadSlice::View(Buffer& scratch) const {
  if (size == 0) return ByteView();
  if (!bytes.empty()) return ByteView(bytes);
  scratch.clear();
  HERALD_RETURN_IF_ERROR(AppendTo(scratch));
  return ByteView(scratch);
}

Status ReadSlice::AppendTo(Buffer& out) const {
  if (size == 0) return Status::Ok();
  if (!bytes.empty()) {
    out.insert(out.end(), bytes.begin(), bytes.end());
    return Status::Ok();
  }
  size_t at = out.size();
  out.resize(at + size);
  HERALD_ASSIGN_OR_RETURN(size_t n,
                          segment->log_file().ReadAt(position, MutableByteView(out).subspan(at)));
  if (n != size) {
    out.resize(at);
    return Corruption("{}: short read at position {}", segment->log_path(), position);
  }
  return Status::Ok();
}

}  // namespace herald::storage
