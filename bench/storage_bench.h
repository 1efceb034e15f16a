// `herald bench storage`: Herald's partition log side by side with the raw disk.
//
// In one run it (1) appends durable batches to a fresh Log, one at a time (each acknowledged only
// once fsynced), and writes the same bytes to a plain file with write + fdatasync at the same
// cadence; (2) closes the log and times reopening it (recovery after a clean shutdown); (3) reads
// both back sequentially from a cold page cache (the log through Log::Read, which checks CRCs on
// first read). Figures are reported as ratios to the raw disk, which this noisy machine makes more
// meaningful than absolute numbers.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "base/status.h"

namespace herald::bench {

struct StorageBenchOptions {
  std::string dir = "./data/bench-storage";
  uint64_t record_size = 1024;
  uint64_t batch_bytes = 16384;
  uint64_t total_bytes = uint64_t{1} << 30;
  uint64_t segment_bytes = uint64_t{1} << 30;
};

struct StorageBenchResult {
  double herald_write_mb_s = 0;
  double raw_write_mb_s = 0;
  double herald_read_mb_s = 0;
  double raw_read_mb_s = 0;
  double recovery_ms = 0;
  uint64_t bytes = 0;
  uint64_t batches = 0;

  double write_ratio() const { return raw_write_mb_s > 0 ? herald_write_mb_s / raw_write_mb_s : 0; }
  double read_ratio() const { return raw_read_mb_s > 0 ? herald_read_mb_s / raw_read_mb_s : 0; }
  // {"herald_write_mb_s":…, "raw_write_mb_s":…, "write_ratio":…, …, "recovery_ms":…}
  std::string ToJson() const;
};

// Runs the benchmark in options.dir (emptied first). Progress goes to `progress`.
Result<StorageBenchResult> RunStorageBench(const StorageBenchOptions& options,
                                           std::ostream& progress);

}  // namespace herald::bench
