// The SDK's transports against one contract: the embedded one (storage in this process) and the
// Kafka one (librdkafka against a real `herald serve`) must append, place, deliver, commit and
// pause alike.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "base/bytes.h"
#include "base/net.h"
#include "broker/partitioner.h"
#include "herald/errors.h"
#include "herald/transport.h"
#include "testing/herald_process.h"
#include "testing/test_util.h"

namespace herald {
namespace {

using sdk::GroupSession;
using sdk::Message;
using sdk::OutgoingRecord;
using sdk::SendResult;
using sdk::Transport;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr auto kDeadline = std::chrono::seconds(30);

// Records by (topic, partition), in the order received.
using ByPartition = std::map<std::pair<std::string, int32_t>, std::vector<Message>>;

ByPartition GroupByPartition(const std::vector<Message>& messages) {
  ByPartition out;
  for (const auto& m : messages) out[{m.topic, m.partition}].push_back(m);
  return out;
}

OutgoingRecord Record(std::string topic, std::optional<int32_t> partition,
                      std::optional<std::string> key, std::optional<std::string> value,
                      sdk::Headers headers = {}) {
  OutgoingRecord r;
  r.topic = std::move(topic);
  r.partition = partition;
  r.key = std::move(key);
  r.value = std::move(value);
  r.headers = std::move(headers);
  return r;
}

// (Designated initializers would trip GCC 12's -Wmissing-field-initializers.)
sdk::KafkaOptions KafkaOptions(const std::string& bootstrap) {
  sdk::KafkaOptions options;
  options.bootstrap = bootstrap;
  return options;
}

// Sends and waits for `done`; fails the test (adding `context`) if it does not come within the
// deadline or a record failed.
std::vector<SendResult> SendAll(Transport& transport, std::vector<OutgoingRecord> records,
                                const std::string& context = "") {
  auto promise = std::make_shared<std::promise<std::vector<SendResult>>>();
  auto future = promise->get_future();
  const size_t count = records.size();
  transport.Send(std::move(records), [promise](std::vector<SendResult> results) {
    promise->set_value(std::move(results));
  });
  if (future.wait_for(kDeadline) != std::future_status::ready) {
    ADD_FAILURE() << "Send did not complete within the deadline" << context;
    return std::vector<SendResult>(count);
  }
  auto results = future.get();
  EXPECT_EQ(results.size(), count);
  for (const auto& r : results) {
    EXPECT_TRUE(r.ok()) << r.position.topic << ": " << r.error << context;
  }
  return results;
}

class SdkTransportTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (kafka()) {
      server_ = std::make_unique<testing::HeraldProcess>(
          dir_.str() + "/served",
          std::vector<std::string>{"--group-initial-rebalance-delay-ms", "0"});
    }
    transport_ = Open();
  }

  bool kafka() const { return GetParam() == "kafka"; }

  std::shared_ptr<Transport> Open() {
    if (kafka()) return sdk::ConnectKafka(KafkaOptions(server_->bootstrap()));
    sdk::EmbeddedOptions options;
    options.data_dir = dir_.str() + "/embedded";
    return sdk::OpenEmbedded(options);
  }

  // Closes the transport and opens it again (for the embedded one: on the same data directory).
  void Reopen() {
    transport_.reset();
    transport_ = Open();
  }

  std::string ServerLog() const {
    return server_ ? fmt::format("\nserver log:\n{}", server_->Log()) : std::string();
  }

  std::vector<SendResult> SendAndWait(std::vector<OutgoingRecord> records) {
    return SendAll(*transport_, std::move(records), ServerLog());
  }

  // Polls until `count` records came (or the deadline passed: then what came).
  std::vector<Message> PollCount(GroupSession& session, size_t count) {
    std::vector<Message> out;
    const auto deadline = Clock::now() + kDeadline;
    while (out.size() < count && Clock::now() < deadline) {
      for (auto& m : session.Poll(milliseconds(200), count - out.size())) {
        out.push_back(std::move(m));
      }
    }
    EXPECT_EQ(out.size(), count) << ServerLog();
    return out;
  }

