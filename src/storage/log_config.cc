#include "storage/log_config.h"

#include <charconv>

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

}  // namespace

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
    } else if (key == "confluent.key.schema.validation") {
      HERALD_ASSIGN_OR_RETURN(c.key_schema_validation, ParseBool(key, value));
    } else if (key == "confluent.value.schema.validation") {
      HERALD_ASSIGN_OR_RETURN(c.value_schema_validation, ParseBool(key, value));
    } else if (key == "confluent.key.subject.name.strategy") {
      HERALD_ASSIGN_OR_RETURN(c.key_subject_strategy, ParseStrategy(key, value));
    } else if (key == "confluent.value.subject.name.strategy") {
      HERALD_ASSIGN_OR_RETURN(c.value_subject_strategy, ParseStrategy(key, value));
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

std::map<std::string, std::string> LogConfig::ToMap() const {
  return {
      {"segment.bytes", std::to_string(segment_bytes)},
      {"segment.ms", std::to_string(segment_ms)},
      {"retention.ms", std::to_string(retention_ms)},
      {"retention.bytes", std::to_string(retention_bytes)},
      {"cleanup.policy", cleanup_policy()},
      {"delete.retention.ms", std::to_string(delete_retention_ms)},
      {"flush.messages", std::to_string(flush_messages)},
      {"flush.ms", std::to_string(flush_ms)},
      {"index.interval.bytes", std::to_string(index_interval_bytes)},
      {"max.message.bytes", std::to_string(max_message_bytes)},
      {"confluent.key.schema.validation", key_schema_validation ? "true" : "false"},
      {"confluent.value.schema.validation", value_schema_validation ? "true" : "false"},
      {"confluent.key.subject.name.strategy", StrategyName(key_subject_strategy)},
      {"confluent.value.subject.name.strategy", StrategyName(value_subject_strategy)},
  };
}

}  // namespace herald::storage
