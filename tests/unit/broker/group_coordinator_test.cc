#include "broker/group_coordinator.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "broker/broker.h"
#include "broker/transactions.h"
#include "storage/mem_file_system.h"
#include "testing/manual_timers.h"

namespace herald::broker {
namespace {

namespace asio = boost::asio;

using enum ErrorCode;

class GroupCoordinatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::EngineOptions o;
    o.data_dir = "/data";
    o.fs = &fs_;
    o.background = false;
    engine_ = std::move(storage::Engine::Open(o)).value();
    broker_ = std::move(Broker::Open(*engine_, BrokerOptions{})).value();
    work_.emplace(io_.get_executor());
    thread_ = std::thread([this] { io_.run(); });
    Reopen();
  }
  void TearDown() override {
    groups_->Shutdown();
    groups_.reset();
    work_.reset();
    thread_.join();
    broker_.reset();
    // The logs' flusher threads may still hold the coordinator's append callbacks (and through
    // them its timers): closing the engine runs and drops them while io_ is still alive.
    ASSERT_TRUE(engine_->Close().ok());
  }
  void Reopen() {
    GroupOptions go;
    go.initial_rebalance_delay_ms = 0;  // a new group's first join completes at once
    go.timers = &timers_;
    go.append_transactional = OffsetsAppender(*broker_);
    groups_ = std::move(GroupCoordinator::Open(*engine_, io_.get_executor(), go)).value();
  }

