#include "broker/config_synonyms.h"

#include <gtest/gtest.h>

namespace herald::broker {
namespace {

using Source = ConfigSource;

TEST(ConfigSynonymsTest, ATopicConfigListsItsOverrideThenServerPropertiesThenDefaults) {
  const std::map<std::string, std::string> settings = {{"log.retention.ms", "3600000"},
                                                       {"log.retention.hours", "24"}};
  EXPECT_EQ(TopicConfigSynonyms("retention.ms", std::string("60000"), settings),
            (std::vector<ConfigSynonym>{{"retention.ms", "60000", Source::kTopic},
                                        {"log.retention.ms", "3600000", Source::kStaticBroker},
                                        {"log.retention.hours", "24", Source::kStaticBroker},
                                        {"log.retention.hours", "168", Source::kDefault}}));
  EXPECT_EQ(TopicConfigSynonyms("segment.bytes", std::nullopt, {}),
            (std::vector<ConfigSynonym>{{"log.segment.bytes", "1073741824", Source::kDefault}}));
  EXPECT_EQ(TopicConfigSynonyms("max.message.bytes", std::nullopt, {{"message.max.bytes", "99"}}),
            (std::vector<ConfigSynonym>{{"message.max.bytes", "99", Source::kStaticBroker},
                                        {"message.max.bytes", "1048588", Source::kDefault}}));
}

// As Kafka: entries before the first broker name are left out, and log.retention.ms has no
// default, so with only log.retention.hours set retention.ms has no synonyms (its source is
// DEFAULT_CONFIG), though log.retention.hours does set its value.
TEST(ConfigSynonymsTest, EntriesBeforeTheFirstBrokerNameAreLeftOut) {
  EXPECT_TRUE(
      TopicConfigSynonyms("retention.ms", std::nullopt, {{"log.retention.hours", "24"}}).empty());
  EXPECT_TRUE(TopicConfigSynonyms("segment.ms", std::nullopt, {}).empty());
  EXPECT_EQ(TopicConfigSynonyms("segment.ms", std::nullopt, {{"log.roll.ms", "1000"}}),
            (std::vector<ConfigSynonym>{{"log.roll.ms", "1000", Source::kStaticBroker},
                                        {"log.roll.hours", "168", Source::kDefault}}));
  // A config no broker setting defaults has only its override.
  EXPECT_TRUE(TopicConfigSynonyms("confluent.value.schema.validation", std::nullopt, {}).empty());
  EXPECT_EQ(
      TopicConfigSynonyms("confluent.value.schema.validation", std::string("true"), {}),
      (std::vector<ConfigSynonym>{{"confluent.value.schema.validation", "true", Source::kTopic}}));
}

TEST(ConfigSynonymsTest, BrokerSettingsDefaultTopicConfigsInTheirUnitsFirstSetWins) {
  auto defaults = TopicDefaultsFrom({{"log.retention.hours", "24"},
                                     {"log.retention.minutes", "30"},
                                     {"log.roll.hours", "2"},
                                     {"log.segment.bytes", "1000"},
                                     {"num.partitions", "3"}});
  ASSERT_TRUE(defaults.ok()) << defaults.status().ToString();
  EXPECT_EQ(*defaults, (std::map<std::string, std::string>{{"retention.ms", "1800000"},
                                                           {"segment.ms", "7200000"},
                                                           {"segment.bytes", "1000"}}));
  EXPECT_EQ(TopicDefaultsFrom({{"log.retention.ms", "5"}, {"log.retention.hours", "24"}})
                ->at("retention.ms"),
            "5");
  EXPECT_FALSE(TopicDefaultsFrom({{"log.retention.hours", "a day"}}).ok());
  EXPECT_FALSE(TopicDefaultsFrom({{"log.retention.hours", "9223372036854775807"}}).ok());
  EXPECT_TRUE(IsTopicDefaultSetting("log.retention.minutes"));
  EXPECT_TRUE(IsTopicDefaultSetting("min.insync.replicas"));
  EXPECT_FALSE(IsTopicDefaultSetting("num.partitions"));
}

std::map<std::string, BrokerConfig> ByName(std::vector<BrokerConfig> configs) {
  std::map<std::string, BrokerConfig> out;
  for (auto& c : configs) out[c.name] = std::move(c);
  return out;
}

// Kafka's broker synonym groups: a setting lists those of its group that are set, then their
// defaults, leaving out the ones before its own name (those that win over it).
TEST(ConfigSynonymsTest, BrokerSettingsListTheirGroupsSynonymsAsKafkaDoes) {
  auto configs = ByName(BrokerConfigs(1, {}, {{"log.retention.ms", "3600000"}}));
  const BrokerConfig& ms = configs.at("log.retention.ms");
  EXPECT_EQ(ms.value, "3600000");
  EXPECT_EQ(ms.source, Source::kStaticBroker);
  EXPECT_EQ(ms.type, storage::ConfigType::kLong);
  EXPECT_EQ(ms.synonyms, (std::vector<ConfigSynonym>{
                             {"log.retention.ms", "3600000", Source::kStaticBroker},
                             {"log.retention.hours", "168", Source::kDefault}}));
  const BrokerConfig& hours = configs.at("log.retention.hours");
  EXPECT_EQ(hours.value, "168");
  EXPECT_EQ(hours.source, Source::kDefault);
  EXPECT_EQ(hours.type, storage::ConfigType::kInt);
  EXPECT_EQ(hours.synonyms,
            (std::vector<ConfigSynonym>{{"log.retention.hours", "168", Source::kDefault}}));
  const BrokerConfig& minutes = configs.at("log.retention.minutes");
  EXPECT_EQ(minutes.value, std::nullopt);  // unset, and Kafka gives it no default
  EXPECT_EQ(minutes.source, Source::kDefault);
  EXPECT_TRUE(minutes.synonyms.empty());
  // log.flush.interval.ms falls back on the scheduler's interval; the scheduler's stands alone.
  EXPECT_EQ(configs.at("log.flush.interval.ms").value, std::nullopt);
  EXPECT_TRUE(configs.at("log.flush.interval.ms").synonyms.empty());
  const BrokerConfig& scheduler = configs.at("log.flush.scheduler.interval.ms");
  EXPECT_EQ(scheduler.synonyms.size(), 1u);
  EXPECT_EQ(scheduler.source, Source::kDefault);
  EXPECT_EQ(configs.at("node.id").value, "1");
  EXPECT_EQ(configs.at("broker.id").value, "1");
  EXPECT_EQ(configs.at("log.segment.bytes").value, "1073741824");
  EXPECT_FALSE(configs.at("log.segment.bytes").documentation.empty());
}

TEST(ConfigSynonymsTest, TheServeCommandsOwnSettingsSayWhetherTheyWereSet) {
  auto configs = ByName(BrokerConfigs(
      7,
      {{"num.partitions", "3", "1", true, storage::ConfigType::kInt, "Partitions."},
       {"max.connections", "1000", "1000", false, storage::ConfigType::kInt, "Connections."}},
      {}));
  const BrokerConfig& partitions = configs.at("num.partitions");
  EXPECT_EQ(partitions.value, "3");
  EXPECT_EQ(partitions.source, Source::kStaticBroker);
  EXPECT_EQ(partitions.synonyms, (std::vector<ConfigSynonym>{
                                     {"num.partitions", "3", Source::kStaticBroker},
                                     {"num.partitions", "1", Source::kDefault}}));
  EXPECT_EQ(configs.at("max.connections").source, Source::kDefault);
  EXPECT_EQ(configs.at("max.connections").synonyms.size(), 1u);
  EXPECT_EQ(configs.at("node.id").value, "7");
}

}  // namespace
}  // namespace herald::broker
