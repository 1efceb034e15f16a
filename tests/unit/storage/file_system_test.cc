// The FileSystem contract (storage/file_system.h), run over every implementation, plus the
// behaviour specific to MemFileSystem (simulated power loss), FaultFileSystem (ENOSPC, EIO) and
// PosixFileSystem (a lock held by another process).
#include "storage/file_system.h"

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "storage/fault_file_system.h"
#include "storage/mem_file_system.h"
#include "testing/test_util.h"

namespace herald::storage {
namespace {

// ---------------------------------------------------------------------------------------------
// Environments: each owns a file system and a fresh, empty directory to work in.

class PosixEnv {
 public:
  FileSystem& fs() { return DefaultFileSystem(); }
  std::string root() const { return dir_.str(); }

 private:
  testing::TempDir dir_;
};

class MemEnv {
 public:
  MemEnv() { EXPECT_TRUE(mem_.CreateDir("/root").ok()); }
  FileSystem& fs() { return mem_; }
  std::string root() const { return "/root"; }

 private:
  MemFileSystem mem_;
};

class FaultEnv {
 public:
  FaultEnv() { EXPECT_TRUE(fault_.CreateDir("/root").ok()); }
  FileSystem& fs() { return fault_; }
  std::string root() const { return "/root"; }

 private:
  MemFileSystem mem_;
  FaultFileSystem fault_{mem_};
};

Buffer Bytes(std::string_view s) {
  return Buffer(s.begin(), s.end());
}

std::string ReadAll(const File& file) {
  Buffer out(file.Size());
  auto n = file.ReadAt(0, out);
  EXPECT_TRUE(n.ok()) << n.status().ToString();
  if (!n.ok()) return "<read failed>";
  out.resize(*n);
  return std::string(AsString(out));
}

// Reads `path` whole through ReadFile, or returns "<STATUS>" when that fails.
std::string Slurp(FileSystem& fs, const std::string& path) {
  auto data = ReadFile(fs, path);
  if (!data.ok()) return fmt::format("<{}>", StatusCodeName(data.status().code()));
  return std::string(AsString(*data));
}

// Creates `path` holding `contents` (synced).
void WriteFile(FileSystem& fs, const std::string& path, std::string_view contents) {
  auto file = fs.Open(path, OpenMode::kCreate);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  Status appended = (*file)->Append(AsBytes(contents));
  ASSERT_TRUE(appended.ok()) << appended.ToString();
  Status synced = (*file)->Sync();
  ASSERT_TRUE(synced.ok()) << synced.ToString();
}

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// ---------------------------------------------------------------------------------------------
// The contract, over every implementation.

template <typename Env>
class FileSystemContractTest : public ::testing::Test {
 protected:
  FileSystem& fs() { return env_.fs(); }
  std::string Path(const std::string& name) const { return JoinPath(env_.root(), name); }

  Env env_;
};

class EnvNames {
 public:
  template <typename T>
  static std::string GetName(int) {
    if (std::is_same_v<T, PosixEnv>) return "Posix";
    if (std::is_same_v<T, MemEnv>) return "Mem";
    return "FaultOverMem";
  }
};

using Envs = ::testing::Types<PosixEnv, MemEnv, FaultEnv>;
TYPED_TEST_SUITE(FileSystemContractTest, Envs, EnvNames);

TYPED_TEST(FileSystemContractTest, OpeningAMissingFileThatMustExistIsNotFound) {
  const std::string path = this->Path("missing");
  auto ro = this->fs().Open(path, OpenMode::kReadOnly);
  ASSERT_FALSE(ro.ok());
  EXPECT_EQ(ro.status().code(), StatusCode::kNotFound) << ro.status().ToString();
  auto rw = this->fs().Open(path, OpenMode::kReadWrite);
  ASSERT_FALSE(rw.ok());
  EXPECT_EQ(rw.status().code(), StatusCode::kNotFound) << rw.status().ToString();
  EXPECT_FALSE(this->fs().Exists(path)) << "a failed open must not create the file";
}

TYPED_TEST(FileSystemContractTest, OpenInAMissingDirectoryIsNotFound) {
  auto file = this->fs().Open(this->Path("no-such-dir/file"), OpenMode::kCreate);
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), StatusCode::kNotFound) << file.status().ToString();
}

TYPED_TEST(FileSystemContractTest, CreateMakesAnEmptyFileAndTruncatesAnExistingOne) {
  const std::string path = this->Path("f");
  {
    auto file = this->fs().Open(path, OpenMode::kCreate);
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    EXPECT_EQ((*file)->Size(), 0u);
    ASSERT_TRUE((*file)->Append(AsBytes("hello")).ok());
    ASSERT_TRUE((*file)->Sync().ok());
  }
  EXPECT_TRUE(this->fs().Exists(path));
  EXPECT_EQ(Slurp(this->fs(), path), "hello");
  auto again = this->fs().Open(path, OpenMode::kCreate);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ((*again)->Size(), 0u);
  EXPECT_EQ(ReadAll(**again), "");
  EXPECT_EQ(Slurp(this->fs(), path), "");
}

