// libFuzzer target: every byte string a producer could send as a partition's records goes through
// the checks a Produce applies (storage::ValidatedBatch::CheckProduced: header, CRC, every record,
// decompression with each codec bounded by max.message.bytes), and every codec's decoder on its own.
// None may crash, hang, read out of bounds or allocate past its bound; they may only accept or
// reject.
#include <cstddef>
#include <cstdint>

#include "storage/compression.h"
#include "storage/record_batch.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace herald;
  using namespace herald::storage;
  constexpr size_t kMaxMessageBytes = 1 << 20;  // the default max.message.bytes, about

  // As a produced batch: a copy, with its length, magic and CRC made right so that the fuzzer
  // reaches the records (random bytes would almost never pass the CRC).
  Buffer batch(data, data + size);
  if (batch.size() >= kBatchHeaderSize) {
    StoreBigEndian<int32_t>(batch.data() + batch_field::kBatchLength,
                            static_cast<int32_t>(batch.size() - kBatchLogOverhead));
    batch[batch_field::kMagic] = kBatchMagic;
    StoreBigEndian<uint32_t>(batch.data() + batch_field::kCrc, ComputeBatchCrc(batch));
  }
  auto checked = ValidatedBatch::CheckProduced(MutableByteView(batch), kMaxMessageBytes);
  if (checked.ok()) {
    size_t records = 0;
    Status each = ForEachRecord(
        checked->bytes(), [&](const RecordView& r) {
          ++records;
          ForEachHeader(r, [](ByteView, std::optional<ByteView>) {});
        },
        kMaxMessageBytes);
    if (!each.ok() || records != static_cast<size_t>(checked->header().record_count)) __builtin_trap();
  }

  // Each codec's decoder, on the raw bytes.
  if (size > 0) {
    const auto codec = static_cast<Compression>(1 + data[0] % 4);  // gzip, snappy, lz4, zstd
    (void)Decompress(codec, ByteView(data + 1, size - 1), kMaxMessageBytes);
  }
  return 0;
}
