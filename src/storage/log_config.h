// LogConfig: the per-topic settings of a partition log, named as Kafka names them.
//
//   segment.bytes          roll the active segment when the next batch would pass this size
//   segment.ms             roll the active segment when it is older than this
//   retention.ms           delete segments whose newest record is older (-1: keep forever)
//   retention.bytes        delete the oldest segments while the log is larger (-1: no limit)
//   cleanup.policy         delete | compact | compact,delete
//   delete.retention.ms    how long compaction keeps a tombstone (a null value) after its time
//   min.compaction.lag.ms  how long a record stays uncompacted: compaction stops at the first
//                          segment holding a record younger than this
//   flush.messages         fsync once this many messages are unsynced (acks that are not durable)
//   flush.ms               fsync when the oldest unsynced message is this old
//   index.interval.bytes   bytes between sparse index entries
//   max.message.bytes      the largest batch accepted
//   compression.type       producer (batches are kept as the producer compressed them) |
//                          uncompressed | gzip | snappy | lz4 | zstd (the broker recompresses
//                          every batch in another codec to this one)
//   message.timestamp.type CreateTime (records keep the producer's time) | LogAppendTime (each
//                          batch gets the broker's clock as it is appended)
//   message.timestamp.difference.max.ms
//                          with CreateTime, how far each record's timestamp may be from the
//                          broker's clock (Log::CheckTimestamps)
//   message.timestamp.before.max.ms, message.timestamp.after.max.ms
//                          the same bound before and after the clock, each replacing the one
//                          above on its side when set (Kafka 3.6+)
//   confluent.key.schema.validation, confluent.value.schema.validation
//                          whether appends check records' keys / values against the schema
//                          registry (the check itself is the broker's: broker::BatchValidator)
//   confluent.key.subject.name.strategy, confluent.value.subject.name.strategy
//                          which subject a record's schema id must be registered under:
//                          TopicNameStrategy (<topic>-key, <topic>-value), RecordNameStrategy
//                          (the record's full name), TopicRecordNameStrategy (<topic>-<name>);
//                          Kafka's full class names are accepted too
//
// Every other topic config Kafka 3.x defines (min.insync.replicas, message.format.version,
// max.compaction.lag.ms, ...) is accepted when its value is one Kafka
// accepts, kept in `kafka_only` and reported, but changes nothing yet: KafkaOnlyConfigNames()
// lists them and docs/kafka-compat.md says what each would change on one node. Any other name is
// refused, as Kafka refuses it.
//
// A value type; thread-compatible.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "storage/record_batch.h"

namespace herald::storage {

enum class SubjectNameStrategy : uint8_t { kTopicName, kRecordName, kTopicRecordName };

struct LogConfig {
  static constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

  int64_t segment_bytes = int64_t{1} << 30;
  int64_t segment_ms = int64_t{7} * 24 * 3600 * 1000;
  int64_t retention_ms = int64_t{7} * 24 * 3600 * 1000;
  int64_t retention_bytes = -1;
  bool cleanup_delete = true;
  bool cleanup_compact = false;
  int64_t delete_retention_ms = int64_t{24} * 3600 * 1000;
  int64_t min_compaction_lag_ms = 0;
  int64_t flush_messages = kNever;
  int64_t flush_ms = kNever;
  int32_t index_interval_bytes = 4096;
  int32_t max_message_bytes = 1048588;
  std::optional<Compression> compression;  // nullopt: producer
  bool log_append_time = false;
  int64_t timestamp_difference_max_ms = kNever;
  int64_t timestamp_before_max_ms = kNever;
  int64_t timestamp_after_max_ms = kNever;
  bool key_schema_validation = false;
  bool value_schema_validation = false;
  SubjectNameStrategy key_subject_strategy = SubjectNameStrategy::kTopicName;
  SubjectNameStrategy value_subject_strategy = SubjectNameStrategy::kTopicName;
  // The Kafka configs above that are set away from their defaults, by name.
  std::map<std::string, std::string> kafka_only;

  // Applies overrides by Kafka name onto `base`. kInvalidArgument names an unknown key or a
  // value out of range; `base` is unchanged then.
  static Result<LogConfig> WithOverrides(const LogConfig& base,
                                         const std::map<std::string, std::string>& overrides);
  // Every setting by Kafka name, values as strings.
  std::map<std::string, std::string> ToMap() const;
  std::string cleanup_policy() const;
  // How far before and after the broker's clock a CreateTime record's timestamp may be: the
  // before/after setting when set, else message.timestamp.difference.max.ms, as Kafka reads them.
  int64_t TimestampBeforeMaxMs() const;
  int64_t TimestampAfterMaxMs() const;
};

// The names of the topic configs LogConfig stores and reports without applying them.
std::vector<std::string> KafkaOnlyConfigNames();

// A topic config's value type, numbered as Kafka's DescribeConfigs (v3+) numbers them.
enum class ConfigType : int8_t {
  kUnknown = 0,
  kBoolean = 1,
  kString = 2,
  kInt = 3,
  kShort = 4,
  kLong = 5,
  kDouble = 6,
  kList = 7,
  kClass = 8,
  kPassword = 9,
};

struct ConfigDoc {
  ConfigType type = ConfigType::kUnknown;
  std::string_view documentation;  // what the config does on a Herald node, one sentence
};

// The type and documentation of a topic config ToMap() reports; kUnknown and empty for any other
// name.
ConfigDoc DescribeTopicConfig(std::string_view name);

// Whether a topic config's value is a comma-separated list (cleanup.policy and the replication
// throttles), which Kafka's IncrementalAlterConfigs may append to and subtract from.
bool IsListConfig(std::string_view name);

}  // namespace herald::storage
