#include "registry/record_validator.h"

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "base/clock.h"
#include "storage/mem_file_system.h"
#include "storage/record_batch.h"
#include "testing/memory_engine.h"

namespace herald::registry {
namespace {

using namespace std::string_literals;

constexpr const char* kOrder =
    R"({"type":"record","name":"Order","namespace":"shop","fields":[
        {"name":"id","type":"string"},{"name":"n","type":"long"}]})";

// Confluent's framing: magic 0, the id big-endian, the payload.
std::string Framed(int32_t id, const std::string& payload) {
  std::string out(5, '\0');
  for (int i = 0; i < 4; ++i) out[static_cast<size_t>(4 - i)] = static_cast<char>(id >> (8 * i));
  return out + payload;
}

// An Order {id: "ab", n: 3} in Avro's binary encoding.
const std::string kOrderDatum =
    "\x04"
    "ab"
    "\x06"s;

class RecordValidatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(testing::ReopenMemoryEngine(engine_, fs_, clock_));
    auto registry = SchemaRegistry::Open(*engine_);
    ASSERT_TRUE(registry.ok());
    registry_ = std::move(registry).value();
    auto id = registry_->Register("orders-value", {.schema = kOrder});
    ASSERT_TRUE(id.ok());
    id_ = *id;
    validator_ = std::make_unique<RecordValidator>(*registry_);
    config_.value_schema_validation = true;
  }

  // Checks a batch of records with these values (and keys).
  Status CheckValues(const std::vector<std::optional<std::string>>& values,
                     const std::string& topic = "orders",
                     const std::optional<std::string>& key = std::nullopt) {
    std::vector<storage::RecordSpec> records;
    for (const auto& v : values) records.push_back({key, v, 1, {}});
    buffer_ = storage::BuildBatch(records, storage::Compression::kLz4);
    auto batch = storage::ValidatedBatch::Check(buffer_);
    EXPECT_TRUE(batch.ok());
    return validator_->Check(topic, config_, *batch);
  }

  storage::MemFileSystem fs_;
  ManualClock clock_{1'700'000'000'000};
  std::unique_ptr<storage::Engine> engine_;
  std::unique_ptr<SchemaRegistry> registry_;
  std::unique_ptr<RecordValidator> validator_;
  storage::LogConfig config_;
  Buffer buffer_;
  int32_t id_ = 0;
};

TEST_F(RecordValidatorTest, FramedDatumsOfTheSubjectsSchemaPass) {
  EXPECT_TRUE(CheckValues({Framed(id_, kOrderDatum), std::nullopt, Framed(id_, kOrderDatum)}).ok());
}

TEST_F(RecordValidatorTest, EachBadRecordIsNamed) {
  Status plain = CheckValues({Framed(id_, kOrderDatum), "plain text"});
  EXPECT_EQ(plain.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(plain.message().find("record 1"), std::string::npos) << plain.message();
  EXPECT_NE(plain.message().find("not framed"), std::string::npos) << plain.message();

  Status magic = CheckValues({"\x01" + Framed(id_, kOrderDatum).substr(1)});
  EXPECT_NE(magic.message().find("not framed"), std::string::npos) << magic.message();

  Status unknown = CheckValues({Framed(999, kOrderDatum)});
  EXPECT_NE(unknown.message().find("999 is not in the registry"), std::string::npos)
      << unknown.message();

  Status truncated = CheckValues({Framed(id_,
                                         "\x04"
                                         "ab")});
  EXPECT_NE(truncated.message().find("does not match schema"), std::string::npos)
      << truncated.message();

  Status trailing = CheckValues({Framed(id_, kOrderDatum + "x")});
  EXPECT_NE(trailing.message().find("does not match schema"), std::string::npos)
      << trailing.message();

  // Another topic's subject does not hold the id.
  Status other = CheckValues({Framed(id_, kOrderDatum)}, "payments");
  EXPECT_NE(other.message().find("not registered under subject 'payments-value'"),
            std::string::npos)
      << other.message();
}

TEST_F(RecordValidatorTest, SubjectStrategiesAndKeys) {
  config_.value_subject_strategy = storage::SubjectNameStrategy::kRecordName;
  EXPECT_FALSE(CheckValues({Framed(id_, kOrderDatum)}).ok()) << "shop.Order holds no version";
  ASSERT_TRUE(registry_->Register("shop.Order", {.schema = kOrder}).ok());
  EXPECT_TRUE(CheckValues({Framed(id_, kOrderDatum)}).ok());
  config_.value_subject_strategy = storage::SubjectNameStrategy::kTopicRecordName;
  EXPECT_FALSE(CheckValues({Framed(id_, kOrderDatum)}).ok());
  ASSERT_TRUE(registry_->Register("orders-shop.Order", {.schema = kOrder}).ok());
  EXPECT_TRUE(CheckValues({Framed(id_, kOrderDatum)}).ok());

  // Keys are checked only when the topic asks.
  config_.value_schema_validation = false;
  EXPECT_TRUE(CheckValues({"anything"}, "orders", "plain key").ok());
  config_.key_schema_validation = true;
  EXPECT_FALSE(CheckValues({"anything"}, "orders", "plain key").ok());
}

TEST_F(RecordValidatorTest, ADeletedVersionNoLongerPasses) {
  EXPECT_TRUE(CheckValues({Framed(id_, kOrderDatum)}).ok());
  ASSERT_TRUE(registry_->DeleteSubject("orders-value", false).ok());
  EXPECT_FALSE(CheckValues({Framed(id_, kOrderDatum)}).ok()) << "the cache follows the registry";
}

TEST_F(RecordValidatorTest, JsonSchemaPayloadsAreValidInstances) {
  auto id = registry_->Register(
      "readings-value",
      {.type = SchemaType::kJson,
       .schema = R"({"title":"Reading","type":"object","properties":{"celsius":{"type":"number",)"
                 R"("minimum":-273.15}},"required":["celsius"]})"});
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_TRUE(CheckValues({Framed(*id, R"({"celsius":21.5})"), Framed(*id, R"({"celsius":-3})")},
                          "readings")
                  .ok());
  Status cold = CheckValues(
      {Framed(*id, R"({"celsius":21.5})"), Framed(*id, R"({"celsius":-300})")}, "readings");
  EXPECT_NE(cold.message().find("record 1"), std::string::npos) << cold.message();
  EXPECT_NE(cold.message().find("/celsius"), std::string::npos) << cold.message();
  Status missing = CheckValues({Framed(*id, "{}")}, "readings");
  EXPECT_NE(missing.message().find("celsius"), std::string::npos) << missing.message();
  Status not_json = CheckValues({Framed(*id, "{celsius")}, "readings");
  EXPECT_NE(not_json.message().find("not JSON"), std::string::npos) << not_json.message();
  // RecordNameStrategy takes a JSON schema's title.
  config_.value_subject_strategy = storage::SubjectNameStrategy::kRecordName;
  EXPECT_FALSE(CheckValues({Framed(*id, R"({"celsius":1})")}, "readings").ok());
  ASSERT_TRUE(registry_
                  ->Register("Reading", {.type = SchemaType::kJson,
                                         .schema = registry_->GetSchema(*id)->schema})
                  .ok());
  EXPECT_TRUE(CheckValues({Framed(*id, R"({"celsius":1})")}, "readings").ok());
}

}  // namespace
}  // namespace herald::registry
