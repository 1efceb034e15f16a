#include "broker/txn_records.h"

#include <array>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/bytes.h"
#include "base/json.h"

namespace herald::broker {
namespace {

using nlohmann::json;

constexpr std::array<std::pair<TxnState, std::string_view>, 7> kStateNames = {{
    {TxnState::kEmpty, "Empty"},
    {TxnState::kOngoing, "Ongoing"},
    {TxnState::kPrepareCommit, "PrepareCommit"},
    {TxnState::kPrepareAbort, "PrepareAbort"},
    {TxnState::kCompleteCommit, "CompleteCommit"},
    {TxnState::kCompleteAbort, "CompleteAbort"},
    {TxnState::kPrepareEpochFence, "PrepareEpochFence"},
}};

constexpr std::string_view kKeyKind = "txn";

std::string TxnKey(const std::string& transactional_id) {
  return fmt::format("{}{}{}", kKeyKind, '\0', transactional_id);
}

template <typename T>
Result<T> Integer(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end()) return Corruption("transaction record has no \"{}\"", key);
  auto value = JsonInteger<T>(*it);
  if (!value) return Corruption("transaction record's \"{}\" is not an integer in range", key);
  return *value;
}

Result<TxnMetadata> ParseTxn(const json& j) {
  if (!j.is_object()) return Corruption("transaction record is not a JSON object");
  TxnMetadata txn;
  HERALD_ASSIGN_OR_RETURN(txn.producer_id, Integer<int64_t>(j, "producer_id"));
  HERALD_ASSIGN_OR_RETURN(txn.producer_epoch, Integer<int16_t>(j, "producer_epoch"));
  HERALD_ASSIGN_OR_RETURN(txn.last_producer_id, Integer<int64_t>(j, "last_producer_id"));
  HERALD_ASSIGN_OR_RETURN(txn.last_producer_epoch, Integer<int16_t>(j, "last_producer_epoch"));
  HERALD_ASSIGN_OR_RETURN(txn.timeout_ms, Integer<int32_t>(j, "timeout_ms"));
  HERALD_ASSIGN_OR_RETURN(txn.started_ms, Integer<int64_t>(j, "started_ms"));
  HERALD_ASSIGN_OR_RETURN(txn.updated_ms, Integer<int64_t>(j, "updated_ms"));
  auto state = j.find("state");
  if (state == j.end() || !state->is_string()) {
    return Corruption("transaction record has no state");
  }
  auto parsed = ParseTxnState(state->get<std::string>());
  if (!parsed) return Corruption("unknown transaction state '{}'", state->get<std::string>());
  txn.state = *parsed;
  auto partitions = j.find("partitions");
  if (partitions == j.end() || !partitions->is_object()) {
    return Corruption("transaction record has no partitions object");
  }
  for (const auto& [topic, list] : partitions->items()) {
    if (!list.is_array()) return Corruption("partitions of '{}' are not a list", topic);
    for (const auto& p : list) {
      auto partition = JsonInteger<int32_t>(p);
      if (!partition || *partition < 0) return Corruption("a partition of '{}' is not one", topic);
      txn.partitions[topic].insert(*partition);
    }
  }
  return txn;
}

}  // namespace

std::string_view TxnStateName(TxnState state) {
  for (const auto& [s, name] : kStateNames) {
    if (s == state) return name;
  }
  return "Unknown";
}

std::optional<TxnState> ParseTxnState(std::string_view name) {
  for (const auto& [s, n] : kStateNames) {
    if (n == name) return s;
  }
  return std::nullopt;
}

storage::RecordSpec TxnRecord(const std::string& transactional_id, const TxnMetadata& txn,
                              int64_t now_ms) {
  json partitions = json::object();
  for (const auto& [topic, set] : txn.partitions) partitions[topic] = set;
  const json v = {{"producer_id", txn.producer_id},
                  {"producer_epoch", txn.producer_epoch},
                  {"last_producer_id", txn.last_producer_id},
                  {"last_producer_epoch", txn.last_producer_epoch},
                  {"timeout_ms", txn.timeout_ms},
                  {"state", TxnStateName(txn.state)},
                  {"partitions", std::move(partitions)},
                  {"started_ms", txn.started_ms},
                  {"updated_ms", txn.updated_ms}};
  return {
      TxnKey(transactional_id), v.dump(-1, ' ', false, json::error_handler_t::replace), now_ms, {}};
}

storage::RecordSpec TxnTombstone(const std::string& transactional_id, int64_t now_ms) {
  return {TxnKey(transactional_id), std::nullopt, now_ms, {}};
}

Result<TxnEntry> DecodeTxnRecord(const storage::RecordView& record) {
  if (!record.key) return Corruption("transaction record without a key");
  const std::string_view key = AsString(*record.key);
  if (key.size() <= kKeyKind.size() || !key.starts_with(kKeyKind) || key[kKeyKind.size()] != '\0') {
    return Corruption("record key is not a transaction's");
  }
  TxnEntry entry{std::string(key.substr(kKeyKind.size() + 1)), std::nullopt};
  if (!record.value) return entry;
  auto j = ParseBoundedJson(AsString(*record.value));
  if (!j) return Corruption("transaction record of '{}' is not JSON", entry.transactional_id);
  HERALD_ASSIGN_OR_RETURN(entry.txn, ParseTxn(*j));
  return entry;
}

}  // namespace herald::broker
