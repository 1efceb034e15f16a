#include "eventstore/event_store.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "storage/mem_file_system.h"
#include "storage/record_scan.h"
#include "unit/eventstore/store_fixture.h"

namespace herald::eventstore {
namespace {

class EventStoreTest : public StoreFixture {
 protected:
  static EventData Event(std::string type, std::string data = "{}", std::string id = "") {
    return {.id = std::move(id), .type = std::move(type), .data = std::move(data)};
  }

  AppendResult Append(const std::string& stream, ExpectedRevision expected,
                      std::vector<EventData> events) {
    return store_->AppendAndWait(stream, expected, std::move(events));
  }

  AppendResult SetMetadata(const std::string& stream, const std::string& json) {
    return WaitFor([&](EventStore::AppendCallback done) {
      store_->SetMetadata(stream, json, std::move(done));
    });
  }

  AppendResult Delete(const std::string& stream, ExpectedRevision expected, bool hard) {
    return WaitFor([&](EventStore::AppendCallback done) {
      store_->Delete(stream, expected, hard, std::move(done));
    });
  }

  std::vector<std::string> Types(const std::string& stream, ReadStreamOptions o = {}) {
    auto slice = store_->ReadStream(stream, o);
    EXPECT_TRUE(slice.ok()) << slice.status().ToString();
    std::vector<std::string> types;
    for (const auto& e : slice->events) types.push_back(fmt::format("{}@{}", e.type, e.revision));
    return types;
  }

  static constexpr char kCheckpoint[] = "/data/meta/eventstore/herald.events.index";

