// The recovery checkpoint of one partition's log: a small file, `recovery-checkpoint`, written
// atomically (a temporary file renamed over the old one):
//
//   checkpoint := "HRCP" version:uint16(2) recoveryOffset:int64 logStartOffset:int64
//                 firstUnstableOffset:int64 crc32c:uint32
//   (big-endian; the CRC32C covers the bytes before it; version 1 has no firstUnstableOffset and
//   reads as kUnknownFirstUnstable)
//
// Every offset below recoveryOffset was synced when the checkpoint was written, so recovery
// scans only what follows it. logStartOffset is where the log starts when DeleteRecords moved the
// start inside the first segment. firstUnstableOffset is the first offset of the oldest
// transaction open in the log when the checkpoint was written (-1: none): a rebuild of the
// partition's producer state must read every segment from there, however old its timestamps.
//
// Thread-safety: free functions; the caller serialises writes of one file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/bytes.h"
#include "base/status.h"
#include "storage/file_system.h"

namespace herald::storage {

inline constexpr char kRecoveryCheckpointName[] = "recovery-checkpoint";

// A version 1 checkpoint's first unstable offset: it was not recorded.
inline constexpr int64_t kUnknownFirstUnstable = -2;

struct RecoveryCheckpoint {
  int64_t recovery_offset;
  int64_t log_start_offset;
  int64_t first_unstable_offset = -1;  // -1: none open; kUnknownFirstUnstable: not recorded
};

Buffer EncodeRecoveryCheckpoint(const RecoveryCheckpoint& checkpoint);
// nullopt when `bytes` is not a checkpoint of version 1 or 2 (torn, damaged, another format).
std::optional<RecoveryCheckpoint> DecodeRecoveryCheckpoint(ByteView bytes);

// nullopt when there is no file or it does not decode: the caller treats both as "no
// checkpoint" and scans the whole log. An error only when the file cannot be read.
Result<std::optional<RecoveryCheckpoint>> ReadRecoveryCheckpoint(FileSystem& fs,
                                                                 const std::string& path);
Status WriteRecoveryCheckpoint(FileSystem& fs, const std::string& path,
                               const RecoveryCheckpoint& checkpoint);

}  // namespace herald::storage
