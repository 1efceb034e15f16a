#include "storage/log_config.h"

#include <algorithm>
#include <charconv>
#include <string_view>

#include "base/split.h"

namespace herald::storage {
namespace {

Result<int64_t> ParseInt(const std::string& key, const std::string& value, int64_t min,
                         int64_t max) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc() || ptr != value.data() + value.size()) {
    return InvalidArgument("{}: '{}' is not an integer", key, value);
  }
  if (v < min || v > max) return InvalidArgument("{}: {} is outside [{}, {}]", key, v, min, max);
  return v;
}

Result<bool> ParseBool(const std::string& key, const std::string& value) {
  if (value == "true") return true;
  if (value == "false") return false;
  return InvalidArgument("{}: '{}' is not true or false", key, value);
}

constexpr std::pair<std::optional<Compression>, std::string_view> kCompressionTypes[] = {
    {std::nullopt, "producer"},   {Compression::kNone, "uncompressed"},
    {Compression::kGzip, "gzip"}, {Compression::kSnappy, "snappy"},
    {Compression::kLz4, "lz4"},   {Compression::kZstd, "zstd"},
};

Result<std::optional<Compression>> ParseCompression(const std::string& key,
                                                    const std::string& value) {
  for (const auto& [codec, name] : kCompressionTypes) {
    if (value == name) return codec;
  }
  return InvalidArgument("{}: '{}' is not uncompressed, zstd, lz4, snappy, gzip or producer", key,
                         value);
}

std::string CompressionTypeName(std::optional<Compression> codec) {
  for (const auto& [c, name] : kCompressionTypes) {
    if (c == codec) return std::string(name);
  }
  return "producer";
}

constexpr const char* kStrategyPackage = "io.confluent.kafka.serializers.subject.";
constexpr std::pair<SubjectNameStrategy, const char*> kStrategies[] = {
    {SubjectNameStrategy::kTopicName, "TopicNameStrategy"},
    {SubjectNameStrategy::kRecordName, "RecordNameStrategy"},
    {SubjectNameStrategy::kTopicRecordName, "TopicRecordNameStrategy"},
};

Result<SubjectNameStrategy> ParseStrategy(const std::string& key, const std::string& value) {
  std::string_view name = value;
  if (name.starts_with(kStrategyPackage))
    name.remove_prefix(std::string_view(kStrategyPackage).size());
  for (const auto& [strategy, n] : kStrategies) {
    if (name == n) return strategy;
  }
  return InvalidArgument(
      "{}: '{}' is not TopicNameStrategy, RecordNameStrategy or TopicRecordNameStrategy", key,
      value);
}

std::string StrategyName(SubjectNameStrategy strategy) {
  for (const auto& [s, name] : kStrategies) {
    if (s == strategy) return std::string(kStrategyPackage) + name;
  }
  return "";
}

// How a stored-only config's value is checked: as Kafka's ConfigDef checks it.
enum class Kind : uint8_t {
  kLong,         // an integer in [min, max]
  kGzipLevel,    // -1 (the codec's default) or 1 to 9
  kBool,         // true | false
  kRatio,        // a number in [0, 1]
  kReplicaList,  // "", "*" or partition:broker pairs separated by commas
  kVersion,      // a Kafka version such as 2.8 or 3.0-IV1
  kFalse,        // false only: the feature (tiered storage) does not exist here
};

struct KafkaOnlyConfig {
  std::string_view name;
  std::string_view default_value;  // Kafka's
  Kind kind;
  int64_t min = 0;
  int64_t max = std::numeric_limits<int64_t>::max();
};

constexpr std::string_view kMaxLong = "9223372036854775807";

