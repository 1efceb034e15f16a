#include "eventstore/persistent_subscriptions.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "storage/file_system.h"
#include "storage/mem_file_system.h"
#include "unit/eventstore/store_fixture.h"

namespace herald::eventstore {
namespace {

class PersistentSubscriptionsTest : public StoreFixture {
 protected:
  // The store, then its persistent subscriptions.
  void Reopen(const std::function<void()>& before_store = {}) override {
    subs_.reset();
    StoreFixture::Reopen(before_store);
    auto subs = PersistentSubscriptions::Open(*store_, *engine_);
    ASSERT_TRUE(subs.ok()) << subs.status().ToString();
    subs_ = std::move(subs).value();
  }

  // `count` events to `stream`, with data {"n": i}.
  void Append(const std::string& stream, int count) {
    std::vector<EventData> events;
    for (int i = 0; i < count; ++i) {
      events.push_back({.type = "Made", .data = fmt::format(R"({{"n":{}}})", i)});
    }
    ASSERT_TRUE(store_->AppendAndWait(stream, ExpectedRevision::Any(), events).ok());
  }

  std::vector<PersistentDelivery> Read(size_t count, const std::string& stream = "$ce-order",
                                       const std::string& group = "billing") {
    auto r = subs_->Read(stream, group, count);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::vector<PersistentDelivery>{};
  }

  static std::vector<std::string> Ids(const std::vector<PersistentDelivery>& d) {
    std::vector<std::string> ids;
    for (const auto& x : d) ids.push_back(x.event.id);
    return ids;
  }

  std::unique_ptr<PersistentSubscriptions> subs_;
};

TEST_F(PersistentSubscriptionsTest, ConsumersShareTheEventsAndAckedOnesDoNotComeBack) {
  Append("order-1", 3);
  Append("user-1", 2);
  Append("order-2", 3);
  ASSERT_TRUE(subs_->Create("$ce-order", "billing", {}).ok());
  EXPECT_EQ(subs_->Create("$ce-order", "billing", {}).code(), StatusCode::kAlreadyExists);
  auto a = Read(4);  // one consumer
  auto b = Read(4);  // another: the rest, none twice
  ASSERT_EQ(a.size(), 4u);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(a[0].event.stream, "order-1");
  EXPECT_EQ(b[1].event.stream, "order-2");
  EXPECT_TRUE(Read(4).empty());
  ASSERT_TRUE(subs_->Ack("$ce-order", "billing", Ids(a)).ok());
  ASSERT_TRUE(subs_->Ack("$ce-order", "billing", Ids(b)).ok());
  auto info = subs_->Info("$ce-order", "billing");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->in_flight, 0u);
  EXPECT_EQ(info->acked, 6);
  EXPECT_EQ(info->checkpoint, store_->end_position());
  Append("order-3", 1);
  auto c = Read(4);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].event.stream, "order-3");
}

TEST_F(PersistentSubscriptionsTest, UnackedEventsComeBackAfterTheTimeoutThenGetParked) {
  Append("order-1", 2);
  ASSERT_TRUE(
      subs_->Create("$ce-order", "billing", {.max_retry_count = 2, .message_timeout_ms = 1000})
          .ok());
  auto first = Read(10);
  ASSERT_EQ(first.size(), 2u);
  ASSERT_TRUE(subs_->Ack("$ce-order", "billing", {first[1].event.id}).ok());
  EXPECT_TRUE(Read(10).empty());  // not yet timed out
  for (int retry = 1; retry <= 2; ++retry) {
    clock_.AdvanceMs(1001);
    auto again = Read(10);
    ASSERT_EQ(again.size(), 1u) << "retry " << retry;
    EXPECT_EQ(again[0].event.id, first[0].event.id);
    EXPECT_EQ(again[0].retry_count, retry);
  }
  clock_.AdvanceMs(1001);
  EXPECT_TRUE(Read(10).empty());  // retries ran out: parked
  auto parked = subs_->Parked("$ce-order", "billing", 10);
  ASSERT_TRUE(parked.ok());
  ASSERT_EQ(parked->size(), 1u);
  EXPECT_EQ((*parked)[0].id, first[0].event.id);

  ASSERT_TRUE(subs_->ReplayParked("$ce-order", "billing").ok());
  auto replayed = Read(10);
  ASSERT_EQ(replayed.size(), 1u);
  EXPECT_EQ(replayed[0].retry_count, 0);
  EXPECT_EQ(subs_->Parked("$ce-order", "billing", 10)->size(), 0u);
}

