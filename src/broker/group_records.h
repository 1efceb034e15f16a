// The records the group coordinator keeps in the compacted internal topic __consumer_offsets (one
// partition) and replays on start:
//
//   key   := "offset" 0x00 group 0x00 topic 0x00 partition(decimal)  value := JSON {offset, metadata,
//            commit_timestamp}
//   key   := "group" 0x00 group                                        value := JSON {protocol_type,
//            protocol, generation, leader, members: [{member_id, group_instance_id, client_id,
//            client_host, session_timeout_ms, rebalance_timeout_ms, metadata(b64), assignment(b64)}]}
//   a null value deletes the key (DeleteGroups).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"
#include "broker/group_coordinator.h"
#include "storage/record_batch.h"

namespace herald::broker {

inline constexpr char kOffsetsTopic[] = "__consumer_offsets";

// A member as its group's record keeps it: what a restarted broker needs to serve it again.
struct StoredMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  int32_t session_timeout_ms = 10000;
  int32_t rebalance_timeout_ms = 10000;
  Buffer metadata;  // its subscription for the group's protocol
  Buffer assignment;
};

// A group's generation as its record keeps it.
struct StoredGroup {
  std::string protocol_type;
  std::string protocol;
  int32_t generation = 0;
  std::string leader;
  std::vector<StoredMember> members;
};

storage::RecordSpec OffsetRecord(const std::string& group, const CommittedOffset& offset,
                                 int64_t now_ms);
storage::RecordSpec OffsetTombstone(const std::string& group, const std::string& topic,
                                    int32_t partition, int64_t now_ms);
storage::RecordSpec GroupRecord(const std::string& group, const StoredGroup& stored,
                                int64_t now_ms);
storage::RecordSpec GroupTombstone(const std::string& group, int64_t now_ms);

// A replayed offset record; `offset` is nullopt for a tombstone.
struct OffsetEntry {
  std::string group;
  std::string topic;
  int32_t partition = 0;
  std::optional<CommittedOffset> offset;
};
// A replayed group record; `stored` is nullopt for a tombstone.
struct GroupEntry {
  std::string group;
  std::optional<StoredGroup> stored;
};
using GroupLogEntry = std::variant<std::monostate, OffsetEntry, GroupEntry>;

// One record of __consumer_offsets: std::monostate for a record that is neither kind (no key, an
// unknown kind); kCorruption naming what is wrong for a damaged one (the caller skips it).
Result<GroupLogEntry> DecodeGroupRecord(const storage::RecordView& record);

}  // namespace herald::broker