constexpr KafkaOnlyConfig kKafkaOnly[] = {
    {"compression.gzip.level", "-1", Kind::kGzipLevel},
    {"compression.lz4.level", "9", Kind::kLong, 1, 17},
    {"compression.zstd.level", "3", Kind::kLong, -131072, 22},
    {"file.delete.delay.ms", "60000", Kind::kLong, 0},
    {"follower.replication.throttled.replicas", "", Kind::kReplicaList},
    {"leader.replication.throttled.replicas", "", Kind::kReplicaList},
    {"local.retention.bytes", "-2", Kind::kLong, -2},
    {"local.retention.ms", "-2", Kind::kLong, -2},
    {"max.compaction.lag.ms", kMaxLong, Kind::kLong, 1},
    {"message.downconversion.enable", "true", Kind::kBool},
    {"message.format.version", "3.0-IV1", Kind::kVersion},
    {"min.cleanable.dirty.ratio", "0.5", Kind::kRatio},
    {"min.insync.replicas", "1", Kind::kLong, 1},
    {"preallocate", "false", Kind::kBool},
    {"remote.storage.enable", "false", Kind::kFalse},
    {"segment.index.bytes", "10485760", Kind::kLong, 4},
    {"segment.jitter.ms", "0", Kind::kLong, 0},
    {"unclean.leader.election.enable", "false", Kind::kBool},
};

const KafkaOnlyConfig* FindKafkaOnly(std::string_view name) {
  for (const auto& c : kKafkaOnly) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

bool IsDigits(std::string_view d) {
  return !d.empty() && d.find_first_not_of("0123456789") == std::string_view::npos;
}

// "", "*", or partition:broker pairs separated by commas (an empty item is not one).
bool IsReplicaList(std::string_view v) {
  if (v.empty() || v == "*") return true;
  return std::ranges::all_of(SplitList(v, EmptyItems::kKeep), [](std::string_view pair) {
    const size_t colon = pair.find(':');
    return colon != std::string_view::npos && IsDigits(pair.substr(0, colon)) &&
           IsDigits(pair.substr(colon + 1));
  });
}

// Kafka's releases as message.format.version names them (0.8.0 ... 3.9), each optionally with
// an -IVn suffix (n up to 4, the most any release has).
bool IsVersion(std::string_view v) {
  constexpr std::string_view kReleases[] = {
      "0.8.0", "0.8.1", "0.8.2", "0.9.0", "0.10.0", "0.10.1", "0.10.2", "0.11.0", "1.0", "1.1",
      "2.0",   "2.1",   "2.2",   "2.3",   "2.4",    "2.5",    "2.6",    "2.7",    "2.8", "3.0",
      "3.1",   "3.2",   "3.3",   "3.4",   "3.5",    "3.6",    "3.7",    "3.8",    "3.9"};
  const size_t dash = v.find("-IV");
  if (dash != std::string_view::npos) {
    const std::string_view iv = v.substr(dash + 3);
    if (iv.size() != 1 || iv[0] < '0' || iv[0] > '4') return false;
  }
  return std::ranges::find(kReleases, v.substr(0, dash)) != std::end(kReleases);
}

Status CheckKafkaOnly(const KafkaOnlyConfig& c, const std::string& value) {
  const std::string key(c.name);
  switch (c.kind) {
    case Kind::kLong:
      return ParseInt(key, value, c.min, c.max).status();
    case Kind::kGzipLevel: {
      HERALD_ASSIGN_OR_RETURN(int64_t level, ParseInt(key, value, -1, 9));
      if (level == 0) return InvalidArgument("{}: 0 is not -1 or a level from 1 to 9", key);
      return Status::Ok();
    }
    case Kind::kBool:
      return ParseBool(key, value).status();
    case Kind::kRatio: {
      double d = 0;
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), d);
      if (ec != std::errc() || ptr != value.data() + value.size() || !(d >= 0 && d <= 1)) {
        return InvalidArgument("{}: '{}' is not a number in [0, 1]", key, value);
      }
      return Status::Ok();
    }
    case Kind::kReplicaList:
      if (IsReplicaList(value)) return Status::Ok();
      return InvalidArgument("{}: '{}' is not *, empty or partition:broker pairs", key, value);
    case Kind::kVersion:
      if (IsVersion(value)) return Status::Ok();
      return InvalidArgument("{}: '{}' is not a Kafka version such as 3.0-IV1", key, value);
    case Kind::kFalse:
      if (value == "false") return Status::Ok();
      return InvalidArgument("{}: tiered storage is not available on this broker", key);
  }
  return InvalidArgument("{}: unchecked kind", key);
}

}  // namespace

std::vector<std::string> KafkaOnlyConfigNames() {
  std::vector<std::string> names;
  for (const auto& c : kKafkaOnly) names.emplace_back(c.name);
  return names;
}

