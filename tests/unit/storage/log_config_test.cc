#include "storage/log_config.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace herald::storage {
namespace {

constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

void ExpectSameConfig(const LogConfig& a, const LogConfig& b) {
  EXPECT_EQ(a.segment_bytes, b.segment_bytes);
  EXPECT_EQ(a.segment_ms, b.segment_ms);
  EXPECT_EQ(a.retention_ms, b.retention_ms);
  EXPECT_EQ(a.retention_bytes, b.retention_bytes);
  EXPECT_EQ(a.cleanup_delete, b.cleanup_delete);
  EXPECT_EQ(a.cleanup_compact, b.cleanup_compact);
  EXPECT_EQ(a.delete_retention_ms, b.delete_retention_ms);
  EXPECT_EQ(a.min_compaction_lag_ms, b.min_compaction_lag_ms);
  EXPECT_EQ(a.flush_messages, b.flush_messages);
  EXPECT_EQ(a.flush_ms, b.flush_ms);
  EXPECT_EQ(a.index_interval_bytes, b.index_interval_bytes);
  EXPECT_EQ(a.max_message_bytes, b.max_message_bytes);
  EXPECT_EQ(a.compression, b.compression);
  EXPECT_EQ(a.log_append_time, b.log_append_time);
  EXPECT_EQ(a.timestamp_difference_max_ms, b.timestamp_difference_max_ms);
  EXPECT_EQ(a.timestamp_before_max_ms, b.timestamp_before_max_ms);
  EXPECT_EQ(a.timestamp_after_max_ms, b.timestamp_after_max_ms);
  EXPECT_EQ(a.key_schema_validation, b.key_schema_validation);
  EXPECT_EQ(a.value_schema_validation, b.value_schema_validation);
  EXPECT_EQ(a.key_subject_strategy, b.key_subject_strategy);
  EXPECT_EQ(a.value_subject_strategy, b.value_subject_strategy);
}

// A config with every field away from its default.
LogConfig Custom() {
  LogConfig c;
  c.segment_bytes = 123'456;
  c.segment_ms = 60'000;
  c.retention_ms = -1;
  c.retention_bytes = 10'000'000;
  c.cleanup_delete = true;
  c.cleanup_compact = true;
  c.delete_retention_ms = 5;
  c.min_compaction_lag_ms = 7;
  c.flush_messages = 1;
  c.flush_ms = 0;
  c.index_interval_bytes = 128;
  c.max_message_bytes = 2048;
  c.compression = Compression::kLz4;
  c.log_append_time = true;
  c.timestamp_difference_max_ms = 1000;
  c.timestamp_before_max_ms = 2000;
  c.timestamp_after_max_ms = 3000;
  c.value_schema_validation = true;
  c.key_subject_strategy = SubjectNameStrategy::kRecordName;
  return c;
}

// The value of the field a key names, as an int64.
int64_t Field(const LogConfig& c, const std::string& key) {
  if (key == "segment.bytes") return c.segment_bytes;
  if (key == "segment.ms") return c.segment_ms;
  if (key == "retention.ms") return c.retention_ms;
  if (key == "retention.bytes") return c.retention_bytes;
  if (key == "delete.retention.ms") return c.delete_retention_ms;
  if (key == "min.compaction.lag.ms") return c.min_compaction_lag_ms;
  if (key == "flush.messages") return c.flush_messages;
  if (key == "flush.ms") return c.flush_ms;
  if (key == "index.interval.bytes") return c.index_interval_bytes;
  if (key == "max.message.bytes") return c.max_message_bytes;
  ADD_FAILURE() << "no integer field for " << key;
  return 0;
}

struct IntKey {
  const char* key;
  int64_t min;
  int64_t max;
};

// Every integer key with the range it accepts (Kafka's ranges; the 32-bit ones cap at int32).
const std::vector<IntKey>& IntKeys() {
  static const std::vector<IntKey> keys = {
      {"segment.bytes", 14, kInt32Max},       {"segment.ms", 1, kInt64Max},
      {"retention.ms", -1, kInt64Max},        {"retention.bytes", -1, kInt64Max},
      {"delete.retention.ms", 0, kInt64Max},  {"min.compaction.lag.ms", 0, kInt64Max},
      {"flush.messages", 1, kInt64Max},       {"flush.ms", 0, kInt64Max},
      {"index.interval.bytes", 0, kInt32Max}, {"max.message.bytes", 0, kInt32Max},
  };
  return keys;
}

TEST(LogConfigTest, DefaultsAreKafkas) {
  LogConfig c;
  EXPECT_EQ(c.segment_bytes, int64_t{1} << 30);
  EXPECT_EQ(c.segment_ms, int64_t{604'800'000});
  EXPECT_EQ(c.retention_ms, int64_t{604'800'000});
  EXPECT_EQ(c.retention_bytes, -1);
  EXPECT_EQ(c.cleanup_policy(), "delete");
  EXPECT_EQ(c.delete_retention_ms, int64_t{86'400'000});
  EXPECT_EQ(c.flush_messages, LogConfig::kNever);
  EXPECT_EQ(c.flush_ms, LogConfig::kNever);
  EXPECT_EQ(c.index_interval_bytes, 4096);
  EXPECT_EQ(c.max_message_bytes, 1048588);
}

TEST(LogConfigTest, EmptyOverridesReturnTheBase) {
  LogConfig base = Custom();
  auto c = LogConfig::WithOverrides(base, {});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ExpectSameConfig(*c, base);
}

TEST(LogConfigTest, EachIntegerKeySetsItsFieldOnly) {
  for (const IntKey& k : IntKeys()) {
    // A value inside the range that no field of the base holds.
    int64_t value = std::min<int64_t>(k.max, 777'777);
    SCOPED_TRACE(k.key);
    LogConfig base = Custom();
    auto c = LogConfig::WithOverrides(base, {{k.key, fmt::format("{}", value)}});
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    EXPECT_EQ(Field(*c, k.key), value);
    // Every other field keeps the base's value.
    for (const IntKey& other : IntKeys()) {
      if (std::string(other.key) == k.key) continue;
      EXPECT_EQ(Field(*c, other.key), Field(base, other.key)) << other.key;
    }
    EXPECT_EQ(c->cleanup_policy(), base.cleanup_policy());
  }
}

TEST(LogConfigTest, IntegerKeysAcceptTheirBounds) {
  for (const IntKey& k : IntKeys()) {
    SCOPED_TRACE(k.key);
    for (int64_t v : {k.min, k.max}) {
      auto c = LogConfig::WithOverrides(LogConfig{}, {{k.key, fmt::format("{}", v)}});
      ASSERT_TRUE(c.ok()) << v << ": " << c.status().ToString();
      EXPECT_EQ(Field(*c, k.key), v);
    }
  }
}

TEST(LogConfigTest, IntegerKeysRejectValuesOutOfRange) {
  const LogConfig base = Custom();
  for (const IntKey& k : IntKeys()) {
    SCOPED_TRACE(k.key);
    std::vector<std::string> bad = {fmt::format("{}", k.min - 1)};
    if (k.max < kInt64Max) bad.push_back(fmt::format("{}", k.max + 1));
    bad.push_back("-9223372036854775808");
    for (const std::string& v : bad) {
      auto c = LogConfig::WithOverrides(base, {{k.key, v}});
      EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument) << v;
    }
    ExpectSameConfig(base, Custom());
  }
}

TEST(LogConfigTest, ThirtyTwoBitKeysRejectSixtyFourBitValues) {
  for (const char* key : {"segment.bytes", "index.interval.bytes", "max.message.bytes"}) {
    SCOPED_TRACE(key);
    for (const char* v : {"2147483648", "4294967296", "4294968296", "9223372036854775807"}) {
      auto c = LogConfig::WithOverrides(LogConfig{}, {{key, v}});
      EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument) << v;
    }
  }
}

