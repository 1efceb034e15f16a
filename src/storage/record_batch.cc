#include "storage/record_batch.h"

#include <optional>

#include "base/crc32c.h"
#include "base/varint.h"
#include "storage/compression.h"

namespace herald::storage {

namespace f = batch_field;

Result<BatchHeader> ParseBatchHeader(ByteView b) {
  if (b.size() < kBatchHeaderSize) {
    return Corruption("batch of {} bytes is shorter than its {}-byte header", b.size(),
                      kBatchHeaderSize);
  }
  const uint8_t* p = b.data();
  BatchHeader h;
  h.base_offset = LoadBigEndian<int64_t>(p + f::kBaseOffset);
  h.batch_length = LoadBigEndian<int32_t>(p + f::kBatchLength);
  h.leader_epoch = LoadBigEndian<int32_t>(p + f::kLeaderEpoch);
  h.magic = static_cast<int8_t>(p[f::kMagic]);
  h.crc = LoadBigEndian<uint32_t>(p + f::kCrc);
  h.attributes = LoadBigEndian<int16_t>(p + f::kAttributes);
  h.last_offset_delta = LoadBigEndian<int32_t>(p + f::kLastOffsetDelta);
  h.base_timestamp = LoadBigEndian<int64_t>(p + f::kBaseTimestamp);
  h.max_timestamp = LoadBigEndian<int64_t>(p + f::kMaxTimestamp);
  h.producer_id = LoadBigEndian<int64_t>(p + f::kProducerId);
  h.producer_epoch = LoadBigEndian<int16_t>(p + f::kProducerEpoch);
  h.base_sequence = LoadBigEndian<int32_t>(p + f::kBaseSequence);
  h.record_count = LoadBigEndian<int32_t>(p + f::kRecordCount);
  if (h.batch_length < static_cast<int32_t>(kBatchHeaderSize - kBatchLogOverhead)) {
    return Corruption("batch length {} is below the minimum {}", h.batch_length,
                      kBatchHeaderSize - kBatchLogOverhead);
  }
  if (h.magic != kBatchMagic) {
    return Corruption("batch magic {} is not {} (only record batch v2 is accepted)", h.magic,
                      kBatchMagic);
  }
  // So that base + any offset delta (+ 1) stays an int64: last_offset(), next_offset().
  if (h.base_offset < 0 || h.base_offset > kMaxBaseOffset) {
    return Corruption("batch base offset {} is out of range", h.base_offset);
  }
  return h;
}

Result<BatchHeader> ValidateProducedBatch(ByteView b, size_t max_decompressed) {
  HERALD_ASSIGN_OR_RETURN(BatchHeader h, ValidateBatch(b));
  if (h.record_count <= 0 || h.record_count != int64_t{h.last_offset_delta} + 1) {
    return Corruption("batch has {} records but lastOffsetDelta {}", h.record_count,
                      h.last_offset_delta);
  }
  int64_t expected = h.base_offset;
  Status order;
  HERALD_RETURN_IF_ERROR(ForEachRecord(b, [&](const RecordView& r) {
    if (order.ok() && r.offset != expected) {
      order = Corruption("record offset delta {} where {} was expected", r.offset - h.base_offset,
                         expected - h.base_offset);
    }
    ++expected;
  }, max_decompressed));
  HERALD_RETURN_IF_ERROR(order);
  return h;
}

Result<ValidatedBatch> ValidatedBatch::Check(MutableByteView bytes) {
  HERALD_ASSIGN_OR_RETURN(BatchHeader h, ValidateBatch(bytes));
  return ValidatedBatch(bytes, h);
}

Result<ValidatedBatch> ValidatedBatch::CheckProduced(MutableByteView bytes,
                                                     size_t max_decompressed) {
  HERALD_ASSIGN_OR_RETURN(BatchHeader h, ValidateProducedBatch(bytes, max_decompressed));
  return ValidatedBatch(bytes, h);
}

uint32_t ComputeBatchCrc(ByteView b) {
  return Crc32c(b.subspan(f::kAttributes));
}

Result<BatchHeader> ValidateBatch(ByteView b) {
  HERALD_ASSIGN_OR_RETURN(BatchHeader h, ParseBatchHeader(b));
  if (h.size() != b.size()) {
    return Corruption("batch length field says {} bytes but the batch has {}", h.size(),
                      b.size());
  }
  if (h.last_offset_delta < 0 || h.record_count < 0) {
    return Corruption("batch has negative lastOffsetDelta {} or record count {}",
                      h.last_offset_delta, h.record_count);
  }
  if (h.compression() != Compression::kNone && h.compression() > Compression::kZstd) {
    return Corruption("batch compression type {} is unknown", static_cast<int>(h.compression()));
  }
  uint32_t crc = ComputeBatchCrc(b);
  if (crc != h.crc) {
    return Corruption("batch CRC32C mismatch: stored {:#010x}, computed {:#010x}", h.crc, crc);
  }
  return h;
}

void SetBaseOffset(MutableByteView batch, int64_t base_offset) {
  StoreBigEndian<int64_t>(batch.data() + f::kBaseOffset, base_offset);
}

void SetLeaderEpoch(MutableByteView batch, int32_t epoch) {
  StoreBigEndian<int32_t>(batch.data() + f::kLeaderEpoch, epoch);
}

void SetLogAppendTime(MutableByteView batch, BatchHeader& header, int64_t now_ms) {
  header.attributes = static_cast<int16_t>(header.attributes | 0x8);
  header.max_timestamp = now_ms;
  StoreBigEndian<int16_t>(batch.data() + f::kAttributes, header.attributes);
  StoreBigEndian<int64_t>(batch.data() + f::kMaxTimestamp, now_ms);
  header.crc = ComputeBatchCrc(batch);
  StoreBigEndian<uint32_t>(batch.data() + f::kCrc, header.crc);
}

namespace {

std::optional<std::optional<ByteView>> GetNullableBytes(VarintReader& r) {
  auto len = r.GetVarint();
  if (!len || *len < -1) return std::nullopt;
  if (*len == -1) return std::optional<ByteView>();
  auto bytes = r.GetBytes(static_cast<size_t>(*len));
  if (!bytes) return std::nullopt;
  return std::optional<ByteView>(*bytes);
}

}  // namespace

Status ForEachRecord(ByteView batch, const std::function<void(const RecordView&)>& fn,
                     size_t max_decompressed) {
  HERALD_ASSIGN_OR_RETURN(BatchHeader h, ParseBatchHeader(batch));
  ByteView records = batch.subspan(kBatchHeaderSize);
  Buffer decompressed;
  if (h.compression() != Compression::kNone) {
    auto d = Decompress(h.compression(), records, max_decompressed);
    if (!d.ok()) {
      return d.status().WithContext(fmt::format("records of batch at offset {}", h.base_offset));
    }
    decompressed = std::move(d).value();
    records = decompressed;
  }
  VarintReader r(records);
  for (int32_t i = 0; i < h.record_count; ++i) {
    size_t start = r.position();
    auto length = r.GetVarint();
    if (!length || *length < 0 || static_cast<size_t>(*length) > r.remaining()) {
      return Corruption("record {} of batch at offset {} has a bad length", i, h.base_offset);
    }
    size_t body_start = r.position();
    auto bad = [&] {
      return Corruption("record {} of batch at offset {} does not parse", i, h.base_offset);
    };
    if (!r.GetInt8()) return bad();
    auto ts_delta = r.GetVarlong();
    if (!ts_delta) return bad();
    auto offset_delta = r.GetVarint();
    if (!offset_delta) return bad();
    auto key = GetNullableBytes(r);
    if (!key) return bad();
    auto value = GetNullableBytes(r);
    if (!value) return bad();
    auto header_count = r.GetVarint();
    if (!header_count || *header_count < 0) return bad();
    const size_t headers_start = r.position();
    for (int32_t k = 0; k < *header_count; ++k) {
      if (!GetNullableBytes(r) || !GetNullableBytes(r)) return bad();
    }
    if (r.position() - body_start != static_cast<size_t>(*length)) {
      return Corruption("record {} of batch at offset {} is {} bytes, its length says {}", i,
                        h.base_offset, r.position() - body_start, *length);
    }
    RecordView rec;
    rec.offset = h.base_offset + *offset_delta;
    // Kafka adds the delta as Java does, wrapping: any int64 a producer sends is a timestamp.
    rec.timestamp = h.log_append_time()
                        ? h.max_timestamp
                        : static_cast<int64_t>(static_cast<uint64_t>(h.base_timestamp) +
                                               static_cast<uint64_t>(*ts_delta));
    rec.key = *key;
    rec.value = *value;
    rec.raw = records.subspan(start, r.position() - start);
    rec.header_count = *header_count;
    rec.headers = records.subspan(headers_start, r.position() - headers_start);
    fn(rec);
  }
  if (r.remaining() != 0) {
    return Corruption("batch at offset {} has {} bytes after its {} records", h.base_offset,
                      r.remaining(), h.record_count);
  }
  return Status::Ok();
}

void ForEachHeader(const RecordView& record,
                   const std::function<void(ByteView key, std::optional<ByteView> value)>& fn) {
  // ForEachRecord checked that the section parses.
  VarintReader r(record.headers);
  for (int32_t k = 0; k < record.header_count; ++k) {
    auto key = GetNullableBytes(r);
    auto value = GetNullableBytes(r);
    if (!key || !value) return;
    fn(key->value_or(ByteView()), *value);
  }
}

namespace {

void PutNullable(Buffer& out, const std::optional<std::string>& s) {
  if (!s) {
    PutVarint(out, -1);
    return;
  }
  PutVarint(out, static_cast<int32_t>(s->size()));
  out.insert(out.end(), s->begin(), s->end());
}

void WriteHeader(Buffer& out, const BatchHeader& h, int32_t record_count) {
  BufferWriter w(out);
  w.Int<int64_t>(h.base_offset);
  w.Int<int32_t>(0);  // batch length, set below
  w.Int<int32_t>(h.leader_epoch);
  w.Int<int8_t>(kBatchMagic);
  w.Int<uint32_t>(0);  // crc, set below
  w.Int<int16_t>(h.attributes);
  w.Int<int32_t>(h.last_offset_delta);
  w.Int<int64_t>(h.base_timestamp);
  w.Int<int64_t>(h.max_timestamp);
  w.Int<int64_t>(h.producer_id);
  w.Int<int16_t>(h.producer_epoch);
  w.Int<int32_t>(h.base_sequence);
  w.Int<int32_t>(record_count);
}

void SealBatch(Buffer& out) {
  StoreBigEndian<int32_t>(out.data() + f::kBatchLength,
                          static_cast<int32_t>(out.size() - kBatchLogOverhead));
  StoreBigEndian<uint32_t>(out.data() + f::kCrc, ComputeBatchCrc(out));
}

Result<Buffer> SealRecords(const BatchHeader& h, ByteView records, int32_t count) {
  Buffer out;
  WriteHeader(out, h, count);
  if (h.compression() == Compression::kNone) {
    out.insert(out.end(), records.begin(), records.end());
  } else {
    HERALD_ASSIGN_OR_RETURN(Buffer packed, Compress(h.compression(), records));
    out.insert(out.end(), packed.begin(), packed.end());
  }
  SealBatch(out);
  return out;
}

// A batch of `records` with `h`'s attributes and producer fields; its timestamps, offsets and
// counts from the records.
Buffer BuildBatchWith(BatchHeader h, const std::vector<RecordSpec>& records) {
  h.base_timestamp = records.empty() ? 0 : records.front().timestamp;
  h.max_timestamp = h.base_timestamp;
  for (const auto& r : records) h.max_timestamp = std::max(h.max_timestamp, r.timestamp);
  h.last_offset_delta = records.empty() ? 0 : static_cast<int32_t>(records.size() - 1);
  Buffer body, all;
  for (size_t i = 0; i < records.size(); ++i) {
    const RecordSpec& r = records[i];
    body.clear();
    body.push_back(0);  // attributes
    PutVarlong(body, r.timestamp - h.base_timestamp);
    PutVarint(body, static_cast<int32_t>(i));
    PutNullable(body, r.key);
    PutNullable(body, r.value);
    PutVarint(body, static_cast<int32_t>(r.headers.size()));
    for (const auto& [k, v] : r.headers) {
      PutNullable(body, k);
      PutNullable(body, v);
    }
    PutVarint(all, static_cast<int32_t>(body.size()));
    all.insert(all.end(), body.begin(), body.end());
  }
  auto sealed = SealRecords(h, all, static_cast<int32_t>(records.size()));
  HERALD_ASSERT(sealed.ok(), "building a batch failed: {}", sealed.status().ToString());
  return std::move(sealed).value();
}

}  // namespace

Buffer BuildBatch(const std::vector<RecordSpec>& records, Compression codec) {
  BatchHeader h;
  h.attributes = static_cast<int16_t>(codec);
  return BuildBatchWith(h, records);
}

Buffer BuildTransactionalBatch(int64_t producer_id, int16_t producer_epoch,
                               const std::vector<RecordSpec>& records, int32_t base_sequence) {
  BatchHeader h;
  h.attributes = kTransactionalAttribute;
  h.producer_id = producer_id;
  h.producer_epoch = producer_epoch;
  h.base_sequence = base_sequence;
  return BuildBatchWith(h, records);
}

Buffer BuildTxnMarker(int64_t producer_id, int16_t producer_epoch, ControlType type,
                      int32_t coordinator_epoch, int64_t timestamp_ms) {
  BatchHeader h;
  h.attributes = kTransactionalAttribute | kControlAttribute;
  h.producer_id = producer_id;
  h.producer_epoch = producer_epoch;
  h.base_sequence = -1;
  std::string key(4, '\0');
  StoreBigEndian<int16_t>(reinterpret_cast<uint8_t*>(key.data()), 0);  // version
  StoreBigEndian<int16_t>(reinterpret_cast<uint8_t*>(key.data()) + 2, static_cast<int16_t>(type));
  std::string value(6, '\0');
  StoreBigEndian<int16_t>(reinterpret_cast<uint8_t*>(value.data()), 0);  // version
  StoreBigEndian<int32_t>(reinterpret_cast<uint8_t*>(value.data()) + 2, coordinator_epoch);
  return BuildBatchWith(h, {{std::move(key), std::move(value), timestamp_ms, {}}});
}

Result<ControlType> ParseControlKey(ByteView key) {
  if (key.size() < 4) return Corruption("control record key of {} bytes", key.size());
  if (LoadBigEndian<int16_t>(key.data()) < 0) return Corruption("control record key version < 0");
  const int16_t type = LoadBigEndian<int16_t>(key.data() + 2);
  if (type == static_cast<int16_t>(ControlType::kAbort)) return ControlType::kAbort;
  if (type == static_cast<int16_t>(ControlType::kCommit)) return ControlType::kCommit;
  return ControlType::kUnknown;
}

Result<ControlType> ControlTypeOf(ByteView batch) {
  std::optional<Buffer> key;
  HERALD_RETURN_IF_ERROR(ForEachRecord(batch, [&](const RecordView& r) {
    if (!key && r.key) key = Buffer(r.key->begin(), r.key->end());
  }));
  if (!key) return Corruption("a control batch without a key");
  return ParseControlKey(*key);
}

Result<Buffer> RebuildBatch(const BatchHeader& like, ByteView raw_records, int32_t count) {
  return SealRecords(like, raw_records, count);
}

Result<Buffer> Recompress(ByteView batch, const BatchHeader& header, Compression codec) {
  Buffer raw;
  int32_t count = 0;
  HERALD_RETURN_IF_ERROR(ForEachRecord(batch, [&](const RecordView& r) {
    raw.insert(raw.end(), r.raw.begin(), r.raw.end());
    ++count;
  }));
  BatchHeader like = header;
  like.attributes = static_cast<int16_t>((header.attributes & ~0x7) | static_cast<int>(codec));
  return SealRecords(like, raw, count);
}

}  // namespace herald::storage