Result<LogConfig> LogConfig::WithOverrides(const LogConfig& base,
                                           const std::map<std::string, std::string>& overrides) {
  LogConfig c = base;
  constexpr int64_t kMax = kNever;
  constexpr int64_t kMax32 = std::numeric_limits<int32_t>::max();
  for (const auto& [key, value] : overrides) {
    if (key == "segment.bytes") {
      HERALD_ASSIGN_OR_RETURN(c.segment_bytes, ParseInt(key, value, 14, kMax32));
    } else if (key == "segment.ms") {
      HERALD_ASSIGN_OR_RETURN(c.segment_ms, ParseInt(key, value, 1, kMax));
    } else if (key == "retention.ms") {
      HERALD_ASSIGN_OR_RETURN(c.retention_ms, ParseInt(key, value, -1, kMax));
    } else if (key == "retention.bytes") {
      HERALD_ASSIGN_OR_RETURN(c.retention_bytes, ParseInt(key, value, -1, kMax));
    } else if (key == "cleanup.policy") {
      std::string v = value;
      if (v == "delete") {
        c.cleanup_delete = true;
        c.cleanup_compact = false;
      } else if (v == "compact") {
        c.cleanup_delete = false;
        c.cleanup_compact = true;
      } else if (v == "compact,delete" || v == "delete,compact") {
        c.cleanup_delete = true;
        c.cleanup_compact = true;
      } else {
        return InvalidArgument("cleanup.policy: '{}' is not delete, compact or compact,delete",
                               value);
      }
    } else if (key == "delete.retention.ms") {
      HERALD_ASSIGN_OR_RETURN(c.delete_retention_ms, ParseInt(key, value, 0, kMax));
    } else if (key == "min.compaction.lag.ms") {
      HERALD_ASSIGN_OR_RETURN(c.min_compaction_lag_ms, ParseInt(key, value, 0, kMax));
    } else if (key == "flush.messages") {
      HERALD_ASSIGN_OR_RETURN(c.flush_messages, ParseInt(key, value, 1, kMax));
    } else if (key == "flush.ms") {
      HERALD_ASSIGN_OR_RETURN(c.flush_ms, ParseInt(key, value, 0, kMax));
    } else if (key == "index.interval.bytes") {
      HERALD_ASSIGN_OR_RETURN(int64_t v, ParseInt(key, value, 0, kMax32));
      c.index_interval_bytes = static_cast<int32_t>(v);
    } else if (key == "max.message.bytes") {
      HERALD_ASSIGN_OR_RETURN(int64_t v, ParseInt(key, value, 0, kMax32));
      c.max_message_bytes = static_cast<int32_t>(v);
    } else if (key == "compression.type") {
      HERALD_ASSIGN_OR_RETURN(c.compression, ParseCompression(key, value));
    } else if (key == "message.timestamp.type") {
      if (value != "CreateTime" && value != "LogAppendTime") {
        return InvalidArgument("{}: '{}' is not CreateTime or LogAppendTime", key, value);
      }
      c.log_append_time = value == "LogAppendTime";
    } else if (key == "message.timestamp.difference.max.ms") {
      HERALD_ASSIGN_OR_RETURN(c.timestamp_difference_max_ms, ParseInt(key, value, 0, kMax));
    } else if (key == "message.timestamp.before.max.ms") {
      HERALD_ASSIGN_OR_RETURN(c.timestamp_before_max_ms, ParseInt(key, value, 0, kMax));
    } else if (key == "message.timestamp.after.max.ms") {
      HERALD_ASSIGN_OR_RETURN(c.timestamp_after_max_ms, ParseInt(key, value, 0, kMax));
    } else if (key == "confluent.key.schema.validation") {
      HERALD_ASSIGN_OR_RETURN(c.key_schema_validation, ParseBool(key, value));
    } else if (key == "confluent.value.schema.validation") {
      HERALD_ASSIGN_OR_RETURN(c.value_schema_validation, ParseBool(key, value));
    } else if (key == "confluent.key.subject.name.strategy") {
      HERALD_ASSIGN_OR_RETURN(c.key_subject_strategy, ParseStrategy(key, value));
    } else if (key == "confluent.value.subject.name.strategy") {
      HERALD_ASSIGN_OR_RETURN(c.value_subject_strategy, ParseStrategy(key, value));
    } else if (const KafkaOnlyConfig* k = FindKafkaOnly(key)) {
      HERALD_RETURN_IF_ERROR(CheckKafkaOnly(*k, value));
      c.kafka_only[key] = value;
    } else {
      return InvalidArgument("unknown topic config '{}'", key);
    }
  }
  return c;
}