TEST(LogConfigTest, NonIntegerValuesAreInvalid) {
  const LogConfig base = Custom();
  for (const IntKey& k : IntKeys()) {
    SCOPED_TRACE(k.key);
    for (const char* v : {"", "abc", "12abc", "1.5", "1e3", " 100", "100 ", "0x10", "--1",
                          "9223372036854775808", "99999999999999999999999"}) {
      auto c = LogConfig::WithOverrides(base, {{k.key, v}});
      EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument) << "'" << v << "'";
      EXPECT_FALSE(c.status().message().empty());
    }
  }
  ExpectSameConfig(base, Custom());
}

TEST(LogConfigTest, UnknownKeysAreInvalid) {
  const LogConfig base = Custom();
  for (const char* key : {"", "segment.byte", "SEGMENT.BYTES", "segment_bytes", "retention",
                          "cleanup.policies", "no.such.config", "segment.bytes "}) {
    auto c = LogConfig::WithOverrides(base, {{key, "100"}});
    EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument) << "'" << key << "'";
  }
  ExpectSameConfig(base, Custom());
}

TEST(LogConfigTest, OneBadOverrideFailsTheWholeCall) {
  const LogConfig base = Custom();
  // Valid keys sort both before and after the bad one.
  std::map<std::string, std::string> overrides = {
      {"cleanup.policy", "compact"}, {"retention.ms", "-7"}, {"segment.bytes", "5000"}};
  auto c = LogConfig::WithOverrides(base, overrides);
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(c.status().message().find("retention.ms"), std::string::npos)
      << "names the key: " << c.status().ToString();
  ExpectSameConfig(base, Custom());

  auto unknown = LogConfig::WithOverrides(base, {{"aaa.unknown", "1"}, {"segment.bytes", "5000"}});
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("aaa.unknown"), std::string::npos)
      << unknown.status().ToString();
  ExpectSameConfig(base, Custom());
}

