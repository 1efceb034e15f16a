#include "storage/mem_file_system.h"
#include "base/mutex.h"

#include <algorithm>
#include <optional>

namespace herald::storage {

// A file's bytes. What survives a crash is data[0, durable_size) unless an unsynced truncate cut
// below durable_size; then durable_copy holds the synced bytes.
struct MemFileSystem::Node {
  Buffer data;
  size_t durable_size = 0;
  std::optional<Buffer> durable_copy;

  Buffer Durable() const {
    if (durable_copy) return *durable_copy;
    return Buffer(data.begin(), data.begin() + static_cast<ptrdiff_t>(durable_size));
  }
  void MarkAllDurable() {
    durable_copy.reset();
    durable_size = data.size();
  }
  void Resize(size_t size) {
    if (size < durable_size && !durable_copy) durable_copy = Durable();
    data.resize(size);
  }
};

class MemFile final : public File {
 public:
  MemFile(MemFileSystem* fs, std::shared_ptr<MemFileSystem::Node> node, uint64_t generation,
          std::string path)
      : fs_(fs), node_(std::move(node)), generation_(generation), path_(std::move(path)) {}

  Status Append(ByteView data) override {
    MutexLock lock(fs_->mu_);
    HERALD_RETURN_IF_ERROR(CheckAlive());
    node_->data.insert(node_->data.end(), data.begin(), data.end());
    return Status::Ok();
  }

  Result<size_t> ReadAt(uint64_t pos, MutableByteView out) const override {
    MutexLock lock(fs_->mu_);
    HERALD_RETURN_IF_ERROR(CheckAlive());
    if (pos >= node_->data.size()) return size_t{0};
    size_t n = std::min<size_t>(out.size(), node_->data.size() - pos);
    std::copy_n(node_->data.begin() + static_cast<ptrdiff_t>(pos), n, out.begin());
    return n;
  }

  Status Sync() override {
    MutexLock lock(fs_->mu_);
    HERALD_RETURN_IF_ERROR(CheckAlive());
    node_->MarkAllDurable();
    return Status::Ok();
  }

  Status Truncate(uint64_t size) override {
    MutexLock lock(fs_->mu_);
    HERALD_RETURN_IF_ERROR(CheckAlive());
    node_->Resize(size);
    return Status::Ok();
  }

  uint64_t Size() const override {
    MutexLock lock(fs_->mu_);
    return node_->data.size();
  }

 private:
  Status CheckAlive() const REQUIRES(fs_->mu_) {
    if (generation_ != fs_->generation_) return IoError("{}: handle lost in a crash", path_);
    return Status::Ok();
  }

  MemFileSystem* fs_;
  std::shared_ptr<MemFileSystem::Node> node_;
  uint64_t generation_;
  std::string path_;
};

class MemFileLock final : public FileLock {
 public:
  MemFileLock(MemFileSystem* fs, std::string path, uint64_t generation)
      : fs_(fs), path_(std::move(path)), generation_(generation) {}
  ~MemFileLock() override {
    MutexLock lock(fs_->mu_);
    if (generation_ == fs_->generation_) fs_->locked_.erase(path_);
  }
  MemFileLock(const MemFileLock&) = delete;
  MemFileLock& operator=(const MemFileLock&) = delete;

