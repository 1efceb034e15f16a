// The consumer protocol's assignment: not a Kafka API but the bytes a "consumer" group's leader
// gives each member in SyncGroup, which the group coordinator keeps and the admin API shows.
//
//   int16 version, then
//   assigned_partitions: int32 count, each [topic: int16 length + bytes, partitions: int32 count
//                        + int32 each]
//   user_data: int32 length (-1: null) + bytes
//
// Versions 0 to 3 share this layout; a later version may append fields, which are not read.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"

namespace herald::broker {

struct AssignedTopic {
  std::string topic;
  std::vector<int32_t> partitions;
  bool operator==(const AssignedTopic&) const = default;
};

// The topic-partitions of an assignment; nullopt when the bytes are not one (short, a negative
// version or count, a count past the bytes there are).
std::optional<std::vector<AssignedTopic>> DecodeConsumerAssignment(ByteView bytes);

}  // namespace herald::broker
