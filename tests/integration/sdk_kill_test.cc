// A consumer process (a Router with a SqliteDedupStore) is killed with SIGKILL mid-batch, again
// and again, then runs to the end. What the handler did is logged to files by the process itself
// (one write per line, so a kill loses no line already written). Checks, on both transports:
// every record is handled; after a kill only records delivered after the group's last commit
// (read back after each kill) are delivered again, and the dedup store keeps the handler from
// seeing them again, except for at most the one record in hand at each kill (handled, its id not
// yet recorded). And with an exactly-once (transactional) router instead of the dedup store: the
// handler runs again after each kill, yet each output is read exactly once.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "herald/observability.h"
#include "herald/publisher.h"
#include "herald/router.h"
#include "herald/sqlite_dedup_store.h"
#include "testing/herald_process.h"
#include "testing/test_util.h"

namespace herald::sdk {
namespace {

using namespace std::chrono_literals;

constexpr int kRecords = 3000;
constexpr int kKills = 4;
constexpr size_t kBatch = 100;  // max_poll_records

void AppendLine(int fd, const std::string& text) {
  const std::string line = text + "\n";
  if (write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(5);
}

// Count of each line of `path`.
std::map<std::string, int> LineCounts(const std::string& path) {
  std::map<std::string, int> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) ++out[line];
  return out;
}

// The largest number among the lines of `path`, -1 when there is none.
int64_t LargestLine(const std::string& path) {
  int64_t largest = -1;
  for (const auto& [line, count] : LineCounts(path)) {
    largest = std::max<int64_t>(largest, std::stoll(line));
  }
  return largest;
}

size_t LineCount(const std::string& path) {
  size_t n = 0;
  for (const auto& [line, count] : LineCounts(path)) n += static_cast<size_t>(count);
  return n;
}

class SdkKillTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "kafka") {
      server_ = std::make_unique<testing::HeraldProcess>(
          dir_.str() + "/served", std::vector<std::string>{"--group-initial-rebalance-delay-ms", "0"});
    }
  }

  // `consumer`: a killed member's partitions move on after 2 s, not librdkafka's default 45 s.
  std::shared_ptr<Transport> Open(bool consumer = false) {
    if (GetParam() == "kafka") {
      KafkaOptions o;
      o.bootstrap = server_->bootstrap();
      if (consumer) {
        o.properties["session.timeout.ms"] = "2000";
        o.properties["heartbeat.interval.ms"] = "500";
      }
      return ConnectKafka(o);
    }
    return OpenEmbedded({.data_dir = dir_.str() + "/data"});
  }

  std::string Path(const char* name) const { return dir_.str() + "/" + name; }

  // Runs in the child: handles "payments" until the last record, then exits 0. Never returns.
  // `exactly_once`: the router is transactional, without the dedup store, and the handler
  // publishes each payment's receipt through Output().
  [[noreturn]] void RunConsumer(bool exactly_once) {
    try {
      SetLogLevel(LogLevel::kWarn);  // not every recovery of every restart
      const int deliveries = open(Path("deliveries").c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
      const int handled = open(Path("handled").c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
      if (deliveries < 0 || handled < 0) _exit(3);
      auto transport = Open(/*consumer=*/true);
      RouterOptions o;
      o.group = "payments";
      o.max_poll_records = kBatch;
      o.poll_timeout = 20ms;
      if (exactly_once) o.transactional_id = "payments-1";
      Router router(transport, o);
      // Outermost: every delivery, duplicates included.
      router.Use([deliveries](const Message& m, const Next& next) {
        AppendLine(deliveries, *m.value);
        return next(m);
      });
      if (!exactly_once) router.Use(Deduplicate(SqliteDedupStore::Open(Path("dedup.db"))));
      router.Handle("payments", [&](const Message& m) {
        AppendLine(handled, *m.value);
        if (exactly_once) {
          router.Output().PublishAsync("receipts",
                                       Event::CausedBy(m, "payment.receipted", *m.value));
        }
        std::this_thread::sleep_for(100us);  // a batch takes ~10 ms: kills land mid-batch
        if (*m.value == std::to_string(kRecords - 1)) router.Stop();
        return HandlerResult::Success();
      });
      router.Run();
      _exit(0);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "consumer: %s\n", e.what());
      _exit(2);
    }
  }

  // The group's committed offset: the first record a new member of the group gets (reading
  // commits nothing). Called with no consumer running.
  int64_t CommittedOffset() {
    auto transport = Open(/*consumer=*/true);
    auto session = transport->Join("payments", {"payments"});
    int64_t offset = -1;
    for (auto deadline = std::chrono::steady_clock::now() + 60s;
         offset < 0 && std::chrono::steady_clock::now() < deadline;) {
      for (const auto& m : session->Poll(200ms, 1)) offset = m.offset;
    }
    session->Close();
    return offset;
  }

  // Forks a consumer. The parent holds no transport at this point (the embedded data directory
  // is locked by its holder, and fork keeps only the calling thread).
  pid_t StartConsumer(bool exactly_once = false) {
    std::fflush(nullptr);
    pid_t pid = fork();
    if (pid == 0) RunConsumer(exactly_once);
    return pid;
  }

  // Publishes the payments 0 .. kRecords-1.
  void PublishPayments() {
    auto transport = Open();
    transport->EnsureTopic("payments", 1);
    transport->EnsureTopic("receipts", 2);
    std::vector<Event> events;
    for (int i = 0; i < kRecords; ++i) {
      events.push_back({.type = "payment.requested", .data = std::to_string(i)});
    }
    Publisher(transport).PublishBatch("payments", std::move(events));
  }

  // Starts a consumer, lets it handle a few hundred more records, and kills it mid-batch.
  void KillMidBatch(std::mt19937_64& rng, bool exactly_once) {
    const size_t before = LineCount(Path("handled"));
    pid_t pid = StartConsumer(exactly_once);
    ASSERT_GT(pid, 0);
    const size_t target = before + 200 + rng() % 300;
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (LineCount(Path("handled")) < target && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(1ms);
    }
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the consumer exited on its own: " << status;
  }

  // Runs a consumer to the end (the last record).
  void RunToTheEnd(bool exactly_once) {
    pid_t pid = StartConsumer(exactly_once);
    ASSERT_GT(pid, 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::HeraldProcess> server_;
};

TEST_P(SdkKillTest, AConsumerKilledMidBatchReprocessesOnlyUncommittedAndDedupSuppressesThem) {
  PublishPayments();
  std::mt19937_64 rng(20261130);
  // Records delivered but not committed when each consumer died: at most these come again.
  int64_t uncommitted = 0;
  for (int kill = 0; kill < kKills; ++kill) {
    SCOPED_TRACE(fmt::format("kill {}", kill));
    KillMidBatch(rng, /*exactly_once=*/false);
    if (HasFatalFailure()) return;
    const int64_t committed = CommittedOffset();
    ASSERT_GE(committed, 0) << "no record came after the kill";
    uncommitted += LargestLine(Path("deliveries")) + 1 - committed;
  }
  RunToTheEnd(/*exactly_once=*/false);
  if (HasFatalFailure()) return;

  const auto handled = LineCounts(Path("handled"));
  const auto deliveries = LineCounts(Path("deliveries"));
  int handled_twice = 0;
  int redelivered = 0;
  for (int i = 0; i < kRecords; ++i) {
    const std::string value = std::to_string(i);
    auto h = handled.find(value);
    ASSERT_NE(h, handled.end()) << "record " << i << " was never handled";
    handled_twice += h->second - 1;
    redelivered += deliveries.at(value) - 1;
  }
  RecordProperty("redelivered", redelivered);
  RecordProperty("handled_twice", handled_twice);
  RecordProperty("uncommitted_at_kills", uncommitted);
  // Only records delivered after the last commit came again; the handler saw at most the one
  // record in hand at each kill again.
  EXPECT_LE(redelivered, uncommitted);
  EXPECT_GT(redelivered, 0) << "no kill landed mid-batch: the test proves nothing";
  EXPECT_LE(handled_twice, kKills);
}

// The same kills with an exactly-once router: handlers run again after each kill, but every
// payment's receipt is in "receipts" exactly once for a read_committed reader.
TEST_P(SdkKillTest, AnExactlyOnceRouterKilledMidBatchPublishesEachOutputOnce) {
  PublishPayments();
  std::mt19937_64 rng(20261206);
  for (int kill = 0; kill < kKills; ++kill) {
    SCOPED_TRACE(fmt::format("kill {}", kill));
    KillMidBatch(rng, /*exactly_once=*/true);
    if (HasFatalFailure()) return;
  }
  RunToTheEnd(/*exactly_once=*/true);
  if (HasFatalFailure()) return;

  int handled_again = 0;
  for (const auto& [value, count] : LineCounts(Path("handled"))) handled_again += count - 1;
  EXPECT_GT(handled_again, 0) << "no kill landed mid-batch: the test proves nothing";
  RecordProperty("handled_again", handled_again);
  std::map<std::string, int> receipts;
  auto transport = Open(/*consumer=*/true);
  auto session = transport->Join("auditors", {"receipts"});
  size_t received = 0;
  for (auto deadline = std::chrono::steady_clock::now() + 60s;
       received < kRecords && std::chrono::steady_clock::now() < deadline;) {
    for (const auto& m : session->Poll(200ms, 1000)) {
      ++receipts[*m.value];
      ++received;
    }
  }
  for (const auto& m : session->Poll(500ms, 1000)) ++receipts[*m.value];  // none should come
  session->Close();
  ASSERT_EQ(receipts.size(), static_cast<size_t>(kRecords));
  for (const auto& [value, count] : receipts) EXPECT_EQ(count, 1) << "receipt " << value;
}

INSTANTIATE_TEST_SUITE_P(Transports, SdkKillTest, ::testing::Values("embedded", "kafka"),
                         [](const auto& transport) { return transport.param; });

}  // namespace
}  // namespace herald::sdk