std::string LogConfig::cleanup_policy() const {
  if (cleanup_compact && cleanup_delete) return "compact,delete";
  return cleanup_compact ? "compact" : "delete";
}

int64_t LogConfig::TimestampBeforeMaxMs() const {
  return timestamp_before_max_ms != kNever ? timestamp_before_max_ms : timestamp_difference_max_ms;
}

int64_t LogConfig::TimestampAfterMaxMs() const {
  return timestamp_after_max_ms != kNever ? timestamp_after_max_ms : timestamp_difference_max_ms;
}

std::map<std::string, std::string> LogConfig::ToMap() const {
  std::map<std::string, std::string> out = {
      {"segment.bytes", std::to_string(segment_bytes)},
      {"segment.ms", std::to_string(segment_ms)},
      {"retention.ms", std::to_string(retention_ms)},
      {"retention.bytes", std::to_string(retention_bytes)},
      {"cleanup.policy", cleanup_policy()},
      {"delete.retention.ms", std::to_string(delete_retention_ms)},
      {"min.compaction.lag.ms", std::to_string(min_compaction_lag_ms)},
      {"flush.messages", std::to_string(flush_messages)},
      {"flush.ms", std::to_string(flush_ms)},
      {"index.interval.bytes", std::to_string(index_interval_bytes)},
      {"max.message.bytes", std::to_string(max_message_bytes)},
      {"compression.type", CompressionTypeName(compression)},
      {"message.timestamp.type", log_append_time ? "LogAppendTime" : "CreateTime"},
      {"message.timestamp.difference.max.ms", std::to_string(timestamp_difference_max_ms)},
      {"message.timestamp.before.max.ms", std::to_string(timestamp_before_max_ms)},
      {"message.timestamp.after.max.ms", std::to_string(timestamp_after_max_ms)},
      {"confluent.key.schema.validation", key_schema_validation ? "true" : "false"},
      {"confluent.value.schema.validation", value_schema_validation ? "true" : "false"},
      {"confluent.key.subject.name.strategy", StrategyName(key_subject_strategy)},
      {"confluent.value.subject.name.strategy", StrategyName(value_subject_strategy)},
  };
  for (const auto& k : kKafkaOnly) {
    auto it = kafka_only.find(std::string(k.name));
    out.emplace(k.name, it == kafka_only.end() ? std::string(k.default_value) : it->second);
  }
  return out;
}

