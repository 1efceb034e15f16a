#include "storage/recovery_checkpoint.h"

#include "base/crc32c.h"

namespace herald::storage {
namespace {

constexpr char kMagic[] = "HRCP";
constexpr uint16_t kCheckpointVersion = 2;
constexpr size_t kSizeV1 = 4 + 2 + 8 + 8 + 4;
constexpr size_t kSize = kSizeV1 + 8;

}  // namespace

Buffer EncodeRecoveryCheckpoint(const RecoveryCheckpoint& c) {
  Buffer out;
  out.reserve(kSize);
  BufferWriter w(out);
  w.Bytes(AsBytes(std::string_view(kMagic, 4)));
  w.Int<uint16_t>(kCheckpointVersion);
  w.Int<int64_t>(c.recovery_offset);
  w.Int<int64_t>(c.log_start_offset);
  w.Int<int64_t>(c.first_unstable_offset);
  w.Int<uint32_t>(Crc32c(out));
  return out;
}

std::optional<RecoveryCheckpoint> DecodeRecoveryCheckpoint(ByteView b) {
  if (b.size() < 6 || AsString(b.first(4)) != std::string_view(kMagic, 4)) return std::nullopt;
  const uint16_t version = LoadBigEndian<uint16_t>(&b[4]);
  const size_t size = version == 1 ? kSizeV1 : version == kCheckpointVersion ? kSize : 0;
  if (size == 0 || b.size() != size) return std::nullopt;
  if (LoadBigEndian<uint32_t>(&b[size - 4]) != Crc32c(b.first(size - 4))) return std::nullopt;
  RecoveryCheckpoint c{LoadBigEndian<int64_t>(&b[6]), LoadBigEndian<int64_t>(&b[14]),
                       version == 1 ? -1 : LoadBigEndian<int64_t>(&b[22])};
  if (version == 1) c.first_unstable_offset = kUnknownFirstUnstable;
  if (c.recovery_offset < 0 || c.log_start_offset < 0 ||
      (version != 1 && c.first_unstable_offset < -1)) {
    return std::nullopt;
  }
  return c;
}

Result<std::optional<RecoveryCheckpoint>> ReadRecoveryCheckpoint(FileSystem& fs,
                                                                 const std::string& path) {
  if (!fs.Exists(path)) return std::optional<RecoveryCheckpoint>();
  HERALD_ASSIGN_OR_RETURN(Buffer raw, ReadFile(fs, path));
  return DecodeRecoveryCheckpoint(raw);
}

Status WriteRecoveryCheckpoint(FileSystem& fs, const std::string& path,
                               const RecoveryCheckpoint& checkpoint) {
  return WriteFileAtomic(fs, path, EncodeRecoveryCheckpoint(checkpoint));
}

}  // namespace herald::storage