 private:
  MemFileSystem* fs_;
  std::string path_;
  uint64_t generation_;
};

MemFileSystem::MemFileSystem() {
  dirs_.insert("/");
  durable_dirs_.insert("/");
}
MemFileSystem::~MemFileSystem() = default;

Result<std::unique_ptr<File>> MemFileSystem::Open(const std::string& path, OpenMode mode) {
  MutexLock lock(mu_);
  if (down_) return IoError("{}: the machine is down", "Open");
  auto it = files_.find(path);
  if (it == files_.end()) {
    if (mode == OpenMode::kReadOnly || mode == OpenMode::kReadWrite) {
      return NotFound("open {}: no such file", path);
    }
    if (!dirs_.contains(DirName(path))) return NotFound("open {}: no such directory", path);
    it = files_.emplace(path, std::make_shared<Node>()).first;
  } else if (mode == OpenMode::kCreate) {
    it->second->Resize(0);
  }
  return std::unique_ptr<File>(std::make_unique<MemFile>(this, it->second, generation_, path));
}

Status MemFileSystem::Rename(const std::string& from, const std::string& to) {
  MutexLock lock(mu_);
  if (down_) return IoError("{}: the machine is down", "Rename");
  if (dirs_.contains(from)) {
    // A directory moves with everything below it, at once (durably, to keep the model simple).
    if (!dirs_.contains(DirName(to))) return NotFound("rename to {}: no such directory", to);
    if (dirs_.contains(to)) return AlreadyExists("rename {}: {} exists", from, to);
    auto move_prefix = [&](auto& entries) {
      std::string prefix = from + "/";
      std::vector<std::string> moved;
      for (auto e = entries.lower_bound(prefix); e != entries.end() && e->first.starts_with(prefix); ++e) {
        moved.push_back(e->first);
      }
      for (const auto& name : moved) {
        auto node = entries.extract(name);
        node.key() = to + name.substr(from.size());
        entries.insert(std::move(node));
      }
    };
    move_prefix(files_);
    move_prefix(durable_files_);
    std::vector<std::string> subdirs;
    for (auto d = dirs_.lower_bound(from); d != dirs_.end() && (*d == from || d->starts_with(from + "/")); ++d) {
      subdirs.push_back(*d);
    }
    for (const auto& d : subdirs) {
      dirs_.erase(d);
      durable_dirs_.erase(d);
      dirs_.insert(to + d.substr(from.size()));
      durable_dirs_.insert(to + d.substr(from.size()));
    }
    return Status::Ok();
  }
  auto it = files_.find(from);
  if (it == files_.end()) return NotFound("rename {}: no such file", from);
  if (!dirs_.contains(DirName(to))) return NotFound("rename to {}: no such directory", to);
  auto node = it->second;
  files_.erase(it);
  files_[to] = std::move(node);
  return Status::Ok();
}

Status MemFileSystem::Remove(const std::string& path) {
  MutexLock lock(mu_);
  if (down_) return IoError("{}: the machine is down", "Remove");
  if (files_.erase(path) == 0) return NotFound("remove {}: no such file", path);
  return Status::Ok();
}

Status MemFileSystem::RemoveDir(const std::string& path) {
  MutexLock lock(mu_);
  if (down_) return IoError("{}: the machine is down", "RemoveDir");
  if (!dirs_.contains(path)) return NotFound("remove directory {}: no such directory", path);
  std::string prefix = path + "/";
  auto file_it = files_.lower_bound(prefix);
  auto dir_it = dirs_.lower_bound(prefix);
  if ((file_it != files_.end() && file_it->first.starts_with(prefix)) ||
      (dir_it != dirs_.end() && dir_it->starts_with(prefix))) {
    return FailedPrecondition("remove directory {}: not empty", path);
  }
  dirs_.erase(path);
  return Status::Ok();
}

Status MemFileSystem::CreateDir(const std::string& path) {
  MutexLock lock(mu_);
  if (down_) return IoError("{}: the machine is down", "CreateDir");
  if (!dirs_.contains(DirName(path))) return NotFound("create directory {}: no parent", path);
  if (files_.contains(path)) return AlreadyExists("create directory {}: a file has that name", path);
  dirs_.insert(path);
  return Status::Ok();
}

Status MemFileSystem::SyncDir(const std::string& path) {
  MutexLock lock(mu_);
  if (down_) return IoError("{}: the machine is down", "SyncDir");
  if (!dirs_.contains(path)) return NotFound("sync directory {}: no such directory", path);
  // Entries directly in `path` become durable as they are now. Names under a directory sort
  // together, from `path/` up to (not including) `path0`, '0' following '/': only they are
  // visited. The relative "." holds names without a slash, found anywhere.
  const bool everywhere = path == ".";
  const std::string first = everywhere ? "" : path == "/" ? "/" : path + "/";
  const std::string past = path == "/" ? "0" : path + "0";
  auto in_range = [&](const std::string& name) { return everywhere || name < past; };
  auto in_path = [&](const std::string& name) { return name != path && DirName(name) == path; };
  for (auto it = durable_files_.lower_bound(first);
       it != durable_files_.end() && in_range(it->first);) {
    it = in_path(it->first) ? durable_files_.erase(it) : std::next(it);
  }
  for (auto it = files_.lower_bound(first); it != files_.end() && in_range(it->first); ++it) {
    if (in_path(it->first)) durable_files_[it->first] = it->second;
  }
  for (auto it = durable_dirs_.lower_bound(first); it != durable_dirs_.end() && in_range(*it);) {
    it = in_path(*it) ? durable_dirs_.erase(it) : std::next(it);
  }
  for (auto it = dirs_.lower_bound(first); it != dirs_.end() && in_range(*it); ++it) {
    if (in_path(*it)) durable_dirs_.insert(*it);
  }
  return Status::Ok();
}

Result<std::vector<std::string>> MemFileSystem::ListDir(const std::string& path) {
  MutexLock lock(mu_);
  if (down_) return IoError("{}: the machine is down", "ListDir");
  if (!dirs_.contains(path)) return NotFound("list {}: no such directory", path);
  std::vector<std::string> names;
  auto add_children = [&](const auto& entries) {
    for (const auto& entry : entries) {
      const std::string& name = [&]() -> const std::string& {
        if constexpr (std::is_same_v<std::decay_t<decltype(entry)>, std::string>) {
          return entry;
        } else {
          return entry.first;
        }
      }();
      if (name != path && DirName(name) == path) {
        names.push_back(name.substr(name.find_last_of('/') + 1));
      }
    }
  };
  add_children(files_);
  add_children(dirs_);
  return names;
}

bool MemFileSystem::Exists(const std::string& path) {
  MutexLock lock(mu_);
  return !down_ && (files_.contains(path) || dirs_.contains(path));
}

bool MemFileSystem::IsDirectory(const std::string& path) {
  MutexLock lock(mu_);
  return !down_ && dirs_.contains(path);
}

Result<std::unique_ptr<FileLock>> MemFileSystem::Lock(const std::string& path) {
  MutexLock lock(mu_);
  if (down_) return IoError("{}: the machine is down", "Lock");
  if (!dirs_.contains(DirName(path))) return NotFound("lock {}: no such directory", path);
  if (!locked_.insert(path).second) return FailedPrecondition("{} is locked", path);
  if (!files_.contains(path)) files_.emplace(path, std::make_shared<Node>());
  return std::unique_ptr<FileLock>(std::make_unique<MemFileLock>(this, path, generation_));
}

void MemFileSystem::SimulateCrash(uint64_t seed) {
  MutexLock lock(mu_);
  std::mt19937_64 rng(seed);
  auto chance = [&](int percent) { return static_cast<int>(rng() % 100) < percent; };

  // Directories: one whose entry was synced survives; one created since may or may not, and
  // never without its parent. (Sets are sorted, so a parent comes before its children.)
  std::set<std::string> all_dirs = dirs_;
  all_dirs.insert(durable_dirs_.begin(), durable_dirs_.end());
  std::set<std::string> dirs;
  for (const auto& dir : all_dirs) {
    const bool parent_survives = dir == "/" || dirs.contains(DirName(dir));
    if (parent_survives && (durable_dirs_.contains(dir) || chance(50))) dirs.insert(dir);
  }

  // Directory entries: per directory, either the synced set or the current one survives.
  std::set<std::string> parents;
  for (const auto& [name, node] : files_) parents.insert(DirName(name));
  for (const auto& [name, node] : durable_files_) parents.insert(DirName(name));
  std::map<std::string, std::shared_ptr<Node>> survivors;
  for (const auto& dir : parents) {
    if (!dirs.contains(dir)) continue;  // gone with its directory
    const auto& source = chance(50) ? durable_files_ : files_;
    for (const auto& [name, node] : source) {
      if (DirName(name) == dir) survivors[name] = node;
    }
  }

  // File contents: synced bytes plus a random part of the unsynced ones, maybe torn.
  for (auto& [name, node] : survivors) {
    const Buffer& data = node->data;
    const Buffer durable = node->Durable();
    size_t common = 0;
    while (common < data.size() && common < durable.size() && data[common] == durable[common]) {
      ++common;
    }
    Buffer after;
    if (data.size() < durable.size() && chance(50)) {
      after = durable;  // an unsynced truncate that did not reach the disk
    } else {
      // None, all, or a random part of the unsynced bytes reached the disk.
      size_t unsynced = data.size() - common;
      size_t keep = common;
      switch (rng() % 3) {
        case 0: break;
        case 1: keep += unsynced; break;
        default: keep += unsynced ? rng() % (unsynced + 1) : 0; break;
      }
      after.assign(data.begin(), data.begin() + static_cast<ptrdiff_t>(keep));
      if (keep > common && chance(25)) {
        size_t torn = 1 + rng() % std::min<size_t>(keep - common, 512);
        for (size_t i = keep - torn; i < keep; ++i) after[i] = static_cast<uint8_t>(rng());
      }
    }
    auto fresh = std::make_shared<Node>();
    fresh->data = std::move(after);
    fresh->MarkAllDurable();
    node = std::move(fresh);
  }
  files_ = survivors;
  durable_files_ = std::move(survivors);
  dirs_ = dirs;
  durable_dirs_ = std::move(dirs);
  locked_.clear();
  ++generation_;
  down_ = true;
}

void MemFileSystem::Restart() {
  MutexLock lock(mu_);
  down_ = false;
}

bool MemFileSystem::GetContents(const std::string& path, Buffer* out) {
  MutexLock lock(mu_);
  auto it = files_.find(path);
  if (it == files_.end()) return false;
  *out = it->second->data;
  return true;
}

bool MemFileSystem::SetContents(const std::string& path, const Buffer& contents) {
  MutexLock lock(mu_);
  auto it = files_.find(path);
  if (it == files_.end()) return false;
  it->second->data = contents;
  it->second->MarkAllDurable();
  return true;
}

}  // namespace herald::storage