namespace {

struct NamedConfigDoc {
  std::string_view name;
  ConfigDoc doc;
};

constexpr std::string_view kNoEffect = "Accepted, checked and reported; no effect on one node.";

// Sorted by name (DescribeTopicConfig searches it).
constexpr NamedConfigDoc kConfigDocs[] = {
    {"cleanup.policy",
     {ConfigType::kList,
      "delete (remove old segments by retention.ms and retention.bytes), compact (keep the latest "
      "record of each key), or both."}},
    {"compression.gzip.level", {ConfigType::kInt, kNoEffect}},
    {"compression.lz4.level", {ConfigType::kInt, kNoEffect}},
    {"compression.type",
     {ConfigType::kString,
      "producer keeps batches as the producer compressed them; uncompressed, gzip, snappy, lz4 or "
      "zstd makes the broker recompress every batch in another codec."}},
    {"compression.zstd.level", {ConfigType::kInt, kNoEffect}},
    {"confluent.key.schema.validation",
     {ConfigType::kBoolean,
      "Whether produced records' keys must carry the id of a schema registered for the topic."}},
    {"confluent.key.subject.name.strategy",
     {ConfigType::kString,
      "The subject a key's schema is registered under: TopicNameStrategy, RecordNameStrategy or "
      "TopicRecordNameStrategy."}},
    {"confluent.value.schema.validation",
     {ConfigType::kBoolean,
      "Whether produced records' values must carry the id of a schema registered for the topic."}},
    {"confluent.value.subject.name.strategy",
     {ConfigType::kString,
      "The subject a value's schema is registered under: TopicNameStrategy, RecordNameStrategy or "
      "TopicRecordNameStrategy."}},
    {"delete.retention.ms",
     {ConfigType::kLong, "How long compaction keeps a tombstone (a record with a null value)."}},
    {"file.delete.delay.ms", {ConfigType::kLong, kNoEffect}},
    {"flush.messages",
     {ConfigType::kLong, "Sync the log once this many appended messages are not yet synced."}},
    {"flush.ms", {ConfigType::kLong, "Sync the log when its oldest unsynced message is this old."}},
    {"follower.replication.throttled.replicas", {ConfigType::kList, kNoEffect}},
    {"index.interval.bytes", {ConfigType::kInt, "Bytes of log between two offset index entries."}},
    {"leader.replication.throttled.replicas", {ConfigType::kList, kNoEffect}},
    {"local.retention.bytes", {ConfigType::kLong, kNoEffect}},
    {"local.retention.ms", {ConfigType::kLong, kNoEffect}},
    {"max.compaction.lag.ms", {ConfigType::kLong, kNoEffect}},
    {"max.message.bytes",
     {ConfigType::kInt, "The largest record batch accepted (MESSAGE_TOO_LARGE above it)."}},
    {"message.downconversion.enable", {ConfigType::kBoolean, kNoEffect}},
    {"message.format.version",
     {ConfigType::kString,
      "Accepted and reported; record batches are always written and served in magic 2."}},
    {"message.timestamp.after.max.ms",
     {ConfigType::kLong,
      "With CreateTime, the furthest a record's timestamp may be after the broker's clock "
      "(INVALID_TIMESTAMP beyond it); unset, message.timestamp.difference.max.ms bounds it."}},
    {"message.timestamp.before.max.ms",
     {ConfigType::kLong,
      "With CreateTime, the furthest a record's timestamp may be before the broker's clock "
      "(INVALID_TIMESTAMP beyond it); unset, message.timestamp.difference.max.ms bounds it."}},
    {"message.timestamp.difference.max.ms",
     {ConfigType::kLong,
      "With CreateTime, the furthest a record's timestamp may be from the broker's clock "
      "(INVALID_TIMESTAMP beyond it)."}},
    {"message.timestamp.type",
     {ConfigType::kString,
      "CreateTime keeps the producer's timestamps; LogAppendTime stamps each batch with the "
      "broker's clock as it is appended."}},
    {"min.cleanable.dirty.ratio", {ConfigType::kDouble, kNoEffect}},
    {"min.compaction.lag.ms",
     {ConfigType::kLong, "How long a record stays out of compaction after it was written."}},
    {"min.insync.replicas",
     {ConfigType::kInt, "Validated; one node is the only replica of every partition."}},
    {"preallocate", {ConfigType::kBoolean, kNoEffect}},
    {"remote.storage.enable", {ConfigType::kBoolean, "Tiered storage does not exist: only false."}},
    {"retention.bytes",
     {ConfigType::kLong,
      "Delete the oldest segments while the partition is larger (-1: no limit)."}},
    {"retention.ms",
     {ConfigType::kLong, "Delete segments whose newest record is older than this (-1: forever)."}},
    {"segment.bytes", {ConfigType::kInt, "Roll to a new segment file at this size."}},
    {"segment.index.bytes", {ConfigType::kInt, kNoEffect}},
    {"segment.jitter.ms", {ConfigType::kLong, kNoEffect}},
    {"segment.ms",
     {ConfigType::kLong, "Roll to a new segment file when the active one is this old."}},
    {"unclean.leader.election.enable", {ConfigType::kBoolean, kNoEffect}},
};

}  // namespace

ConfigDoc DescribeTopicConfig(std::string_view name) {
  auto it = std::ranges::lower_bound(kConfigDocs, name, {}, &NamedConfigDoc::name);
  if (it == std::end(kConfigDocs) || it->name != name) return {};
  return it->doc;
}

bool IsListConfig(std::string_view name) {
  return DescribeTopicConfig(name).type == ConfigType::kList;
}

}  // namespace herald::storage
