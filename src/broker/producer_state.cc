#include "broker/producer_state.h"

#include <algorithm>
#include <limits>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/json.h"
#include "base/mutex.h"

namespace herald::broker {
namespace {

constexpr int32_t kMaxSequence = std::numeric_limits<int32_t>::max();

// Header reads while rebuilding: chunks this large while batches are small, else one header.
constexpr size_t kScanChunkBytes = size_t{64} << 10;

ProducerCheck Reject(ErrorCode error, std::string reason) {
  ProducerCheck c;
  c.action = ProducerCheck::Action::kReject;
  c.error = error;
  c.reason = std::move(reason);
  return c;
}

// Walks the batch headers of `segment` from position 0, reading as little as it can.
class HeaderScanner {
 public:
  explicit HeaderScanner(const storage::Segment& segment)
      : segment_(segment), limit_(segment.size()) {}

  // The next header, nullopt at the end; kCorruption when one does not parse or runs past the
  // end, kIoError when a read fails.
  Result<std::optional<storage::BatchHeader>> Next() {
    if (pos_ >= limit_) return std::optional<storage::BatchHeader>();
    if (limit_ - pos_ < storage::kBatchHeaderSize) {
      return Corruption("{}: {} bytes at {} are too few for a batch header", segment_.log_path(),
                        limit_ - pos_, pos_);
    }
    if (pos_ < buf_pos_ || pos_ + storage::kBatchHeaderSize > buf_pos_ + buf_.size()) {
      const size_t want =
          last_size_ >= kScanChunkBytes ? storage::kBatchHeaderSize : kScanChunkBytes;
      buf_.resize(static_cast<size_t>(std::min<uint64_t>(want, limit_ - pos_)));
      HERALD_ASSIGN_OR_RETURN(size_t n, segment_.log_file().ReadAt(pos_, buf_));
      bytes_read_ += n;
      buf_.resize(n);
      buf_pos_ = pos_;
      if (n < storage::kBatchHeaderSize) {
        return Corruption("{}: short read of a batch header at {}", segment_.log_path(), pos_);
      }
    }
    const size_t at = static_cast<size_t>(pos_ - buf_pos_);
    auto header = storage::ParseBatchHeader(ByteView(buf_).subspan(at));
    if (!header.ok()) return header.status().WithContext(segment_.log_path());
    if (header->size() > limit_ - pos_) {
      return Corruption("{}: batch at {} runs past the segment end", segment_.log_path(), pos_);
    }
    last_size_ = header->size();
    last_pos_ = pos_;
    pos_ += header->size();
    return std::optional<storage::BatchHeader>(*header);
  }

  uint64_t bytes_read() const { return bytes_read_; }
  uint64_t last_position() const { return last_pos_; }  // of the header Next returned last

