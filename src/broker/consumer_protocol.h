// The consumer protocol's subscription and assignment: not Kafka APIs but the bytes a "consumer"
// group's members send in JoinGroup (their subscription) and its leader gives each member in
// SyncGroup (its assignment), which the group coordinator keeps and the admin API shows.
//
// Subscription:
//   int16 version, then topics: int32 count, each a topic (int16 length + bytes); what follows
//   (user data, owned partitions, rack) is not read.
//
// Assignment:
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

// The topics of a subscription; nullopt when the bytes are not one.
std::optional<std::vector<std::string>> DecodeConsumerSubscription(ByteView bytes);

// The topic-partitions of an assignment; nullopt when the bytes are not one (short, a negative
// version or count, a count past the bytes there are).
std::optional<std::vector<AssignedTopic>> DecodeConsumerAssignment(ByteView bytes);

}  // namespace herald::broker
