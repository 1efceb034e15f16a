// The SDK's event stores against one contract: the embedded one (Herald's event store in this
// process) and the remote one (HTTP to a real `herald serve`) must append, check expected
// revisions, read, snapshot, delete and subscribe alike; and aggregates in a Repository over
// either.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "herald/aggregate.h"
#include "herald/event_store.h"
#include "herald/transport.h"
#include "testing/event_store_fixture.h"
#include "testing/herald_process.h"
#include "testing/test_util.h"

namespace herald {
namespace {

using nlohmann::json;
using sdk::EventData;
using sdk::ExpectedRevision;
using sdk::RecordedEvent;
using sdk::StreamStatus;
using std::chrono::milliseconds;

EventData Event(const std::string& type, json data = json::object(), std::string id = "") {
  EventData e;
  e.type = type;
  e.data = data.dump();
  e.id = std::move(id);
  return e;
}

// An aggregate: a total that "Added" events ({"n": k}) raise, with snapshots of the total.
class Counter : public sdk::Aggregate {
 public:
  void Add(int n) {
    if (n <= 0) throw sdk::NonRetryableError("invalid", "only positive numbers are added");
    Raise(Event("Added", {{"n", n}}));
  }
  int total() const { return total_; }
  int applied() const { return applied_; }     // events applied since constructed
  bool restored() const { return restored_; }  // from a snapshot

  std::optional<std::string> SaveState() const override { return json{{"total", total_}}.dump(); }
  void LoadState(const std::string& state) override {
    total_ = json::parse(state)["total"].get<int>();
    restored_ = true;
  }

 protected:
  void Apply(const EventData& event) override {
    if (event.type != "Added") return;
    total_ += json::parse(event.data)["n"].get<int>();
    ++applied_;
  }

 private:
  int total_ = 0;
  int applied_ = 0;
  bool restored_ = false;
};

class SdkEventStoreTest : public testing::EventStoreFixture {
 protected:
  // Everything a subscription hands out until `count` events came (or 30 s passed).
  static std::vector<RecordedEvent> Take(sdk::Subscription& sub, size_t count) {
    std::vector<RecordedEvent> out;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (out.size() < count && std::chrono::steady_clock::now() < deadline) {
      for (auto& e : sub.Next(milliseconds(200))) out.push_back(std::move(e));
    }
    return out;
  }
};

INSTANTIATE_TEST_SUITE_P(Stores, SdkEventStoreTest, ::testing::Values("embedded", "remote"));

TEST_P(SdkEventStoreTest, AppendsWithExpectedRevisionsAndRefusesAMismatch) {
  auto first = store_->Append("order-1", ExpectedRevision::NoStream(),
                              {Event("OrderPlaced", {{"total", 42}}), Event("OrderPaid")});
  EXPECT_EQ(first.next_expected_revision, 1);
  auto second = store_->Append("order-1", ExpectedRevision::Exact(1), {Event("OrderShipped")});
  EXPECT_EQ(second.next_expected_revision, 2);
  EXPECT_GT(second.position, first.position);

  try {
    store_->Append("order-1", ExpectedRevision::Exact(1), {Event("OrderShipped")});
    FAIL() << "a stale expected revision was accepted";
  } catch (const sdk::WrongExpectedVersion& e) {
    EXPECT_EQ(e.current_revision(), 2);
  }
  try {
    store_->Append("order-2", ExpectedRevision::StreamExists(), {Event("OrderPaid")});
    FAIL() << "stream_exists was accepted for a stream that does not exist";
  } catch (const sdk::WrongExpectedVersion& e) {
    EXPECT_EQ(e.current_revision(), -1);
  }
  EXPECT_THROW(store_->Append("order-1", ExpectedRevision::NoStream(), {Event("X")}),
               sdk::WrongExpectedVersion);

  auto events = store_->ReadToEnd("order-1");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].type, "OrderPlaced");
  EXPECT_EQ(json::parse(events[0].data), (json{{"total", 42}}));
  EXPECT_EQ(events[2].revision, 2);
  EXPECT_EQ(events[2].stream, "order-1");
  EXPECT_GT(events[2].created_ms, 0);
  EXPECT_EQ(store_->Read("order-2").status, StreamStatus::kNotFound);
}

