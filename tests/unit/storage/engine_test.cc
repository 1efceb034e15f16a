#include "storage/engine.h"

#include <gtest/gtest.h>

#include "storage/fault_file_system.h"
#include "storage/mem_file_system.h"
#include "storage/record_batch.h"

namespace herald::storage {
namespace {

class EngineTest : public ::testing::Test {
 protected:
  std::unique_ptr<Engine> OpenEngine() {
    EngineOptions o;
    o.data_dir = "/data";
    o.fs = &fs_;
    o.clock = &clock_;
    o.background = false;
    auto engine = Engine::Open(o);
    EXPECT_TRUE(engine.ok()) << engine.status().ToString();
    return engine.ok() ? std::move(engine).value() : nullptr;
  }

  int64_t AppendTo(Engine& engine, const std::string& topic, int32_t partition) {
    auto log = engine.GetLog(topic, partition);
    EXPECT_TRUE(log.ok());
    Buffer b = BuildBatch({{"k", "v", clock_.NowMs(), {}}});
    auto r = (*log)->AppendAndWait(b, AckLevel::kDurable);
    EXPECT_TRUE(r.ok());
    return r.ok() ? r->base_offset : -1;
  }

  MemFileSystem fs_;
  ManualClock clock_;
};

TEST_F(EngineTest, TopicNamesFollowKafkasRules) {
  EXPECT_TRUE(Engine::ValidateTopicName("orders.v1_a-b").ok());
  EXPECT_FALSE(Engine::ValidateTopicName("").ok());
  EXPECT_FALSE(Engine::ValidateTopicName(".").ok());
  EXPECT_FALSE(Engine::ValidateTopicName("..").ok());
  EXPECT_FALSE(Engine::ValidateTopicName("a/b").ok());
  EXPECT_FALSE(Engine::ValidateTopicName("spaced name").ok());
  EXPECT_FALSE(Engine::ValidateTopicName(std::string(250, 'a')).ok());
  EXPECT_TRUE(Engine::ValidateTopicName(std::string(249, 'a')).ok());
}

TEST_F(EngineTest, TopicsAndTheirDataSurviveReopen) {
  {
    auto engine = OpenEngine();
    ASSERT_TRUE(engine->CreateTopic("orders", 3, {{"retention.ms", "1000"}}).ok());
    ASSERT_TRUE(engine->CreateTopic("users", 1, {{"cleanup.policy", "compact"}}).ok());
    EXPECT_EQ(engine->CreateTopic("orders", 1).code(), StatusCode::kAlreadyExists);
    EXPECT_EQ(engine->CreateTopic("bad", 0).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(engine->CreateTopic("bad", 1, {{"no.such.config", "1"}}).code(),
              StatusCode::kInvalidArgument);
    EXPECT_FALSE(engine->HasTopic("bad"));
    EXPECT_EQ(AppendTo(*engine, "orders", 2), 0);
    EXPECT_EQ(AppendTo(*engine, "orders", 2), 1);
    ASSERT_TRUE(engine->Close().ok());
  }
  auto engine = OpenEngine();
  auto topics = engine->ListTopics();
  ASSERT_EQ(topics.size(), 2u);
  auto orders = engine->DescribeTopic("orders");
  ASSERT_TRUE(orders.ok());
  EXPECT_EQ(orders->partitions, 3);
  EXPECT_EQ(orders->config.retention_ms, 1000);
  EXPECT_EQ(engine->DescribeTopic("users")->config.cleanup_policy(), "compact");
  EXPECT_EQ((*engine->GetLog("orders", 2))->end_offset(), 2);
  EXPECT_EQ(engine->GetLog("orders", 3).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(engine->GetLog("nope", 0).status().code(), StatusCode::kNotFound);
}

// A new partition directory is durable before anything in it is acknowledged: a power loss right
// after a durable append keeps the topic, its directory and the batch.
TEST_F(EngineTest, NewTopicsAndTheirAcknowledgedBatchesSurvivePowerLoss) {
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    MemFileSystem fs;
    EngineOptions o;
    o.data_dir = "/data";
    o.fs = &fs;
    o.clock = &clock_;
    o.background = false;
    {
      auto engine = Engine::Open(o);
      ASSERT_TRUE(engine.ok()) << engine.status().ToString();
      ASSERT_TRUE((*engine)->CreateTopic("orders", 2).ok());
      auto log = (*engine)->GetLog("orders", 1);
      ASSERT_TRUE(log.ok());
      Buffer b = BuildBatch({{"k", "v", clock_.NowMs(), {}}});
      ASSERT_TRUE((*log)->AppendAndWait(b, AckLevel::kDurable).ok());
      fs.SimulateCrash(seed);
    }
    fs.Restart();
    auto engine = Engine::Open(o);
    ASSERT_TRUE(engine.ok()) << "seed " << seed << ": " << engine.status().ToString();
    auto log = (*engine)->GetLog("orders", 1);
    ASSERT_TRUE(log.ok()) << "seed " << seed;
    EXPECT_EQ((*log)->end_offset(), 1) << "seed " << seed;
  }
}

TEST_F(EngineTest, CreatePartitionsAndAlterConfigsPersist) {
  {
    auto engine = OpenEngine();
    ASSERT_TRUE(engine->CreateTopic("orders", 1).ok());
    EXPECT_EQ(engine->CreatePartitions("orders", 1).code(), StatusCode::kInvalidArgument);
    ASSERT_TRUE(engine->CreatePartitions("orders", 4).ok());
    EXPECT_EQ(AppendTo(*engine, "orders", 3), 0);
    ASSERT_TRUE(engine->AlterTopicConfig("orders", {{"segment.bytes", "4096"}}).ok());
    EXPECT_EQ((*engine->GetLog("orders", 0))->config().segment_bytes, 4096);
    EXPECT_EQ(engine->AlterTopicConfig("orders", {{"segment.bytes", "abc"}}).code(),
              StatusCode::kInvalidArgument);
  }
  auto engine = OpenEngine();
  EXPECT_EQ(engine->DescribeTopic("orders")->partitions, 4);
  EXPECT_EQ(engine->DescribeTopic("orders")->overrides.at("segment.bytes"), "4096");
  EXPECT_EQ((*engine->GetLog("orders", 3))->end_offset(), 1);
}

TEST_F(EngineTest, TopicsHaveIdsThatSurviveChangesAndReopen) {
  Uuid orders_id;
  {
    auto engine = OpenEngine();
    ASSERT_TRUE(engine->CreateTopic("orders", 1).ok());
    ASSERT_TRUE(engine->CreateTopic("users", 1).ok());
    orders_id = engine->DescribeTopic("orders")->id;
    EXPECT_NE(orders_id, Uuid{});
    EXPECT_NE(orders_id, engine->DescribeTopic("users")->id);
    EXPECT_EQ(*engine->TopicName(orders_id), "orders");
    ASSERT_TRUE(engine->CreatePartitions("orders", 2).ok());
    ASSERT_TRUE(engine->AlterTopicConfig("orders", {{"segment.bytes", "4096"}}).ok());
    EXPECT_EQ(engine->DescribeTopic("orders")->id, orders_id);
  }
  auto engine = OpenEngine();
  EXPECT_EQ(engine->DescribeTopic("orders")->id, orders_id);
  EXPECT_EQ(*engine->TopicName(orders_id), "orders");
  // A deleted topic's id names nothing; a new topic of the same name gets a new id.
  ASSERT_TRUE(engine->DeleteTopic("orders").ok());
  EXPECT_EQ(engine->TopicName(orders_id).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(engine->CreateTopic("orders", 1).ok());
  EXPECT_NE(engine->DescribeTopic("orders")->id, orders_id);
  EXPECT_EQ(engine->TopicName(Uuid{}).status().code(), StatusCode::kNotFound);
}

TEST_F(EngineTest, ATopicWrittenWithoutAnIdIsGivenOneThatLasts) {
  { ASSERT_NE(OpenEngine(), nullptr); }
  {
    auto file = fs_.Open("/data/meta/topics/old.json", OpenMode::kCreate);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE(
        (*file)->Append(AsBytes(std::string_view(R"({"name":"old","partitions":1})"))).ok());
  }
  Uuid id;
  {
    auto engine = OpenEngine();
    ASSERT_TRUE(engine->HasTopic("old"));
    id = engine->DescribeTopic("old")->id;
    EXPECT_NE(id, Uuid{});
  }
  EXPECT_EQ(OpenEngine()->DescribeTopic("old")->id, id);
  // An id that is not a UUID is damage: the topic is offline, its files untouched.
  {
    auto file = fs_.Open("/data/meta/topics/bad.json", OpenMode::kCreate);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE((*file)
                    ->Append(AsBytes(std::string_view(R"({"name":"bad","id":"x","partitions":1})")))
                    .ok());
  }
  auto engine = OpenEngine();
  ASSERT_EQ(engine->OfflinePartitions().size(), 1u);
  EXPECT_EQ(engine->OfflinePartitions()[0].topic, "bad");
}

// A metadata file copied from another topic carries its id: the second one opened gets a new id,
// and deleting either leaves the other findable by its own.
TEST_F(EngineTest, TwoTopicsNeverShareAnId) {
  {
    auto engine = OpenEngine();
    ASSERT_TRUE(engine->CreateTopic("first", 1).ok());
  }
  auto original = ReadFile(fs_, "/data/meta/topics/first.json");
  ASSERT_TRUE(original.ok());
  std::string copy(AsString(*original));
  copy.replace(copy.find("\"first\""), 7, "\"second\"");
  {
    auto file = fs_.Open("/data/meta/topics/second.json", OpenMode::kCreate);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE((*file)->Append(AsBytes(std::string_view(copy))).ok());
  }
  auto engine = OpenEngine();
  const Uuid first = engine->DescribeTopic("first")->id;
  const Uuid second = engine->DescribeTopic("second")->id;
  EXPECT_NE(first, second);
  EXPECT_EQ(*engine->TopicName(first), "first");
  EXPECT_EQ(*engine->TopicName(second), "second");
  ASSERT_TRUE(engine->DeleteTopic("second").ok());
  EXPECT_EQ(*engine->TopicName(first), "first");
}

TEST_F(EngineTest, DeleteTopicRemovesItsFiles) {
  auto engine = OpenEngine();
  ASSERT_TRUE(engine->CreateTopic("orders", 2).ok());
  AppendTo(*engine, "orders", 0);
  EXPECT_TRUE(fs_.Exists("/data/orders-0"));
  ASSERT_TRUE(engine->DeleteTopic("orders").ok());
  EXPECT_FALSE(engine->HasTopic("orders"));
  EXPECT_FALSE(fs_.Exists("/data/orders-0"));
  EXPECT_FALSE(fs_.Exists("/data/meta/topics/orders.json"));
  EXPECT_EQ(engine->DeleteTopic("orders").code(), StatusCode::kNotFound);
  // A topic of the same name starts afresh.
  ASSERT_TRUE(engine->CreateTopic("orders", 1).ok());
  EXPECT_EQ(AppendTo(*engine, "orders", 0), 0);
}

TEST_F(EngineTest, InterruptedDeletionIsFinishedOnOpenAndStrangersAreKept) {
  {
    auto engine = OpenEngine();
    ASSERT_TRUE(engine->CreateTopic("orders", 2).ok());
    AppendTo(*engine, "orders", 1);
  }
  // As if a deletion crashed after renaming one directory, and a directory no topic claims.
  ASSERT_TRUE(fs_.Rename("/data/orders-1", "/data/orders-1.deleting").ok());
  ASSERT_TRUE(fs_.CreateDir("/data/backup-2").ok());
  auto engine = OpenEngine();
  EXPECT_FALSE(fs_.Exists("/data/orders-1.deleting"));
  EXPECT_TRUE(fs_.Exists("/data/backup-2")) << "never delete what we cannot account for";
  EXPECT_TRUE(engine->HasTopic("orders"));
  EXPECT_EQ((*engine->GetLog("orders", 1))->end_offset(), 0);
}

// One partition that does not open leaves the others served, and says why.
TEST_F(EngineTest, APartitionThatDoesNotOpenIsOfflineAndTheRestServe) {
  {
    auto engine = OpenEngine();
    ASSERT_TRUE(engine->CreateTopic("a", 2).ok());
    ASSERT_TRUE(engine->CreateTopic("b", 1).ok());
    AppendTo(*engine, "a", 0);
    AppendTo(*engine, "b", 0);
  }
  // a-1 is no longer a directory: its log cannot open.
  ASSERT_TRUE(RemoveTree(fs_, "/data/a-1").ok());
  {
    auto file = fs_.Open("/data/a-1", OpenMode::kCreate);
    ASSERT_TRUE(file.ok());
  }
  // And the metadata of a third topic does not parse.
  {
    auto file = fs_.Open("/data/meta/topics/c.json", OpenMode::kCreate);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE((*file)->Append(AsBytes(std::string_view("{not json"))).ok());
  }
  auto engine = OpenEngine();
  ASSERT_NE(engine, nullptr);
  EXPECT_EQ(engine->GetLog("a", 1).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ((*engine->GetLog("a", 0))->end_offset(), 1);
  EXPECT_EQ((*engine->GetLog("b", 0))->end_offset(), 1);
  auto offline = engine->OfflinePartitions();
  ASSERT_EQ(offline.size(), 2u);
  EXPECT_EQ(offline[0].topic, "a");
  EXPECT_EQ(offline[0].partition, 1);
  EXPECT_EQ(offline[1].topic, "c");
  EXPECT_EQ(offline[1].partition, -1);
  // A topic whose metadata did not load is not silently created anew.
  EXPECT_EQ(engine->CreateTopic("c", 1).code(), StatusCode::kAlreadyExists);
  EXPECT_TRUE(fs_.Exists("/data/a-1"));
}

// Metadata naming more partitions than a topic may have is damage: opening it would create that
// many directories and open three files for each.
TEST_F(EngineTest, MetadataNamingTooManyPartitionsIsOfflineNotOpened) {
  { ASSERT_NE(OpenEngine(), nullptr); }
  {
    auto file = fs_.Open("/data/meta/topics/huge.json", OpenMode::kCreate);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE(
        (*file)->Append(AsBytes(std::string_view(R"({"name":"huge","partitions":2000000000})")))
            .ok());
  }
  auto engine = OpenEngine();
  ASSERT_NE(engine, nullptr);
  auto offline = engine->OfflinePartitions();
  ASSERT_EQ(offline.size(), 1u);
  EXPECT_EQ(offline[0].topic, "huge");
  EXPECT_EQ(offline[0].partition, -1);
  EXPECT_NE(offline[0].reason.find("--max-partitions-per-topic"), std::string::npos)
      << offline[0].reason;
  EXPECT_FALSE(fs_.Exists("/data/huge-0"));
}

// A log whose fsync failed stops taking appends; the engine reports it with the offline ones.
TEST_F(EngineTest, ALogThatFailedASyncIsReported) {
  FaultFileSystem faulty(fs_);
  EngineOptions o;
  o.data_dir = "/data";
  o.fs = &faulty;
  o.clock = &clock_;
  o.background = false;
  auto engine = Engine::Open(o);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  ASSERT_TRUE((*engine)->CreateTopic("orders", 1).ok());
  EXPECT_TRUE((*engine)->OfflinePartitions().empty());
  auto log = (*engine)->GetLog("orders", 0);
  ASSERT_TRUE(log.ok());
  faulty.FailSyncs(true);
  Buffer b = BuildBatch({{"k", "v", clock_.NowMs(), {}}});
  EXPECT_FALSE((*log)->AppendAndWait(b, AckLevel::kDurable).ok());
  faulty.FailSyncs(false);
  auto offline = (*engine)->OfflinePartitions();
  ASSERT_EQ(offline.size(), 1u);
  EXPECT_EQ(offline[0].topic, "orders");
  EXPECT_EQ(offline[0].partition, 0);
  EXPECT_NE(offline[0].reason.find("sync"), std::string::npos) << offline[0].reason;
}

TEST_F(EngineTest, SecondOpenOfTheSameDirectoryIsRefused) {
  auto first = OpenEngine();
  EngineOptions o;
  o.data_dir = "/data";
  o.fs = &fs_;
  o.background = false;
  auto second = Engine::Open(o);
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(second.status().message().find("in use"), std::string::npos);
  first.reset();
  EXPECT_TRUE(Engine::Open(o).ok()) << "the lock is released on close";
}

TEST_F(EngineTest, CleanerAppliesRetention) {
  auto engine = OpenEngine();
  ASSERT_TRUE(
      engine->CreateTopic("events", 1, {{"segment.bytes", "1024"}, {"retention.ms", "1000"}}).ok());
  for (int i = 0; i < 20; ++i) AppendTo(*engine, "events", 0);
  auto log = *engine->GetLog("events", 0);
  ASSERT_TRUE(engine->RunCleaner().ok());
  EXPECT_EQ(log->log_start_offset(), 0);
  clock_.AdvanceMs(2000);
  ASSERT_TRUE(engine->RunCleaner().ok());
  EXPECT_EQ(log->log_start_offset(), 20);
}

}  // namespace
}  // namespace herald::storage
