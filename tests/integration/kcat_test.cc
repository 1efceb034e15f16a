// kcat (librdkafka 2.0.2) against a real `herald serve`.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <sstream>
#include <thread>

#include "testing/clients.h"
#include "testing/herald_process.h"
#include "testing/test_util.h"

namespace herald {
namespace {

using testing::RunCommand;
using testing::HasCommand;

class KcatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HERALD_REQUIRE_CLIENT(HasCommand("kcat"), "kcat");
    server_ = std::make_unique<testing::HeraldProcess>(dir_.str() + "/data");
  }

  std::string Kcat(const std::string& args, const std::string& input = "") {
    std::string cmd = fmt::format("timeout 30 kcat -b {} {}", server_->bootstrap(), args);
    if (!input.empty()) {
      std::string path = dir_.str() + "/input";
      FILE* f = std::fopen(path.c_str(), "w");
      std::fputs(input.c_str(), f);
      std::fclose(f);
      cmd += " < " + path;
    }
    auto r = RunCommand(cmd);
    EXPECT_EQ(r.exit_code, 0) << cmd << "\n" << r.err << "\nserver log:\n" << server_->Log();
    return r.out;
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::HeraldProcess> server_;
};

TEST_F(KcatTest, MetadataListsTheBrokerAsControllerAndTopics) {
  Kcat("-t orders -P", "first\n");
  std::string out = Kcat("-L");
  EXPECT_NE(out.find(fmt::format("broker 1 at 127.0.0.1:{} (controller)", server_->port())),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("topic \"orders\" with 1 partitions"), std::string::npos) << out;
  EXPECT_NE(out.find("leader 1, replicas: 1, isrs: 1"), std::string::npos) << out;
}

// librdkafka 2.0.2 fetches a group's committed offsets with OffsetFetch v7 (flexible) once the
// broker advertises it, and sends three bytes after that request's message.
TEST_F(KcatTest, GroupResumesFromItsCommittedOffsetsThroughOffsetFetchV7) {
  Kcat("-t resume -P", "a\nb\nc\n");
  EXPECT_EQ(Kcat("-G resumers -o beginning -e resume"), "a\nb\nc\n");
  Kcat("-t resume -P", "d\n");
  const std::string cmd = fmt::format(
      "timeout 30 kcat -b {} -G resumers -e -X debug=protocol resume", server_->bootstrap());
  auto r = RunCommand(cmd);
  ASSERT_EQ(r.exit_code, 0) << r.err << "\nserver log:\n" << server_->Log();
  EXPECT_EQ(r.out, "d\n") << "the group resumes after its committed offset";
  EXPECT_NE(r.err.find("Received OffsetFetchResponse (v7"), std::string::npos) << r.err;
}

// librdkafka 2.0.2's idempotent producer asks for its id with InitProducerId v4 (flexible) once
// the broker advertises it.
TEST_F(KcatTest, IdempotentProducerGetsItsIdThroughInitProducerIdV4) {
  const std::string path = dir_.str() + "/idempotent-input";
  FILE* f = std::fopen(path.c_str(), "w");
  std::fputs("a\nb\n", f);
  std::fclose(f);
  auto r = RunCommand(fmt::format(
      "timeout 30 kcat -b {} -t idem -P -X enable.idempotence=true -X debug=protocol < {}",
      server_->bootstrap(), path));
  ASSERT_EQ(r.exit_code, 0) << r.err << "\nserver log:\n" << server_->Log();
  EXPECT_NE(r.err.find("Received InitProducerIdResponse (v4"), std::string::npos) << r.err;
  EXPECT_EQ(Kcat("-t idem -C -o beginning -e"), "a\nb\n");
}

class KcatCodecTest : public KcatTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(KcatCodecTest, ProduceAndConsumeEachCodec) {
  const std::string codec = GetParam();
  std::string input;
  for (int i = 0; i < 200; ++i) input += fmt::format("key-{}:value-{}-{}\n", i % 7, codec, i);
  const std::string topic = "codec-" + codec;
  Kcat(fmt::format("-t {} -P -K: -z {}", topic, codec), input);
  std::string out = Kcat(fmt::format("-t {} -C -o beginning -e -f '%o %k %s\\n'", topic));
  std::istringstream lines(out);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    EXPECT_EQ(line, fmt::format("{} key-{} value-{}-{}", n, n % 7, codec, n));
    ++n;
  }
  EXPECT_EQ(n, 200) << out;
}

INSTANTIATE_TEST_SUITE_P(Codecs, KcatCodecTest,
                         ::testing::Values("none", "gzip", "snappy", "lz4", "zstd"));

TEST_F(KcatTest, ConsumeFromATimestamp) {
  Kcat("-t events -P", "early-1\nearly-2\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto since = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  Kcat("-t events -P", "late-1\nlate-2\n");
  std::string out = Kcat(fmt::format("-t events -C -o s@{} -e -f '%o %s\\n'", since));
  EXPECT_EQ(out, "2 late-1\n3 late-2\n");
}

TEST_F(KcatTest, DataSurvivesACleanRestart) {
  Kcat("-t durable -P", "a\nb\nc\n");
  EXPECT_EQ(server_->Stop(), 0) << server_->Log();
  server_ = std::make_unique<testing::HeraldProcess>(dir_.str() + "/data");
  EXPECT_EQ(Kcat("-t durable -C -o beginning -e -f '%s\\n'"), "a\nb\nc\n");
  Kcat("-t durable -P", "d\n");
  EXPECT_EQ(Kcat("-t durable -C -o 3 -e -f '%o %s\\n'"), "3 d\n");
}

}  // namespace
}  // namespace herald
