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

}  // namespace
}  // namespace herald::broker