 private:
  const storage::Segment& segment_;
  const uint64_t limit_;
  uint64_t pos_ = 0;
  uint64_t last_pos_ = 0;
  uint64_t buf_pos_ = 0;
  Buffer buf_;
  uint64_t last_size_ = 0;
  uint64_t bytes_read_ = 0;
};

// The type of the marker whose header is `header`, at `position` in `segment`.
Result<storage::ControlType> ReadControlType(const storage::Segment& segment, uint64_t position,
                                             const storage::BatchHeader& header) {
  Buffer batch(header.size());
  HERALD_ASSIGN_OR_RETURN(size_t n, segment.log_file().ReadAt(position, batch));
  if (n != batch.size()) return Corruption("{}: short read of a marker", segment.log_path());
  auto type = storage::ControlTypeOf(batch);
  if (!type.ok()) return type.status().WithContext(segment.log_path());
  return type;
}

}  // namespace

int32_t LastSequence(int32_t base_sequence, int32_t last_offset_delta) {
  if (base_sequence > kMaxSequence - last_offset_delta) {
    return last_offset_delta - (kMaxSequence - base_sequence) - 1;
  }
  return base_sequence + last_offset_delta;
}

bool InSequence(int32_t last, int32_t next) {
  return int64_t{next} == int64_t{last} + 1 || (next == 0 && last == kMaxSequence);
}

ProducerCheck PartitionProducerState::CheckSequence(const storage::BatchHeader& batch) const {
  if (batch.producer_id < 0) return {};
  if (batch.producer_epoch < 0 || batch.base_sequence < 0) {
    return Reject(ErrorCode::kCorruptMessage,
                  fmt::format("producer {} sent epoch {} and base sequence {}", batch.producer_id,
                              batch.producer_epoch, batch.base_sequence));
  }
  const int32_t first_seq = batch.base_sequence;
  const int32_t last_seq = LastSequence(first_seq, batch.last_offset_delta);
  auto it = producers_.find(batch.producer_id);
  const ProducerEntry* entry = it == producers_.end() ? nullptr : &it->second;

  if (entry != nullptr && batch.producer_epoch == entry->epoch) {
    for (const ProducerBatch& b : entry->batches) {
      if (b.first_seq == first_seq && b.last_seq == last_seq) {
        ProducerCheck c;
        c.action = ProducerCheck::Action::kDuplicate;
        c.original = b;
        return c;
      }
    }
  }
  const int16_t current_epoch = entry == nullptr ? int16_t{-1} : entry->epoch;
  if (batch.producer_epoch < current_epoch) {
    return Reject(ErrorCode::kInvalidProducerEpoch,
                  fmt::format("producer {} epoch {} is older than the current epoch {}",
                              batch.producer_id, batch.producer_epoch, current_epoch));
  }
  if (batch.producer_epoch != current_epoch) {
    if (first_seq == 0) return {};
    if (entry == nullptr) {
      return Reject(ErrorCode::kUnknownProducerId,
                    fmt::format("no state for producer {}, which sent sequence {}",
                                batch.producer_id, first_seq));
    }
    return Reject(ErrorCode::kOutOfOrderSequenceNumber,
                  fmt::format("producer {} began epoch {} at sequence {}, not 0", batch.producer_id,
                              batch.producer_epoch, first_seq));
  }
  const int32_t current_last = entry->last_seq();
  if (current_last < 0) {
    if (first_seq == 0) return {};
    return Reject(
        ErrorCode::kUnknownProducerId,
        fmt::format("producer {} has no known sequence; it sent {}", batch.producer_id, first_seq));
  }
  if (!InSequence(current_last, first_seq)) {
    return Reject(ErrorCode::kOutOfOrderSequenceNumber,
                  fmt::format("producer {} sent sequence {} after {}", batch.producer_id, first_seq,
                              current_last));
  }
  return {};
}

ProducerCheck PartitionProducerState::Check(const storage::BatchHeader& batch) const {
  ProducerCheck check = CheckSequence(batch);
  if (check.action != ProducerCheck::Action::kAppend || batch.transactional()) return check;
  const ProducerEntry* entry = Find(batch.producer_id);
  if (entry != nullptr && entry->txn_first_offset >= 0) {
    return Reject(ErrorCode::kInvalidTxnState,
                  fmt::format("producer {} sent a batch outside the transaction it has open since "
                              "offset {}",
                              batch.producer_id, entry->txn_first_offset));
  }
  return check;
}

ErrorCode PartitionProducerState::CheckMarker(int64_t producer_id, int16_t epoch) const {
  const ProducerEntry* entry = Find(producer_id);
  if (entry != nullptr && epoch < entry->epoch) return ErrorCode::kInvalidProducerEpoch;
  return ErrorCode::kNone;
}

std::optional<CompletedTxn> PartitionProducerState::Record(const storage::BatchHeader& batch,
                                                           int64_t now_ms) {
  if (batch.producer_id < 0) return std::nullopt;
  ProducerEntry& entry = producers_[batch.producer_id];
  if (entry.epoch != batch.producer_epoch) {
    entry.epoch = batch.producer_epoch;
    entry.batches.clear();
  }
  entry.last_update_ms = now_ms;
  entry.last_timestamp = batch.max_timestamp;
  if (batch.control()) {
    // A marker: the producer's transaction, if open here, ends at it.
    CompletedTxn done{batch.producer_id, batch.base_offset, batch.base_offset};
    if (entry.txn_first_offset >= 0) {
      done.first_offset = entry.txn_first_offset;
      open_txns_.erase(entry.txn_first_offset);
      entry.txn_first_offset = -1;
    }
    return done;
  }
  entry.batches.push_back({batch.base_sequence,
                           LastSequence(batch.base_sequence, batch.last_offset_delta),
                           batch.base_offset, batch.last_offset()});
  while (entry.batches.size() > kProducerBatchesToRetain) entry.batches.pop_front();
  if (batch.transactional() && entry.txn_first_offset < 0) {
    entry.txn_first_offset = batch.base_offset;
    open_txns_[batch.base_offset] = batch.producer_id;
  }
  return std::nullopt;
}

std::optional<int64_t> PartitionProducerState::FirstUnstableOffset() const {
  if (open_txns_.empty()) return std::nullopt;
  return open_txns_.begin()->first;
}

size_t PartitionProducerState::ExpireBefore(int64_t cutoff_ms) {
  return std::erase_if(producers_, [cutoff_ms](const auto& p) {
    return p.second.last_update_ms < cutoff_ms && p.second.txn_first_offset < 0;
  });
}

const ProducerEntry* PartitionProducerState::Find(int64_t producer_id) const {
  auto it = producers_.find(producer_id);
  return it == producers_.end() ? nullptr : &it->second;
}

Result<ProducerLoadStats> LoadProducerState(const storage::Log& log, int64_t now_ms,
                                            int64_t expiration_ms, PartitionProducerState& state,
                                            std::vector<storage::AbortedTxn>* aborted) {
  ProducerLoadStats stats;
  const auto segments = log.segments();
  const int64_t cutoff = now_ms > std::numeric_limits<int64_t>::min() + expiration_ms
                             ? now_ms - expiration_ms
                             : now_ms;
  for (size_t i = 0; i < segments.size(); ++i) {
    const storage::Segment& segment = *segments[i];
    const bool active = i + 1 == segments.size();
    // A segment may hold the start of a transaction still open however old its timestamps
    // (they are the producer's): those at or past the log's floor are always read.
    const int64_t floor = log.producer_scan_floor();
    const bool may_hold_open_txn = floor >= 0 && segment.next_offset() > floor;
    if (!active && segment.max_timestamp() < cutoff && !may_hold_open_txn) {
      ++stats.segments_skipped;
      continue;
    }
    ++stats.segments_scanned;
    HeaderScanner scanner(segment);
    while (true) {
      auto next = scanner.Next();
      if (!next.ok()) {
        if (next.status().code() != StatusCode::kCorruption) return next.status();
        ++stats.segments_damaged;
        break;
      }
      if (!next->has_value()) break;
      ++stats.batches_scanned;
      const storage::BatchHeader& header = **next;
      const std::optional<CompletedTxn> completed = state.Record(header, now_ms);
      if (!completed || aborted == nullptr) continue;
      auto type = ReadControlType(segment, scanner.last_position(), header);
      if (!type.ok()) {
        if (type.status().code() != StatusCode::kCorruption) return type.status();
        ++stats.segments_damaged;
        break;
      }
      if (*type != storage::ControlType::kAbort) continue;
      aborted->push_back({completed->producer_id, completed->first_offset, completed->last_offset,
                          state.FirstUnstableOffset().value_or(completed->last_offset + 1)});
    }
    stats.bytes_read += scanner.bytes_read();
  }
  return stats;
}

Result<std::unique_ptr<ProducerIdAllocator>> ProducerIdAllocator::Open(storage::FileSystem& fs,
                                                                       std::string path,
                                                                       int64_t block_size) {
  if (block_size < 1) return InvalidArgument("producer id block size {} is below 1", block_size);
  int64_t next = 0;
  if (fs.Exists(path)) {
    HERALD_ASSIGN_OR_RETURN(Buffer raw, storage::ReadFile(fs, path));
    try {
      auto value = JsonInteger<int64_t>(nlohmann::json::parse(AsString(raw)).at("next_producer_id"));
      if (!value) return Corruption("{}: next_producer_id is not a 64-bit integer", path);
      next = *value;
    } catch (const nlohmann::json::exception& e) {
      return Corruption("{}: {}", path, e.what());
    }
    if (next < 0) return Corruption("{}: next_producer_id {} is negative", path, next);
  }
  return std::unique_ptr<ProducerIdAllocator>(
      new ProducerIdAllocator(fs, std::move(path), block_size, next));
}

Result<int64_t> ProducerIdAllocator::Allocate() {
  MutexLock lock(mu_);
  if (next_ == reserved_end_) {
    if (next_ > std::numeric_limits<int64_t>::max() - block_size_) {
      return OutOfRange("producer ids are exhausted at {}", next_);
    }
    const int64_t end = next_ + block_size_;
    const std::string text = nlohmann::json{{"next_producer_id", end}}.dump(2) + "\n";
    HERALD_RETURN_IF_ERROR(storage::WriteFileAtomic(fs_, path_, AsBytes(text)));
    reserved_end_ = end;
  }
  return next_++;
}

}  // namespace herald::broker
