// MemFileSystem: a FileSystem in memory that can simulate a power loss.
//
// It tracks, for every file, the bytes as of its last Sync, and for every directory the entries
// (files and subdirectories) as of its last SyncDir. SimulateCrash() then builds the state a
// machine could show after losing power: each file keeps its synced bytes plus a random part of
// what was appended since (possibly ending in garbage, a torn write), each directory keeps either
// its synced file entries or its current ones, and a subdirectory created since its parent's last
// SyncDir may be gone, with everything below it. Every handle opened before the crash fails from
// then on, as if the process died. Renaming a directory moves everything below it and is durable
// at once (a simplification).
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>

#include "base/mutex.h"
#include "storage/file_system.h"

namespace herald::storage {

class MemFileSystem final : public FileSystem {
 public:
  MemFileSystem();
  ~MemFileSystem() override;

  Result<std::unique_ptr<File>> Open(const std::string& path, OpenMode mode) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status Remove(const std::string& path) override;
  Status RemoveDir(const std::string& path) override;
  Status CreateDir(const std::string& path) override;
  Status SyncDir(const std::string& path) override;
  Result<std::vector<std::string>> ListDir(const std::string& path) override;
  bool Exists(const std::string& path) override;
  bool IsDirectory(const std::string& path) override;
  Result<std::unique_ptr<FileLock>> Lock(const std::string& path) override;

  // Loses power: replaces the state with one a crash could leave (see above), chosen by `seed`.
  // Handles opened before fail with kIoError from then on, and so does every other call until
  // Restart() (the machine is down: nothing the dying process does can reach the disk).
  void SimulateCrash(uint64_t seed);
  // Boots again: calls work again on the post-crash state.
  void Restart();

  // Test access to raw contents: returns false when `path` is not a file.
  bool GetContents(const std::string& path, Buffer* out);
  bool SetContents(const std::string& path, const Buffer& contents);

  struct Node;

 private:
  friend class MemFile;
  friend class MemFileLock;

  Mutex mu_;
  bool down_ GUARDED_BY(mu_) = false;
  // Bumped by every crash; handles of older generations are dead.
  uint64_t generation_ GUARDED_BY(mu_) = 0;
  std::map<std::string, std::shared_ptr<Node>> files_ GUARDED_BY(mu_);  // current entries
  // Entries as of SyncDir.
  std::map<std::string, std::shared_ptr<Node>> durable_files_ GUARDED_BY(mu_);
  std::set<std::string> dirs_ GUARDED_BY(mu_);
  // Directories whose entry in their parent was synced.
  std::set<std::string> durable_dirs_ GUARDED_BY(mu_);
  std::set<std::string> locked_ GUARDED_BY(mu_);
};

}  // namespace herald::storage
