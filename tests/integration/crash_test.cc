// kill -9 the broker while a librdkafka producer with acks=all streams records, 20 times: after
// each restart every acknowledged record is read back byte-identical at its offset, and the
// committed offsets are intact.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "testing/clients.h"
#include "testing/herald_process.h"
#include "testing/test_util.h"

namespace herald {
namespace {

using testing::RunCommand;
using testing::HasCommand;
using testing::PythonHas;
using testing::kPython;

constexpr int kCycles = 20;

std::string Script() {
  return std::string(HERALD_SOURCE_DIR) + "/tests/integration/clients/confluent_stream.py";
}

// Starts the streaming producer with its stdout in `out_path`; returns its pid.
pid_t StartProducer(const std::string& bootstrap, int64_t start, const std::string& out_path) {
  pid_t pid = ::fork();
  if (pid == 0) {
    int fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, STDOUT_FILENO);
    int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, STDERR_FILENO);
    std::string script = Script(), begin = std::to_string(start);
    ::execl(kPython, kPython, "-u", script.c_str(), bootstrap.c_str(), "stream", begin.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

TEST(BrokerCrashTest, AcknowledgedRecordsAndCommittedOffsetsSurviveKill9) {
  HERALD_REQUIRE_CLIENT(PythonHas("confluent_kafka"), "python3-confluent-kafka");
  HERALD_REQUIRE_CLIENT(HasCommand("kcat"), "kcat");
  testing::TempDir dir;
  const std::string data = dir.str() + "/data";
  std::map<int64_t, std::string> acked;  // offset -> value (topic 'stream' has one partition)
  std::mt19937 rng(7);
  int64_t next_value = 0;
  int64_t committed = -1001;  // librdkafka's OFFSET_INVALID: nothing committed yet
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    SCOPED_TRACE(fmt::format("cycle {}", cycle));
    testing::HeraldProcess server(data);
    if (cycle > 0) {
      // Everything acknowledged before the last kill is there, byte for byte.
      auto r = RunCommand(fmt::format("timeout 60 kcat -b {} -t stream -C -o beginning -e -f '%o %s\\n'",
                                      server.bootstrap()));
      ASSERT_EQ(r.exit_code, 0) << r.err << server.Log();
      std::map<int64_t, std::string> present;
      std::istringstream lines(r.out);
      int64_t offset;
      std::string value;
      while (lines >> offset >> value) present[offset] = value;
      for (const auto& [o, v] : acked) {
        auto it = present.find(o);
        ASSERT_NE(it, present.end()) << "acknowledged offset " << o << " lost\n" << server.Log();
        ASSERT_EQ(it->second, v) << "acknowledged offset " << o << " changed";
      }
      auto c = RunCommand(fmt::format("timeout 60 {} {} {} committed", kPython, Script(),
                                      server.bootstrap()));
      ASSERT_EQ(c.exit_code, 0) << c.err;
      EXPECT_EQ(std::stoll(c.out), committed) << "committed offset changed across a kill -9";
    }
    // Commit a new offset (what a consumer has processed), then stream and kill mid-write.
    if (!acked.empty()) {
      committed = acked.rbegin()->first + 1;
      auto c = RunCommand(fmt::format("timeout 60 {} {} {} commit {}", kPython, Script(),
                                      server.bootstrap(), committed));
      ASSERT_EQ(c.exit_code, 0) << c.err;
    }
    const std::string out = fmt::format("{}/acks-{}", dir.str(), cycle);
    pid_t producer = StartProducer(server.bootstrap(), next_value, out);
    // Once the producer streams (its first acknowledgement is written: starting Python can take
    // seconds on a loaded machine), the kill lands at a random point.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      std::ifstream written(out);
      if (written.peek() != std::ifstream::traits_type::eof()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500 + rng() % 1000));
    server.Kill();  // SIGKILL while records are in flight
    ::kill(producer, SIGKILL);
    int status = 0;
    ::waitpid(producer, &status, 0);
    std::ifstream in(out);
    std::string tag, value;
    int partition;
    int64_t offset;
    int acks_this_cycle = 0;
    while (in >> tag >> partition >> offset >> value) {
      acked[offset] = value;
      next_value = std::max<int64_t>(next_value, std::stoll(value.substr(2)) + 1);
      ++acks_this_cycle;
    }
    EXPECT_GT(acks_this_cycle, 0) << "the producer got nothing acknowledged";
  }
  RecordProperty("acknowledged_records", static_cast<int>(acked.size()));
  EXPECT_GT(acked.size(), 1000u);
}

}  // namespace
}  // namespace herald
