#include "broker/group_records.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/base64.h"
#include "base/json.h"

namespace herald::broker {
namespace {

using nlohmann::json;

// The JSON text of a stored record. Strings from clients (ids, metadata) may hold any bytes when
// they come from the SDK rather than the wire: ill-formed UTF-8 is replaced, never thrown on.
std::string DumpStored(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string OffsetKey(const std::string& group, const std::string& topic, int32_t partition) {
  return fmt::format("offset{}{}{}{}{}{}", '\0', group, '\0', topic, '\0', partition);
}

std::string GroupKey(const std::string& group) { return fmt::format("group{}{}", '\0', group); }

// JsonIntegerOr, throwing (the record is refused) when the field is not such an integer.
template <typename T>
T Integer(const json& object, const char* key, T fallback) {
  auto value = JsonIntegerOr<T>(object, key, fallback);
  if (!value) throw std::runtime_error(fmt::format("\"{}\" is not an integer", key));
  return *value;
}

Buffer Decode64(const std::string& text) {
  auto bytes = Base64Decode(text);
  if (!bytes.ok()) throw std::runtime_error(bytes.status().message());
  return std::move(bytes).value();
}

StoredGroup ParseGroup(const json& j) {
  StoredGroup g;
  g.protocol_type = j.value("protocol_type", "");
  g.protocol = j.value("protocol", "");
  g.generation = Integer<int32_t>(j, "generation", 0);
  g.leader = j.value("leader", "");
  for (const auto& jm : j.value("members", json::array())) {
    StoredMember& m = g.members.emplace_back();
    m.member_id = jm.at("member_id");
    if (jm.contains("group_instance_id") && !jm["group_instance_id"].is_null()) {
      m.group_instance_id = jm["group_instance_id"].get<std::string>();
    }
    m.client_id = jm.value("client_id", "");
    m.client_host = jm.value("client_host", "");
    m.session_timeout_ms = Integer<int32_t>(jm, "session_timeout_ms", 10000);
    m.rebalance_timeout_ms = Integer<int32_t>(jm, "rebalance_timeout_ms", 10000);
    m.metadata = Decode64(jm.value("metadata", ""));
    m.assignment = Decode64(jm.value("assignment", ""));
  }
  return g;
}

}  // namespace

storage::RecordSpec OffsetRecord(const std::string& group, const CommittedOffset& offset,
                                 int64_t now_ms) {
  json v = {{"offset", offset.offset},
            {"metadata", offset.metadata ? json(*offset.metadata) : json()},
            {"commit_timestamp", now_ms}};
  return {OffsetKey(group, offset.topic, offset.partition), DumpStored(v), now_ms, {}};
}

storage::RecordSpec OffsetTombstone(const std::string& group, const std::string& topic,
                                    int32_t partition, int64_t now_ms) {
  return {OffsetKey(group, topic, partition), std::nullopt, now_ms, {}};
}

storage::RecordSpec GroupRecord(const std::string& group, const StoredGroup& stored,
                                int64_t now_ms) {
  json members = json::array();
  for (const auto& m : stored.members) {
    members.push_back(
        {{"member_id", m.member_id},
         {"group_instance_id", m.group_instance_id ? json(*m.group_instance_id) : json()},
         {"client_id", m.client_id},
         {"client_host", m.client_host},
         {"session_timeout_ms", m.session_timeout_ms},
         {"rebalance_timeout_ms", m.rebalance_timeout_ms},
         {"metadata", Base64Encode(m.metadata)},
         {"assignment", Base64Encode(m.assignment)}});
  }
  json j = {{"protocol_type", stored.protocol_type},
            {"protocol", stored.protocol},
            {"generation", stored.generation},
            {"leader", stored.leader},
            {"members", members}};
  return {GroupKey(group), DumpStored(j), now_ms, {}};
}

storage::RecordSpec GroupTombstone(const std::string& group, int64_t now_ms) {
  return {GroupKey(group), std::nullopt, now_ms, {}};
}

Result<GroupLogEntry> DecodeGroupRecord(const storage::RecordView& record) {
  if (!record.key) return GroupLogEntry{};
  const std::string key(AsString(*record.key));
  const size_t sep = key.find('\0');
  const std::string kind = key.substr(0, sep);
  try {
    if (kind == "offset") {
      const size_t s2 = key.find('\0', sep + 1);
      const size_t s3 = s2 == std::string::npos ? s2 : key.find('\0', s2 + 1);
      if (s3 == std::string::npos) return Corruption("offset record key has no partition");
      OffsetEntry entry{key.substr(sep + 1, s2 - sep - 1), key.substr(s2 + 1, s3 - s2 - 1),
                        std::stoi(key.substr(s3 + 1)), std::nullopt};
      if (record.value) {
        auto j = json::parse(AsString(*record.value));
        auto offset = JsonInteger<int64_t>(j.at("offset"));
        if (!offset) return Corruption("the offset is not a 64-bit integer");
        CommittedOffset c{entry.topic, entry.partition, *offset, std::nullopt, ErrorCode::kNone};
        if (j.contains("metadata") && !j["metadata"].is_null()) c.metadata = j["metadata"];
        entry.offset = std::move(c);
      }
      return GroupLogEntry{std::move(entry)};
    }
    if (kind == "group") {
      GroupEntry entry{key.substr(sep + 1), std::nullopt};
      if (record.value) entry.stored = ParseGroup(json::parse(AsString(*record.value)));
      return GroupLogEntry{std::move(entry)};
    }
  } catch (const std::exception& e) {
    return Corruption("{} record: {}", kind, e.what());
  }
  return GroupLogEntry{};
}

}  // namespace herald::broker