TEST(LogConfigTest, SeveralOverridesApplyTogether) {
  auto c = LogConfig::WithOverrides(LogConfig{}, {{"segment.bytes", "1024"},
                                                  {"retention.bytes", "-1"},
                                                  {"cleanup.policy", "compact"},
                                                  {"flush.messages", "10"}});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->segment_bytes, 1024);
  EXPECT_EQ(c->retention_bytes, -1);
  EXPECT_EQ(c->flush_messages, 10);
  EXPECT_TRUE(c->cleanup_compact);
  EXPECT_FALSE(c->cleanup_delete);
  EXPECT_EQ(c->retention_ms, LogConfig{}.retention_ms);
  EXPECT_EQ(c->flush_ms, LogConfig::kNever);
}

TEST(LogConfigTest, CleanupPolicyVariants) {
  struct Case {
    const char* value;
    bool del;
    bool compact;
    const char* canonical;
  };
  for (const Case& k :
       {Case{"delete", true, false, "delete"}, Case{"compact", false, true, "compact"},
        Case{"compact,delete", true, true, "compact,delete"},
        Case{"delete,compact", true, true, "compact,delete"}}) {
    SCOPED_TRACE(k.value);
    // From each starting policy, so a variant cannot pass by leaving a flag as it was.
    for (const char* start : {"delete", "compact", "compact,delete"}) {
      auto base = LogConfig::WithOverrides(LogConfig{}, {{"cleanup.policy", start}});
      ASSERT_TRUE(base.ok());
      auto c = LogConfig::WithOverrides(*base, {{"cleanup.policy", k.value}});
      ASSERT_TRUE(c.ok()) << c.status().ToString();
      EXPECT_EQ(c->cleanup_delete, k.del) << "from " << start;
      EXPECT_EQ(c->cleanup_compact, k.compact) << "from " << start;
      EXPECT_EQ(c->cleanup_policy(), k.canonical);
    }
  }
}

TEST(LogConfigTest, BadCleanupPoliciesAreInvalid) {
  const LogConfig base = Custom();
  for (const char* v : {"", "Delete", "COMPACT", "none", "compact,", ",delete", "deletecompact",
                        "compact;delete", "compact,delete,foo"}) {
    auto c = LogConfig::WithOverrides(base, {{"cleanup.policy", v}});
    EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument) << "'" << v << "'";
  }
  ExpectSameConfig(base, Custom());
}

TEST(LogConfigTest, SchemaValidationSettings) {
  auto c = LogConfig::WithOverrides(
      LogConfig{}, {{"confluent.key.schema.validation", "true"},
                    {"confluent.value.subject.name.strategy", "TopicRecordNameStrategy"},
                    {"confluent.key.subject.name.strategy",
                     "io.confluent.kafka.serializers.subject.RecordNameStrategy"}});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->key_schema_validation);
  EXPECT_FALSE(c->value_schema_validation);
  EXPECT_EQ(c->value_subject_strategy, SubjectNameStrategy::kTopicRecordName);
  EXPECT_EQ(c->key_subject_strategy, SubjectNameStrategy::kRecordName);
  EXPECT_FALSE(LogConfig::WithOverrides(LogConfig{}, {{"confluent.value.schema.validation", "yes"}})
                   .ok());
  EXPECT_FALSE(
      LogConfig::WithOverrides(LogConfig{}, {{"confluent.value.subject.name.strategy", "Mine"}})
          .ok());
}

