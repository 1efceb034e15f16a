// `herald bench compare` end to end with tiny counts: Herald and its peers (RabbitMQ, Redis,
// NATS); the reports hold sane figures and no server is left running afterwards. A peer that is
// not installed or does not start in time is reported with the reason, and fails the test under
// HERALD_REQUIRE_CLIENTS=1 (make test).
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "testing/clients.h"
#include "testing/test_util.h"

namespace herald {
namespace {

using testing::RunCommand;

std::string Slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Processes whose command line or working directory lies under `dir` (every server the
// benchmark starts has one or the other there, epmd included).
std::vector<std::string> ProcessesUnder(const std::string& dir) {
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string pid = entry.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = Slurp(entry.path() / "cmdline");
    for (char& c : cmdline) c = c == '\0' ? ' ' : c;
    std::error_code ec;
    std::string cwd = std::filesystem::read_symlink(entry.path() / "cwd", ec).string();
    if (cmdline.find(dir) != std::string::npos || cwd.starts_with(dir)) {
      found.push_back(fmt::format("{}: {}", pid, cmdline));
    }
  }
  return found;
}

void ExpectSaneThroughput(const nlohmann::json& j, const std::string& what, uint64_t count) {
  ASSERT_TRUE(j.is_object()) << what;
  EXPECT_GE(j["messages"].get<uint64_t>(), count) << what;
  EXPECT_GT(j["msgs_s"].get<double>(), 100) << what;
  EXPECT_LT(j["msgs_s"].get<double>(), 1e8) << what;
  EXPECT_GT(j["mb_s"].get<double>(), 0) << what;
  EXPECT_GT(j["fraction_of_loopback_tcp"].get<double>(), 0) << what;
}

void ExpectSaneLatency(const nlohmann::json& j, const std::string& what) {
  ASSERT_TRUE(j.is_object()) << what;
  EXPECT_GT(j["messages"].get<uint64_t>(), 0u) << what;
  EXPECT_GT(j["achieved_rate_msgs_s"].get<double>(), 0) << what;
  const double p50 = j["p50_ms"], p99 = j["p99_ms"], p999 = j["p999_ms"], max = j["max_ms"];
  EXPECT_GT(p50, 0) << what;
  EXPECT_LE(p50, p99) << what;
  EXPECT_LE(p99, p999) << what;
  EXPECT_LE(p999, max) << what;
  EXPECT_LT(max, 60000) << what;
}

TEST(BenchCompareTest, HeraldAndEveryPeerThatStartsReportSaneFiguresAndNoServerIsLeft) {
  testing::TempDir dir;
  const std::string out = dir.str() + "/out";
  const std::string scratch = dir.str() + "/scratch";
  constexpr uint64_t kCount = 2000;
  auto r = RunCommand(fmt::format(
      "{} bench compare --systems herald,rabbitmq,redis,nats --count {} --latency-seconds 1 "
      "--window 200 --partitions 4 --start-timeout 20 --out {} --dir {}",
      HERALD_BINARY, kCount, out, scratch));
  ASSERT_EQ(r.exit_code, 0) << r.err;

  // Every server is gone, and so is the scratch directory.
  EXPECT_EQ(ProcessesUnder(scratch), std::vector<std::string>{});
  EXPECT_FALSE(std::filesystem::exists(scratch));

  // The three reports.
  for (const char* name : {"compare.json", "compare.md", "compare.svg"}) {
    EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(out) / name)) << name;
  }
  const auto report = nlohmann::json::parse(Slurp(std::filesystem::path(out) / "compare.json"));
  EXPECT_GT(report["machine"]["disk_write_fdatasync_mb_s"].get<double>(), 0);
  EXPECT_GT(report["machine"]["loopback_tcp_mb_s"].get<double>(), 0);
  EXPECT_GT(report["fixed_rate"]["msgs_s"].get<double>(), 0);
  ASSERT_EQ(report["systems"].size(), 4u);

  const std::string markdown = Slurp(std::filesystem::path(out) / "compare.md");
  EXPECT_EQ(r.out, markdown);  // the table also goes to stdout
  int peers_ran = 0;
  for (const auto& s : report["systems"]) {
    const std::string name = s["system"];
    EXPECT_NE(markdown.find(fmt::format("| {} |", name)), std::string::npos) << name;
    if (name == "herald") {
      ASSERT_TRUE(s["available"].get<bool>()) << s.dump(2);
      ASSERT_TRUE(s["error"].is_null()) << s["error"];
      EXPECT_EQ(s["ratio_to_herald"]["publish_msgs_s"].get<double>(), 1.0);
    } else if (!s["available"].get<bool>()) {
      // Not installed or too slow to start: reported with the reason, and a failure where the
      // install script put every peer in place (a comparison without its peers is no result).
      EXPECT_FALSE(s["error"].get<std::string>().empty()) << name;
      EXPECT_FALSE(testing::ClientsRequired()) << name << " did not run: " << s["error"];
      continue;
    } else {
      ASSERT_TRUE(s["error"].is_null()) << name << ": " << s["error"];
      ++peers_ran;
    }
    EXPECT_FALSE(s["version"].get<std::string>().empty()) << name;
    EXPECT_TRUE(s["settings"].contains("acknowledgement")) << name;
    ExpectSaneThroughput(s["publish"], name + " publish", kCount);
    ExpectSaneThroughput(s["consume"], name + " consume", kCount);
    ExpectSaneLatency(s["latency"], name + " latency");
  }
  std::cerr << "peers that ran: " << peers_ran << "\n";
  if (testing::ClientsRequired()) {
    EXPECT_EQ(peers_ran, 3);
  }

  const std::string svg = Slurp(std::filesystem::path(out) / "compare.svg");
  EXPECT_TRUE(svg.starts_with("<svg")) << svg.substr(0, 100);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
}

TEST(BenchCompareTest, UnknownSystemIsAUsageError) {
  testing::TempDir dir;
  auto r = RunCommand(fmt::format("{} bench compare --systems herald,kafka --count 10 --out {}",
                                  HERALD_BINARY, dir.str()));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("unknown system 'kafka'"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace herald
