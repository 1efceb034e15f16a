// Kafka RecordBatch v2 (magic 2): the unit Herald validates, stores and serves.
//
// Grammar (big-endian; the CRC32C covers `attributes` through the end of the batch):
//
//   batch        := baseOffset:int64 batchLength:int32 partitionLeaderEpoch:int32 magic:int8
//                   crc:uint32 attributes:int16 lastOffsetDelta:int32 baseTimestamp:int64
//                   maxTimestamp:int64 producerId:int64 producerEpoch:int16 baseSequence:int32
//                   recordCount:int32 records
//   records      := record{recordCount}            (compressed as a whole when attributes say so)
//   record       := length:varint attributes:int8 timestampDelta:varlong offsetDelta:varint
//                   keyLength:varint key valueLength:varint value headerCount:varint header*
//   header       := keyLength:varint key valueLength:varint value      (length -1 means null)
//
// batchLength counts the bytes after itself (the whole batch is batchLength + 12 bytes).
// baseOffset and partitionLeaderEpoch lie outside the CRC: the log rewrites them in place.
//
// Functions here are pure and thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"

namespace herald::storage {

inline constexpr size_t kBatchHeaderSize = 61;
inline constexpr size_t kBatchLogOverhead = 12;  // baseOffset + batchLength
inline constexpr int8_t kBatchMagic = 2;
// The largest base offset a batch may carry: any int32 offset delta, plus one, still fits.
inline constexpr int64_t kMaxBaseOffset =
    std::numeric_limits<int64_t>::max() - std::numeric_limits<int32_t>::max() - 1;

namespace batch_field {
inline constexpr size_t kBaseOffset = 0;
inline constexpr size_t kBatchLength = 8;
inline constexpr size_t kLeaderEpoch = 12;
inline constexpr size_t kMagic = 16;
inline constexpr size_t kCrc = 17;
inline constexpr size_t kAttributes = 21;
inline constexpr size_t kLastOffsetDelta = 23;
inline constexpr size_t kBaseTimestamp = 27;
inline constexpr size_t kMaxTimestamp = 35;
inline constexpr size_t kProducerId = 43;
inline constexpr size_t kProducerEpoch = 51;
inline constexpr size_t kBaseSequence = 53;
inline constexpr size_t kRecordCount = 57;
}  // namespace batch_field

enum class Compression : uint8_t { kNone = 0, kGzip = 1, kSnappy = 2, kLz4 = 3, kZstd = 4 };

// Bits of a batch's attributes (besides the codec, 0x7, and the timestamp type, 0x8).
inline constexpr int16_t kTransactionalAttribute = 0x10;
inline constexpr int16_t kControlAttribute = 0x20;

struct BatchHeader {
  int64_t base_offset = 0;
  int32_t batch_length = 0;
  int32_t leader_epoch = 0;
  int8_t magic = 0;
  uint32_t crc = 0;
  int16_t attributes = 0;
  int32_t last_offset_delta = 0;
  int64_t base_timestamp = 0;
  int64_t max_timestamp = 0;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  int32_t record_count = 0;

  // Bytes of the whole batch.
  uint64_t size() const { return static_cast<uint64_t>(batch_length) + kBatchLogOverhead; }
  int64_t last_offset() const { return base_offset + last_offset_delta; }
  int64_t next_offset() const { return last_offset() + 1; }
  Compression compression() const { return static_cast<Compression>(attributes & 0x7); }
  bool log_append_time() const { return (attributes & 0x8) != 0; }
  bool transactional() const { return (attributes & kTransactionalAttribute) != 0; }
  bool control() const { return (attributes & kControlAttribute) != 0; }
};

// Decodes the fixed header from the first kBatchHeaderSize bytes of `bytes`. Checks only what the
// header alone can tell: kCorruption when `bytes` is too short, batchLength is below the header
// size, magic is not 2, or the base offset is negative or above kMaxBaseOffset. Does not check
// the CRC.
Result<BatchHeader> ParseBatchHeader(ByteView bytes);

// Largest records section a compressed batch may decompress to.
inline constexpr size_t kMaxDecompressedBatchBytes = size_t{64} << 20;

// Validates one whole batch as it arrives from a producer or sits on disk: the header (as above),
// batchLength + 12 == bytes.size(), lastOffsetDelta and recordCount consistent and non-negative,
// and the CRC32C. Returns the header, or kCorruption naming the check that failed.
Result<BatchHeader> ValidateBatch(ByteView bytes);

// ValidateBatch plus what a producer's batch must also satisfy (Kafka's LogValidator): at least
// one record, recordCount == lastOffsetDelta + 1, and every record parses (decompressing if
// needed) with offset deltas 0, 1, 2, ... Stored batches need not pass: compaction keeps a
// batch's offset range while dropping records. kCorruption names the failed check;
// kInvalidArgument when compressed records decompress to more than `max_decompressed` bytes
// (the topic's max.message.bytes, checked while decompressing).
Result<BatchHeader> ValidateProducedBatch(ByteView bytes,
                                          size_t max_decompressed = kMaxDecompressedBatchBytes);

// A batch whose bytes passed ValidateBatch, with the header that check decoded. Only Check and
// CheckProduced make one, so whoever receives it (Log::Append) need not check the bytes again.
// It views bytes the caller owns and keeps alive until the append is done.
class ValidatedBatch {
 public:
  // ValidateBatch over `bytes`.
  static Result<ValidatedBatch> Check(MutableByteView bytes);
  // ValidateProducedBatch over `bytes`.
  static Result<ValidatedBatch> CheckProduced(MutableByteView bytes,
                                              size_t max_decompressed = kMaxDecompressedBatchBytes);