  // Polls for `window` and returns everything that came.
  std::vector<Message> PollFor(GroupSession& session, milliseconds window) {
    std::vector<Message> out;
    const auto until = Clock::now() + window;
    while (Clock::now() < until) {
      auto left = std::chrono::duration_cast<milliseconds>(until - Clock::now());
      for (auto& m : session.Poll(std::max(left, milliseconds(1)), 100)) {
        out.push_back(std::move(m));
      }
    }
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::HeraldProcess> server_;
  std::shared_ptr<Transport> transport_;
};

TEST_P(SdkTransportTest, SendIsDurableAndPollReturnsTheSameRecordsInOrder) {
  transport_->EnsureTopic("orders", 3);
  std::vector<OutgoingRecord> records = {
      Record("orders", 0, "k1", "v1", {{"trace", "a"}, {"dup", "1"}, {"dup", "2"}}),
      Record("orders", 0, std::nullopt, "no key"),
      Record("orders", 0, "k3", std::nullopt),  // a tombstone
      Record("orders", 2, "k4", std::string(10000, 'x'), {{"empty", ""}}),
      Record("orders", 2, "", ""),
  };
  records[0].timestamp_ms = 1700000000123;
  const std::vector<OutgoingRecord> sent = records;
  std::vector<SendResult> results = SendAndWait(std::move(records));
  ASSERT_EQ(results.size(), sent.size());
  const std::vector<std::pair<int32_t, int64_t>> expected_positions = {
      {0, 0}, {0, 1}, {0, 2}, {2, 0}, {2, 1}};
  for (size_t i = 0; i < results.size(); ++i) {
    EXPECT_EQ(results[i].position.topic, "orders");
    EXPECT_EQ(results[i].position.partition, expected_positions[i].first) << i;
    EXPECT_EQ(results[i].position.offset, expected_positions[i].second) << i;
  }
  // A second call lands after the first.
  auto more = SendAndWait({Record("orders", 0, "k6", "v6")});
  ASSERT_EQ(more.size(), 1u);
  EXPECT_EQ(more[0].position.offset, 3);

  auto session = transport_->Join("readers", {"orders"});
  // `max_records` is honoured.
  std::vector<Message> got;
  const auto deadline = Clock::now() + kDeadline;
  while (got.size() < sent.size() + 1 && Clock::now() < deadline) {
    auto batch = session->Poll(milliseconds(200), 2);
    EXPECT_LE(batch.size(), 2u);
    for (auto& m : batch) got.push_back(std::move(m));
  }
  ASSERT_EQ(got.size(), sent.size() + 1) << ServerLog();
  ByPartition by = GroupByPartition(got);
  ASSERT_EQ(by.size(), 2u);
  const auto& p0 = by[{"orders", 0}];
  const auto& p2 = by[{"orders", 2}];
  ASSERT_EQ(p0.size(), 4u);
  ASSERT_EQ(p2.size(), 2u);
  auto expect_same = [](const Message& m, const OutgoingRecord& r, int64_t offset) {
    EXPECT_EQ(m.offset, offset);
    EXPECT_EQ(m.partition, *r.partition);
    EXPECT_EQ(m.key, r.key) << offset;
    EXPECT_EQ(m.value, r.value) << offset;
    EXPECT_EQ(m.headers, r.headers) << offset;
  };
  for (size_t i = 0; i < 3; ++i) expect_same(p0[i], sent[i], static_cast<int64_t>(i));
  expect_same(p0[3], Record("orders", 0, "k6", "v6"), 3);
  expect_same(p2[0], sent[3], 0);
  expect_same(p2[1], sent[4], 1);
  EXPECT_EQ(p0[0].timestamp_ms, 1700000000123);
  EXPECT_GT(p0[1].timestamp_ms, 1700000000123);  // 0 means now
  EXPECT_EQ(p0[0].Header("dup"), "2");
  // Nothing else.
  EXPECT_TRUE(session->Poll(milliseconds(300), 10).empty());
  session->Close();
  session->Close();  // idempotent
}

TEST_P(SdkTransportTest, KeyedRecordsLandOnKafkasMurmur2Partition) {
  constexpr int32_t kPartitions = 6;
  transport_->EnsureTopic("keyed", kPartitions);
  std::vector<OutgoingRecord> records;
  for (int i = 0; i < 40; ++i) {
    records.push_back(Record("keyed", std::nullopt, fmt::format("customer-{}", i), "v"));
  }
  auto results = SendAndWait(records);
  ASSERT_EQ(results.size(), records.size());
  std::set<int32_t> used;
  for (size_t i = 0; i < records.size(); ++i) {
    const int32_t expected = broker::PartitionForKey(AsBytes(*records[i].key), kPartitions);
    EXPECT_EQ(results[i].position.partition, expected) << *records[i].key;
    used.insert(expected);
  }
  EXPECT_GT(used.size(), 1u);  // the keys spread, so the check means something
  auto session = transport_->Join("keyed-readers", {"keyed"});
  for (const auto& m : PollCount(*session, records.size())) {
    ASSERT_TRUE(m.key);
    EXPECT_EQ(m.partition, broker::PartitionForKey(AsBytes(*m.key), kPartitions)) << *m.key;
  }
}

TEST_P(SdkTransportTest, ANewJoinResumesAfterTheCommittedOffsets) {
  transport_->EnsureTopic("jobs", 2);
  std::vector<OutgoingRecord> records;
  for (int i = 0; i < 4; ++i) {
    records.push_back(Record("jobs", 0, fmt::format("a{}", i), "x"));
    records.push_back(Record("jobs", 1, fmt::format("b{}", i), "x"));
  }
  SendAndWait(records);
  {
    auto session = transport_->Join("workers", {"jobs"});
    PollCount(*session, 8);
    session->Commit({{"jobs", 0, 2}, {"jobs", 1, 4}});
    session->Close();
  }
  // Closed and opened again: the commits are durable.
  Reopen();
  SendAndWait({Record("jobs", 1, "b4", "x")});
  auto session = transport_->Join("workers", {"jobs"});
  auto by = GroupByPartition(PollCount(*session, 3));
  ASSERT_EQ(by[std::make_pair(std::string("jobs"), 0)].size(), 2u);
  ASSERT_EQ(by[std::make_pair(std::string("jobs"), 1)].size(), 1u);
  EXPECT_EQ(by[std::make_pair(std::string("jobs"), 0)][0].offset, 2);
  EXPECT_EQ(by[std::make_pair(std::string("jobs"), 0)][0].key, "a2");
  EXPECT_EQ(by[std::make_pair(std::string("jobs"), 0)][1].offset, 3);
  EXPECT_EQ(by[std::make_pair(std::string("jobs"), 1)][0].offset, 4);
  EXPECT_EQ(by[std::make_pair(std::string("jobs"), 1)][0].key, "b4");
  EXPECT_TRUE(PollFor(*session, milliseconds(500)).empty());
  // Another group starts at the beginning.
  auto other = transport_->Join("auditors", {"jobs"});
  EXPECT_EQ(PollCount(*other, 9).size(), 9u);
}

// Asynchronous commits take effect in call order, and Close waits for them. Records appended
// after a Poll read the partition come with the next Poll.
TEST_P(SdkTransportTest, AsyncCommitsTakeEffectInOrderAndCloseWaitsForThem) {
  transport_->EnsureTopic("jobs", 1);
  std::vector<OutgoingRecord> first;
  for (int i = 0; i < 5; ++i) first.push_back(Record("jobs", 0, std::nullopt, fmt::format("a{}", i)));
  SendAndWait(std::move(first));
  {
    auto session = transport_->Join("workers", {"jobs"});
    EXPECT_EQ(PollCount(*session, 5).back().offset, 4);
    session->CommitAsync({{"jobs", 0, 2}});
    SendAndWait({Record("jobs", 0, std::nullopt, "b5"), Record("jobs", 0, std::nullopt, "b6"),
                 Record("jobs", 0, std::nullopt, "b7")});
    auto more = PollCount(*session, 3);
    ASSERT_EQ(more.size(), 3u);
    EXPECT_EQ(more[0].offset, 5);
    EXPECT_EQ(more[0].value, "b5");
    session->CommitAsync({{"jobs", 0, 5}});
    session->CommitAsync({{"jobs", 0, 7}});
    session->Close();
  }
  Reopen();
  auto session = transport_->Join("workers", {"jobs"});
  auto rest = PollCount(*session, 1);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].offset, 7);
  EXPECT_EQ(rest[0].value, "b7");
}