  Buffer CheckpointBytes() {
    auto bytes = storage::ReadFile(fs_, kCheckpoint);
    EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
    return bytes.ok() ? *bytes : Buffer{};
  }
  void PutCheckpoint(const Buffer& bytes) {
    ASSERT_TRUE(storage::WriteFileAtomic(fs_, kCheckpoint, bytes).ok());
  }
};

TEST_F(EventStoreTest, ItsTopicAppearsWithTheFirstAppendAndEarlyWaitersAreWoken) {
  EXPECT_FALSE(engine_->HasTopic("herald.events"));
  EXPECT_EQ(store_->end_position(), 0);
  EXPECT_TRUE(store_->ReadAll({})->events.empty());
  std::promise<Status> woken;
  store_->WhenPast(0, [&woken](Status s) { woken.set_value(s); });
  auto future = woken.get_future();
  EXPECT_EQ(future.wait_for(std::chrono::seconds(0)), std::future_status::timeout);

  ASSERT_TRUE(Append("s", ExpectedRevision::NoStream(), {Event("A")}).ok());
  EXPECT_TRUE(engine_->HasTopic("herald.events"));
  ASSERT_EQ(future.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_TRUE(future.get().ok());
  Reopen();
  EXPECT_EQ(Types("s"), (std::vector<std::string>{"A@0"}));
}

TEST_F(EventStoreTest, AppendsAtExpectedRevisionsAndRefusesAMismatchWritingNothing) {
  AppendResult first =
      Append("order-1", ExpectedRevision::NoStream(), {Event("OrderPlaced"), Event("ItemAdded")});
  ASSERT_TRUE(first.ok()) << first.message;
  EXPECT_EQ(first.next_expected_revision, 1);
  EXPECT_EQ(first.position, 1);

  AppendResult again = Append("order-1", ExpectedRevision::NoStream(), {Event("OrderPlaced")});
  EXPECT_EQ(again.error, AppendError::kWrongExpectedVersion);
  EXPECT_EQ(again.current_revision, 1);
  AppendResult stale = Append("order-1", ExpectedRevision::Exact(0), {Event("ItemAdded")});
  EXPECT_EQ(stale.error, AppendError::kWrongExpectedVersion);
  EXPECT_EQ(stale.current_revision, 1);
  EXPECT_EQ(Append("order-2", ExpectedRevision::StreamExists(), {Event("X")}).error,
            AppendError::kWrongExpectedVersion);

  AppendResult next = Append("order-1", ExpectedRevision::Exact(1), {Event("OrderShipped")});
  ASSERT_TRUE(next.ok()) << next.message;
  EXPECT_EQ(next.next_expected_revision, 2);
  EXPECT_TRUE(Append("order-1", ExpectedRevision::StreamExists(), {Event("A")}).ok());
  EXPECT_TRUE(Append("order-1", ExpectedRevision::Any(), {Event("B")}).ok());
  EXPECT_EQ(Types("order-1"), (std::vector<std::string>{"OrderPlaced@0", "ItemAdded@1",
                                                        "OrderShipped@2", "A@3", "B@4"}));
  EXPECT_EQ(store_->end_position(), 5);
}

TEST_F(EventStoreTest, RecordedEventsCarryWhatWasProposedAndTheirPlace) {
  const std::string id = "0F8FAD5B-D9CB-469F-A165-70867728950E";
  EventData e = Event("OrderPlaced", R"({"total":42})", id);
  e.metadata = R"({"correlation_id":"c-1"})";
  ASSERT_TRUE(Append("order-9", ExpectedRevision::Any(), {e}).ok());
  auto slice = store_->ReadStream("order-9", {});
  ASSERT_TRUE(slice.ok());
  ASSERT_EQ(slice->events.size(), 1u);
  const RecordedEvent& r = slice->events[0];
  EXPECT_EQ(r.id, "0f8fad5b-d9cb-469f-a165-70867728950e");
  EXPECT_EQ(r.stream, "order-9");
  EXPECT_EQ(r.type, "OrderPlaced");
  EXPECT_EQ(r.data, R"({"total":42})");
  EXPECT_EQ(r.metadata, R"({"correlation_id":"c-1"})");
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.created_ms, clock_.NowMs());
  EXPECT_EQ(slice->state, StreamState::kLive);
  EXPECT_EQ(slice->last_revision, 0);
  EXPECT_FALSE(slice->next_revision.has_value());
}

TEST_F(EventStoreTest, EventsAreCloudEventsRecordsAnyKafkaConsumerCanRead) {
  ASSERT_TRUE(Append("order-1", ExpectedRevision::Any(), {Event("OrderPlaced", "{\"a\":1}")}).ok());
  auto log = engine_->GetLog("herald.events", 0);
  ASSERT_TRUE(log.ok());
  std::map<std::string, std::string> headers;
  std::string key, value;
  ASSERT_TRUE(storage::ScanRecords(**log, 0, 1, [&](const storage::RecordView& r) {
                key = std::string(AsString(*r.key));
                value = std::string(AsString(*r.value));
                storage::ForEachHeader(r, [&](ByteView k, std::optional<ByteView> v) {
                  headers[std::string(AsString(k))] = std::string(AsString(*v));
                });
                return true;
              }).ok());
  EXPECT_EQ(key, "order-1");
  EXPECT_EQ(value, "{\"a\":1}");
  EXPECT_EQ(headers["ce_specversion"], "1.0");
  EXPECT_EQ(headers["ce_type"], "OrderPlaced");
  EXPECT_EQ(headers["ce_subject"], "order-1");
  EXPECT_EQ(headers["ce_source"], "/streams/order-1");
  EXPECT_EQ(headers["ce_streamrevision"], "0");
  EXPECT_EQ(headers["content-type"], "application/json");
  EXPECT_TRUE(ParseUuid(headers["ce_id"]).has_value());
  EXPECT_EQ(headers["ce_time"].size(), 24u);
}

TEST_F(EventStoreTest, ARetryWithTheSameIdsAndExpectationAnswersTheFirstResultAndWritesNothing) {
  const std::string a = NewUuid(), b = NewUuid();
  AppendResult first =
      Append("order-1", ExpectedRevision::NoStream(), {Event("A", "{}", a), Event("B", "{}", b)});
  ASSERT_TRUE(first.ok());
  AppendResult retry =
      Append("order-1", ExpectedRevision::NoStream(), {Event("A", "{}", a), Event("B", "{}", b)});
  ASSERT_TRUE(retry.ok()) << retry.message;
  EXPECT_EQ(retry.next_expected_revision, first.next_expected_revision);
  EXPECT_EQ(retry.position, first.position);
  EXPECT_TRUE(
      Append("order-1", ExpectedRevision::Any(), {Event("A", "{}", a), Event("B", "{}", b)}).ok());
  EXPECT_EQ(store_->end_position(), 2);

  // The same ids where the expectation would put them elsewhere, partly, or in another stream.
  EXPECT_EQ(Append("order-1", ExpectedRevision::Exact(1), {Event("A", "{}", a)}).error,
            AppendError::kEventIdReused);
  EXPECT_EQ(
      Append("order-1", ExpectedRevision::NoStream(), {Event("A", "{}", a), Event("C")}).error,
      AppendError::kEventIdReused);
  EXPECT_EQ(Append("order-2", ExpectedRevision::Any(), {Event("A", "{}", a)}).error,
            AppendError::kEventIdReused);
  EXPECT_EQ(store_->end_position(), 2);
}

TEST_F(EventStoreTest, BadInputIsRefusedWithNothingWritten) {
  EXPECT_EQ(Append("", ExpectedRevision::Any(), {Event("A")}).error, AppendError::kInvalid);
  EXPECT_EQ(Append("$system", ExpectedRevision::Any(), {Event("A")}).error, AppendError::kInvalid);
  EXPECT_EQ(Append(std::string(256, 's'), ExpectedRevision::Any(), {Event("A")}).error,
            AppendError::kInvalid);
  EXPECT_EQ(Append("s\n", ExpectedRevision::Any(), {Event("A")}).error, AppendError::kInvalid);
  EXPECT_EQ(Append("s", ExpectedRevision::Any(), {}).error, AppendError::kInvalid);
  EXPECT_EQ(Append("s", ExpectedRevision::Any(), {Event("")}).error, AppendError::kInvalid);
  EXPECT_EQ(Append("s", ExpectedRevision::Any(), {Event("$metadata")}).error,
            AppendError::kInvalid);
  EXPECT_EQ(Append("s", ExpectedRevision::Any(), {Event("A", "{}", "not-a-uuid")}).error,
            AppendError::kInvalid);
  const std::string id = NewUuid();
  EXPECT_EQ(
      Append("s", ExpectedRevision::Any(), {Event("A", "{}", id), Event("B", "{}", id)}).error,
      AppendError::kInvalid);
  EventData bad_metadata = Event("A");
  bad_metadata.metadata = "[1]";
  EXPECT_EQ(Append("s", ExpectedRevision::Any(), {bad_metadata}).error, AppendError::kInvalid);
  EXPECT_EQ(Append("s", ExpectedRevision::Any(), {Event("A", std::string(2 << 20, 'x'))}).error,
            AppendError::kInvalid);
  EXPECT_EQ(store_->end_position(), 0);
  EXPECT_EQ(store_->ReadStream("s", {})->state, StreamState::kNone);
}

TEST_F(EventStoreTest, ReadsForwardAndBackwardInPages) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(Append("s", ExpectedRevision::Exact(i - 1), {Event(fmt::format("E{}", i))}).ok());
    ASSERT_TRUE(Append("other", ExpectedRevision::Any(), {Event("O")}).ok());
  }
  auto page = store_->ReadStream("s", {.from_revision = 1, .max_count = 2});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->events.size(), 2u);
  EXPECT_EQ(page->events[1].revision, 2);
  EXPECT_EQ(page->next_revision, 3);
  EXPECT_EQ(Types("s", {.from_revision = 3}), (std::vector<std::string>{"E3@3", "E4@4"}));
  EXPECT_EQ(Types("s", {.from_revision = -1, .backward = true, .max_count = 3}),
            (std::vector<std::string>{"E4@4", "E3@3", "E2@2"}));
  auto back = store_->ReadStream("s", {.from_revision = 1, .backward = true, .max_count = 5});
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->events.size(), 2u);
  EXPECT_FALSE(back->next_revision.has_value());
  EXPECT_TRUE(Types("s", {.from_revision = 9}).empty());
}