TYPED_TEST(FileSystemContractTest, CreateOrOpenCreatesWhenMissingAndKeepsExistingBytes) {
  const std::string path = this->Path("f");
  {
    auto file = this->fs().Open(path, OpenMode::kCreateOrOpen);
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    EXPECT_EQ((*file)->Size(), 0u);
    ASSERT_TRUE((*file)->Append(AsBytes("kept")).ok());
  }
  EXPECT_TRUE(this->fs().Exists(path));
  {
    auto file = this->fs().Open(path, OpenMode::kCreateOrOpen);
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    EXPECT_EQ((*file)->Size(), 4u);
    EXPECT_EQ(ReadAll(**file), "kept");
    ASSERT_TRUE((*file)->Append(AsBytes("+more")).ok());
  }
  auto rw = this->fs().Open(path, OpenMode::kReadWrite);
  ASSERT_TRUE(rw.ok()) << rw.status().ToString();
  EXPECT_EQ(ReadAll(**rw), "kept+more");
  auto ro = this->fs().Open(path, OpenMode::kReadOnly);
  ASSERT_TRUE(ro.ok()) << ro.status().ToString();
  EXPECT_EQ((*ro)->Size(), 9u);
  EXPECT_EQ(ReadAll(**ro), "kept+more");
}

TYPED_TEST(FileSystemContractTest, AppendReadAtSizeAndSync) {
  const std::string path = this->Path("f");
  auto opened = this->fs().Open(path, OpenMode::kCreate);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  File& file = **opened;
  // A reader opened before the writes sees them at once.
  auto reader = this->fs().Open(path, OpenMode::kReadOnly);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();

  ASSERT_TRUE(file.Append(AsBytes("abc")).ok());
  EXPECT_EQ(file.Size(), 3u);
  ASSERT_TRUE(file.Append(AsBytes("defgh")).ok());
  EXPECT_EQ(file.Size(), 8u);
  ASSERT_TRUE(file.Append(ByteView()).ok());
  EXPECT_EQ(file.Size(), 8u);

  Buffer out(4);
  auto n = file.ReadAt(2, out);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 4u);
  EXPECT_EQ(AsString(out), "cdef");

  Buffer via_reader(8);
  auto m = (*reader)->ReadAt(0, via_reader);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(*m, 8u);
  EXPECT_EQ(AsString(via_reader), "abcdefgh");

  Status synced = file.Sync();
  EXPECT_TRUE(synced.ok()) << synced.ToString();
  EXPECT_EQ(file.Size(), 8u);
  EXPECT_EQ(Slurp(this->fs(), path), "abcdefgh");
}

TYPED_TEST(FileSystemContractTest, ReadAtIsShortOnlyAtEndOfFile) {
  const std::string path = this->Path("f");
  WriteFile(this->fs(), path, "0123456789");
  auto file = this->fs().Open(path, OpenMode::kReadOnly);
  ASSERT_TRUE(file.ok()) << file.status().ToString();

  Buffer out(8, 'x');
  auto full = (*file)->ReadAt(2, out);
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(*full, 8u);
  EXPECT_EQ(AsString(out), "23456789");

  std::fill(out.begin(), out.end(), 'x');
  auto tail = (*file)->ReadAt(7, out);
  ASSERT_TRUE(tail.ok()) << tail.status().ToString();
  EXPECT_EQ(*tail, 3u);
  EXPECT_EQ(AsString(ByteView(out).first(3)), "789");

  auto at_end = (*file)->ReadAt(10, out);
  ASSERT_TRUE(at_end.ok()) << at_end.status().ToString();
  EXPECT_EQ(*at_end, 0u);
  auto past_end = (*file)->ReadAt(1000, out);
  ASSERT_TRUE(past_end.ok()) << past_end.status().ToString();
  EXPECT_EQ(*past_end, 0u);
}

TYPED_TEST(FileSystemContractTest, TruncateCutsAndAppendContinuesAtTheNewEnd) {
  const std::string path = this->Path("f");
  auto opened = this->fs().Open(path, OpenMode::kCreate);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  File& file = **opened;
  ASSERT_TRUE(file.Append(AsBytes("abcdefgh")).ok());
  Status cut = file.Truncate(3);
  ASSERT_TRUE(cut.ok()) << cut.ToString();
  EXPECT_EQ(file.Size(), 3u);
  EXPECT_EQ(ReadAll(file), "abc");
  ASSERT_TRUE(file.Append(AsBytes("XY")).ok());
  EXPECT_EQ(file.Size(), 5u);
  EXPECT_EQ(ReadAll(file), "abcXY");
  ASSERT_TRUE(file.Sync().ok());
  EXPECT_EQ(Slurp(this->fs(), path), "abcXY");
  ASSERT_TRUE(file.Truncate(0).ok());
  EXPECT_EQ(file.Size(), 0u);
  EXPECT_EQ(Slurp(this->fs(), path), "");
}

