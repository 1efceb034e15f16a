// Projections into a SQLite and a PostgreSQL read model (a real server) over both event stores
// (embedded, and HTTP to a real `herald serve`): a category projected and rebuilt to the same rows,
// live events followed, a failing batch rolled back whole, and a projection process killed with
// SIGKILL mid-batch again and again that still applies every event exactly once.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "herald/event_store.h"
#include "herald/observability.h"
#include "herald/projection.h"
#include "herald/transport.h"
#include "testing/event_store_fixture.h"
#include "testing/herald_process.h"
#include "testing/postgres.h"
#include "testing/test_util.h"

namespace herald {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using sdk::EventData;
using sdk::ExpectedRevision;
using sdk::ReadModel;
using sdk::RecordedEvent;
using sdk::SqlRow;

EventData Event(const std::string& type, const json& data) {
  EventData e;
  e.type = type;
  e.data = data.dump();
  return e;
}

class SdkProjectionTest : public testing::EventStoreFixture {
 protected:
  void SetUp() override {
    EventStoreFixture::SetUp();
    if (postgres()) {
      // A schema of its own per test, on the run's one server.
      static int tests = 0;
      schema_ = fmt::format("test_{}_{}", getpid(), ++tests);
      auto admin = sdk::ConnectPostgresReadModel(testing::PostgresUrl());
      admin->Execute(fmt::format("DROP SCHEMA IF EXISTS {} CASCADE", schema_));
      admin->Execute(fmt::format("CREATE SCHEMA {}", schema_));
    }
  }

  bool postgres() const { return GetParam().ends_with("postgres"); }

  std::string Path(const char* name) const { return dir_.str() + "/" + name; }

  // The test's read model `name`: a SQLite file, or the test's PostgreSQL schema.
  std::shared_ptr<ReadModel> Model(const char* name) const {
    if (!postgres()) return sdk::OpenSqliteReadModel(Path(name));
    return sdk::ConnectPostgresReadModel(testing::PostgresUrl() + "?options=-csearch_path%3D" +
                                         schema_);
  }

  std::string schema_;

  // Orders 0..count-1: placed with a total, every other one paid; and users, not orders.
  void AppendOrders(int from, int count) {
    for (int i = from; i < from + count; ++i) {
      std::vector<EventData> events = {Event("OrderPlaced", {{"total", i * 10}})};
      if (i % 2 == 0) events.push_back(Event("OrderPaid", json::object()));
      store_->Append(fmt::format("order-{}", i), ExpectedRevision::NoStream(), events);
      store_->Append(fmt::format("user-{}", i), ExpectedRevision::Any(),
                     {Event("UserSeen", json::object())});
    }
  }