TEST_F(EventStoreTest, AllAndCategoryReadsFollowTheGlobalOrder) {
  ASSERT_TRUE(Append("order-1", ExpectedRevision::Any(), {Event("Placed")}).ok());
  ASSERT_TRUE(Append("user-1", ExpectedRevision::Any(), {Event("Joined")}).ok());
  ASSERT_TRUE(SetMetadata("order-1", R"({"owner":"team-a"})").ok());
  ASSERT_TRUE(Append("order-2", ExpectedRevision::Any(), {Event("Placed"), Event("Paid")}).ok());

  auto all = store_->ReadAll({});
  ASSERT_TRUE(all.ok());
  std::vector<std::string> seen;
  for (const auto& e : all->events)
    seen.push_back(fmt::format("{}:{}@{}", e.stream, e.type, e.position));
  EXPECT_EQ(seen, (std::vector<std::string>{"order-1:Placed@0", "user-1:Joined@1",
                                            "order-2:Placed@3", "order-2:Paid@4"}));
  EXPECT_EQ(all->next_position, 5);

  auto orders = store_->ReadAll({.from_position = 1, .stream_prefix = "order-"});
  ASSERT_TRUE(orders.ok());
  ASSERT_EQ(orders->events.size(), 2u);
  EXPECT_EQ(orders->events[0].position, 3);

  auto paid = store_->ReadAll({.max_count = 1, .types = {"Paid"}});
  ASSERT_TRUE(paid.ok());
  ASSERT_EQ(paid->events.size(), 1u);
  EXPECT_EQ(paid->events[0].position, 4);
  EXPECT_EQ(paid->next_position, 5);

  auto page = store_->ReadAll({.max_count = 2});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->next_position, 2);
  auto with_system = store_->ReadAll({.include_system = true});
  ASSERT_TRUE(with_system.ok());
  EXPECT_EQ(with_system->events.size(), 5u);
}