TYPED_TEST(FileSystemContractTest, RenameReplacesTheTarget) {
  const std::string from = this->Path("new");
  const std::string to = this->Path("old");
  WriteFile(this->fs(), from, "new contents");
  WriteFile(this->fs(), to, "old");
  Status renamed = this->fs().Rename(from, to);
  ASSERT_TRUE(renamed.ok()) << renamed.ToString();
  EXPECT_FALSE(this->fs().Exists(from));
  EXPECT_TRUE(this->fs().Exists(to));
  EXPECT_EQ(Slurp(this->fs(), to), "new contents");
  EXPECT_EQ(Slurp(this->fs(), from), "<NOT_FOUND>");

  Status missing = this->fs().Rename(this->Path("nope"), to);
  EXPECT_EQ(missing.code(), StatusCode::kNotFound) << missing.ToString();
  EXPECT_EQ(Slurp(this->fs(), to), "new contents");
}

TYPED_TEST(FileSystemContractTest, RemoveDeletesAFileAndReportsAMissingOne) {
  const std::string path = this->Path("f");
  WriteFile(this->fs(), path, "x");
  ASSERT_TRUE(this->fs().Exists(path));
  Status removed = this->fs().Remove(path);
  ASSERT_TRUE(removed.ok()) << removed.ToString();
  EXPECT_FALSE(this->fs().Exists(path));
  auto open = this->fs().Open(path, OpenMode::kReadOnly);
  EXPECT_EQ(open.status().code(), StatusCode::kNotFound);
  Status again = this->fs().Remove(path);
  EXPECT_EQ(again.code(), StatusCode::kNotFound) << again.ToString();
}

TYPED_TEST(FileSystemContractTest, ListDirReturnsTheNamesOfDirectChildren) {
  const std::string sub = this->Path("sub");
  ASSERT_TRUE(this->fs().CreateDir(sub).ok());
  WriteFile(this->fs(), this->Path("a.log"), "1");
  WriteFile(this->fs(), this->Path("b.index"), "2");
  WriteFile(this->fs(), JoinPath(sub, "nested"), "3");

  auto names = this->fs().ListDir(this->env_.root());
  ASSERT_TRUE(names.ok()) << names.status().ToString();
  EXPECT_EQ(Sorted(*names), (std::vector<std::string>{"a.log", "b.index", "sub"}));
  auto nested = this->fs().ListDir(sub);
  ASSERT_TRUE(nested.ok()) << nested.status().ToString();
  EXPECT_EQ(*nested, std::vector<std::string>{"nested"});

  auto missing = this->fs().ListDir(this->Path("missing"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound) << missing.status().ToString();
}

TYPED_TEST(FileSystemContractTest, CreateDirIsIdempotentAndNeedsItsParent) {
  const std::string dir = this->Path("d");
  EXPECT_FALSE(this->fs().Exists(dir));
  ASSERT_TRUE(this->fs().CreateDir(dir).ok());
  Status again = this->fs().CreateDir(dir);
  EXPECT_TRUE(again.ok()) << again.ToString();
  EXPECT_TRUE(this->fs().Exists(dir));
  EXPECT_TRUE(this->fs().IsDirectory(dir));
  WriteFile(this->fs(), JoinPath(dir, "f"), "x");
  EXPECT_FALSE(this->fs().IsDirectory(JoinPath(dir, "f")));
  // CreateDir again keeps what is inside.
  ASSERT_TRUE(this->fs().CreateDir(dir).ok());
  EXPECT_EQ(Slurp(this->fs(), JoinPath(dir, "f")), "x");

  Status orphan = this->fs().CreateDir(this->Path("missing/child"));
  EXPECT_EQ(orphan.code(), StatusCode::kNotFound) << orphan.ToString();
  EXPECT_FALSE(this->fs().Exists(this->Path("missing/child")));
}

TYPED_TEST(FileSystemContractTest, SyncDirSucceedsOnADirectoryAndFailsOnAMissingOne) {
  WriteFile(this->fs(), this->Path("f"), "x");
  Status synced = this->fs().SyncDir(this->env_.root());
  EXPECT_TRUE(synced.ok()) << synced.ToString();
  Status missing = this->fs().SyncDir(this->Path("missing"));
  EXPECT_EQ(missing.code(), StatusCode::kNotFound) << missing.ToString();
}

TYPED_TEST(FileSystemContractTest, RemoveDirRemovesOnlyEmptyDirectories) {
  const std::string dir = this->Path("d");
  ASSERT_TRUE(this->fs().CreateDir(dir).ok());
  WriteFile(this->fs(), JoinPath(dir, "f"), "x");
  EXPECT_FALSE(this->fs().RemoveDir(dir).ok());
  EXPECT_TRUE(this->fs().IsDirectory(dir));
  EXPECT_EQ(Slurp(this->fs(), JoinPath(dir, "f")), "x");
  ASSERT_TRUE(this->fs().Remove(JoinPath(dir, "f")).ok());
  Status removed = this->fs().RemoveDir(dir);
  EXPECT_TRUE(removed.ok()) << removed.ToString();
  EXPECT_FALSE(this->fs().Exists(dir));
}

TYPED_TEST(FileSystemContractTest, CreateDirsMakesParentsAndRemoveTreeRemovesEverything) {
  const std::string top = this->Path("x");
  const std::string deep = JoinPath(JoinPath(top, "y"), "z");
  Status created = CreateDirs(this->fs(), deep);
  ASSERT_TRUE(created.ok()) << created.ToString();
  EXPECT_TRUE(this->fs().IsDirectory(top));
  EXPECT_TRUE(this->fs().IsDirectory(JoinPath(top, "y")));
  EXPECT_TRUE(this->fs().IsDirectory(deep));
  Status again = CreateDirs(this->fs(), deep);
  EXPECT_TRUE(again.ok()) << again.ToString();

  WriteFile(this->fs(), JoinPath(deep, "leaf"), "1");
  WriteFile(this->fs(), JoinPath(JoinPath(top, "y"), "mid"), "2");
  WriteFile(this->fs(), JoinPath(top, "top"), "3");
  WriteFile(this->fs(), this->Path("sibling"), "4");

  Status removed = RemoveTree(this->fs(), top);
  ASSERT_TRUE(removed.ok()) << removed.ToString();
  EXPECT_FALSE(this->fs().Exists(top));
  EXPECT_FALSE(this->fs().Exists(deep));
  EXPECT_FALSE(this->fs().Exists(JoinPath(deep, "leaf")));
  // Only the tree goes.
  EXPECT_EQ(Slurp(this->fs(), this->Path("sibling")), "4");
  auto names = this->fs().ListDir(this->env_.root());
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, std::vector<std::string>{"sibling"});
}