  MutableByteView bytes() const { return bytes_; }
  const BatchHeader& header() const { return header_; }

 private:
  ValidatedBatch(MutableByteView bytes, const BatchHeader& header)
      : bytes_(bytes), header_(header) {}
  MutableByteView bytes_;
  BatchHeader header_;
};

// The CRC32C the batch should carry (computed over attributes..end).
uint32_t ComputeBatchCrc(ByteView bytes);

// Rewrites fields outside the CRC in place.
void SetBaseOffset(MutableByteView batch, int64_t base_offset);
void SetLeaderEpoch(MutableByteView batch, int32_t epoch);
// Marks the batch LogAppendTime with `now_ms` as its max timestamp (what consumers read as every
// record's time), in the bytes and in `header`, and stores the new CRC.
void SetLogAppendTime(MutableByteView batch, BatchHeader& header, int64_t now_ms);

// One record of an uncompressed batch, pointing into the batch's bytes.
struct RecordView {
  int64_t offset = 0;     // baseOffset + offsetDelta
  int64_t timestamp = 0;  // baseTimestamp + timestampDelta
  std::optional<ByteView> key;
  std::optional<ByteView> value;  // nullopt = tombstone
  ByteView raw;                   // the record's bytes including its length prefix
  int32_t header_count = 0;
  ByteView headers;  // the headers section (see ForEachHeader)
};

// Calls `fn(key, value)` for each header of `record` (value nullopt for a null value).
void ForEachHeader(const RecordView& record,
                   const std::function<void(ByteView key, std::optional<ByteView> value)>& fn);

// Calls `fn` for each record of a batch (already validated), in order, decompressing it first if
// needed. The views passed to `fn` are valid only during the call. kCorruption when the records do
// not decompress or parse, or their count disagrees with the header; kInvalidArgument when they
// decompress to more than `max_decompressed` bytes.
Status ForEachRecord(ByteView batch, const std::function<void(const RecordView&)>& fn,
                     size_t max_decompressed = kMaxDecompressedBatchBytes);

// A record to build a batch from (tests, internal topics, benchmarks, the SDK).
struct RecordSpec {
  std::optional<std::string> key;
  std::optional<std::string> value;
  int64_t timestamp = 0;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Builds a batch with base offset 0 (the log assigns the real one), a valid CRC and producer id
// -1, its records compressed with `codec`. Timestamps are taken from the records; the base
// timestamp is the first one.
Buffer BuildBatch(const std::vector<RecordSpec>& records, Compression codec = Compression::kNone);

// A transactional batch of `producer_id` at `producer_epoch` (no compression): a transactional
// producer's records from `base_sequence` on, or (base sequence 0) a transaction's offsets as
// Kafka's group coordinator writes them (TxnOffsetCommit).
Buffer BuildTransactionalBatch(int64_t producer_id, int16_t producer_epoch,
                               const std::vector<RecordSpec>& records, int32_t base_sequence = 0);

// The type a control record's key names (Kafka's ControlRecordType).
enum class ControlType : int16_t { kUnknown = -1, kAbort = 0, kCommit = 1 };

// A transaction's end as Kafka writes it (WriteTxnMarkers): a control batch (transactional and
// control attributes, no compression, base sequence -1) of `producer_id` at `producer_epoch`
// holding one record: key := version 0 (int16), type (int16); value := version 0 (int16),
// coordinator epoch (int32).
Buffer BuildTxnMarker(int64_t producer_id, int16_t producer_epoch, ControlType type,
                      int32_t coordinator_epoch, int64_t timestamp_ms);

// The type of a control record from its key; kCorruption for a key shorter than 4 bytes or of a
// negative version (a later version reads as version 0, as in Kafka).
Result<ControlType> ParseControlKey(ByteView key);
// The type a control batch names: its first record's key, parsed. kCorruption when the records
// do not read or the batch holds no key.
Result<ControlType> ControlTypeOf(ByteView batch);

// Builds a batch from `count` raw records (each with its length prefix, back to back) reusing
// `like`'s header fields and compression; recomputes the record count, length and CRC. Compaction
// uses it to keep a subset of a batch's records without changing any offset.
Result<Buffer> RebuildBatch(const BatchHeader& like, ByteView raw_records, int32_t count);

// The same batch (header fields, records, offsets and timestamps) with its records compressed by
// `codec` instead: what a topic's compression.type makes of a producer's batch.
Result<Buffer> Recompress(ByteView batch, const BatchHeader& header, Compression codec);

}  // namespace herald::storage
