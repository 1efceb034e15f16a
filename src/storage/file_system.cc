#include "storage/file_system.h"

namespace herald::storage {

std::string JoinPath(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  if (dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

std::string DirName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Status WriteFileAtomic(FileSystem& fs, const std::string& path, ByteView contents) {
  std::string tmp = path + ".tmp";
  {
    HERALD_ASSIGN_OR_RETURN(auto file, fs.Open(tmp, OpenMode::kCreate));
    HERALD_RETURN_IF_ERROR(file->Append(contents));
    HERALD_RETURN_IF_ERROR(file->Sync());
  }
  HERALD_RETURN_IF_ERROR(fs.Rename(tmp, path));
  return fs.SyncDir(DirName(path));
}

Result<Buffer> ReadFile(FileSystem& fs, const std::string& path) {
  HERALD_ASSIGN_OR_RETURN(auto file, fs.Open(path, OpenMode::kReadOnly));
  Buffer data(file->Size());
  HERALD_ASSIGN_OR_RETURN(size_t n, file->ReadAt(0, data));
  data.resize(n);
  return data;
}

Status CreateDirs(FileSystem& fs, const std::string& path) {
  if (path.empty() || fs.IsDirectory(path)) return Status::Ok();
  std::string parent = DirName(path);
  if (parent != path && parent != "." && parent != "/") {
    HERALD_RETURN_IF_ERROR(CreateDirs(fs, parent));
  }
  HERALD_RETURN_IF_ERROR(fs.CreateDir(path));
  // The new directory's entry is durable only once its parent is synced: without this a power
  // loss could take a new partition directory, and the batches acknowledged in it, away.
  return fs.SyncDir(parent.empty() ? "." : parent);
}

Status RemoveTree(FileSystem& fs, const std::string& path) {
  if (!fs.IsDirectory(path)) return fs.Remove(path);
  HERALD_ASSIGN_OR_RETURN(auto names, fs.ListDir(path));
  for (const auto& name : names) HERALD_RETURN_IF_ERROR(RemoveTree(fs, JoinPath(path, name)));
  return fs.RemoveDir(path);
}

}  // namespace herald::storage