TYPED_TEST(FileSystemContractTest, WriteFileAtomicReplacesWholeAndReadFileReadsIt) {
  const std::string path = this->Path("checkpoint");
  Status first = WriteFileAtomic(this->fs(), path, AsBytes("first version"));
  ASSERT_TRUE(first.ok()) << first.ToString();
  EXPECT_EQ(Slurp(this->fs(), path), "first version");
  Status second = WriteFileAtomic(this->fs(), path, AsBytes("v2"));
  ASSERT_TRUE(second.ok()) << second.ToString();
  auto data = ReadFile(this->fs(), path);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(*data, Bytes("v2"));
  EXPECT_FALSE(this->fs().Exists(path + ".tmp")) << "the temporary file must be renamed away";
  auto names = this->fs().ListDir(this->env_.root());
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, std::vector<std::string>{"checkpoint"});

  auto missing = ReadFile(this->fs(), this->Path("missing"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

TYPED_TEST(FileSystemContractTest, LockIsExclusiveUntilReleased) {
  const std::string path = this->Path("LOCK");
  auto first = this->fs().Lock(path);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = this->fs().Lock(path);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition) << second.status().ToString();
  // Another path is independent.
  auto other = this->fs().Lock(this->Path("OTHER"));
  EXPECT_TRUE(other.ok()) << other.status().ToString();

  first->reset();
  auto third = this->fs().Lock(path);
  ASSERT_TRUE(third.ok()) << third.status().ToString();
  auto fourth = this->fs().Lock(path);
  EXPECT_EQ(fourth.status().code(), StatusCode::kFailedPrecondition);
}

// The contract: "An exclusive lock on `path` (created if missing)".
TYPED_TEST(FileSystemContractTest, LockCreatesItsFileWhenMissing) {
  const std::string path = this->Path("LOCK");
  ASSERT_FALSE(this->fs().Exists(path));
  auto lock = this->fs().Lock(path);
  ASSERT_TRUE(lock.ok()) << lock.status().ToString();
  EXPECT_TRUE(this->fs().Exists(path));
  auto names = this->fs().ListDir(this->env_.root());
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, std::vector<std::string>{"LOCK"});
}

// ---------------------------------------------------------------------------------------------
// MemFileSystem: power loss.

constexpr uint64_t kSeeds = 100;

// Creates `path` and syncs its parent, so the directory itself survives a crash.
bool CreateDurableDir(FileSystem& fs, const std::string& path) {
  return fs.CreateDir(path).ok() && fs.SyncDir(DirName(path)).ok();
}

// A file in /d holding `synced` (synced) followed by `unsynced`.
void WriteSyncedThenUnsynced(MemFileSystem& fs, const std::string& path, std::string_view synced,
                             std::string_view unsynced, bool sync_dir) {
  auto file = fs.Open(path, OpenMode::kCreate);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  ASSERT_TRUE((*file)->Append(AsBytes(synced)).ok());
  ASSERT_TRUE((*file)->Sync().ok());
  if (sync_dir) {
    ASSERT_TRUE(fs.SyncDir(DirName(path)).ok());
  }
  if (!unsynced.empty()) {
    ASSERT_TRUE((*file)->Append(AsBytes(unsynced)).ok());
  }
}