TEST(LogConfigTest, ToMapNamesEverySetting) {
  auto m = Custom().ToMap();
  EXPECT_EQ(m.size(), 20u + KafkaOnlyConfigNames().size());
  EXPECT_EQ(m.at("segment.bytes"), "123456");
  EXPECT_EQ(m.at("segment.ms"), "60000");
  EXPECT_EQ(m.at("retention.ms"), "-1");
  EXPECT_EQ(m.at("retention.bytes"), "10000000");
  EXPECT_EQ(m.at("cleanup.policy"), "compact,delete");
  EXPECT_EQ(m.at("delete.retention.ms"), "5");
  EXPECT_EQ(m.at("flush.messages"), "1");
  EXPECT_EQ(m.at("flush.ms"), "0");
  EXPECT_EQ(m.at("index.interval.bytes"), "128");
  EXPECT_EQ(m.at("max.message.bytes"), "2048");
  EXPECT_EQ(m.at("message.timestamp.before.max.ms"), "2000");
  EXPECT_EQ(m.at("message.timestamp.after.max.ms"), "3000");
  EXPECT_EQ(m.at("confluent.value.schema.validation"), "true");
  EXPECT_EQ(m.at("confluent.key.subject.name.strategy"),
            "io.confluent.kafka.serializers.subject.RecordNameStrategy");
  auto defaults = LogConfig{}.ToMap();
  EXPECT_EQ(defaults.at("flush.ms"), "9223372036854775807");
  EXPECT_EQ(defaults.at("cleanup.policy"), "delete");
}

// Every topic config Kafka 3.x defines is accepted with a value Kafka accepts, kept and reported;
// a value Kafka refuses is refused here too.
TEST(LogConfigTest, KafkaOnlyConfigsAreCheckedStoredAndReported) {
  EXPECT_EQ(KafkaOnlyConfigNames().size(), 18u);
  const std::map<std::string, std::string> good = {
      {"compression.gzip.level", "9"},
      {"compression.lz4.level", "17"},
      {"compression.zstd.level", "-5"},
      {"file.delete.delay.ms", "0"},
      {"follower.replication.throttled.replicas", "0:1,1:1"},
      {"leader.replication.throttled.replicas", "*"},
      {"local.retention.bytes", "-2"},
      {"local.retention.ms", "1000"},
      {"max.compaction.lag.ms", "1"},
      {"message.downconversion.enable", "false"},
      {"message.format.version", "2.8-IV1"},
      {"min.cleanable.dirty.ratio", "0.25"},
      {"min.insync.replicas", "2"},
      {"preallocate", "true"},
      {"remote.storage.enable", "false"},
      {"segment.index.bytes", "4096"},
      {"segment.jitter.ms", "10"},
      {"unclean.leader.election.enable", "true"},
  };
  ASSERT_EQ(good.size(), KafkaOnlyConfigNames().size());
  auto c = LogConfig::WithOverrides(LogConfig{}, good);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->kafka_only, good);
  auto reported = c->ToMap();
  for (const auto& [key, value] : good) EXPECT_EQ(reported.at(key), value) << key;
  auto defaults = LogConfig{}.ToMap();
  EXPECT_EQ(defaults.at("min.insync.replicas"), "1");

  for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"message.timestamp.type", "Now"},
           {"min.insync.replicas", "0"},
           {"max.compaction.lag.ms", "0"},
           {"local.retention.ms", "-3"},
           {"min.cleanable.dirty.ratio", "1.5"},
           {"min.cleanable.dirty.ratio", "nan"},
           {"remote.storage.enable", "true"},
           {"preallocate", "yes"},
           {"message.format.version", "banana"},
           {"message.format.version", "9.9"},
           {"message.format.version", "3.0-IV5"},
           {"compression.gzip.level", "0"},
           {"compression.gzip.level", "10"},
           {"compression.lz4.level", "0"},
           {"compression.zstd.level", "23"},
           {"message.format.version", "3..0"},
           {"leader.replication.throttled.replicas", "0:1,x"},
           {"follower.replication.throttled.replicas", "0:"},
       }) {
    auto bad = LogConfig::WithOverrides(LogConfig{}, {{key, value}});
    EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument) << key << "=" << value;
  }
}

