// FileSystem: every byte Herald's storage reads or writes goes through this interface.
//
// Three implementations share it: PosixFileSystem (the real disk), MemFileSystem (in memory,
// able to simulate a power loss that drops unsynced bytes) and FaultFileSystem (wraps another and
// injects ENOSPC / EIO). Storage code never calls the OS directly, so crash and fault tests
// exercise the production paths.
//
// Durability contract (POSIX-like):
//  - File::Append makes bytes visible to readers at once; they survive a crash only after
//    File::Sync returns OK.
//  - Creating, renaming or removing a directory entry survives a crash only after SyncDir on
//    the directory that holds it.
//
// Thread-safety: FileSystem methods are thread-safe. A File allows concurrent ReadAt calls with
// one writer (Append/Truncate/Sync serialised by its owner).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"

namespace herald::storage {

class File {
 public:
  virtual ~File() = default;

  // Writes `data` at the end of the file. On failure (ENOSPC, EIO) the file keeps its previous
  // size as far as the system allows, and the error is returned.
  virtual Status Append(ByteView data) = 0;
  // Reads up to out.size() bytes at `pos`; returns the count read (short only at end of file).
  virtual Result<size_t> ReadAt(uint64_t pos, MutableByteView out) const = 0;
  // Makes every appended byte and the current size durable (fdatasync).
  virtual Status Sync() = 0;
  // Cuts the file to `size` bytes (not durable until Sync).
  virtual Status Truncate(uint64_t size) = 0;
  // The current size, including unsynced bytes.
  virtual uint64_t Size() const = 0;
  // The OS file descriptor when there is one (for sendfile), else -1.
  virtual int NativeHandle() const { return -1; }
};

// Held while a process owns a data directory; released on destruction.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

enum class OpenMode : uint8_t {
  kReadOnly,         // must exist
  kReadWrite,        // must exist
  kCreate,           // creates or truncates to empty, read-write
  kCreateOrOpen,     // opens, creating when missing, read-write
};

struct DiskSpace {
  uint64_t total_bytes = 0;
  uint64_t usable_bytes = 0;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // Opens `path`. kNotFound when it must exist and does not.
  virtual Result<std::unique_ptr<File>> Open(const std::string& path, OpenMode mode) = 0;
  // Atomically replaces `to` with `from` (not durable until SyncDir).
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  // Removes a file (kNotFound when missing).
  virtual Status Remove(const std::string& path) = 0;
  // Removes an empty directory.
  virtual Status RemoveDir(const std::string& path) = 0;
  // Creates a directory; OK when it exists already. Parents must exist.
  virtual Status CreateDir(const std::string& path) = 0;
  // Makes the directory's entries durable.
  virtual Status SyncDir(const std::string& path) = 0;
  // Names (not paths) of the entries of a directory, in no particular order.
  virtual Result<std::vector<std::string>> ListDir(const std::string& path) = 0;
  virtual bool Exists(const std::string& path) = 0;
  virtual bool IsDirectory(const std::string& path) = 0;
  // An exclusive lock on `path` (created if missing). kFailedPrecondition when another holder
  // (another process for PosixFileSystem) has it.
  virtual Result<std::unique_ptr<FileLock>> Lock(const std::string& path) = 0;
  // The size of the file system holding `path` and the bytes an unprivileged writer may still use
  // there; kFailedPrecondition where there is no such figure (in memory).
  virtual Result<DiskSpace> Space(const std::string& path) {
    return FailedPrecondition("no disk space figure for {}", path);
  }
};

// Joins two path parts with one '/'.
std::string JoinPath(const std::string& dir, const std::string& name);
// The directory part of a path ("." when none).
std::string DirName(const std::string& path);

// Writes `contents` to `path` so that a crash leaves either the old or the new file whole:
// write `path.tmp`, sync it, rename over `path`, sync the directory.
Status WriteFileAtomic(FileSystem& fs, const std::string& path, ByteView contents);
// Reads a whole file.
Result<Buffer> ReadFile(FileSystem& fs, const std::string& path);
// Creates `path` and any missing parents, syncing the parent of each directory it creates.
Status CreateDirs(FileSystem& fs, const std::string& path);
// Removes a directory and everything below it.
Status RemoveTree(FileSystem& fs, const std::string& path);

// The real file system.
FileSystem& DefaultFileSystem();

}  // namespace herald::storage
