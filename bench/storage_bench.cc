#include "storage_bench.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "storage/file_system.h"
#include "storage/log.h"
#include "storage/record_batch.h"

namespace herald::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

double MbPerSecond(uint64_t bytes, double seconds) {
  return seconds > 0 ? static_cast<double>(bytes) / (1024.0 * 1024.0) / seconds : 0;
}

// Drops a file's pages from the page cache so the read that follows comes from the disk.
void EvictFromCache(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ::fdatasync(fd);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  ::close(fd);
}

void EvictDirFromCache(const std::string& dir) {
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_regular_file()) EvictFromCache(entry.path().string());
  }
}

Buffer MakeBatch(const StorageBenchOptions& o) {
  std::vector<storage::RecordSpec> records;
  size_t count = std::max<uint64_t>(1, o.batch_bytes / o.record_size);
  std::string value(o.record_size, 'x');
  for (size_t i = 0; i < count; ++i) {
    for (size_t k = 0; k < value.size(); ++k) value[k] = static_cast<char>('a' + (i + k) % 26);
    records.push_back({fmt::format("key-{}", i), value, 1'700'000'000'000 + static_cast<int64_t>(i), {}});
  }
  return storage::BuildBatch(records);
}

class Progress {
 public:
  Progress(std::ostream& out, std::string label, uint64_t total)
      : out_(out), label_(std::move(label)), total_(total) {}
  void Update(uint64_t done) {
    int percent = total_ ? static_cast<int>(done * 100 / total_) : 100;
    if (percent >= next_) {
      out_ << fmt::format("\r  {:<14} {:>3}%", label_, percent) << std::flush;
      next_ = percent + 10;
    }
  }
  void Done(const std::string& figure) { out_ << fmt::format("\r  {:<14} {}\n", label_, figure); }

 private:
  std::ostream& out_;
  std::string label_;
  uint64_t total_;
  int next_ = 0;
};

}  // namespace

std::string StorageBenchResult::ToJson() const {
  nlohmann::json j = {
      {"herald_write_mb_s", herald_write_mb_s}, {"raw_write_mb_s", raw_write_mb_s},
      {"write_ratio", write_ratio()},           {"herald_read_mb_s", herald_read_mb_s},
      {"raw_read_mb_s", raw_read_mb_s},         {"read_ratio", read_ratio()},
      {"recovery_ms", recovery_ms},             {"bytes", bytes},
      {"batches", batches},
  };
  return j.dump();
}

