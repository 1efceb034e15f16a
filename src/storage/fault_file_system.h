// FaultFileSystem: wraps another FileSystem and makes chosen operations fail the way a full or
// failing disk does, to test that errors surface and nothing acknowledged is lost.
//
//  - SetSpaceLeft(n): appends may write n more bytes in total; the append that crosses the limit
//    writes what fits (a short write, as a full disk does), the wrapped file is truncated back
//    to its size before the call, and the append returns kNoSpace. ClearSpaceLimit() ends it.
//  - FailSyncs(true): every File::Sync and SyncDir returns kIoError (EIO) until cleared.
//  - FailOpens(true): every Open for writing returns kIoError until cleared.
//
// Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <limits>

#include "storage/file_system.h"

namespace herald::storage {

class FaultFileSystem final : public FileSystem {
 public:
  // `base` must outlive this object.
  explicit FaultFileSystem(FileSystem& base) : base_(base) {}

  void SetSpaceLeft(uint64_t bytes) { space_left_ = static_cast<int64_t>(bytes); }
  void ClearSpaceLimit() { space_left_ = kUnlimited; }
  void FailSyncs(bool fail) { fail_syncs_ = fail; }
  void FailOpens(bool fail) { fail_opens_ = fail; }

  Result<std::unique_ptr<File>> Open(const std::string& path, OpenMode mode) override;
  Status Rename(const std::string& from, const std::string& to) override {
    return base_.Rename(from, to);
  }
  Status Remove(const std::string& path) override { return base_.Remove(path); }
  Status RemoveDir(const std::string& path) override { return base_.RemoveDir(path); }
  Status CreateDir(const std::string& path) override { return base_.CreateDir(path); }
  Status SyncDir(const std::string& path) override;
  Result<std::vector<std::string>> ListDir(const std::string& path) override {
    return base_.ListDir(path);
  }
  bool Exists(const std::string& path) override { return base_.Exists(path); }
  bool IsDirectory(const std::string& path) override { return base_.IsDirectory(path); }
  Result<std::unique_ptr<FileLock>> Lock(const std::string& path) override {
    return base_.Lock(path);
  }
  Result<DiskSpace> Space(const std::string& path) override { return base_.Space(path); }

 private:
  friend class FaultFile;
  static constexpr int64_t kUnlimited = std::numeric_limits<int64_t>::max();

  FileSystem& base_;
  std::atomic<int64_t> space_left_{kUnlimited};
  std::atomic<bool> fail_syncs_{false};
  std::atomic<bool> fail_opens_{false};
};

}  // namespace herald::storage