// Small polls over many partitions with backlogs: every record comes once, in order per
// partition (the embedded session keeps read buffers for a few partitions cut short and reads
// the others' batches again).
TEST_P(SdkTransportTest, SmallPollsOverManyPartitionsMissNothing) {
  constexpr int kPartitions = 20;
  constexpr int kBatches = 3;
  constexpr int kPerBatch = 5;
  transport_->EnsureTopic("wide", kPartitions);
  for (int b = 0; b < kBatches; ++b) {
    std::vector<OutgoingRecord> records;
    for (int p = 0; p < kPartitions; ++p) {
      for (int i = 0; i < kPerBatch; ++i) {
        records.push_back(
            Record("wide", p, std::nullopt, fmt::format("{}-{}", p, b * kPerBatch + i)));
      }
    }
    SendAndWait(std::move(records));
  }
  auto session = transport_->Join("wide-readers", {"wide"});
  std::vector<Message> got;
  const size_t total = kPartitions * kBatches * kPerBatch;
  const auto deadline = Clock::now() + kDeadline;
  while (got.size() < total && Clock::now() < deadline) {
    for (auto& m : session->Poll(milliseconds(200), 3)) got.push_back(std::move(m));
  }
  ASSERT_EQ(got.size(), total) << ServerLog();
  ByPartition by = GroupByPartition(got);
  ASSERT_EQ(by.size(), static_cast<size_t>(kPartitions));
  for (const auto& [tp, messages] : by) {
    ASSERT_EQ(messages.size(), static_cast<size_t>(kBatches * kPerBatch)) << tp.second;
    for (size_t i = 0; i < messages.size(); ++i) {
      EXPECT_EQ(messages[i].offset, static_cast<int64_t>(i)) << tp.second;
      EXPECT_EQ(messages[i].value, fmt::format("{}-{}", tp.second, i));
    }
  }
  EXPECT_TRUE(session->Poll(milliseconds(300), 10).empty());
}

