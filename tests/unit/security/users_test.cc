#include "security/users.h"

#include <memory>
#include <optional>

#include <gtest/gtest.h>

#include "testing/memory_engine.h"

namespace herald::security {
namespace {

class UserStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(testing::ReopenMemoryEngine(engine_, fs_, clock_));
    Reopen();
  }
  void Reopen() {
    store_.reset();
    auto opened = UserStore::Open(*engine_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
  }

  storage::MemFileSystem fs_;
  ManualClock clock_;
  std::unique_ptr<storage::Engine> engine_;
  std::unique_ptr<UserStore> store_;
};

TEST_F(UserStoreTest, CredentialsSurviveAReopenAndDeletionsToo) {
  const auto alice256 = NewCredential(ScramMechanism::kSha256, "wonderland");
  const auto alice512 = NewCredential(ScramMechanism::kSha512, "wonderland", 8192);
  const auto bob = NewCredential(ScramMechanism::kSha256, "builder");
  ASSERT_TRUE(store_->Upsert("alice", ScramMechanism::kSha256, alice256).ok());
  ASSERT_TRUE(store_->Upsert("alice", ScramMechanism::kSha512, alice512).ok());
  ASSERT_TRUE(store_->Upsert("bob", ScramMechanism::kSha256, bob).ok());
  const auto bob_again = NewCredential(ScramMechanism::kSha256, "new password");
  ASSERT_TRUE(store_->Upsert("bob", ScramMechanism::kSha256, bob_again).ok());
  ASSERT_TRUE(store_->Delete("alice", ScramMechanism::kSha512).ok());
  EXPECT_EQ(store_->Delete("alice", ScramMechanism::kSha512).code(), StatusCode::kNotFound);

  ASSERT_NO_FATAL_FAILURE(testing::ReopenMemoryEngine(engine_, fs_, clock_));
  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_EQ(store_->Find("alice", ScramMechanism::kSha256), alice256);
  EXPECT_EQ(store_->Find("alice", ScramMechanism::kSha512), std::nullopt);
  EXPECT_EQ(store_->Find("bob", ScramMechanism::kSha256), bob_again);
  EXPECT_EQ(store_->Find("carol", ScramMechanism::kSha256), std::nullopt);
  const auto all = store_->List();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all.at("alice"), (std::map<ScramMechanism, int32_t>{{ScramMechanism::kSha256, 4096}}));
}

TEST_F(UserStoreTest, NamesAndIterationsKafkaRefusesAreRefused) {
  auto c = NewCredential(ScramMechanism::kSha256, "x");
  EXPECT_EQ(store_->Upsert("", ScramMechanism::kSha256, c).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Upsert("\xff\xfe", ScramMechanism::kSha256, c).code(),
            StatusCode::kInvalidArgument);
  c.iterations = kMinIterations - 1;
  EXPECT_EQ(store_->Upsert("a", ScramMechanism::kSha256, c).code(), StatusCode::kInvalidArgument);
  c.iterations = kMaxIterations + 1;
  EXPECT_EQ(store_->Upsert("a", ScramMechanism::kSha256, c).code(), StatusCode::kInvalidArgument);
  // A SCRAM-SHA-512 credential's 64-byte keys under SCRAM-SHA-256.
  EXPECT_EQ(
      store_->Upsert("a", ScramMechanism::kSha256, NewCredential(ScramMechanism::kSha512, "x"))
          .code(),
      StatusCode::kInvalidArgument);
  EXPECT_TRUE(store_->List().empty());
}

// Apply makes every change or none: one refused change (a removal of a credential the user has
// not, two changes of one credential, iterations out of range) leaves the store as it was, across
// a reopen too.
TEST_F(UserStoreTest, ChangesApplyAllOrNone) {
  const auto carol = NewCredential(ScramMechanism::kSha256, "c4rol");
  const auto dave = NewCredential(ScramMechanism::kSha512, "d4ve", 8192);
  using Change = UserStore::Change;
  EXPECT_EQ(store_->Apply({{"carol", ScramMechanism::kSha256, carol},
                           {"dave", ScramMechanism::kSha256, std::nullopt}})
                .code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store_->Apply({{"carol", ScramMechanism::kSha256, carol},
                           {"carol", ScramMechanism::kSha256, std::nullopt}})
                .code(),
            StatusCode::kAlreadyExists);
  auto few = carol;
  few.iterations = 100;
  EXPECT_EQ(store_->Apply({Change{"dave", ScramMechanism::kSha512, dave},
                           Change{"carol", ScramMechanism::kSha256, few}})
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(store_->List().empty());

  ASSERT_TRUE(store_
                  ->Apply({{"carol", ScramMechanism::kSha256, carol},
                           {"dave", ScramMechanism::kSha512, dave}})
                  .ok());
  ASSERT_TRUE(store_
                  ->Apply({{"carol", ScramMechanism::kSha256, std::nullopt},
                           {"dave", ScramMechanism::kSha256, dave}})
                  .code() == StatusCode::kInvalidArgument)
      << "a 64-byte key does not fit SCRAM-SHA-256";
  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_TRUE(store_->Find("carol", ScramMechanism::kSha256).has_value());
  EXPECT_EQ(store_->Find("dave", ScramMechanism::kSha512)->iterations, 8192);
  ASSERT_TRUE(store_
                  ->Apply({{"carol", ScramMechanism::kSha256, std::nullopt},
                           {"dave", ScramMechanism::kSha512, std::nullopt}})
                  .ok());
  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_TRUE(store_->List().empty());
}

TEST_F(UserStoreTest, AnUnreadableRecordIsSkipped) {
  auto log = engine_->GetLog(kUsersTopic, 0);
  ASSERT_TRUE(log.ok());
  Buffer junk = storage::BuildBatch({{std::string("not json"), std::string("{}"), 1, {}}});
  ASSERT_TRUE((*log)->AppendAndWait(junk, storage::AckLevel::kDurable).ok());
  ASSERT_TRUE(store_
                  ->Upsert("dora", ScramMechanism::kSha256,
                           NewCredential(ScramMechanism::kSha256, "explorer"))
                  .ok());
  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_NE(store_->Find("dora", ScramMechanism::kSha256), std::nullopt);
}

}  // namespace
}  // namespace herald::security