TEST(MemFileSystemTest, CrashKeepsSyncedBytesAndSometimesDropsUnsyncedOnes) {
  const std::string synced = "synced-bytes";
  const std::string unsynced(64, 'u');
  int dropped_all = 0;
  int kept_all = 0;
  for (uint64_t seed = 0; seed < kSeeds; ++seed) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    MemFileSystem fs;
    ASSERT_TRUE(CreateDurableDir(fs, "/d"));
    WriteSyncedThenUnsynced(fs, "/d/f", synced, unsynced, /*sync_dir=*/true);
    fs.SimulateCrash(seed);
    fs.Restart();
    std::string after = Slurp(fs, "/d/f");
    ASSERT_GE(after.size(), synced.size()) << after;
    EXPECT_EQ(after.substr(0, synced.size()), synced);
    EXPECT_LE(after.size(), synced.size() + unsynced.size());
    if (after == synced) ++dropped_all;
    if (after == synced + unsynced) ++kept_all;
  }
  EXPECT_GT(dropped_all, 0) << "no seed lost the unsynced bytes";
  EXPECT_GT(kept_all, 0) << "no seed kept the unsynced bytes";
}

TEST(MemFileSystemTest, CrashCanDropAFileWhoseDirectoryWasNeverSynced) {
  int vanished = 0;
  for (uint64_t seed = 0; seed < kSeeds; ++seed) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    MemFileSystem fs;
    ASSERT_TRUE(CreateDurableDir(fs, "/d"));
    WriteSyncedThenUnsynced(fs, "/d/f", "synced", "", /*sync_dir=*/false);
    fs.SimulateCrash(seed);
    fs.Restart();
    if (!fs.Exists("/d/f")) {
      ++vanished;
      auto names = fs.ListDir("/d");
      ASSERT_TRUE(names.ok());
      EXPECT_TRUE(names->empty());
    } else {
      EXPECT_EQ(Slurp(fs, "/d/f"), "synced");
    }
  }
  EXPECT_GT(vanished, 0) << "a file whose directory entry was never synced always survived";
  EXPECT_LT(vanished, static_cast<int>(kSeeds)) << "such a file never survived";
}

TEST(MemFileSystemTest, CrashCanDropADirectoryWhoseParentWasNeverSynced) {
  int vanished = 0;
  for (uint64_t seed = 0; seed < kSeeds; ++seed) {
    MemFileSystem fs;
    ASSERT_TRUE(CreateDurableDir(fs, "/other"));
    ASSERT_TRUE(fs.CreateDir("/other/new").ok());  // its entry in /other is never synced
    ASSERT_TRUE(CreateDirs(fs, "/data/kept/inner").ok());  // CreateDirs syncs each parent
    WriteSyncedThenUnsynced(fs, "/other/new/f", "x", "", /*sync_dir=*/true);
    fs.SimulateCrash(seed);
    fs.Restart();
    EXPECT_TRUE(fs.IsDirectory("/data/kept/inner")) << "seed " << seed;
    if (!fs.IsDirectory("/other/new")) {
      ++vanished;
      EXPECT_FALSE(fs.Exists("/other/new/f")) << "a file outlived its directory, seed " << seed;
    }
  }
  EXPECT_GT(vanished, 0) << "no seed lost the unsynced directory";
  EXPECT_LT(vanished, static_cast<int>(kSeeds)) << "every seed lost it";
}

TEST(MemFileSystemTest, AFileSurvivesEveryCrashOnceItsDirectoryIsSynced) {
  for (uint64_t seed = 0; seed < kSeeds; ++seed) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    MemFileSystem fs;
    ASSERT_TRUE(CreateDurableDir(fs, "/d"));
    WriteSyncedThenUnsynced(fs, "/d/f", "synced", "", /*sync_dir=*/true);
    // A second file created later, without a directory sync, may come and go; /d/f may not.
    WriteSyncedThenUnsynced(fs, "/d/g", "other", "", /*sync_dir=*/false);
    fs.SimulateCrash(seed);
    fs.Restart();
    EXPECT_TRUE(fs.Exists("/d/f"));
    EXPECT_EQ(Slurp(fs, "/d/f"), "synced");
  }
}