TEST_P(SdkEventStoreTest, RetryingAnAppendWithTheSameIdsWritesNothing) {
  const std::string id = "6f1f4a38-2d3c-4e5b-8a9d-0c1b2a3f4e5d";
  auto first = store_->Append("cart-1", ExpectedRevision::NoStream(), {Event("Added", {}, id)});
  auto retry = store_->Append("cart-1", ExpectedRevision::NoStream(), {Event("Added", {}, id)});
  EXPECT_EQ(retry.position, first.position);
  EXPECT_EQ(store_->ReadToEnd("cart-1").size(), 1u);
  EXPECT_EQ(store_->ReadToEnd("cart-1")[0].id, id);
  // The same id elsewhere is an error, not a retry.
  EXPECT_THROW(store_->Append("cart-2", ExpectedRevision::Any(), {Event("Added", {}, id)}),
               sdk::Error);
}

// Writers race on one stream, each re-reading the revision after a conflict: every revision has
// exactly one winner, with no gap and no duplicate.
TEST_P(SdkEventStoreTest, RacingWritersGetOneWinnerPerRevision) {
  constexpr int kWriters = 4;
  constexpr int kEach = 25;
  std::atomic<int> conflicts{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kEach;) {
        const int64_t last =
            store_->Read("race", {.from_revision = -1, .backward = true, .max_count = 1})
                .last_revision;
        try {
          store_->Append("race", ExpectedRevision::Exact(last),
                         {Event("Counted", {{"writer", w}, {"i", i}})});
          ++i;
        } catch (const sdk::WrongExpectedVersion&) {
          ++conflicts;
        }
      }
    });
  }
  for (auto& t : writers) t.join();
  auto events = store_->ReadToEnd("race");
  ASSERT_EQ(events.size(), size_t{kWriters * kEach});
  std::set<std::pair<int, int>> seen;
  for (size_t r = 0; r < events.size(); ++r) {
    EXPECT_EQ(events[r].revision, static_cast<int64_t>(r));
    json d = json::parse(events[r].data);
    EXPECT_TRUE(seen.insert({d["writer"].get<int>(), d["i"].get<int>()}).second) << d;
  }
  RecordProperty("conflicts", conflicts.load());
}

TEST_P(SdkEventStoreTest, ReadsPagesBackwardCategoriesAndTypes) {
  for (int i = 0; i < 5; ++i) {
    store_->Append("order-7", ExpectedRevision::Any(), {Event(i % 2 ? "Paid" : "Placed")});
  }
  store_->Append("user-1", ExpectedRevision::Any(), {Event("Registered")});

  auto page = store_->Read("order-7", {.from_revision = 1, .max_count = 2});
  ASSERT_EQ(page.events.size(), 2u);
  EXPECT_EQ(page.events[0].revision, 1);
  EXPECT_EQ(page.next_revision, 3);
  EXPECT_EQ(page.last_revision, 4);
  auto back = store_->Read("order-7", {.from_revision = -1, .backward = true, .max_count = 2});
  ASSERT_EQ(back.events.size(), 2u);
  EXPECT_EQ(back.events[0].revision, 4);
  EXPECT_EQ(back.events[1].revision, 3);

  auto all = store_->ReadAll({.max_count = 100});
  EXPECT_EQ(all.events.size(), 6u);
  EXPECT_EQ(all.next_position, all.end_position);
  auto orders = store_->ReadAll({.max_count = 100, .category = "order"});
  EXPECT_EQ(orders.events.size(), 5u);
  auto paid = store_->ReadAll({.max_count = 100, .category = "order", .types = {"Paid"}});
  ASSERT_EQ(paid.events.size(), 2u);
  EXPECT_EQ(paid.events[0].revision, 1);
}

TEST_P(SdkEventStoreTest, CarriesBytesAndTextAsGiven) {
  EventData bytes;
  bytes.type = "Blob";
  bytes.content_type = "application/octet-stream";
  bytes.data = std::string("\x00\xff\xfe raw", 7);
  EventData text;
  text.type = "Note";
  text.content_type = "text/plain";
  text.data = "not JSON, {";
  text.metadata = R"({"correlation_id":"c-1"})";
  store_->Append("blob-1", ExpectedRevision::Any(), {bytes, text});
  auto events = store_->ReadToEnd("blob-1");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].data, bytes.data);
  EXPECT_EQ(events[0].content_type, "application/octet-stream");
  EXPECT_EQ(events[1].data, text.data);
  EXPECT_EQ(json::parse(events[1].metadata), json::parse(text.metadata));
}