TEST_F(EventStoreTest, MetadataTruncatesAndBoundsWhatIsReadable) {
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(Append("s", ExpectedRevision::Any(), {Event("E")}).ok());
  ASSERT_TRUE(SetMetadata("s", R"({"truncate_before":2,"owner":"x"})").ok());
  EXPECT_EQ(Types("s").size(), 4u);
  EXPECT_EQ(store_->GetMetadata("s").truncate_before, 2);
  ASSERT_TRUE(SetMetadata("s", R"({"max_count":3})").ok());
  EXPECT_EQ(Types("s"), (std::vector<std::string>{"E@3", "E@4", "E@5"}));
  ASSERT_TRUE(SetMetadata("s", R"({"max_age":60})").ok());
  clock_.AdvanceMs(61'000);
  ASSERT_TRUE(Append("s", ExpectedRevision::Any(), {Event("Fresh")}).ok());
  EXPECT_EQ(Types("s"), (std::vector<std::string>{"Fresh@6"}));
  EXPECT_EQ(SetMetadata("s", R"({"max_count":-1})").error, AppendError::kInvalid);
  EXPECT_EQ(SetMetadata("s", "[]").error, AppendError::kInvalid);
}

TEST_F(EventStoreTest, SoftDeleteHidesTheStreamUntilItIsWrittenAgainWithRevisionsContinuing) {
  ASSERT_TRUE(Append("s", ExpectedRevision::Any(), {Event("A"), Event("B")}).ok());
  EXPECT_EQ(Delete("s", ExpectedRevision::Exact(0), false).error,
            AppendError::kWrongExpectedVersion);
  ASSERT_TRUE(Delete("s", ExpectedRevision::Exact(1), false).ok());
  auto gone = store_->ReadStream("s", {});
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(gone->state, StreamState::kSoftDeleted);
  EXPECT_TRUE(gone->events.empty());
  AppendResult again = Append("s", ExpectedRevision::NoStream(), {Event("C")});
  ASSERT_TRUE(again.ok()) << again.message;
  EXPECT_EQ(again.next_expected_revision, 2);
  EXPECT_EQ(Types("s"), (std::vector<std::string>{"C@2"}));
}

TEST_F(EventStoreTest, HardDeleteIsForever) {
  ASSERT_TRUE(Append("s", ExpectedRevision::Any(), {Event("A")}).ok());
  ASSERT_TRUE(Delete("s", ExpectedRevision::Any(), true).ok());
  EXPECT_EQ(store_->ReadStream("s", {})->state, StreamState::kHardDeleted);
  EXPECT_EQ(Append("s", ExpectedRevision::Any(), {Event("B")}).error, AppendError::kStreamDeleted);
  EXPECT_EQ(Append("s", ExpectedRevision::NoStream(), {Event("B")}).error,
            AppendError::kStreamDeleted);
  Reopen();
  EXPECT_EQ(store_->ReadStream("s", {})->state, StreamState::kHardDeleted);
  EXPECT_EQ(Append("s", ExpectedRevision::Any(), {Event("B")}).error, AppendError::kStreamDeleted);
}

TEST_F(EventStoreTest, TheLatestSnapshotLoadsAndDeletionDropsIt) {
  auto save = [&](const std::string& stream, int64_t revision, const std::string& state) {
    return WaitFor([&](EventStore::AppendCallback done) {
      store_->SaveSnapshot(stream, revision, state, std::move(done));
    });
  };
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(Append("acct", ExpectedRevision::Any(), {Event("D")}).ok());
  auto none = store_->LoadSnapshot("acct");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(save("acct", 2, R"({"balance":3})").ok());
  ASSERT_TRUE(save("acct", 4, R"({"balance":5})").ok());
  EXPECT_EQ(save("acct", 5, "{}").error, AppendError::kInvalid);  // no revision 5 yet
  EXPECT_EQ(save("acct", 1, "not json").error, AppendError::kInvalid);
  EXPECT_EQ(save("nobody", 0, "{}").error, AppendError::kWrongExpectedVersion);
  auto latest = store_->LoadSnapshot("acct");
  ASSERT_TRUE(latest.ok());
  ASSERT_TRUE(latest->has_value());
  EXPECT_EQ((*latest)->revision, 4);
  EXPECT_EQ((*latest)->state, R"({"balance":5})");
  // Snapshots are the store's own: the stream's events and revisions are unchanged.
  EXPECT_EQ(Types("acct").size(), 5u);

  Reopen();
  ASSERT_TRUE(store_->LoadSnapshot("acct")->has_value());
  EXPECT_EQ((*store_->LoadSnapshot("acct"))->revision, 4);
  Reopen([&] { ASSERT_TRUE(fs_.Remove(kCheckpoint).ok()); });  // from the topic alone
  EXPECT_EQ((*store_->LoadSnapshot("acct"))->state, R"({"balance":5})");

  ASSERT_TRUE(Delete("acct", ExpectedRevision::Any(), false).ok());
  EXPECT_FALSE(store_->LoadSnapshot("acct")->has_value());
}

TEST_F(EventStoreTest, ReopeningRebuildsRevisionsIdsMetadataAndDeletions) {
  const std::string id = NewUuid();
  ASSERT_TRUE(Append("a", ExpectedRevision::NoStream(), {Event("A1", "{}", id), Event("A2")}).ok());
  ASSERT_TRUE(Append("b", ExpectedRevision::NoStream(), {Event("B1")}).ok());
  ASSERT_TRUE(SetMetadata("a", R"({"truncate_before":1})").ok());
  ASSERT_TRUE(Delete("b", ExpectedRevision::Any(), false).ok());
  Reopen();
  EXPECT_EQ(Types("a"), (std::vector<std::string>{"A2@1"}));
  EXPECT_EQ(store_->ReadStream("b", {})->state, StreamState::kSoftDeleted);
  EXPECT_EQ(Append("a", ExpectedRevision::Exact(0), {Event("A1", "{}", id)}).error,
            AppendError::kEventIdReused);
  EXPECT_TRUE(Append("a", ExpectedRevision::NoStream(), {Event("A1", "{}", id)}).ok());
  AppendResult next = Append("a", ExpectedRevision::Exact(1), {Event("A3")});
  ASSERT_TRUE(next.ok()) << next.message;
  EXPECT_EQ(next.next_expected_revision, 2);
}

TEST_F(EventStoreTest, ACheckpointLetsAStartReadOnlyTheTailAndKeepsEveryCheck) {
  const std::string early_id = NewUuid();
  ASSERT_TRUE(Append("a", ExpectedRevision::NoStream(), {Event("A0", "{}", early_id)}).ok());
  for (int i = 1; i < 20; ++i)
    ASSERT_TRUE(Append("a", ExpectedRevision::Exact(i - 1), {Event("A")}).ok());
  ASSERT_TRUE(Append("b", ExpectedRevision::Any(), {Event("B0"), Event("B1")}).ok());
  ASSERT_TRUE(SetMetadata("a", R"({"truncate_before":15})").ok());
  ASSERT_TRUE(Delete("b", ExpectedRevision::Any(), false).ok());
  ASSERT_TRUE(Append("gone", ExpectedRevision::Any(), {Event("G")}).ok());
  ASSERT_TRUE(Delete("gone", ExpectedRevision::Any(), true).ok());
  ASSERT_TRUE(store_->Checkpoint().ok());
  const Buffer at_checkpoint = CheckpointBytes();
  // After the checkpoint: more events, and a state change of a stream it knew.
  ASSERT_TRUE(Append("a", ExpectedRevision::Exact(19), {Event("A20"), Event("A21")}).ok());
  ASSERT_TRUE(Append("b", ExpectedRevision::NoStream(), {Event("B2")}).ok());

  // As after a crash: the file is the one written at the checkpoint.
  Reopen([&] { PutCheckpoint(at_checkpoint); });
  EXPECT_TRUE(store_->recovery().from_checkpoint);
  EXPECT_EQ(store_->recovery().records_read, 3);
  EXPECT_EQ(Types("a"),
            (std::vector<std::string>{"A@15", "A@16", "A@17", "A@18", "A@19", "A20@20", "A21@21"}));
  EXPECT_EQ(Types("b"), (std::vector<std::string>{"B2@2"}));
  EXPECT_EQ(store_->ReadStream("gone", {})->state, StreamState::kHardDeleted);
  EXPECT_EQ(store_->GetMetadata("a").truncate_before, 15);
  EXPECT_EQ(Append("a", ExpectedRevision::Exact(20), {Event("Late")}).error,
            AppendError::kWrongExpectedVersion);
  EXPECT_EQ(Append("c", ExpectedRevision::Any(), {Event("X", "{}", early_id)}).error,
            AppendError::kEventIdReused);
  EXPECT_TRUE(Append("a", ExpectedRevision::NoStream(), {Event("A0", "{}", early_id)}).ok());
  EXPECT_TRUE(Append("a", ExpectedRevision::Exact(21), {Event("A22")}).ok());

  // A clean close leaves a checkpoint at the end: the next start reads nothing.
  Reopen();
  EXPECT_TRUE(store_->recovery().from_checkpoint);
  EXPECT_EQ(store_->recovery().records_read, 0);
  EXPECT_EQ(Types("a").size(), 8u);
}

TEST_F(EventStoreTest, ADamagedOrForeignCheckpointIsIgnoredAndTheTopicReadWhole) {
  const std::string id = NewUuid();
  ASSERT_TRUE(Append("a", ExpectedRevision::NoStream(), {Event("A", "{}", id), Event("B")}).ok());
  ASSERT_TRUE(store_->Checkpoint().ok());
  Buffer damaged = CheckpointBytes();
  damaged[damaged.size() / 2] ^= 0x40;
  Reopen([&] { PutCheckpoint(damaged); });
  EXPECT_FALSE(store_->recovery().from_checkpoint);
  EXPECT_EQ(Types("a"), (std::vector<std::string>{"A@0", "B@1"}));

  // The topic deleted and written again by someone else: the old file no longer matches it.
  const Buffer old = CheckpointBytes();
  Reopen([&] {
    ASSERT_TRUE(engine_->DeleteTopic("herald.events").ok());
    ASSERT_TRUE(engine_->CreateTopic("herald.events", 1, {}).ok());
    auto log = engine_->GetLog("herald.events", 0);
    ASSERT_TRUE(log.ok());
    Buffer batch = storage::BuildBatch({EncodeEvent("x", 0, Event("X", "{}", NewUuid()), 1),
                                        EncodeEvent("x", 1, Event("Y", "{}", NewUuid()), 1)});
    ASSERT_TRUE((*log)->AppendAndWait(batch, storage::AckLevel::kDurable).ok());
    PutCheckpoint(old);
  });
  EXPECT_FALSE(store_->recovery().from_checkpoint);
  EXPECT_EQ(store_->ReadStream("a", {})->state, StreamState::kNone);
  EXPECT_EQ(Types("x"), (std::vector<std::string>{"X@0", "Y@1"}));
}

TEST(StreamIndexFileTest, EveryTruncationAndBitFlipIsRefused) {
  StreamIndex index;
  ASSERT_TRUE(index.Apply("s", 0, *ParseUuid(NewUuid()), 0, "A", ""));
  ASSERT_TRUE(index.Apply("$$s", 0, *ParseUuid(NewUuid()), 1, kMetadataType, R"({"max_count":2})"));
  ASSERT_TRUE(index.Apply("s", 1, *ParseUuid(NewUuid()), 2, "B", ""));
  auto bytes = index.Encode(3);
  ASSERT_TRUE(bytes.ok());
  auto decoded = StreamIndex::Decode(*bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->end, 3);
  EXPECT_EQ(decoded->last_position, 2);
  ASSERT_NE(decoded->index.Find("s"), nullptr);
  EXPECT_EQ(decoded->index.Find("s")->positions, (std::vector<int64_t>{0, 2}));
  EXPECT_EQ(decoded->index.Find("s")->metadata.max_count, 2);
  EXPECT_EQ(decoded->index.event_count(), 3u);
  for (size_t n = 0; n < bytes->size(); ++n) {
    EXPECT_FALSE(StreamIndex::Decode(ByteView(*bytes).first(n)).ok()) << n;
    Buffer flipped = *bytes;
    flipped[n] ^= 0x01;
    EXPECT_FALSE(StreamIndex::Decode(flipped).ok()) << n;
  }
  // The metadata at position 1 cannot be undone: no file ending before it.
  EXPECT_EQ(index.Encode(1).status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(index.Encode(2).ok());
}

TEST_F(EventStoreTest, RacingWritersGetExactlyOneWinnerPerRevision) {
  constexpr int kWriters = 8, kAttempts = 200;
  std::atomic<int> wins{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kAttempts; ++i) {
        auto read =
            store_->ReadStream("race", {.from_revision = -1, .backward = true, .max_count = 1});
        const int64_t at = read.ok() ? read->last_revision : -1;
        AppendResult r = store_->AppendAndWait(
            "race", at < 0 ? ExpectedRevision::NoStream() : ExpectedRevision::Exact(at),
            {Event(fmt::format("W{}", w))});
        if (r.ok()) {
          ++wins;
        } else {
          EXPECT_EQ(r.error, AppendError::kWrongExpectedVersion) << r.message;
        }
      }
    });
  }
  for (auto& t : writers) t.join();
  auto all = store_->ReadStream("race", {.max_count = 10000});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(static_cast<int>(all->events.size()), wins.load());
  for (size_t i = 0; i < all->events.size(); ++i) EXPECT_EQ(all->events[i].revision, int64_t(i));
  EXPECT_GT(wins.load(), 0);
}

}  // namespace
}  // namespace herald::eventstore