TEST(MemFileSystemTest, CrashCanUndoARemoveOrRenameThatWasNotSyncedToTheDirectory) {
  int removal_undone = 0;
  int rename_undone = 0;
  for (uint64_t seed = 0; seed < kSeeds; ++seed) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    MemFileSystem fs;
    ASSERT_TRUE(CreateDurableDir(fs, "/d"));
    ASSERT_TRUE(CreateDurableDir(fs, "/e"));
    WriteSyncedThenUnsynced(fs, "/d/doomed", "old", "", /*sync_dir=*/true);
    WriteSyncedThenUnsynced(fs, "/e/a", "renamed", "", /*sync_dir=*/true);
    ASSERT_TRUE(fs.Remove("/d/doomed").ok());
    ASSERT_TRUE(fs.Rename("/e/a", "/e/b").ok());
    fs.SimulateCrash(seed);
    fs.Restart();
    if (fs.Exists("/d/doomed")) {
      ++removal_undone;
      EXPECT_EQ(Slurp(fs, "/d/doomed"), "old");
    }
    // A rename inside one directory is atomic: exactly one of the names survives.
    EXPECT_NE(fs.Exists("/e/a"), fs.Exists("/e/b"));
    if (fs.Exists("/e/a")) {
      ++rename_undone;
      EXPECT_EQ(Slurp(fs, "/e/a"), "renamed");
    } else {
      EXPECT_EQ(Slurp(fs, "/e/b"), "renamed");
    }
  }
  EXPECT_GT(removal_undone, 0);
  EXPECT_LT(removal_undone, static_cast<int>(kSeeds));
  EXPECT_GT(rename_undone, 0);
  EXPECT_LT(rename_undone, static_cast<int>(kSeeds));
}

TEST(MemFileSystemTest, AfterACrashOldHandlesFailAndEveryCallFailsUntilRestart) {
  MemFileSystem fs;
  ASSERT_TRUE(CreateDurableDir(fs, "/d"));
  auto opened = fs.Open("/d/f", OpenMode::kCreate);
  ASSERT_TRUE(opened.ok());
  std::unique_ptr<File> old = std::move(*opened);
  ASSERT_TRUE(old->Append(AsBytes("data")).ok());
  ASSERT_TRUE(old->Sync().ok());
  ASSERT_TRUE(fs.SyncDir("/d").ok());
  auto lock = fs.Lock("/d/LOCK");
  ASSERT_TRUE(lock.ok());

  fs.SimulateCrash(7);

  Buffer out(4);
  EXPECT_EQ(old->Append(AsBytes("x")).code(), StatusCode::kIoError);
  EXPECT_EQ(old->ReadAt(0, out).status().code(), StatusCode::kIoError);
  EXPECT_EQ(old->Sync().code(), StatusCode::kIoError);
  EXPECT_EQ(old->Truncate(0).code(), StatusCode::kIoError);

  // The machine is down: nothing works.
  EXPECT_EQ(fs.Open("/d/f", OpenMode::kReadOnly).status().code(), StatusCode::kIoError);
  EXPECT_EQ(fs.Open("/d/new", OpenMode::kCreate).status().code(), StatusCode::kIoError);
  EXPECT_EQ(fs.Rename("/d/f", "/d/g").code(), StatusCode::kIoError);
  EXPECT_EQ(fs.Remove("/d/f").code(), StatusCode::kIoError);
  EXPECT_EQ(fs.CreateDir("/d/sub").code(), StatusCode::kIoError);
  EXPECT_EQ(fs.RemoveDir("/d").code(), StatusCode::kIoError);
  EXPECT_EQ(fs.SyncDir("/d").code(), StatusCode::kIoError);
  EXPECT_EQ(fs.ListDir("/d").status().code(), StatusCode::kIoError);
  EXPECT_EQ(fs.Lock("/d/OTHER").status().code(), StatusCode::kIoError);
  EXPECT_FALSE(fs.Exists("/d/f"));
  EXPECT_FALSE(fs.IsDirectory("/d"));

  fs.Restart();
  // Nothing the dead process tried reached the disk.
  EXPECT_EQ(Slurp(fs, "/d/f"), "data");
  EXPECT_FALSE(fs.Exists("/d/g"));
  EXPECT_FALSE(fs.Exists("/d/new"));
  EXPECT_FALSE(fs.IsDirectory("/d/sub"));
  // Old handles stay dead after the reboot.
  EXPECT_EQ(old->ReadAt(0, out).status().code(), StatusCode::kIoError);
  EXPECT_EQ(old->Append(AsBytes("x")).code(), StatusCode::kIoError);
  // New handles work.
  auto fresh = fs.Open("/d/f", OpenMode::kReadWrite);
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  ASSERT_TRUE((*fresh)->Append(AsBytes("+new")).ok());
  EXPECT_EQ(ReadAll(**fresh), "data+new");
  // The dead process's lock died with it.
  auto relock = fs.Lock("/d/LOCK");
  EXPECT_TRUE(relock.ok()) << relock.status().ToString();
  // Releasing the pre-crash lock must not release the new holder's.
  lock->reset();
  EXPECT_EQ(fs.Lock("/d/LOCK").status().code(), StatusCode::kFailedPrecondition);
}