TEST_F(PersistentSubscriptionsTest, NackRetriesParksOrSkips) {
  Append("order-1", 3);
  ASSERT_TRUE(subs_->Create("order-1", "g", {}).ok());
  auto d = Read(3, "order-1", "g");
  ASSERT_EQ(d.size(), 3u);
  ASSERT_TRUE(subs_->Nack("order-1", "g", {d[0].event.id}, NackAction::kRetry).ok());
  ASSERT_TRUE(subs_->Nack("order-1", "g", {d[1].event.id}, NackAction::kPark).ok());
  ASSERT_TRUE(subs_->Nack("order-1", "g", {d[2].event.id}, NackAction::kSkip).ok());
  auto again = Read(3, "order-1", "g");
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].event.revision, 0);
  EXPECT_EQ(again[0].retry_count, 1);
  EXPECT_EQ(subs_->Parked("order-1", "g", 10)->size(), 1u);
  EXPECT_EQ(subs_->Read("order-2", "g", 1).status().code(), StatusCode::kNotFound);
}

// After a restart: settings, checkpoint and parked events come back; what was acked before the
// checkpoint is not delivered again, what was in flight is, and a parked event stays parked.
TEST_F(PersistentSubscriptionsTest, GroupsCheckpointsAndParkedEventsSurviveARestart) {
  Append("order-1", 5);
  ASSERT_TRUE(subs_->Create("$all", "audit", {.max_retry_count = 3}).ok());
  auto d = Read(5, "$all", "audit");
  ASSERT_EQ(d.size(), 5u);
  ASSERT_TRUE(subs_->Ack("$all", "audit", {d[0].event.id, d[1].event.id}).ok());
  ASSERT_TRUE(subs_->Nack("$all", "audit", {d[2].event.id}, NackAction::kPark).ok());
  ASSERT_TRUE(subs_->Ack("$all", "audit", {d[4].event.id}).ok());
  ASSERT_TRUE(subs_->Close().ok());
  Reopen();
  auto list = subs_->List();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].settings.max_retry_count, 3);
  EXPECT_EQ(list[0].checkpoint, 3);  // 0 and 1 acked, 2 parked; 3 was in flight
  auto again = Read(5, "$all", "audit");
  ASSERT_EQ(again.size(), 2u);  // 3 (in flight) and 4 (acked after the checkpoint): at least once
  EXPECT_EQ(again[0].event.position, 3);
  EXPECT_EQ(subs_->Parked("$all", "audit", 10)->size(), 1u);
  ASSERT_TRUE(subs_->Delete("$all", "audit").ok());
  Reopen();
  EXPECT_TRUE(subs_->List().empty());
}

TEST_F(PersistentSubscriptionsTest, StartsAtTheEndAndBoundsWhatIsInFlight) {
  Append("order-1", 4);
  ASSERT_TRUE(subs_->Create("$ce-order", "late", {.start_from = -1, .max_in_flight = 2}).ok());
  EXPECT_TRUE(Read(10, "$ce-order", "late").empty());
  Append("order-2", 3);
  auto d = Read(10, "$ce-order", "late");
  ASSERT_EQ(d.size(), 2u);  // max_in_flight
  EXPECT_EQ(d[0].event.stream, "order-2");
  EXPECT_TRUE(Read(10, "$ce-order", "late").empty());
  ASSERT_TRUE(subs_->Ack("$ce-order", "late", Ids(d)).ok());
  EXPECT_EQ(Read(10, "$ce-order", "late").size(), 1u);
}

TEST_F(PersistentSubscriptionsTest, RefusesBadNamesAndSettings) {
  EXPECT_EQ(subs_->Create("$ce-order", "", {}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(subs_->Create("$bad", "g", {}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(subs_->Create("$ce-", "g", {}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(subs_->Create("$ce-\xff\xfe", "g", {}).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(subs_->List().empty());
  EXPECT_EQ(subs_->Create("order-1", "g", {.max_retry_count = -1}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(subs_->Create("order-1", "g", {.message_timeout_ms = 0}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(subs_->Delete("order-1", "g").code(), StatusCode::kNotFound);
}

TEST_F(PersistentSubscriptionsTest, ADamagedFileIsRefused) {
  ASSERT_TRUE(subs_->Create("order-1", "g", {}).ok());
  subs_.reset();
  ASSERT_TRUE(storage::WriteFileAtomic(fs_,
                                       "/data/meta/eventstore/herald.events.subscriptions.json",
                                       AsBytes(std::string("{\"groups\": [{\"stream\": 1}]}")))
                  .ok());
  auto subs = PersistentSubscriptions::Open(*store_, *engine_);
  EXPECT_EQ(subs.status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace herald::eventstore
