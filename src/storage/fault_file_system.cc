#include "storage/fault_file_system.h"

namespace herald::storage {

class FaultFile final : public File {
 public:
  FaultFile(FaultFileSystem* fs, std::unique_ptr<File> base, std::string path)
      : fs_(fs), base_(std::move(base)), path_(std::move(path)) {}

  Status Append(ByteView data) override {
    int64_t want = static_cast<int64_t>(data.size());
    int64_t left = fs_->space_left_.load();
    if (left == FaultFileSystem::kUnlimited) return base_->Append(data);
    if (left >= want) {
      fs_->space_left_ -= want;
      return base_->Append(data);
    }
    // A short write, then the disk is full: undo the partial bytes as PosixFile does.
    uint64_t before = base_->Size();
    if (left > 0) {
      HERALD_RETURN_IF_ERROR(base_->Append(data.first(static_cast<size_t>(left))));
      fs_->space_left_ = 0;
      HERALD_RETURN_IF_ERROR(base_->Truncate(before));
    }
    return NoSpace("write {}: No space left on device", path_);
  }
  Result<size_t> ReadAt(uint64_t pos, MutableByteView out) const override {
    return base_->ReadAt(pos, out);
  }
  Status Sync() override {
    if (fs_->fail_syncs_) return IoError("fdatasync {}: Input/output error", path_);
    return base_->Sync();
  }
  Status Truncate(uint64_t size) override { return base_->Truncate(size); }
  uint64_t Size() const override { return base_->Size(); }
  int NativeHandle() const override { return base_->NativeHandle(); }

 private:
  FaultFileSystem* fs_;
  std::unique_ptr<File> base_;
  std::string path_;
};

Result<std::unique_ptr<File>> FaultFileSystem::Open(const std::string& path, OpenMode mode) {
  if (fail_opens_ && mode != OpenMode::kReadOnly) {
    return IoError("open {}: Input/output error", path);
  }
  HERALD_ASSIGN_OR_RETURN(auto file, base_.Open(path, mode));
  return std::unique_ptr<File>(std::make_unique<FaultFile>(this, std::move(file), path));
}

Status FaultFileSystem::SyncDir(const std::string& path) {
  if (fail_syncs_) return IoError("fsync directory {}: Input/output error", path);
  return base_.SyncDir(path);
}

}  // namespace herald::storage