TEST(MemFileSystemTest, UnsyncedTruncateMayBeUndoneButSyncedOneSticks) {
  int undone = 0;
  for (uint64_t seed = 0; seed < kSeeds; ++seed) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    MemFileSystem fs;
    ASSERT_TRUE(CreateDurableDir(fs, "/d"));
    {
      auto file = fs.Open("/d/f", OpenMode::kCreate);
      ASSERT_TRUE(file.ok());
      ASSERT_TRUE((*file)->Append(AsBytes("0123456789")).ok());
      ASSERT_TRUE((*file)->Sync().ok());
      ASSERT_TRUE(fs.SyncDir("/d").ok());
      ASSERT_TRUE((*file)->Truncate(4).ok());
    }
    {
      auto file = fs.Open("/d/g", OpenMode::kCreate);
      ASSERT_TRUE(file.ok());
      ASSERT_TRUE((*file)->Append(AsBytes("0123456789")).ok());
      ASSERT_TRUE((*file)->Sync().ok());
      ASSERT_TRUE(fs.SyncDir("/d").ok());
      ASSERT_TRUE((*file)->Truncate(4).ok());
      ASSERT_TRUE((*file)->Sync().ok());
    }
    fs.SimulateCrash(seed);
    fs.Restart();
    std::string f = Slurp(fs, "/d/f");
    EXPECT_TRUE(f == "0123" || f == "0123456789") << f;
    if (f == "0123456789") ++undone;
    EXPECT_EQ(Slurp(fs, "/d/g"), "0123");
  }
  EXPECT_GT(undone, 0);
  EXPECT_LT(undone, static_cast<int>(kSeeds));
}

TEST(MemFileSystemTest, GetAndSetContentsEditRawBytes) {
  MemFileSystem fs;
  ASSERT_TRUE(CreateDurableDir(fs, "/d"));
  WriteSyncedThenUnsynced(fs, "/d/f", "abc", "", /*sync_dir=*/true);
  Buffer raw;
  ASSERT_TRUE(fs.GetContents("/d/f", &raw));
  EXPECT_EQ(raw, Bytes("abc"));
  EXPECT_FALSE(fs.GetContents("/d/missing", &raw));
  EXPECT_FALSE(fs.GetContents("/d", &raw));
  ASSERT_TRUE(fs.SetContents("/d/f", Bytes("xyz!")));
  EXPECT_EQ(Slurp(fs, "/d/f"), "xyz!");
  EXPECT_FALSE(fs.SetContents("/d/missing", Bytes("x")));
  EXPECT_FALSE(fs.Exists("/d/missing"));
  // Set contents count as durable.
  fs.SimulateCrash(1);
  fs.Restart();
  EXPECT_EQ(Slurp(fs, "/d/f"), "xyz!");
}

// ---------------------------------------------------------------------------------------------
// FaultFileSystem: ENOSPC and EIO.

TEST(FaultFileSystemTest, AnAppendCrossingTheSpaceLimitFailsAndLeavesTheFileAsItWas) {
  MemFileSystem mem;
  FaultFileSystem fs(mem);
  ASSERT_TRUE(CreateDurableDir(fs, "/d"));
  auto opened = fs.Open("/d/f", OpenMode::kCreate);
  ASSERT_TRUE(opened.ok());
  File& file = **opened;

  fs.SetSpaceLeft(10);
  ASSERT_TRUE(file.Append(AsBytes("123456")).ok());  // 4 bytes left
  Status full = file.Append(AsBytes("abcdefgh"));
  EXPECT_EQ(full.code(), StatusCode::kNoSpace) << full.ToString();
  EXPECT_EQ(file.Size(), 6u);
  EXPECT_EQ(ReadAll(file), "123456");
  Buffer raw;
  ASSERT_TRUE(mem.GetContents("/d/f", &raw));
  EXPECT_EQ(raw, Bytes("123456")) << "the short write must be undone in the wrapped file";
  // The disk stays full.
  EXPECT_EQ(file.Append(AsBytes("z")).code(), StatusCode::kNoSpace);
  EXPECT_EQ(file.Size(), 6u);

  fs.ClearSpaceLimit();
  Status ok = file.Append(AsBytes("abcdefgh"));
  ASSERT_TRUE(ok.ok()) << ok.ToString();
  EXPECT_EQ(file.Size(), 14u);
  EXPECT_EQ(ReadAll(file), "123456abcdefgh");
}

TEST(FaultFileSystemTest, TheSpaceLimitIsSharedByAllFilesAndAnExactFitSucceeds) {
  MemFileSystem mem;
  FaultFileSystem fs(mem);
  ASSERT_TRUE(CreateDurableDir(fs, "/d"));
  auto a = fs.Open("/d/a", OpenMode::kCreate);
  auto b = fs.Open("/d/b", OpenMode::kCreate);
  ASSERT_TRUE(a.ok() && b.ok());
  fs.SetSpaceLeft(8);
  ASSERT_TRUE((*a)->Append(AsBytes("aaaaa")).ok());
  ASSERT_TRUE((*b)->Append(AsBytes("bbb")).ok());  // exactly fills the disk
  EXPECT_EQ((*b)->Append(AsBytes("b")).code(), StatusCode::kNoSpace);
  EXPECT_EQ((*a)->Append(AsBytes("a")).code(), StatusCode::kNoSpace);
  EXPECT_EQ(ReadAll(**a), "aaaaa");
  EXPECT_EQ(ReadAll(**b), "bbb");
  // WriteFileAtomic fails too and leaves the target alone.
  WriteFile(mem, "/d/target", "before");
  EXPECT_FALSE(WriteFileAtomic(fs, "/d/target", AsBytes("after")).ok());
  EXPECT_EQ(Slurp(fs, "/d/target"), "before");
}