TEST_P(SdkEventStoreTest, SnapshotsMetadataAndDeletion) {
  for (int i = 0; i < 4; ++i) store_->Append("acct-1", ExpectedRevision::Any(), {Event("Tick")});
  EXPECT_FALSE(store_->LoadSnapshot("acct-1").has_value());
  store_->SaveSnapshot("acct-1", 2, R"({"ticks":3})");
  auto snapshot = store_->LoadSnapshot("acct-1");
  ASSERT_TRUE(snapshot.has_value());
  EXPECT_EQ(snapshot->revision, 2);
  EXPECT_EQ(json::parse(snapshot->state), (json{{"ticks", 3}}));
  EXPECT_THROW(store_->SaveSnapshot("acct-1", 9, "{}"), sdk::Error);  // no revision 9

  store_->SetMetadata("acct-1", R"({"max_count":2,"owner":"ops"})");
  EXPECT_EQ(json::parse(store_->GetMetadata("acct-1"))["owner"], "ops");
  EXPECT_EQ(store_->ReadToEnd("acct-1").size(), 2u);

  EXPECT_THROW(store_->Delete("acct-1", ExpectedRevision::Exact(1)), sdk::WrongExpectedVersion);
  store_->Delete("acct-1", ExpectedRevision::Exact(3));
  EXPECT_EQ(store_->Read("acct-1").status, StreamStatus::kNotFound);
  auto again = store_->Append("acct-1", ExpectedRevision::Any(), {Event("Tick")});
  EXPECT_EQ(again.next_expected_revision, 4);  // revisions continue after a soft delete

  store_->Delete("acct-1", ExpectedRevision::Any(), /*hard=*/true);
  EXPECT_EQ(store_->Read("acct-1").status, StreamStatus::kDeleted);
  EXPECT_THROW(store_->Append("acct-1", ExpectedRevision::Any(), {Event("Tick")}),
               sdk::StreamDeleted);
}

// A subscription started before and continued while appends go on hands out every event once,
// in order, across the hand-over from catch-up to live.
TEST_P(SdkEventStoreTest, SubscriptionsCatchUpThenFollowLive) {
  for (int i = 0; i < 30; ++i) {
    store_->Append(fmt::format("item-{}", i % 3), ExpectedRevision::Any(), {Event("Made")});
  }
  auto all = store_->Subscribe({});
  auto category = store_->Subscribe({.stream = "$ce-item", .after = 9});
  auto one = store_->Subscribe({.stream = "item-1"});
  std::thread writer([&] {
    for (int i = 30; i < 90; ++i) {
      store_->Append(fmt::format("item-{}", i % 3), ExpectedRevision::Any(), {Event("Made")});
    }
  });
  auto from_all = Take(*all, 90);
  auto from_category = Take(*category, 80);
  auto from_one = Take(*one, 30);
  writer.join();
  ASSERT_EQ(from_all.size(), 90u);
  for (size_t i = 0; i < from_all.size(); ++i) {
    EXPECT_EQ(from_all[i].position, static_cast<int64_t>(i));
  }
  ASSERT_EQ(from_category.size(), 80u);
  EXPECT_EQ(from_category.front().position, 10);
  ASSERT_EQ(from_one.size(), 30u);
  for (size_t i = 0; i < from_one.size(); ++i) {
    EXPECT_EQ(from_one[i].revision, static_cast<int64_t>(i));
    EXPECT_EQ(from_one[i].stream, "item-1");
  }
  EXPECT_TRUE(all->caught_up());
  EXPECT_TRUE(all->Next(milliseconds(100)).empty());

  store_->Delete("item-1", ExpectedRevision::Any(), /*hard=*/true);
  EXPECT_THROW(
      {
        for (int i = 0; i < 100; ++i) one->Next(milliseconds(100));
      },
      sdk::StreamDeleted);
}