TEST(LogConfigTest, CompressionType) {
  EXPECT_EQ(LogConfig{}.compression, std::nullopt);
  EXPECT_EQ(LogConfig{}.ToMap().at("compression.type"), "producer");
  for (const auto& [name, codec] : std::vector<std::pair<std::string, std::optional<Compression>>>{
           {"producer", std::nullopt},
           {"uncompressed", Compression::kNone},
           {"gzip", Compression::kGzip},
           {"snappy", Compression::kSnappy},
           {"lz4", Compression::kLz4},
           {"zstd", Compression::kZstd}}) {
    auto c = LogConfig::WithOverrides(Custom(), {{"compression.type", name}});
    ASSERT_TRUE(c.ok()) << name << ": " << c.status().ToString();
    EXPECT_EQ(c->compression, codec) << name;
    EXPECT_EQ(c->ToMap().at("compression.type"), name);
  }
  for (const char* bad : {"brotli", "none", "LZ4", ""}) {
    auto c = LogConfig::WithOverrides(LogConfig{}, {{"compression.type", bad}});
    EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(LogConfigTest, TimestampSettings) {
  EXPECT_FALSE(LogConfig{}.log_append_time);
  EXPECT_EQ(LogConfig{}.ToMap().at("message.timestamp.type"), "CreateTime");
  auto c =
      LogConfig::WithOverrides(LogConfig{}, {{"message.timestamp.type", "LogAppendTime"},
                                             {"message.timestamp.difference.max.ms", "60000"}});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->log_append_time);
  EXPECT_EQ(c->timestamp_difference_max_ms, 60000);
  EXPECT_EQ(c->ToMap().at("message.timestamp.type"), "LogAppendTime");
  EXPECT_EQ(c->ToMap().at("message.timestamp.difference.max.ms"), "60000");
  // before/after replace the difference on their side only when set, as in Kafka 3.6+.
  EXPECT_EQ(c->TimestampBeforeMaxMs(), 60000);
  EXPECT_EQ(c->TimestampAfterMaxMs(), 60000);
  auto sided = LogConfig::WithOverrides(*c, {{"message.timestamp.before.max.ms", "5"}});
  ASSERT_TRUE(sided.ok());
  EXPECT_EQ(sided->TimestampBeforeMaxMs(), 5);
  EXPECT_EQ(sided->TimestampAfterMaxMs(), 60000);
  EXPECT_EQ(sided->ToMap().at("message.timestamp.before.max.ms"), "5");
  EXPECT_EQ(sided->ToMap().at("message.timestamp.after.max.ms"), "9223372036854775807");
  for (const auto& [key, value] :
       std::map<std::string, std::string>{{"message.timestamp.type", "Now"},
                                          {"message.timestamp.type", "logappendtime"},
                                          {"message.timestamp.difference.max.ms", "-1"},
                                          {"message.timestamp.before.max.ms", "-1"},
                                          {"message.timestamp.after.max.ms", "x"}}) {
    auto bad = LogConfig::WithOverrides(LogConfig{}, {{key, value}});
    EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument) << key << "=" << value;
  }
}

TEST(LogConfigTest, ToMapRoundTripsThroughWithOverrides) {
  LogConfig compact_only;
  compact_only.cleanup_delete = false;
  compact_only.cleanup_compact = true;
  compact_only.segment_bytes = 14;
  compact_only.index_interval_bytes = 0;
  for (const LogConfig& original : {LogConfig{}, Custom(), compact_only}) {
    // Onto a base that differs everywhere, so nothing passes by being left alone.
    LogConfig other = Custom();
    if (original.cleanup_compact && original.cleanup_delete) {
      other.cleanup_compact = false;
    }
    auto c = LogConfig::WithOverrides(other, original.ToMap());
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    ExpectSameConfig(*c, original);
    EXPECT_EQ(c->ToMap(), original.ToMap());
  }
  // Every key that ToMap names is one WithOverrides accepts on its own.
  for (const auto& [key, value] : LogConfig{}.ToMap()) {
    auto one = LogConfig::WithOverrides(Custom(), {{key, value}});
    EXPECT_TRUE(one.ok()) << key << "=" << value << ": " << one.status().ToString();
  }
}

// Every config LogConfig reports has a type and documentation (DescribeConfigs v3+), and the
// list configs are the ones IncrementalAlterConfigs may append to.
TEST(LogConfigTest, EveryReportedConfigIsDescribed) {
  for (const auto& [name, value] : LogConfig{}.ToMap()) {
    SCOPED_TRACE(name);
    ConfigDoc doc = DescribeTopicConfig(name);
    EXPECT_NE(doc.type, ConfigType::kUnknown);
    EXPECT_FALSE(doc.documentation.empty());
  }
  EXPECT_EQ(DescribeTopicConfig("no.such.config").type, ConfigType::kUnknown);
  EXPECT_EQ(DescribeTopicConfig("retention.ms").type, ConfigType::kLong);
  EXPECT_TRUE(IsListConfig("cleanup.policy"));
  EXPECT_TRUE(IsListConfig("leader.replication.throttled.replicas"));
  EXPECT_FALSE(IsListConfig("retention.ms"));
}

}  // namespace
}  // namespace herald::storage