TEST(FaultFileSystemTest, FailSyncsMakesSyncAndSyncDirReturnIoError) {
  MemFileSystem mem;
  FaultFileSystem fs(mem);
  ASSERT_TRUE(CreateDurableDir(fs, "/d"));
  auto opened = fs.Open("/d/f", OpenMode::kCreate);
  ASSERT_TRUE(opened.ok());
  ASSERT_TRUE((*opened)->Append(AsBytes("x")).ok());

  fs.FailSyncs(true);
  EXPECT_EQ((*opened)->Sync().code(), StatusCode::kIoError);
  EXPECT_EQ(fs.SyncDir("/d").code(), StatusCode::kIoError);
  EXPECT_EQ(WriteFileAtomic(fs, "/d/cp", AsBytes("c")).code(), StatusCode::kIoError);
  // Writes still work; only durability fails.
  EXPECT_TRUE((*opened)->Append(AsBytes("y")).ok());

  fs.FailSyncs(false);
  EXPECT_TRUE((*opened)->Sync().ok());
  EXPECT_TRUE(fs.SyncDir("/d").ok());
  EXPECT_TRUE(WriteFileAtomic(fs, "/d/cp", AsBytes("c")).ok());
  EXPECT_EQ(Slurp(fs, "/d/cp"), "c");
}

TEST(FaultFileSystemTest, FailOpensRefusesOpeningForWritingOnly) {
  MemFileSystem mem;
  FaultFileSystem fs(mem);
  ASSERT_TRUE(CreateDurableDir(fs, "/d"));
  WriteFile(fs, "/d/f", "x");
  fs.FailOpens(true);
  EXPECT_EQ(fs.Open("/d/f", OpenMode::kReadWrite).status().code(), StatusCode::kIoError);
  EXPECT_EQ(fs.Open("/d/g", OpenMode::kCreate).status().code(), StatusCode::kIoError);
  EXPECT_EQ(fs.Open("/d/g", OpenMode::kCreateOrOpen).status().code(), StatusCode::kIoError);
  EXPECT_FALSE(fs.Exists("/d/g"));
  auto ro = fs.Open("/d/f", OpenMode::kReadOnly);
  ASSERT_TRUE(ro.ok()) << ro.status().ToString();
  EXPECT_EQ(ReadAll(**ro), "x");
  fs.FailOpens(false);
  EXPECT_TRUE(fs.Open("/d/g", OpenMode::kCreate).ok());
}

// ---------------------------------------------------------------------------------------------
// PosixFileSystem: the lock excludes other processes.

// Forks a child that tries to take `path`'s lock; returns the child's exit code:
// 0 when it got kFailedPrecondition, 1 when it got the lock, 2 on another error.
int LockInChildProcess(const std::string& path) {
  pid_t pid = ::fork();
  if (pid == 0) {
    auto lock = DefaultFileSystem().Lock(path);
    if (lock.ok()) ::_exit(1);
    ::_exit(lock.status().code() == StatusCode::kFailedPrecondition ? 0 : 2);
  }
  if (pid < 0) return -1;
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return -2;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -3;
}

TEST(PosixFileSystemTest, AnotherProcessCannotTakeAHeldLock) {
  testing::TempDir dir;
  const std::string path = JoinPath(dir.str(), "LOCK");
  auto lock = DefaultFileSystem().Lock(path);
  ASSERT_TRUE(lock.ok()) << lock.status().ToString();
  EXPECT_EQ(LockInChildProcess(path), 0) << "the child process took a lock this process holds";
  lock->reset();
  EXPECT_EQ(LockInChildProcess(path), 1) << "the child could not lock after the release";
}

TEST(PosixFileSystemTest, FilesExposeTheirDescriptor) {
  testing::TempDir dir;
  auto file = DefaultFileSystem().Open(JoinPath(dir.str(), "f"), OpenMode::kCreate);
  ASSERT_TRUE(file.ok());
  EXPECT_GE((*file)->NativeHandle(), 0);
  MemFileSystem mem;
  ASSERT_TRUE(mem.CreateDir("/d").ok());
  auto in_memory = mem.Open("/d/f", OpenMode::kCreate);
  ASSERT_TRUE(in_memory.ok());
  EXPECT_EQ((*in_memory)->NativeHandle(), -1);
}

TEST(PathTest, JoinPathAndDirName) {
  EXPECT_EQ(JoinPath("/a", "b"), "/a/b");
  EXPECT_EQ(JoinPath("/a/", "b"), "/a/b");
  EXPECT_EQ(JoinPath("", "b"), "b");
  EXPECT_EQ(DirName("/a/b/c"), "/a/b");
  EXPECT_EQ(DirName("/a"), "/");
  EXPECT_EQ(DirName("file"), ".");
}

}  // namespace
}  // namespace herald::storage