// Commands race on one aggregate through Execute: a writer that lost reloads and decides again,
// so every command lands once, in some order, with no gap.
TEST_P(SdkEventStoreTest, RepositoryCommandsRetryOnConflictUntilEachLandsOnce) {
  sdk::RepositoryOptions options;
  options.category = "counter";
  options.retry.max_attempts = 100;
  sdk::Repository<Counter> counters(store_, options);
  constexpr int kWriters = 4;
  constexpr int kEach = 10;
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) counters.Execute("c1", [](Counter& c) { c.Add(1); });
    });
  }
  for (auto& t : writers) t.join();
  Counter c = counters.Load("c1");
  EXPECT_EQ(c.total(), kWriters * kEach);
  EXPECT_EQ(c.revision(), kWriters * kEach - 1);
  EXPECT_EQ(counters.StreamOf("c1"), "counter-c1");
  EXPECT_EQ(store_->ReadToEnd("counter-c1").size(), size_t{kWriters * kEach});
}

TEST_P(SdkEventStoreTest, RepositorySavesOnlyWhatACommandDecided) {
  sdk::Repository<Counter> counters(store_);
  EXPECT_THROW(counters.Execute("c2", [](Counter& c) { c.Add(-1); }), sdk::NonRetryableError);
  EXPECT_EQ(store_->Read("c2").status, StreamStatus::kNotFound);

  Counter fresh = counters.Load("c2");
  EXPECT_EQ(fresh.revision(), -1);
  EXPECT_FALSE(counters.Save("c2", fresh).has_value());  // nothing raised: nothing written

  Counter stale = counters.Load("c2");
  counters.Execute("c2", [](Counter& c) { c.Add(5); });
  stale.Add(1);
  EXPECT_THROW(counters.Save("c2", stale), sdk::WrongExpectedVersion);
  Counter now = counters.Load("c2");
  EXPECT_EQ(now.total(), 5);
  now.Add(2);
  ASSERT_TRUE(counters.Save("c2", now).has_value());
  EXPECT_EQ(now.revision(), 1);
  EXPECT_TRUE(now.pending().empty());
}

TEST_P(SdkEventStoreTest, RepositoryLoadsFromTheLatestSnapshotThenTheEventsAfterIt) {
  sdk::RepositoryOptions options;
  options.snapshot_every = 5;
  sdk::Repository<Counter> counters(store_, options);
  for (int i = 1; i <= 12; ++i) counters.Execute("c3", [i](Counter& c) { c.Add(i); });
  auto snapshot = store_->LoadSnapshot("c3");
  ASSERT_TRUE(snapshot.has_value());
  EXPECT_EQ(snapshot->revision, 9);  // saved as the 10th event landed
  Counter c = counters.Load("c3");
  EXPECT_TRUE(c.restored());
  EXPECT_EQ(c.applied(), 2);  // revisions 10 and 11
  EXPECT_EQ(c.total(), 78);
  EXPECT_EQ(c.revision(), 11);
}

TEST(SdkEventStore, TheEmbeddedStoreNeedsAnEmbeddedTransport) {
  sdk::KafkaOptions options;
  options.bootstrap = "127.0.0.1:1";
  EXPECT_THROW(sdk::OpenEmbeddedEventStore(sdk::ConnectKafka(options)), sdk::Error);
}

// What the embedded store wrote, `herald serve` serves from the same data directory.
TEST(SdkEventStore, HeraldServeServesWhatTheEmbeddedStoreWrote) {
  testing::TempDir dir;
  {
    sdk::EmbeddedOptions options;
    options.data_dir = dir.str();
    auto store = sdk::OpenEmbeddedEventStore(sdk::OpenEmbedded(options));
    store->Append("order-9", ExpectedRevision::NoStream(), {Event("Placed"), Event("Paid")});
  }
  testing::HeraldProcess server(dir.str());
  sdk::RemoteOptions options;
  options.url = server.http_url();
  auto remote = sdk::ConnectEventStore(options);
  auto events = remote->ReadToEnd("order-9");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].type, "Paid");
  EXPECT_EQ(remote->Append("order-9", ExpectedRevision::Exact(1), {Event("Shipped")})
                .next_expected_revision,
            2);
}

}  // namespace
}  // namespace herald
