// libFuzzer target: the on-disk formats a broker reads at start. The input becomes a partition
// directory (recovery checkpoint, offset index, time index, aborted transactions and the
// segment's log file, split as its first four bytes say) in a MemFileSystem; the log is opened as
// the broker would, then as `herald storage repair` would, and whatever opens is read from start
// to end, asked for its aborted transactions and appended to.
// Nothing may crash, hang or read out of bounds: damage is refused or cut, never served.
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/clock.h"
#include "storage/log.h"
#include "storage/mem_file_system.h"
#include "storage/record_batch.h"

#include "discard_logs.h"

namespace herald::storage {
namespace {

const std::string kDir = "/data/t-0";

void Put(MemFileSystem& fs, const std::string& name, ByteView bytes) {
  auto file = fs.Open(kDir + "/" + name, OpenMode::kCreate);
  if (!file.ok() || !(*file)->Append(bytes).ok()) __builtin_trap();  // memory cannot fail
  (*file)->Sync().IgnoreError();
}

// Reads every batch the log serves, checking each as a consumer would.
void ReadAll(const Log& log) {
  int64_t offset = log.log_start_offset();
  Buffer bytes;
  for (int reads = 0; offset < log.end_offset() && reads < 10000; ++reads) {
    auto slice = log.Read(offset, 1 << 16);
    if (!slice.ok() || slice->empty()) return;  // damage is reported, never served
    bytes.clear();
    if (!slice->AppendTo(bytes).ok()) return;
    size_t at = 0;
    int64_t next = offset;
    while (at + kBatchHeaderSize <= bytes.size()) {
      auto header = ParseBatchHeader(ByteView(bytes).subspan(at));
      if (!header.ok() || header->size() > bytes.size() - at) break;
      if (!ValidateBatch(ByteView(bytes).subspan(at, header->size())).ok()) __builtin_trap();
      next = header->next_offset();
      at += header->size();
    }
    if (next <= offset) return;
    offset = next;
  }
  for (const AbortedTxn& txn : log.AbortedTxns(log.log_start_offset(), log.end_offset())) {
    // What opened names only markers inside the log, in order.
    if (txn.last_offset < log.log_start_offset() || txn.last_offset >= log.end_offset() ||
        txn.first_offset > txn.last_offset) {
      __builtin_trap();
    }
  }
}

void OpenReadAppend(MemFileSystem& fs, bool repair) {
  ManualClock clock;
  LogOptions options{&fs, kDir, LogConfig{}, &clock, nullptr};
  options.repair = repair;
  auto log = Log::Open(options);
  if (!log.ok()) return;
  ReadAll(**log);
  Buffer batch = BuildBatch({{"k", "v", 1, {}}});
  (void)(*log)->AppendAndWait(batch, AckLevel::kDurable);
  (*log)->Close().IgnoreError();
}

}  // namespace
}  // namespace herald::storage

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  herald::fuzz::DiscardLogs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace herald;
  using namespace herald::storage;
  if (size < 4) return 0;
  // checkpoint, index, time index, aborted transactions
  size_t sizes[4] = {data[0] % 40u, data[1], data[2], data[3]};
  ByteView rest(data + 4, size - 4);
  const char* names[4] = {"recovery-checkpoint", "00000000000000000000.index",
                          "00000000000000000000.timeindex", kAbortedTxnsName};
  MemFileSystem fs;
  if (!CreateDirs(fs, kDir).ok()) __builtin_trap();
  for (int i = 0; i < 4; ++i) {
    const size_t n = std::min(sizes[i], rest.size());
    if (n > 0) Put(fs, names[i], rest.first(n));
    rest = rest.subspan(n);
  }
  Put(fs, "00000000000000000000.log", rest);
  OpenReadAppend(fs, /*repair=*/false);
  OpenReadAppend(fs, /*repair=*/true);
  return 0;
}
