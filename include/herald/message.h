// Messages as the Herald SDK hands them out and takes them in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace herald::sdk {

using Headers = std::vector<std::pair<std::string, std::string>>;

// The last header named `name` (Kafka allows repeats; the last one wins), if any.
inline std::optional<std::string_view> FindHeader(const Headers& headers, std::string_view name) {
  for (auto it = headers.rbegin(); it != headers.rend(); ++it) {
    if (it->first == name) return std::string_view(it->second);
  }
  return std::nullopt;
}

// A record to append. Without a partition, the key decides it (Kafka's murmur2 partitioner, so
// keys land where Kafka clients put them); without a key either, the transport spreads records.
struct OutgoingRecord {
  std::string topic;
  std::optional<int32_t> partition;
  std::optional<std::string> key;
  std::optional<std::string> value;  // nullopt: a tombstone
  Headers headers;
  int64_t timestamp_ms = 0;  // 0: now

  std::optional<std::string_view> Header(std::string_view name) const {
    return FindHeader(headers, name);
  }
};

// Where a record landed.
struct RecordPosition {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = -1;
};

// A consumed record.
struct Message {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp_ms = 0;
  std::optional<std::string> key;
  std::optional<std::string> value;
  Headers headers;

  std::optional<std::string_view> Header(std::string_view name) const {
    return FindHeader(headers, name);
  }
};

}  // namespace herald::sdk
