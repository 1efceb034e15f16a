#include "storage_bench.h"

#include <chrono>
#include <filesystem>

#include <fcntl.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "elapsed.h"
#include "storage/file_system.h"
#include "storage/log.h"
#include "storage/record_batch.h"

namespace herald::bench {
namespace {

using Clock = std::chrono::steady_clock;

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

  // 1. Writes, interleaved batch by batch so both sides meet the same machine state: a durable
  //    Herald append (acknowledged once fsynced), then the same bytes with write + fdatasync.
  int raw_fd = ::open(raw_path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (raw_fd < 0) return ErrnoStatus(errno, "open " + raw_path);
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } raw_closer{raw_fd};
  {
    HERALD_ASSIGN_OR_RETURN(auto log, storage::Log::Open({&fs, log_dir, config, nullptr, &flusher}));
    Progress bar(progress, "write", r.batches);
    Buffer work = batch;
    double herald_s = 0, raw_s = 0;
    for (uint64_t i = 0; i < r.batches; ++i) {
      auto t0 = Clock::now();
      auto appended = log->AppendAndWait(work, storage::AckLevel::kDurable);
      HERALD_RETURN_IF_ERROR(appended);
      herald_s += SecondsSince(t0);
      auto t1 = Clock::now();
      if (::write(raw_fd, batch.data(), batch.size()) != static_cast<ssize_t>(batch.size()) ||
          ::fdatasync(raw_fd) != 0) {
        return ErrnoStatus(errno, "write " + raw_path);
      }
      raw_s += SecondsSince(t1);
      bar.Update(i);
    }
    r.herald_write_mb_s = MbPerSecond(r.bytes, herald_s);
    r.raw_write_mb_s = MbPerSecond(r.bytes, raw_s);
    bar.Done(fmt::format("herald {:.1f} MB/s, raw {:.1f} MB/s", r.herald_write_mb_s,
                         r.raw_write_mb_s));
    HERALD_RETURN_IF_ERROR(log->Close());
  }

  // 2. Reopen after a clean shutdown.
  EvictDirFromCache(log_dir);
  auto start = Clock::now();
  HERALD_ASSIGN_OR_RETURN(auto log, storage::Log::Open({&fs, log_dir, config, nullptr, &flusher}));
  r.recovery_ms = SecondsSince(start) * 1000.0;
  progress << fmt::format("  {:<14} {:.1f} ms (scanned {} bytes)\n", "reopen", r.recovery_ms,
                          log->recovery_report().bytes_scanned);

  // 3. Sequential reads from a cold page cache, 1 MiB at a time, interleaved again: Herald through
  //    Log::Read (CRC-checked on first read), raw with pread.
  constexpr uint64_t kReadBytes = 1 << 20;
  EvictDirFromCache(log_dir);
  EvictFromCache(raw_path);
  {
    Progress bar(progress, "read", r.bytes);
    Buffer out, raw_out(kReadBytes);
    uint64_t herald_read = 0, raw_read = 0;
    double herald_s = 0, raw_s = 0;
    int64_t offset = log->log_start_offset();
    while (offset < log->end_offset() || raw_read < r.bytes) {
      if (offset < log->end_offset()) {
        auto t0 = Clock::now();
        HERALD_ASSIGN_OR_RETURN(auto slice, log->Read(offset, kReadBytes));
        if (slice.empty()) break;
        HERALD_ASSIGN_OR_RETURN(ByteView bytes, slice.View(out));
        herald_s += SecondsSince(t0);
        // The next offset follows the last batch in the slice.
        for (size_t at = 0; at < bytes.size();) {
          HERALD_ASSIGN_OR_RETURN(auto h, storage::ParseBatchHeader(bytes.subspan(at)));
          offset = h.next_offset();
          at += h.size();
        }
        herald_read += bytes.size();
      }
      if (raw_read < r.bytes) {
        auto t1 = Clock::now();
        ssize_t n = ::pread(raw_fd, raw_out.data(), raw_out.size(), static_cast<off_t>(raw_read));
        raw_s += SecondsSince(t1);
        if (n <= 0) return ErrnoStatus(errno, "read " + raw_path);
        raw_read += static_cast<uint64_t>(n);
      }
      bar.Update(herald_read);
    }
    if (herald_read != r.bytes) return Internal("read back {} bytes of {}", herald_read, r.bytes);
    r.herald_read_mb_s = MbPerSecond(herald_read, herald_s);
    r.raw_read_mb_s = MbPerSecond(raw_read, raw_s);
    bar.Done(fmt::format("herald {:.1f} MB/s, raw {:.1f} MB/s", r.herald_read_mb_s,
                         r.raw_read_mb_s));
  }
  HERALD_RETURN_IF_ERROR(log->Close());
  progress << fmt::format("  write ratio {:.2f}, read ratio {:.2f}\n", r.write_ratio(),
                          r.read_ratio());
  return r;
}

}  // namespace herald::bench
