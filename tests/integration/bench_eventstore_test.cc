// `herald bench eventstore` end to end with tiny counts: it starts PostgreSQL, measures both
// systems, and leaves no server behind.
#include <chrono>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "testing/test_util.h"

namespace herald {
namespace {

TEST(BenchEventStoreTest, ReportsBothSystemsAndStopsItsPostgres) {
  testing::TempDir dir;
  // PostgreSQL servers running before (the test run's own), to tell the bench's from them.
  const std::string before = testing::RunCommand("pgrep -x postgres | sort").out;
  auto r = testing::RunCommand(fmt::format(
      "{} bench eventstore --json --seconds 0.3 --streams 50 --reads 20 --read-events 100 "
      "--rebuild-events 5000 --dir {}",
      HERALD_BINARY, dir.str() + "/bench"));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_GT(j["appends_s"]["herald"].get<double>(), 0) << r.out;
  EXPECT_GT(j["appends_s"]["postgres"].get<double>(), 0) << r.out;
  EXPECT_GT(j["batch_appends_s"]["postgres"].get<double>(), 0) << r.out;
  EXPECT_GT(j["read_us"]["herald_p99"].get<double>(), 0) << r.out;
  EXPECT_GT(j["read_us"]["postgres_p99"].get<double>(), 0) << r.out;
  EXPECT_GT(j["rebuild_events_s"].get<double>(), 0) << r.out;
  // (A stopped server's last processes may take a moment to exit.)
  std::string after;
  for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
       (after = testing::RunCommand("pgrep -x postgres | sort").out) != before &&
       std::chrono::steady_clock::now() < until;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(after, before) << "a PostgreSQL server was left running";
}

}  // namespace
}  // namespace herald