// Adds `n` records for `topic` partition 0 with values "<prefix><i>" to `out`.
void AddValues(std::vector<OutgoingRecord>& out, const std::string& topic,
               const std::string& prefix, int n) {
  for (int i = 0; i < n; ++i) {
    out.push_back(Record(topic, 0, std::nullopt, fmt::format("{}{}", prefix, i)));
  }
}

std::vector<std::string> ValuesOf(const std::vector<Message>& messages, const std::string& topic) {
  std::vector<std::string> out;
  for (const auto& m : messages) {
    if (m.topic == topic) out.push_back(m.value.value_or("<null>"));
  }
  return out;
}

TEST_P(SdkTransportTest, PauseStopsOneTopicWhileAnotherFlowsAndResumeRestoresIt) {
  transport_->EnsureTopic("slow", 1);
  transport_->EnsureTopic("fast", 1);
  auto session = transport_->Join("pausers", {"slow", "fast"});
  SendAndWait({Record("slow", 0, std::nullopt, "s-first"), Record("fast", 0, std::nullopt, "f-first")});
  PollCount(*session, 2);  // both held and flowing

  session->Pause("slow");
  std::vector<OutgoingRecord> records;
  AddValues(records, "slow", "s", 3);
  AddValues(records, "fast", "f", 3);
  SendAndWait(records);
  auto flowing = PollCount(*session, 3);
  EXPECT_EQ(ValuesOf(flowing, "fast"), (std::vector<std::string>{"f0", "f1", "f2"}));
  EXPECT_TRUE(ValuesOf(flowing, "slow").empty());
  // Still nothing from the paused topic, though the other keeps flowing.
  SendAndWait({Record("fast", 0, std::nullopt, "f3")});
  auto later = PollFor(*session, milliseconds(1500));
  EXPECT_EQ(ValuesOf(later, "fast"), (std::vector<std::string>{"f3"}));
  EXPECT_TRUE(ValuesOf(later, "slow").empty());

  session->Resume("slow");
  auto resumed = PollCount(*session, 3);
  EXPECT_EQ(ValuesOf(resumed, "slow"), (std::vector<std::string>{"s0", "s1", "s2"}));
  for (size_t i = 0; i < resumed.size(); ++i) EXPECT_EQ(resumed[i].offset, static_cast<int64_t>(i + 1));
}