  std::vector<CommittedOffset> TxnCommit(int64_t producer_id, int16_t epoch,
                                         std::vector<CommittedOffset> offsets,
                                         int32_t generation = -1, std::string member = "") {
    std::promise<std::vector<CommittedOffset>> p;
    groups_->TxnCommit("billing", producer_id, epoch, generation, std::move(member), std::nullopt,
                       std::move(offsets),
                       [&](std::vector<CommittedOffset> r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }

  // The marker of `producer_id`'s transaction in __consumer_offsets, as the transaction
  // coordinator has it written; with `tell`, the group coordinator hears of it as from the
  // coordinator's marker writer.
  void Marker(int64_t producer_id, int16_t epoch, bool commit, bool tell = true) {
    std::promise<Status> p;
    broker_->WriteMarker({"__consumer_offsets", 0}, producer_id, epoch,
                         commit ? storage::ControlType::kCommit : storage::ControlType::kAbort,
                         [&](Status s) { p.set_value(s); });
    ASSERT_TRUE(p.get_future().get().ok());
    if (tell) groups_->CompleteTxn(producer_id, commit);
  }

  // Partition 0 of "orders" as a fetch with `require_stable` sees it.
  CommittedOffset Fetched(bool require_stable) {
    std::promise<std::vector<CommittedOffset>> p;
    groups_->Fetch(
        "billing", std::vector<std::pair<std::string, int32_t>>{{"orders", 0}},
        [&](std::vector<CommittedOffset> r) { p.set_value(std::move(r)); }, require_stable);
    return p.get_future().get().at(0);
  }

  JoinRequest Request(std::string member, std::optional<std::string> instance = std::nullopt,
                      std::string subscription = "orders") {
    JoinRequest r;
    r.group_id = "billing";
    r.member_id = std::move(member);
    r.group_instance_id = std::move(instance);
    r.protocol_type = "consumer";
    r.protocols = {{"range", Buffer(subscription.begin(), subscription.end())}};
    r.session_timeout_ms = 3000;
    r.rebalance_timeout_ms = 3000;
    r.require_known_member_id = true;
    return r;
  }

  std::future<JoinResult> Join(JoinRequest r) {
    auto p = std::make_shared<std::promise<JoinResult>>();
    groups_->Join(std::move(r), [p](JoinResult res) { p->set_value(std::move(res)); });
    return p->get_future();
  }

  SyncResult Sync(const JoinResult& j, std::vector<std::pair<std::string, Buffer>> assignments = {}) {
    std::promise<SyncResult> p;
    groups_->Sync({"billing", j.generation, j.member_id, std::nullopt, std::nullopt, std::nullopt,
                   std::move(assignments)},
                  [&](SyncResult r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }

  ErrorCode Heartbeat(const JoinResult& j) {
    std::promise<ErrorCode> p;
    groups_->Heartbeat("billing", j.generation, j.member_id, std::nullopt,
                       [&](ErrorCode e) { p.set_value(e); });
    return p.get_future().get();
  }

  // A member joining from scratch: MEMBER_ID_REQUIRED, then the real join.
  std::future<JoinResult> NewMember(std::optional<std::string> instance = std::nullopt) {
    if (instance) return Join(Request("", instance));
    JoinResult first = Join(Request("")).get();
    EXPECT_EQ(first.error, kMemberIdRequired);
    EXPECT_FALSE(first.member_id.empty());
    return Join(Request(first.member_id));
  }

  storage::MemFileSystem fs_;
  std::unique_ptr<storage::Engine> engine_;
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::thread thread_;
  testing::ManualTimers timers_;  // the coordinator's clock: it moves only when a test says
  std::unique_ptr<Broker> broker_;
  std::shared_ptr<GroupCoordinator> groups_;
};

TEST_F(GroupCoordinatorTest, OneMemberBecomesLeaderAndGetsItsAssignment) {
  JoinResult j = NewMember().get();
  ASSERT_EQ(j.error, kNone);
  EXPECT_EQ(j.generation, 1);
  EXPECT_EQ(j.leader, j.member_id);
  EXPECT_EQ(j.protocol, "range");
  ASSERT_EQ(j.members.size(), 1u) << "the leader sees every member's subscription";
  SyncResult s = Sync(j, {{j.member_id, Buffer{1, 2, 3}}});
  EXPECT_EQ(s.error, kNone);
  EXPECT_EQ(s.assignment, (Buffer{1, 2, 3}));
  EXPECT_EQ(Heartbeat(j), kNone);
}

TEST_F(GroupCoordinatorTest, ASecondMemberTriggersARebalanceBothRejoin) {
  JoinResult a = NewMember().get();
  ASSERT_EQ(Sync(a, {{a.member_id, Buffer{1}}}).error, kNone);
  auto b_future = NewMember();
  // The first member learns of the rebalance through its heartbeat and rejoins.
  EXPECT_EQ(Heartbeat(a), kRebalanceInProgress);
  JoinResult a2 = Join(Request(a.member_id)).get();
  JoinResult b = b_future.get();
  ASSERT_EQ(a2.error, kNone);
  ASSERT_EQ(b.error, kNone);
  EXPECT_EQ(a2.generation, 2);
  EXPECT_EQ(b.generation, 2);
  EXPECT_EQ(a2.leader, a.member_id) << "the leader stays";
  EXPECT_EQ(a2.members.size(), 2u);
  EXPECT_TRUE(b.members.empty()) << "followers do not see the member list";
  auto b_sync = std::async(std::launch::async, [&] { return Sync(b); });
  SyncResult a_sync = Sync(a2, {{a.member_id, Buffer{1}}, {b.member_id, Buffer{2}}});
  EXPECT_EQ(a_sync.assignment, Buffer{1});
  EXPECT_EQ(b_sync.get().assignment, Buffer{2}) << "the follower waits for the leader's assignment";
  EXPECT_EQ(Heartbeat(a), kIllegalGeneration) << "the old generation is gone";
}

TEST_F(GroupCoordinatorTest, UnknownMembersAreRefused) {
  JoinResult j = Join(Request("made-up")).get();
  EXPECT_EQ(j.error, kUnknownMemberId);
}

TEST_F(GroupCoordinatorTest, AStaticMemberComesBackWithoutARebalance) {
  JoinResult first = NewMember("host-1").get();
  ASSERT_EQ(first.error, kNone);
  ASSERT_EQ(Sync(first, {{first.member_id, Buffer{7}}}).error, kNone);
  // Restarted with the same group.instance.id and no member id.
  JoinResult again = Join(Request("", "host-1")).get();
  ASSERT_EQ(again.error, kNone);
  EXPECT_EQ(again.generation, first.generation) << "no rebalance";
  EXPECT_NE(again.member_id, first.member_id) << "a new member id fences the old one";
  EXPECT_EQ(Sync(again).assignment, Buffer{7}) << "same assignment";
  EXPECT_EQ(Heartbeat(first), kUnknownMemberId);
}

TEST_F(GroupCoordinatorTest, AMemberThatStopsHeartbeatingIsRemoved) {
  JoinResult a = NewMember().get();
  ASSERT_EQ(Sync(a, {{a.member_id, Buffer{1}}}).error, kNone);
  timers_.AdvanceMs(2999);
  EXPECT_EQ(Heartbeat(a), kNone) << "within its 3 s session";  // which starts it again
  timers_.AdvanceMs(2999);
  EXPECT_EQ(Heartbeat(a), kNone);
  timers_.AdvanceMs(3000);  // a whole session without a heartbeat
  EXPECT_EQ(Heartbeat(a), kUnknownMemberId);
}

TEST_F(GroupCoordinatorTest, AMemberThatDoesNotRejoinInTheRebalanceTimeoutIsDropped) {
  JoinResult a = NewMember().get();
  ASSERT_EQ(Sync(a, {{a.member_id, Buffer{1}}}).error, kNone);
  auto b_future = NewMember();  // a rebalance: `a` would have to rejoin within 3 s
  timers_.AdvanceMs(2999);
  EXPECT_EQ(b_future.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
  timers_.AdvanceMs(1);
  JoinResult b = b_future.get();
  ASSERT_EQ(b.error, kNone);
  EXPECT_EQ(b.generation, 2);
  EXPECT_EQ(b.leader, b.member_id) << "the only member left leads";
  EXPECT_EQ(b.members.size(), 1u);
  EXPECT_EQ(Heartbeat(a), kUnknownMemberId);
}

TEST_F(GroupCoordinatorTest, CommittedOffsetsSurviveAReopen) {
  std::promise<std::vector<CommittedOffset>> committed;
  groups_->Commit("billing", -1, "", {{"orders", 0, 42, "meta", kNone}, {"orders", 1, 7, {}, kNone}},
                  [&](std::vector<CommittedOffset> r) { committed.set_value(std::move(r)); });
  for (const auto& o : committed.get_future().get()) EXPECT_EQ(o.error, kNone);
  groups_->Shutdown();
  Reopen();
  std::promise<std::vector<CommittedOffset>> fetched;
  groups_->Fetch("billing", std::vector<std::pair<std::string, int32_t>>{{"orders", 0}, {"orders", 1}, {"orders", 2}},
                 [&](std::vector<CommittedOffset> r) { fetched.set_value(std::move(r)); });
  auto got = fetched.get_future().get();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].offset, 42);
  EXPECT_EQ(got[0].metadata, "meta");
  EXPECT_EQ(got[1].offset, 7);
  EXPECT_EQ(got[2].offset, -1) << "never committed";
}

// Offsets committed in a transaction are pending (UNSTABLE_OFFSET_COMMIT to a require_stable
// fetch, the previous offset to others) until the marker: a commit makes them the group's, an
// abort drops them.
TEST_F(GroupCoordinatorTest, TransactionalOffsetsWaitForTheMarker) {
  const std::vector<CommittedOffset> offsets = {{"orders", 0, 5, "m", kNone}};
  for (const auto& o : TxnCommit(100, 0, offsets)) EXPECT_EQ(o.error, kNone);
  EXPECT_EQ(Fetched(true).error, kUnstableOffsetCommit);
  EXPECT_EQ(Fetched(true).offset, -1);
  EXPECT_EQ(Fetched(false).offset, -1) << "not committed yet";
  Marker(100, 0, /*commit=*/false);
  EXPECT_EQ(Fetched(true).error, kNone);
  EXPECT_EQ(Fetched(true).offset, -1) << "aborted: dropped";

  for (const auto& o : TxnCommit(100, 0, offsets)) EXPECT_EQ(o.error, kNone);
  Marker(100, 0, /*commit=*/true);
  EXPECT_EQ(Fetched(true).offset, 5);
  EXPECT_EQ(Fetched(true).metadata, "m");

  // A fetch of every committed offset flags those pending too.
  TxnCommit(101, 0, {{"orders", 0, 6, {}, kNone}});
  auto all = [&](bool require_stable) {
    std::promise<std::vector<CommittedOffset>> p;
    groups_->Fetch(
        "billing", std::nullopt, [&](std::vector<CommittedOffset> r) { p.set_value(std::move(r)); },
        require_stable);
    return p.get_future().get();
  };
  EXPECT_EQ(all(true).at(0).error, kUnstableOffsetCommit);
  EXPECT_EQ(all(false).at(0).offset, 5);
}

// On start, __consumer_offsets is replayed with its transactions: offsets whose commit marker
// is in the log are the group's, those still open stay pending until their marker.
TEST_F(GroupCoordinatorTest, TransactionalOffsetsAreReplayedWithTheirMarkers) {
  TxnCommit(100, 0, {{"orders", 0, 5, {}, kNone}});
  Marker(100, 0, /*commit=*/true, /*tell=*/false);
  TxnCommit(200, 0, {{"orders", 1, 9, {}, kNone}});
  TxnCommit(300, 0, {{"orders", 0, 50, {}, kNone}});
  Marker(300, 0, /*commit=*/false, /*tell=*/false);
  groups_->Shutdown();
  Reopen();
  EXPECT_EQ(Fetched(true).offset, 5) << "300's offsets were aborted";
  std::promise<std::vector<CommittedOffset>> p;
  groups_->Fetch(
      "billing", std::vector<std::pair<std::string, int32_t>>{{"orders", 1}},
      [&](std::vector<CommittedOffset> r) { p.set_value(std::move(r)); }, true);
  EXPECT_EQ(p.get_future().get().at(0).error, kUnstableOffsetCommit) << "200's is still open";
  Marker(200, 0, /*commit=*/true);
  std::promise<std::vector<CommittedOffset>> q;
  groups_->Fetch(
      "billing", std::vector<std::pair<std::string, int32_t>>{{"orders", 1}},
      [&](std::vector<CommittedOffset> r) { q.set_value(std::move(r)); }, true);
  EXPECT_EQ(q.get_future().get().at(0).offset, 9);
}

// A producer whose epoch the partition has seen bumped is refused INVALID_PRODUCER_EPOCH, and a
// member the group does not know UNKNOWN_MEMBER_ID; neither leaves anything pending.
TEST_F(GroupCoordinatorTest, TransactionalOffsetsOfAFencedProducerOrUnknownMemberAreRefused) {
  Marker(100, 3, /*commit=*/false);
  for (const auto& o : TxnCommit(100, 2, {{"orders", 0, 5, {}, kNone}})) {
    EXPECT_EQ(o.error, kInvalidProducerEpoch);
  }
  EXPECT_EQ(Fetched(true).error, kNone) << "nothing pending";
  for (const auto& o : TxnCommit(101, 0, {{"orders", 0, 5, {}, kNone}}, 4, "stranger")) {
    EXPECT_EQ(o.error, kUnknownMemberId);
  }
  EXPECT_EQ(Fetched(true).error, kNone);
}

}  // namespace
}  // namespace herald::broker
