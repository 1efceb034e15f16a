// Record batches as an idempotent (or transactional) producer sends them, for tests.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "base/bytes.h"
#include "storage/record_batch.h"

namespace herald::testing {

// Sets a batch's producer id, epoch and base sequence (and the transactional attribute) and
// recomputes its CRC.
inline void SetProducerFields(MutableByteView batch, int64_t producer_id, int16_t epoch,
                              int32_t base_sequence, bool transactional = false) {
  namespace f = storage::batch_field;
  StoreBigEndian<int64_t>(batch.data() + f::kProducerId, producer_id);
  StoreBigEndian<int16_t>(batch.data() + f::kProducerEpoch, epoch);
  StoreBigEndian<int32_t>(batch.data() + f::kBaseSequence, base_sequence);
  auto attributes = LoadBigEndian<int16_t>(batch.data() + f::kAttributes);
  attributes = static_cast<int16_t>(transactional ? (attributes | 0x10) : (attributes & ~0x10));
  StoreBigEndian<int16_t>(batch.data() + f::kAttributes, attributes);
  StoreBigEndian<uint32_t>(batch.data() + f::kCrc, storage::ComputeBatchCrc(batch));
}

// A batch of `count` records with values "<prefix>-<i>" (i from 0) and the given producer fields.
inline Buffer ProducerBatch(int64_t producer_id, int16_t epoch, int32_t base_sequence, int count,
                            const std::string& prefix = "v", int64_t timestamp = 1'700'000'000'000,
                            bool transactional = false) {
  std::vector<storage::RecordSpec> records;
  for (int i = 0; i < count; ++i) {
    records.push_back({std::nullopt, fmt::format("{}-{}", prefix, i), timestamp, {}});
  }
  Buffer b = storage::BuildBatch(records);
  SetProducerFields(b, producer_id, epoch, base_sequence, transactional);
  return b;
}

}  // namespace herald::testing