TEST_P(SdkTransportTest, APauseBeforeThePartitionsAreHeldStillApplies) {
  transport_->EnsureTopic("later", 1);
  transport_->EnsureTopic("now", 1);
  std::vector<OutgoingRecord> records;
  AddValues(records, "later", "l", 2);
  AddValues(records, "now", "n", 2);
  SendAndWait(records);
  auto session = transport_->Join("early-pausers", {"later", "now"});
  session->Pause("later");
  auto got = PollCount(*session, 2);
  EXPECT_EQ(ValuesOf(got, "now"), (std::vector<std::string>{"n0", "n1"}));
  EXPECT_TRUE(ValuesOf(PollFor(*session, milliseconds(1000)), "later").empty());
  session->Resume("later");
  EXPECT_EQ(ValuesOf(PollCount(*session, 2), "later"), (std::vector<std::string>{"l0", "l1"}));
}

TEST_P(SdkTransportTest, PollTimesOutEmptyWhenNothingIsThere) {
  transport_->EnsureTopic("quiet", 2);
  auto session = transport_->Join("listeners", {"quiet"});
  const auto start = Clock::now();
  auto got = session->Poll(milliseconds(400), 10);
  const auto took = Clock::now() - start;
  EXPECT_TRUE(got.empty());
  EXPECT_GE(took, milliseconds(350));
  EXPECT_LT(took, std::chrono::seconds(10));
  // And a record that comes later still arrives.
  SendAndWait({Record("quiet", 1, "k", "v")});
  auto later = PollCount(*session, 1);
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].value, "v");
}

INSTANTIATE_TEST_SUITE_P(Transports, SdkTransportTest, ::testing::Values("embedded", "kafka"),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           return param.param;
                         });

TEST(SdkTransportKafkaTest, AnUnreachableBootstrapThrowsQuickly) {
  const std::string bootstrap = fmt::format("127.0.0.1:{}", FreeLoopbackPort());
  const auto start = Clock::now();
  try {
    sdk::ConnectKafka(KafkaOptions(bootstrap));
    FAIL() << "connected to nothing at " << bootstrap;
  } catch (const sdk::Error& e) {
    EXPECT_NE(std::string(e.what()).find(bootstrap), std::string::npos) << e.what();
  }
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(15));
}

// With librdkafka's cooperative-sticky assignor, partitions move between members incrementally
// and a member that leaves gives its partitions up without blocking its Close.
TEST(SdkTransportKafkaTest, CooperativeMembersShareAndHandOverPartitions) {
  testing::TempDir dir;
  testing::HeraldProcess server(dir.str() + "/served",
                                {"--group-initial-rebalance-delay-ms", "0"});
  sdk::KafkaOptions options = KafkaOptions(server.bootstrap());
  options.properties["partition.assignment.strategy"] = "cooperative-sticky";
  auto transport = sdk::ConnectKafka(options);
  transport->EnsureTopic("jobs", 4);
  auto one_per_partition = [](const std::string& value) {
    std::vector<OutgoingRecord> records;
    for (int32_t p = 0; p < 4; ++p) records.push_back(Record("jobs", p, std::nullopt, value));
    return records;
  };
  auto first = transport->Join("coop", {"jobs"});
  auto second = transport->Join("coop", {"jobs"});
  // Both poll while the group settles (the second's join moves half of the first's partitions
  // to it, incrementally); then one record per partition shows who holds what.
  for (auto until = Clock::now() + std::chrono::seconds(3); Clock::now() < until;) {
    EXPECT_TRUE(first->Poll(milliseconds(50), 10).empty());
    EXPECT_TRUE(second->Poll(milliseconds(50), 10).empty());
  }
  SendAll(*transport, one_per_partition("x"));
  std::set<int32_t> first_got, second_got;
  const auto deadline = Clock::now() + kDeadline;
  while (first_got.size() + second_got.size() < 4 && Clock::now() < deadline) {
    for (const auto& m : first->Poll(milliseconds(50), 10)) first_got.insert(m.partition);
    for (const auto& m : second->Poll(milliseconds(50), 10)) second_got.insert(m.partition);
  }
  ASSERT_EQ(first_got.size(), 2u) << server.Log();
  ASSERT_EQ(second_got.size(), 2u) << server.Log();
  for (int32_t p : first_got) EXPECT_FALSE(second_got.contains(p)) << p;
  for (int32_t p : first_got) first->Commit({{"jobs", p, 1}});
  for (int32_t p : second_got) second->Commit({{"jobs", p, 1}});
  first->Close();
  // The first member's partitions move to the second, which resumes them after the commits.
  SendAll(*transport, one_per_partition("y"));
  std::set<int32_t> after;
  const auto deadline2 = Clock::now() + kDeadline;
  while (after.size() < 4 && Clock::now() < deadline2) {
    for (const auto& m : second->Poll(milliseconds(50), 10)) {
      EXPECT_EQ(m.value, "y") << "partition " << m.partition << " offset " << m.offset;
      after.insert(m.partition);
    }
  }
  EXPECT_EQ(after.size(), 4u) << server.Log();
  second->Close();
}

