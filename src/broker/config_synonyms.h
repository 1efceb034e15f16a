// The broker settings that default topic configs, as Kafka names them in server.properties, and
// how DescribeConfigs reports where a topic config's value comes from.
//
// Kafka lets several broker settings default one topic config: retention.ms comes from
// log.retention.ms, else log.retention.minutes, else log.retention.hours (the first one set
// wins, in that order). DescribeConfigs reports a topic config's synonyms: the topic's own
// override, then each of those broker settings set in server.properties (STATIC_BROKER_CONFIG),
// then each one's default (DEFAULT_CONFIG), leaving out the leading entries before the first
// broker name, as Kafka does. So with only log.retention.hours set, retention.ms has no synonyms
// (log.retention.ms, the first name, has no default) and its source is DEFAULT_CONFIG.
//
// Pure functions over constant tables; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "storage/log_config.h"

namespace herald::broker {

// Where a config's value comes from, numbered as DescribeConfigs (v1+) numbers it.
enum class ConfigSource : int8_t {
  kTopic = 1,         // DYNAMIC_TOPIC_CONFIG: the topic's override
  kStaticBroker = 4,  // STATIC_BROKER_CONFIG: server.properties
  kDefault = 5,       // DEFAULT_CONFIG
};

struct ConfigSynonym {
  std::string name;
  std::string value;
  ConfigSource source;
  bool operator==(const ConfigSynonym&) const = default;
};

// Whether `name` is a broker setting that defaults a topic config (log.retention.hours, ...).
bool IsTopicDefaultSetting(std::string_view name);

// The topic config defaults that the broker settings in `settings` (server.properties, as
// written) give, in the topic configs' units (log.retention.hours=24 is retention.ms=86400000);
// for each topic config the first of its broker settings that is set wins. Settings that default
// no topic config are ignored. kInvalidArgument names a value that is not a number where one is
// scaled, or that overflows.
Result<std::map<std::string, std::string>> TopicDefaultsFrom(
    const std::map<std::string, std::string>& settings);

// A topic config's synonyms as DescribeConfigs lists them (see above): `override_value` is the
// topic's override, if it has one; `settings` the broker's server.properties settings, as written.
// A broker setting's default is Herald's built-in default for the topic config, in its unit.
std::vector<ConfigSynonym> TopicConfigSynonyms(std::string_view topic_config,
                                               const std::optional<std::string>& override_value,
                                               const std::map<std::string, std::string>& settings);

// A broker setting of the serve command's own (num.partitions, max.connections, ...), as it
// resolved it: DescribeConfigs lists it with these values.
struct BrokerSettingValue {
  std::string name;           // as server.properties names it
  std::string value;          // in effect
  std::string default_value;  // Herald's default
  bool set = false;           // by server.properties or a command-line flag
  storage::ConfigType type = storage::ConfigType::kString;
  std::string documentation;
};

// A broker setting as DescribeConfigs reports it for the broker's own id.
struct BrokerConfig {
  std::string name;
  std::optional<std::string> value;  // null: unset, with no default (log.retention.ms)
  ConfigSource source = ConfigSource::kDefault;
  storage::ConfigType type = storage::ConfigType::kUnknown;
  std::string documentation;
  std::vector<ConfigSynonym> synonyms;
};

// Every setting of the broker `node_id`, by name: broker.id and node.id, the serve command's own
// settings (`own`), and each setting that defaults a topic config, from `settings`
// (server.properties, as written) or its default. Synonyms follow Kafka's groups
// (log.retention.ms|minutes|hours, log.roll.ms|hours, log.roll.jitter.ms|hours, log.flush.interval.ms
// with log.flush.scheduler.interval.ms): the ones set, then their defaults, leaving out those
// before the setting's own name, as Kafka does.
std::vector<BrokerConfig> BrokerConfigs(int32_t node_id, const std::vector<BrokerSettingValue>& own,
                                        const std::map<std::string, std::string>& settings);

}  // namespace herald::broker
