// The records the transaction coordinator keeps in the compacted internal topic
// __transaction_state (one partition) and replays on start, one per transactional id, the latest
// winning:
//
//   key   := "txn" 0x00 transactional_id
//   value := JSON {producer_id, producer_epoch, last_producer_id, last_producer_epoch, timeout_ms,
//            state (Kafka's name: "Empty", "Ongoing", "PrepareCommit", ...), partitions:
//            {topic: [partition, ...]}, started_ms, updated_ms}
//   a null value forgets the id (transactional.id.expiration.ms).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "base/status.h"
#include "storage/record_batch.h"
#include "storage/record_scan.h"

namespace herald::broker {

inline constexpr char kTransactionStateTopic[] = "__transaction_state";

// A transaction's state, as Kafka's TransactionState names them.
enum class TxnState : uint8_t {
  kEmpty,              // no transaction open
  kOngoing,            // partitions or offsets were added
  kPrepareCommit,      // EndTxn(commit) accepted; markers being written
  kPrepareAbort,       // EndTxn(abort), a timeout or a fence; markers being written
  kCompleteCommit,     // markers written
  kCompleteAbort,      // markers written
  kPrepareEpochFence,  // a new producer took the id during a transaction: abort, then bump
};
std::string_view TxnStateName(TxnState state);
// PrepareCommit or PrepareAbort: the outcome is decided and markers are owed.
inline bool IsPrepared(TxnState s) {
  return s == TxnState::kPrepareCommit || s == TxnState::kPrepareAbort;
}
// Empty, CompleteCommit or CompleteAbort: no transaction open or ending.
inline bool IsSettled(TxnState s) {
  return s == TxnState::kEmpty || s == TxnState::kCompleteCommit || s == TxnState::kCompleteAbort;
}
std::optional<TxnState> ParseTxnState(std::string_view name);

// What the coordinator knows of one transactional id.
struct TxnMetadata {
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  // The id and epoch before the last InitProducerId, so that a retried one is answered again
  // instead of fencing its own producer (KIP-360).
  int64_t last_producer_id = -1;
  int16_t last_producer_epoch = -1;
  int32_t timeout_ms = 0;
  TxnState state = TxnState::kEmpty;
  std::map<std::string, std::set<int32_t>> partitions;  // in the open transaction
  int64_t started_ms = -1;                              // when the open transaction began
  int64_t updated_ms = 0;

  bool operator==(const TxnMetadata&) const = default;
};

storage::RecordSpec TxnRecord(const std::string& transactional_id, const TxnMetadata& txn,
                              int64_t now_ms);
storage::RecordSpec TxnTombstone(const std::string& transactional_id, int64_t now_ms);

// A replayed record: `txn` is nullopt for a tombstone.
struct TxnEntry {
  std::string transactional_id;
  std::optional<TxnMetadata> txn;
};

// One record of __transaction_state; kCorruption naming what is wrong for a damaged one or one
// of another kind (the caller skips it).
Result<TxnEntry> DecodeTxnRecord(const storage::RecordView& record);

}  // namespace herald::broker