// A data directory the embedded transport wrote is served by `herald serve` unchanged: the same
// records, and the groups' commits.
TEST(SdkTransportEmbeddedTest, ItsDataDirectoryIsServedByHeraldServeUnchanged) {
  testing::TempDir dir;
  const std::string data = dir.str() + "/data";
  {
    sdk::EmbeddedOptions options;
    options.data_dir = data;
    auto embedded = sdk::OpenEmbedded(options);
    embedded->EnsureTopic("orders", 2);
    std::vector<OutgoingRecord> records;
    for (int i = 0; i < 6; ++i) {
      records.push_back(Record("orders", i % 2, fmt::format("k{}", i), fmt::format("v{}", i),
                               {{"ce_id", fmt::format("id-{}", i)}}));
    }
    SendAll(*embedded, std::move(records));
    auto session = embedded->Join("billing", {"orders"});
    session->Commit({{"orders", 0, 2}, {"orders", 1, 1}});
    session->Close();
  }
  testing::HeraldProcess server(data, {"--group-initial-rebalance-delay-ms", "0"});
  auto kafka = sdk::ConnectKafka(KafkaOptions(server.bootstrap()));
  // The group resumes where the embedded session committed.
  auto billing = kafka->Join("billing", {"orders"});
  std::map<int32_t, std::vector<int64_t>> resumed;
  std::vector<Message> all;
  const auto deadline = Clock::now() + kDeadline;
  while (resumed[0].size() + resumed[1].size() < 3 && Clock::now() < deadline) {
    for (const auto& m : billing->Poll(milliseconds(200), 10)) {
      resumed[m.partition].push_back(m.offset);
    }
  }
  EXPECT_EQ(resumed[0], (std::vector<int64_t>{2})) << server.Log();
  EXPECT_EQ(resumed[1], (std::vector<int64_t>{1, 2})) << server.Log();
  billing->Close();
  // A new group reads every record as it was written.
  auto auditors = kafka->Join("auditors", {"orders"});
  while (all.size() < 6 && Clock::now() < deadline) {
    for (auto& m : auditors->Poll(milliseconds(200), 10)) all.push_back(std::move(m));
  }
  ASSERT_EQ(all.size(), 6u) << server.Log();
  for (const auto& m : all) {
    const int64_t i = m.offset * 2 + m.partition;
    EXPECT_EQ(m.key, fmt::format("k{}", i));
    EXPECT_EQ(m.value, fmt::format("v{}", i));
    EXPECT_EQ(m.Header("ce_id"), fmt::format("id-{}", i));
  }
  auditors->Close();
}

TEST(SdkTransportEmbeddedTest, AnUnusableDataDirectoryThrows) {
  testing::TempDir dir;
  const std::string file = dir.str() + "/not-a-directory";
  std::ofstream(file) << "x";
  sdk::EmbeddedOptions options;
  options.data_dir = file;
  EXPECT_THROW(sdk::OpenEmbedded(options), sdk::Error);
}

}  // namespace
}  // namespace herald
