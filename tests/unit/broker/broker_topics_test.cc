// Broker topic administration: the checks every door shares and the Kafka codes it answers.
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "broker/broker.h"
#include "storage/engine.h"
#include "storage/mem_file_system.h"

namespace herald::broker {
namespace {

class BrokerTopicsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::EngineOptions o;
    o.data_dir = "/data";
    o.fs = &fs_;
    o.background = false;
    auto engine = storage::Engine::Open(o);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(engine).value();
    BrokerOptions bo;
    bo.max_partitions_per_topic = 8;
    bo.max_partitions = 10;
    auto broker = Broker::Open(*engine_, bo);
    ASSERT_TRUE(broker.ok()) << broker.status().ToString();
    broker_ = std::move(broker).value();
  }

  void TearDown() override {
    broker_.reset();
    EXPECT_TRUE(engine_->Close().ok());
  }

  storage::MemFileSystem fs_;
  std::unique_ptr<storage::Engine> engine_;
  std::unique_ptr<Broker> broker_;
};

TEST_F(BrokerTopicsTest, CreateTopicAnswersKafkasCodes) {
  EXPECT_EQ(broker_->CreateTopic("bad/name", 1, {}).code, ErrorCode::kInvalidTopicException);
  EXPECT_EQ(broker_->CreateTopic("t", 0, {}).code, ErrorCode::kInvalidPartitions);
  EXPECT_EQ(broker_->CreateTopic("t", 9, {}).code, ErrorCode::kInvalidPartitions);  // per topic
  EXPECT_EQ(broker_->CreateTopic("t", 1, {{"retention.ms", "soon"}}).code,
            ErrorCode::kInvalidConfig);
  EXPECT_TRUE(broker_->CreateTopic("t", 2, {}, /*validate_only=*/true).ok());
  EXPECT_FALSE(broker_->HasTopic("t"));
  EXPECT_TRUE(broker_->CreateTopic("t", 2, {{"retention.ms", "1000"}}).ok());
  EXPECT_EQ(broker_->DescribeTopic("t")->overrides.at("retention.ms"), "1000");
  const TopicError again = broker_->CreateTopic("t", 2, {});
  EXPECT_EQ(again.code, ErrorCode::kTopicAlreadyExists);
  EXPECT_EQ(again.message, "Topic 't' already exists.");
}

TEST_F(BrokerTopicsTest, CreatePartitionsGrowsOnlyWithinTheLimits) {
  ASSERT_TRUE(broker_->CreateTopic("t", 2, {}).ok());
  EXPECT_EQ(broker_->CreatePartitions("missing", 3).code, ErrorCode::kUnknownTopicOrPartition);
  EXPECT_EQ(broker_->CreatePartitions("t", 2).code, ErrorCode::kInvalidPartitions);
  EXPECT_EQ(broker_->CreatePartitions("t", 9).code, ErrorCode::kInvalidPartitions);
  EXPECT_TRUE(broker_->CreatePartitions("t", 4, /*validate_only=*/true).ok());
  EXPECT_EQ(broker_->DescribeTopic("t")->partitions, 2);
  EXPECT_TRUE(broker_->CreatePartitions("t", 4).ok());
  EXPECT_EQ(broker_->DescribeTopic("t")->partitions, 4);
  EXPECT_TRUE(broker_->GetLog("t", 3).ok());
}

TEST_F(BrokerTopicsTest, AlterTopicConfigReplacesTheOverrides) {
  ASSERT_TRUE(broker_->CreateTopic("t", 1, {{"retention.ms", "1000"}}).ok());
  EXPECT_EQ(broker_->AlterTopicConfig("missing", {}).code, ErrorCode::kUnknownTopicOrPartition);
  EXPECT_EQ(broker_->AlterTopicConfig("t", {{"cleanup.policy", "neither"}}).code,
            ErrorCode::kInvalidConfig);
  EXPECT_TRUE(broker_->AlterTopicConfig("t", {{"segment.bytes", "1048576"}}, true).ok());
  EXPECT_EQ(broker_->DescribeTopic("t")->overrides.count("segment.bytes"), 0u);
  EXPECT_TRUE(broker_->AlterTopicConfig("t", {{"segment.bytes", "1048576"}}).ok());
  const auto info = broker_->DescribeTopic("t");
  EXPECT_EQ(info->overrides.count("retention.ms"), 0u);
  EXPECT_EQ(info->config.segment_bytes, 1048576);
  EXPECT_EQ((*broker_->GetLog("t", 0))->config().segment_bytes, 1048576);
}

TEST_F(BrokerTopicsTest, InternalTopicsAreNotChangedOrDeleted) {
  ASSERT_TRUE(engine_->CreateTopic("__internal", 1).ok());
  EXPECT_EQ(broker_->CreatePartitions("__internal", 2).code,
            ErrorCode::kTopicAuthorizationFailed);
  EXPECT_EQ(broker_->AlterTopicConfig("__internal", {}).code,
            ErrorCode::kTopicAuthorizationFailed);
  EXPECT_EQ(broker_->DeleteTopic("__internal").code, ErrorCode::kTopicAuthorizationFailed);
  EXPECT_TRUE(broker_->HasTopic("__internal"));
  EXPECT_EQ(broker_->DeleteTopic("missing").code, ErrorCode::kUnknownTopicOrPartition);
}

TEST_F(BrokerTopicsTest, ClientsCannotCreateInternalNames) {
  EXPECT_EQ(broker_->CreateTopic("__mine", 1, {}).code, ErrorCode::kInvalidTopicException);
  EXPECT_EQ(broker_->CreateTopic("__mine", 1, {}, /*validate_only=*/true).code,
            ErrorCode::kInvalidTopicException);
  EXPECT_FALSE(broker_->EnsureTopic("__auto", /*allow_create=*/true).ok());
  EXPECT_FALSE(engine_->HasTopic("__mine"));
  EXPECT_FALSE(engine_->HasTopic("__auto"));
}

// A "__herald_" topic does not exist for the doors: not listed, described, read or written.
TEST_F(BrokerTopicsTest, PrivateTopicsAreInvisible) {
  ASSERT_TRUE(engine_->CreateTopic("__herald_secrets", 1).ok());
  EXPECT_FALSE(broker_->HasTopic("__herald_secrets"));
  for (const auto& t : broker_->ListTopics()) EXPECT_NE(t.name, "__herald_secrets");
  EXPECT_EQ(broker_->DescribeTopic("__herald_secrets").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(broker_->GetLog("__herald_secrets", 0).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(broker_->TopicName(engine_->DescribeTopic("__herald_secrets")->id).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(broker_->ProducerEntries("__herald_secrets", 0).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(broker_->LastStableOffset("__herald_secrets", 0).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(broker_->EnsureTopic("__herald_secrets", true).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(engine_->HasTopic("__herald_secrets"));
}

// Creations from many threads never take the broker past --max-partitions together.
TEST_F(BrokerTopicsTest, ConcurrentCreationsStayWithinTheBrokersLimit) {
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([this, i] {
      const std::string name = fmt::format("t{}", i);
      broker_->CreateTopic(name, 3, {});
      broker_->CreatePartitions(name, 5);
    });
  }
  for (auto& t : threads) t.join();
  int32_t total = 0;
  for (const auto& t : broker_->ListTopics()) total += t.partitions;
  EXPECT_LE(total, 10);
  EXPECT_GE(total, 9);  // three topics of three, or two of five
}

}  // namespace
}  // namespace herald::broker
