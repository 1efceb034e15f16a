#include "broker/config_synonyms.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <span>

#include <fmt/format.h>

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

const std::map<std::string, std::string>& BuiltInTopicDefaults() {
  static const std::map<std::string, std::string> built_in = storage::LogConfig{}.ToMap();
  return built_in;
}

// Herald's default of a broker setting that defaults `topic_config`; nullopt when Kafka gives the
// setting none.
std::optional<std::string> DefaultOf(std::string_view topic_config, const BrokerSetting& setting) {
  if (!setting.has_default) return std::nullopt;
  auto topic_default = BuiltInTopicDefaults().find(std::string(topic_config));
  if (topic_default == BuiltInTopicDefaults().end()) return std::nullopt;
  return DefaultIn(topic_default->second, setting);
}

// The synonyms Kafka lists for one broker setting of `group` (the settings that default one topic
// config, in Kafka's order): those set, then their defaults, leaving out what comes before
// `name`. Before `name` come the settings that win over it, which Kafka does not show.
std::vector<ConfigSynonym> GroupSynonyms(std::string_view topic_config,
                                         std::span<const BrokerSetting> group,
                                         std::string_view name,
                                         const std::map<std::string, std::string>& settings) {
  std::vector<ConfigSynonym> all;
  for (const auto& s : group) {
    if (auto set = settings.find(std::string(s.name)); set != settings.end()) {
      all.push_back({std::string(s.name), set->second, ConfigSource::kStaticBroker});
    }
  }
  for (const auto& s : group) {
    if (auto value = DefaultOf(topic_config, s)) {
      all.push_back({std::string(s.name), *value, ConfigSource::kDefault});
    }
  }
  auto first = std::find_if(all.begin(), all.end(),
                            [&](const ConfigSynonym& c) { return c.name == name; });
  return {first, all.end()};
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
  // Kafka leaves out what comes before the first broker name (whose default may be null).
  const std::vector<ConfigSynonym> from_broker =
      GroupSynonyms(topic_config, broker, broker.front().name, settings);
  out.insert(out.end(), from_broker.begin(), from_broker.end());
  return out;
}

std::vector<BrokerConfig> BrokerConfigs(int32_t node_id, const std::vector<BrokerSettingValue>& own,
                                        const std::map<std::string, std::string>& settings) {
  std::map<std::string, BrokerConfig> by_name;
  for (const char* name : {"broker.id", "node.id"}) {
    const std::string id = std::to_string(node_id);
    by_name[name] = {name,
                     id,
                     ConfigSource::kDefault,
                     storage::ConfigType::kInt,
                     "This broker's id: Herald is a cluster of this one node.",
                     {{name, id, ConfigSource::kDefault}}};
  }
  for (const auto& s : own) {
    BrokerConfig c{s.name, s.value, ConfigSource::kDefault, s.type, s.documentation, {}};
    if (s.set) {
      c.source = ConfigSource::kStaticBroker;
      c.synonyms.push_back({s.name, s.value, ConfigSource::kStaticBroker});
    }
    c.synonyms.push_back({s.name, s.default_value, ConfigSource::kDefault});
    by_name[s.name] = std::move(c);
  }
  for (const auto& entry : Table()) {
    for (const auto& s : entry.settings) {
      // As in Kafka, log.flush.interval.ms falls back on log.flush.scheduler.interval.ms, but the
      // scheduler's setting stands alone.
      std::span<const BrokerSetting> group = entry.settings;
      if (s.name == "log.flush.scheduler.interval.ms") group = {&s, 1};
      BrokerConfig c;
      c.name = std::string(s.name);
      if (auto set = settings.find(c.name); set != settings.end()) {
        c.value = set->second;
      } else {
        c.value = DefaultOf(entry.topic_config, s);
      }
      c.synonyms = GroupSynonyms(entry.topic_config, group, s.name, settings);
      if (!c.synonyms.empty()) c.source = c.synonyms.front().source;
      c.type = s.scale == 1 ? storage::DescribeTopicConfig(entry.topic_config).type
                            : storage::ConfigType::kInt;
      c.documentation = fmt::format("The default of the topic config {}{}.", entry.topic_config,
                                    s.scale == kHour     ? ", in hours"
                                    : s.scale == kMinute ? ", in minutes"
                                                         : "");
      if (group.size() > 1) {
        std::string names;
        for (const auto& g : group) names += fmt::format("{}{}", names.empty() ? "" : ", ", g.name);
        c.documentation += fmt::format(" The first set of {} wins.", names);
      }
      by_name[c.name] = std::move(c);
    }
  }
  std::vector<BrokerConfig> out;
  out.reserve(by_name.size());
  for (auto& [name, c] : by_name) out.push_back(std::move(c));
  return out;
}

}  // namespace herald::broker