Result<StorageBenchResult> RunStorageBench(const StorageBenchOptions& o, std::ostream& progress) {
  if (o.record_size == 0 || o.batch_bytes == 0 || o.total_bytes == 0) {
    return InvalidArgument("record size, batch bytes and total must be positive");
  }
  std::error_code ec;
  std::filesystem::remove_all(o.dir, ec);
  std::filesystem::create_directories(o.dir, ec);
  if (ec) return IoError("cannot create {}: {}", o.dir, ec.message());
  const std::string log_dir = o.dir + "/herald-0";
  const std::string raw_path = o.dir + "/raw.bin";

  const Buffer batch = MakeBatch(o);
  StorageBenchResult r;
  r.batches = std::max<uint64_t>(1, o.total_bytes / batch.size());
  r.bytes = r.batches * batch.size();
  progress << fmt::format("herald bench storage: {} batches of {} bytes ({} MiB) in {}\n",
                          r.batches, batch.size(), r.bytes >> 20, o.dir);

  storage::FileSystem& fs = storage::DefaultFileSystem();
  storage::LogConfig config;
  config.segment_bytes = static_cast<int64_t>(o.segment_bytes);
  storage::Flusher flusher(herald::Clock::System(), 1);

  // 1a. Herald: durable appends, one acknowledged batch at a time.
  {
    HERALD_ASSIGN_OR_RETURN(auto log, storage::Log::Open({&fs, log_dir, config, nullptr, &flusher}));
    Progress bar(progress, "herald write", r.batches);
    Buffer work = batch;
    auto start = Clock::now();
    for (uint64_t i = 0; i < r.batches; ++i) {
      auto appended = log->AppendAndWait(work, storage::AckLevel::kDurable);
      HERALD_RETURN_IF_ERROR(appended);
      bar.Update(i);
    }
    r.herald_write_mb_s = MbPerSecond(r.bytes, Seconds(start));
    bar.Done(fmt::format("{:.1f} MB/s", r.herald_write_mb_s));
    HERALD_RETURN_IF_ERROR(log->Close());
  }

  // 1b. Raw: the same bytes with write + fdatasync at the same cadence.
  {
    int fd = ::open(raw_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return ErrnoStatus(errno, "open " + raw_path);
    Progress bar(progress, "raw write", r.batches);
    auto start = Clock::now();
    for (uint64_t i = 0; i < r.batches; ++i) {
      if (::write(fd, batch.data(), batch.size()) != static_cast<ssize_t>(batch.size()) ||
          ::fdatasync(fd) != 0) {
        Status s = ErrnoStatus(errno, "write " + raw_path);
        ::close(fd);
        return s;
      }
      bar.Update(i);
    }
    r.raw_write_mb_s = MbPerSecond(r.bytes, Seconds(start));
    bar.Done(fmt::format("{:.1f} MB/s", r.raw_write_mb_s));
    ::close(fd);
  }

  // 2. Reopen after a clean shutdown.
  EvictDirFromCache(log_dir);
  auto start = Clock::now();
  HERALD_ASSIGN_OR_RETURN(auto log, storage::Log::Open({&fs, log_dir, config, nullptr, &flusher}));
  r.recovery_ms = Seconds(start) * 1000.0;
  progress << fmt::format("  {:<14} {:.1f} ms (scanned {} bytes)\n", "reopen", r.recovery_ms,
                          log->recovery_report().bytes_scanned);

  // 3a. Herald: sequential read through Log::Read, 1 MiB at a time, cold cache.
  constexpr uint64_t kReadBytes = 1 << 20;
  {
    EvictDirFromCache(log_dir);
    Progress bar(progress, "herald read", r.bytes);
    Buffer out;
    uint64_t read = 0;
    int64_t offset = log->log_start_offset();
    auto read_start = Clock::now();
    while (offset < log->end_offset()) {
      HERALD_ASSIGN_OR_RETURN(auto slice, log->Read(offset, kReadBytes));
      if (slice.empty()) break;
      out.clear();
      HERALD_RETURN_IF_ERROR(slice.AppendTo(out));
      // The next offset follows the last batch in the slice.
      size_t at = 0;
      while (at < out.size()) {
        HERALD_ASSIGN_OR_RETURN(auto h, storage::ParseBatchHeader(ByteView(out).subspan(at)));
        offset = h.next_offset();
        at += h.size();
      }
      read += out.size();
      bar.Update(read);
    }
    r.herald_read_mb_s = MbPerSecond(read, Seconds(read_start));
    bar.Done(fmt::format("{:.1f} MB/s", r.herald_read_mb_s));
    if (read != r.bytes) return Internal("read back {} bytes of {}", read, r.bytes);
  }

  // 3b. Raw: sequential pread of the same bytes, 1 MiB at a time, cold cache.
  {
    EvictFromCache(raw_path);
    int fd = ::open(raw_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus(errno, "open " + raw_path);
    Progress bar(progress, "raw read", r.bytes);
    Buffer out(kReadBytes);
    uint64_t read = 0;
    auto read_start = Clock::now();
    while (true) {
      ssize_t n = ::pread(fd, out.data(), out.size(), static_cast<off_t>(read));
      if (n <= 0) break;
      read += static_cast<uint64_t>(n);
      bar.Update(read);
    }
    r.raw_read_mb_s = MbPerSecond(read, Seconds(read_start));
    bar.Done(fmt::format("{:.1f} MB/s", r.raw_read_mb_s));
    ::close(fd);
  }
  HERALD_RETURN_IF_ERROR(log->Close());
  progress << fmt::format("  write ratio {:.2f}, read ratio {:.2f}\n", r.write_ratio(),
                          r.read_ratio());
  return r;
}

}  // namespace herald::bench
