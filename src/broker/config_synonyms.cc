#include "broker/config_synonyms.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <span>

#include "storage/log_config.h"

namespace herald::broker {

namespace {

struct BrokerSetting {
  std::string_view name;
  int64_t scale;     // one unit of the setting in the topic config's unit (hours: 3,600,000 ms)
  bool has_default;  // whether Kafka gives the setting a default (log.retention.ms has none)
};

struct TopicSynonyms {
  std::string_view topic_config;
  std::vector<BrokerSetting> settings;  // in Kafka's order: the first one set wins
};

constexpr int64_t kMinute = 60 * 1000;
constexpr int64_t kHour = 60 * kMinute;

// Kafka 3.x's ServerTopicConfigSynonyms, with which of its settings have defaults in KafkaConfig.
const std::vector<TopicSynonyms>& Table() {
  static const std::vector<TopicSynonyms> table = {
      {"cleanup.policy", {{"log.cleanup.policy", 1, true}}},
      {"compression.gzip.level", {{"compression.gzip.level", 1, true}}},
      {"compression.lz4.level", {{"compression.lz4.level", 1, true}}},
      {"compression.type", {{"compression.type", 1, true}}},
      {"compression.zstd.level", {{"compression.zstd.level", 1, true}}},
      {"delete.retention.ms", {{"log.cleaner.delete.retention.ms", 1, true}}},
      {"file.delete.delay.ms", {{"log.segment.delete.delay.ms", 1, true}}},
      {"flush.messages", {{"log.flush.interval.messages", 1, true}}},
      {"flush.ms",
       {{"log.flush.interval.ms", 1, false}, {"log.flush.scheduler.interval.ms", 1, true}}},
      {"index.interval.bytes", {{"log.index.interval.bytes", 1, true}}},
      {"local.retention.bytes", {{"log.local.retention.bytes", 1, true}}},
      {"local.retention.ms", {{"log.local.retention.ms", 1, true}}},
      {"max.compaction.lag.ms", {{"log.cleaner.max.compaction.lag.ms", 1, true}}},
      {"max.message.bytes", {{"message.max.bytes", 1, true}}},
      {"message.downconversion.enable", {{"log.message.downconversion.enable", 1, true}}},
      {"message.format.version", {{"log.message.format.version", 1, true}}},
      {"message.timestamp.after.max.ms", {{"log.message.timestamp.after.max.ms", 1, true}}},
      {"message.timestamp.before.max.ms", {{"log.message.timestamp.before.max.ms", 1, true}}},
      {"message.timestamp.difference.max.ms",
       {{"log.message.timestamp.difference.max.ms", 1, true}}},
      {"message.timestamp.type", {{"log.message.timestamp.type", 1, true}}},
      {"min.cleanable.dirty.ratio", {{"log.cleaner.min.cleanable.ratio", 1, true}}},
      {"min.compaction.lag.ms", {{"log.cleaner.min.compaction.lag.ms", 1, true}}},
      {"min.insync.replicas", {{"min.insync.replicas", 1, true}}},
      {"preallocate", {{"log.preallocate", 1, true}}},
      {"retention.bytes", {{"log.retention.bytes", 1, true}}},
      {"retention.ms",
       {{"log.retention.ms", 1, false},
        {"log.retention.minutes", kMinute, false},
        {"log.retention.hours", kHour, true}}},
      {"segment.bytes", {{"log.segment.bytes", 1, true}}},
      {"segment.index.bytes", {{"log.index.size.max.bytes", 1, true}}},
      {"segment.jitter.ms",
       {{"log.roll.jitter.ms", 1, false}, {"log.roll.jitter.hours", kHour, true}}},
      {"segment.ms", {{"log.roll.ms", 1, false}, {"log.roll.hours", kHour, true}}},
      {"unclean.leader.election.enable", {{"unclean.leader.election.enable", 1, true}}},
  };
  return table;
}

std::span<const BrokerSetting> SettingsOf(std::string_view topic_config) {
  for (const auto& entry : Table()) {
    if (entry.topic_config == topic_config) return entry.settings;
  }
  return {};
}

std::optional<int64_t> ParseInt(std::string_view text) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

// Herald's built-in default of `topic_config`, in the unit of `setting`.
std::string DefaultIn(const std::string& topic_default, const BrokerSetting& setting) {
  if (setting.scale == 1) return topic_default;
  auto v = ParseInt(topic_default);
  if (!v) return topic_default;
  return std::to_string(*v / setting.scale);
}

}  // namespace

bool IsTopicDefaultSetting(std::string_view name) {
  for (const auto& entry : Table()) {
    for (const auto& s : entry.settings) {
      if (s.name == name) return true;
    }
  }
  return false;
}

Result<std::map<std::string, std::string>> TopicDefaultsFrom(
    const std::map<std::string, std::string>& settings) {
  std::map<std::string, std::string> defaults;
  for (const auto& entry : Table()) {
    for (const auto& s : entry.settings) {
      auto set = settings.find(std::string(s.name));
      if (set == settings.end()) continue;
      if (s.scale == 1) {
        defaults[std::string(entry.topic_config)] = set->second;
      } else {
        auto v = ParseInt(set->second);
        if (!v || *v > INT64_MAX / s.scale || *v < INT64_MIN / s.scale) {
          return InvalidArgument("{} must be a whole number of {}, not '{}'", s.name,
                                 s.scale == kHour ? "hours" : "minutes", set->second);
        }
        defaults[std::string(entry.topic_config)] = std::to_string(*v * s.scale);
      }
      break;  // the first one set wins
    }
  }
  return defaults;
}

std::vector<ConfigSynonym> TopicConfigSynonyms(std::string_view topic_config,
                                               const std::optional<std::string>& override_value,
                                               const std::map<std::string, std::string>& settings) {
  std::vector<ConfigSynonym> out;
  if (override_value) {
    out.push_back({std::string(topic_config), *override_value, ConfigSource::kTopic});
  }
  const std::span<const BrokerSetting> broker = SettingsOf(topic_config);
  if (broker.empty()) return out;
  std::vector<ConfigSynonym> from_broker;
  for (const auto& s : broker) {
    if (auto set = settings.find(std::string(s.name)); set != settings.end()) {
      from_broker.push_back({std::string(s.name), set->second, ConfigSource::kStaticBroker});
    }
  }
  static const std::map<std::string, std::string> built_in = storage::LogConfig{}.ToMap();
  if (auto topic_default = built_in.find(std::string(topic_config));
      topic_default != built_in.end()) {
    for (const auto& s : broker) {
      if (!s.has_default) continue;
      from_broker.push_back(
          {std::string(s.name), DefaultIn(topic_default->second, s), ConfigSource::kDefault});
    }
  }
  // Kafka leaves out what comes before the first broker name (whose default may be null).
  auto first = std::find_if(from_broker.begin(), from_broker.end(),
                            [&](const ConfigSynonym& c) { return c.name == broker.front().name; });
  out.insert(out.end(), first, from_broker.end());
  return out;
}

}  // namespace herald::broker