  // The orders view: one row per order, its total and whether it is paid.
  static sdk::Projection OrdersView(std::shared_ptr<sdk::EventStore> store,
                                    std::shared_ptr<ReadModel> model) {
    model->Execute(
        "CREATE TABLE IF NOT EXISTS orders (id TEXT PRIMARY KEY, total INTEGER, paid INTEGER)");
    sdk::ProjectionOptions options;
    options.name = "orders";
    options.stream = "$ce-order";
    options.batch_size = 7;  // batches end in the middle of a stream's events
    sdk::Projection view(std::move(store), std::move(model), options);
    view.On("OrderPlaced",
            [](const RecordedEvent& e, ReadModel& m) {
              m.Execute("INSERT INTO orders (id, total, paid) VALUES ($1, $2, 0)",
                        {e.stream, std::to_string(json::parse(e.data)["total"].get<int>())});
            })
        .On("OrderPaid",
            [](const RecordedEvent& e, ReadModel& m) {
              m.Execute("UPDATE orders SET paid = 1 WHERE id = $1", {e.stream});
            })
        .OnReset([](ReadModel& m) { m.Execute("DELETE FROM orders"); });
    return view;
  }
};

INSTANTIATE_TEST_SUITE_P(StoresAndModels, SdkProjectionTest,
                         ::testing::Values("embedded/sqlite", "remote/sqlite", "embedded/postgres",
                                           "remote/postgres"),
                         [](const auto& param_info) {
                           std::string name = param_info.param;
                           name[name.find('/')] = '_';
                           return name;
                         });

TEST_P(SdkProjectionTest, ProjectsACategoryAndARebuildGivesTheSameRows) {
  AppendOrders(0, 40);
  auto model = Model("views.db");
  auto view = OrdersView(store_, model);
  int64_t last_position = -1;
  EXPECT_EQ(view.CatchUp([&](int64_t position, int64_t) { last_position = position; }), 60);
  const auto rows = model->Query("SELECT id, total, paid FROM orders ORDER BY id");
  ASSERT_EQ(rows.size(), 40u);
  EXPECT_EQ(rows[0], (SqlRow{"order-0", "0", "1"}));
  EXPECT_EQ(rows[1], (SqlRow{"order-1", "10", "0"}));
  const int64_t end = store_->ReadAll({.max_count = 1}).end_position;
  EXPECT_EQ(view.checkpoint(), end);
  EXPECT_EQ(last_position, end);
  EXPECT_NE(sdk::MetricsText().find("projection_lag_events{projection=\"orders\"} 0"),
            std::string::npos);
  EXPECT_EQ(view.CatchUp(), 0);  // nothing new

  model->Execute("UPDATE orders SET total = -1");  // a read model gone wrong
  EXPECT_EQ(view.Rebuild(), 60);
  EXPECT_EQ(model->Query("SELECT id, total, paid FROM orders ORDER BY id"), rows);

  // A projection of the same name on a new process resumes from the stored checkpoint.
  auto reopened = OrdersView(store_, Model("views.db"));
  EXPECT_EQ(reopened.checkpoint(), end);
  AppendOrders(40, 2);
  EXPECT_EQ(reopened.CatchUp(), 3);
}

TEST_P(SdkProjectionTest, RunFollowsLiveEventsUntilStopped) {
  AppendOrders(0, 5);
  auto model = Model("views.db");
  auto view = OrdersView(store_, model);
  std::atomic<bool> stop{false};
  std::thread runner([&] { view.Run([&] { return stop.load(); }, 50ms); });
  AppendOrders(5, 20);
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  size_t paid = 0;
  while (std::chrono::steady_clock::now() < deadline && paid < 13) {
    paid = model->Query("SELECT id FROM orders WHERE paid = 1").size();
    std::this_thread::sleep_for(20ms);
  }
  stop = true;
  runner.join();
  EXPECT_EQ(model->Query("SELECT id FROM orders").size(), 25u);
  EXPECT_EQ(paid, 13u);
  // The last event is a user's, which the view skips: the checkpoint is past the last order
  // event, and past the user's too when a catch-up read scanned over it (a live subscription
  // filters it out before the view sees it).
  const int64_t end = store_->ReadAll({.max_count = 1}).end_position;
  EXPECT_GE(view.checkpoint(), end - 1);
  EXPECT_LE(view.checkpoint(), end);
}

TEST_P(SdkProjectionTest, AFailingEventRollsBackItsWholeBatch) {
  AppendOrders(0, 10);
  auto model = Model("views.db");
  auto view = OrdersView(store_, model);
  bool broken = true;
  view.On("OrderPaid", [&](const RecordedEvent& e, ReadModel& m) {
    if (broken && e.stream == "order-4") throw sdk::Error("the read model's database is down");
    m.Execute("UPDATE orders SET paid = 1 WHERE id = $1", {e.stream});
  });
  EXPECT_THROW(view.CatchUp(), sdk::Error);
  const int64_t stuck = view.checkpoint();
  const auto before = model->Query("SELECT id FROM orders");
  // Nothing of the failed batch stayed: every order placed so far is before the checkpoint.
  for (const auto& e : store_->ReadAll({.max_count = 100, .category = "order"}).events) {
    const bool stored = std::find(before.begin(), before.end(), SqlRow{e.stream}) != before.end();
    if (e.type == "OrderPlaced") {
      EXPECT_EQ(stored, e.position < stuck) << e.stream;
    }
  }
  broken = false;
  view.CatchUp();
  EXPECT_EQ(model->Query("SELECT id FROM orders").size(), 10u);
  EXPECT_EQ(model->Query("SELECT id FROM orders WHERE paid = 1").size(), 5u);
}

// The projection runs in a child process that is killed with SIGKILL mid-batch, again and
// again, then runs to the end. Its handler counts each application per event in the read
// model, and logs each call to a file (so calls that a kill rolled back are seen too).
TEST_P(SdkProjectionTest, AProjectionKilledMidBatchAppliesEveryEventExactlyOnce) {
  constexpr int kEvents = 1500;
  constexpr int kKills = 4;
  for (int i = 0; i < kEvents; i += 100) {
    std::vector<EventData> batch;
    for (int j = i; j < i + 100; ++j) batch.push_back(Event("Counted", {{"n", j}}));
    store_->Append(fmt::format("count-{}", i / 100), ExpectedRevision::Any(), batch);
  }
  store_.reset();  // the children open it (the embedded data directory has one holder)
  Model("kill.db")->Execute("CREATE TABLE applied (id TEXT PRIMARY KEY, times INTEGER NOT NULL)");

  auto start_child = [&]() -> pid_t {
    std::fflush(nullptr);
    const pid_t pid = fork();
    if (pid != 0) return pid;
    try {
      sdk::SetLogLevel(sdk::LogLevel::kWarn);
      const int calls = open(Path("calls").c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
      if (calls < 0) _exit(3);
      sdk::ProjectionOptions options;
      options.name = "counter";
      options.stream = "$ce-count";
      options.batch_size = 50;
      sdk::Projection projection(Open(), Model("kill.db"), options);
      projection.On("Counted", [calls](const RecordedEvent& e, ReadModel& m) {
        const std::string line = e.id + "\n";
        if (write(calls, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(5);
        m.Execute(
            "INSERT INTO applied (id, times) VALUES ($1, 1) "
            "ON CONFLICT (id) DO UPDATE SET times = applied.times + 1",
            {e.id});
        std::this_thread::sleep_for(200us);  // a batch takes ~10 ms: kills land inside one
      });
      projection.CatchUp();
      _exit(0);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "projection: %s\n", e.what());
      _exit(2);
    }
  };
  auto call_count = [&] {
    std::ifstream in(Path("calls"));
    size_t n = 0;
    for (std::string line; std::getline(in, line);) ++n;
    return n;
  };

  size_t rolled_back_calls = 0;
  for (int kill = 0; kill < kKills; ++kill) {
    SCOPED_TRACE(fmt::format("kill {}", kill));
    const size_t target = call_count() + 150 + static_cast<size_t>(kill) * 37;
    const pid_t pid = start_child();
    ASSERT_GT(pid, 0);
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    int status = 0;
    pid_t ended = 0;
    while (call_count() < target && std::chrono::steady_clock::now() < deadline && ended == 0) {
      ended = waitpid(pid, &status, WNOHANG);
      std::this_thread::sleep_for(1ms);
    }
    if (ended == 0) {
      ASSERT_EQ(::kill(pid, SIGKILL), 0);
      ASSERT_EQ(waitpid(pid, &status, 0), pid);
    }
    ASSERT_TRUE(WIFSIGNALED(status)) << "the projection ended on its own: " << status;
    auto applied = Model("kill.db")->Query("SELECT COUNT(*) FROM applied");
    rolled_back_calls = call_count() - std::stoul(*applied[0][0]);
  }
  const pid_t pid = start_child();
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;

  auto model = Model("kill.db");
  EXPECT_EQ(*model->Query("SELECT COUNT(*) FROM applied")[0][0], std::to_string(kEvents));
  EXPECT_EQ(*model->Query("SELECT COUNT(*) FROM applied WHERE times <> 1")[0][0], "0");
  EXPECT_GT(call_count(), size_t{kEvents}) << "no kill landed inside a batch";
  RecordProperty("calls_rolled_back_by_the_last_kill", static_cast<int>(rolled_back_calls));
}

}  // namespace
}  // namespace herald
