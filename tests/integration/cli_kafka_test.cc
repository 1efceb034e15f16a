// The Kafka client subcommands (`herald topic|produce|consume|group`) against a real
// `herald serve`, checked through their JSON output and, across clients, with kcat.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/net.h"
#include "testing/clients.h"
#include "testing/cli_test.h"
#include "testing/herald_process.h"
#include "testing/test_util.h"

namespace herald {
namespace {

using nlohmann::json;
using testing::CommandResult;
using testing::NowMs;
using testing::RunCommand;
using testing::HasCommand;

std::string IsoUtc(int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03d}Z", buf, static_cast<int>(ms % 1000));
}

std::vector<json> JsonLines(const std::string& out) {
  std::vector<json> lines;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) lines.push_back(json::parse(line));
  }
  return lines;
}

size_t LineCount(const std::string& s) {
  return static_cast<size_t>(std::count(s.begin(), s.end(), '\n'));
}

class CliKafkaTest : public testing::CliTest {
 protected:
  json DescribeGroup(const std::string& group) {
    json j = OkJson(fmt::format("group describe {} --output json", group));
    return j["groups"][0];
  }
  // Committed offset and lag of one partition in a `group describe` document.
  static json PartitionOf(const json& group, const std::string& topic, int partition) {
    for (const auto& p : group["partitions"]) {
      if (p["topic"] == topic && p["partition"] == partition) return p;
    }
    return json();
  }
};

TEST_F(CliKafkaTest, TopicCreateListDescribeAlterDelete) {
  std::string out = Ok("topic create t1 --partitions 3 --config retention.ms=60000");
  EXPECT_NE(out.find("Created topic 't1' with 3 partitions"), std::string::npos) << out;

  json list = OkJson("topic list --output json");
  ASSERT_EQ(list["topics"].size(), 1u) << list;
  EXPECT_EQ(list["topics"][0]["topic"], "t1");
  EXPECT_EQ(list["topics"][0]["partitions"], 3);
  // Internal topics only on request.
  json all = OkJson("topic list --internal --output json");
  EXPECT_GE(all["topics"].size(), 1u);

  Ok("produce t1 --partition 2", "a\nb\n");
  json d = OkJson("topic describe t1 --output json")["topics"][0];
  EXPECT_EQ(d["topic"], "t1");
  ASSERT_EQ(d["partitions"].size(), 3u);
  EXPECT_EQ(d["partitions"][2]["start_offset"], 0);
  EXPECT_EQ(d["partitions"][2]["end_offset"], 2);
  EXPECT_EQ(d["partitions"][2]["messages"], 2);
  EXPECT_EQ(d["partitions"][0]["messages"], 0);
  EXPECT_EQ(d["partitions"][0]["leader"], 1);
  EXPECT_EQ(d["messages"], 2);
  EXPECT_EQ(d["replication_factor"], 1);
  EXPECT_EQ(d["configs"]["retention.ms"]["value"], "60000");
  EXPECT_EQ(d["configs"]["retention.ms"]["default"], false);
  std::string table = Ok("topic describe t1");
  EXPECT_NE(table.find("retention.ms=60000"), std::string::npos) << table;

  // alter: a config set, the other override kept, partitions added.
  out = Ok("topic alter t1 --config segment.ms=600000 --partitions 5");
  EXPECT_NE(out.find("partitions 3 -> 5"), std::string::npos) << out;
  d = OkJson("topic describe t1 --output json")["topics"][0];
  EXPECT_EQ(d["partitions"].size(), 5u);
  EXPECT_EQ(d["configs"]["segment.ms"]["value"], "600000");
  EXPECT_EQ(d["configs"]["retention.ms"]["value"], "60000");
  Ok("topic alter t1 --delete-config retention.ms");
  d = OkJson("topic describe t1 --output json")["topics"][0];
  EXPECT_EQ(d["configs"]["retention.ms"]["default"], true);
  EXPECT_EQ(d["configs"]["segment.ms"]["default"], false);

  // Errors: one line and exit 1.
  auto again = Herald("topic create t1");
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("already exists"), std::string::npos) << again.err;
  EXPECT_EQ(LineCount(again.err), 1u) << again.err;
  auto shrink = Herald("topic alter t1 --partitions 2");
  EXPECT_EQ(shrink.exit_code, 1);
  auto bad_config = Herald("topic alter t1 --config no.such.config=1");
  EXPECT_EQ(bad_config.exit_code, 1) << bad_config.err;

  out = Ok("topic delete t1");
  EXPECT_NE(out.find("Deleted topic 't1'"), std::string::npos);
  EXPECT_TRUE(OkJson("topic list --output json")["topics"].empty());
  auto gone = Herald("topic describe t1");
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_NE(gone.err.find("does not exist"), std::string::npos) << gone.err;
}

TEST_F(CliKafkaTest, ProduceKeysAndHeadersThenConsumeThemBack) {
  Ok("topic create events --partitions 2");
  json summary = OkJson(
      "produce events --key-separator '|' --header source=test --header trace=42 --partition 1 "
      "--output json",
      "k1|v1\nk2|{\"x\": 2}\n\nno-key-here\n");
  EXPECT_EQ(summary["records"], 3);
  EXPECT_EQ(summary["failed"], 0);
  ASSERT_EQ(summary["partitions"].size(), 1u) << summary;
  EXPECT_EQ(summary["partitions"][0]["partition"], 1);
  EXPECT_EQ(summary["partitions"][0]["records"], 3);
  EXPECT_EQ(summary["partitions"][0]["first_offset"], 0);
  EXPECT_EQ(summary["partitions"][0]["last_offset"], 2);

  auto records = JsonLines(Ok("consume events --from-beginning --format json"));
  ASSERT_EQ(records.size(), 3u);
  const std::vector<json> keys = {"k1", "k2", nullptr};
  const std::vector<std::string> values = {"v1", "{\"x\": 2}", "no-key-here"};
  for (size_t i = 0; i < records.size(); ++i) {
    const json& r = records[i];
    EXPECT_EQ(r["topic"], "events");
    EXPECT_EQ(r["partition"], 1);
    EXPECT_EQ(r["offset"], i);
    EXPECT_EQ(r["key"], keys[i]);
    EXPECT_EQ(r["value"], values[i]);
    EXPECT_GT(r["timestamp"].get<int64_t>(), 0);
    EXPECT_EQ(r["headers"], json::parse(R"([{"key":"source","value":"test"},
                                            {"key":"trace","value":"42"}])"));
  }

  // The text format and the table summary.
  std::string out = Ok("produce events --key-separator '|'", "a|1\nb|2\nc|3\nd|4\n");
  EXPECT_NE(out.find("Produced 4 records to 'events'."), std::string::npos) << out;
  std::string text = Ok("consume events --from-beginning --partition 1 --count 1");
  EXPECT_EQ(text.substr(0, 5), "1\t0\t2") << text;  // partition, offset, then the time
  EXPECT_NE(text.find("\tk1\tsource=test,trace=42\tv1\n"), std::string::npos) << text;

  // --offset, --partition and --count.
  records = JsonLines(Ok("consume events --partition 1 --offset 1 --count 2 --format json"));
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0]["offset"], 1);
  EXPECT_EQ(records[1]["offset"], 2);

  // Without a start flag and a group: only new records; caught up at once.
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(Ok("consume events"), "");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(15));

  // From a file.
  std::string file = dir_.str() + "/records.txt";
  std::ofstream(file) << "f1\nf2\nf3\n";
  summary = OkJson(fmt::format("produce events --file {} --output json", file));
  EXPECT_EQ(summary["records"], 3);
  json d = OkJson("topic describe events --output json")["topics"][0];
  EXPECT_EQ(d["messages"], 10);
}

TEST_F(CliKafkaTest, ValidateJsonRefusesBadInputAndProducesNothing) {
  Ok("topic create docs");
  auto bad = Herald("produce docs --validate-json", "{\"a\": 1}\n{bad json\n{\"c\": 3}\n");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("line 2"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("not valid JSON"), std::string::npos) << bad.err;
  EXPECT_EQ(LineCount(bad.err), 1u) << bad.err;
  EXPECT_EQ(OkJson("topic describe docs --output json")["topics"][0]["messages"], 0);

  // With keys, only the value must be JSON.
  json ok = OkJson("produce docs --validate-json --key-separator = --output json",
                   "k={\"a\": 1}\n[1, 2]\n");
  EXPECT_EQ(ok["records"], 2);
  EXPECT_EQ(OkJson("topic describe docs --output json")["topics"][0]["messages"], 2);
}

TEST_F(CliKafkaTest, GroupCommitsLagResetAndDelete) {
  Ok("topic create orders --partitions 2");
  Ok("produce orders --partition 0", "a\nb\nc\n");
  Ok("produce orders --partition 1", "d\ne\nf\n");

  // Consuming as a group commits what was printed: lag 0.
  auto records = JsonLines(Ok("consume orders --group g1 --from-beginning --format json"));
  EXPECT_EQ(records.size(), 6u);
  json g = DescribeGroup("g1");
  EXPECT_EQ(g["group"], "g1");
  EXPECT_EQ(g["state"], "Empty");
  EXPECT_EQ(g["total_lag"], 0);
  for (int p = 0; p < 2; ++p) {
    json part = PartitionOf(g, "orders", p);
    EXPECT_EQ(part["committed_offset"], 3) << g;
    EXPECT_EQ(part["end_offset"], 3) << g;
    EXPECT_EQ(part["lag"], 0) << g;
  }
  EXPECT_NE(Ok("group list").find("g1"), std::string::npos);
  json list = OkJson("group list --output json");
  ASSERT_EQ(list["groups"].size(), 1u) << list;
  EXPECT_EQ(list["groups"][0]["group"], "g1");
  EXPECT_EQ(list["groups"][0]["state"], "Empty");
  EXPECT_EQ(OkJson("group list --state Empty --state Dead --output json")["groups"].size(), 1u);
  EXPECT_TRUE(OkJson("group list --state Stable --output json")["groups"].empty());

  // More records: lag shows them; the group resumes where it left.
  Ok("produce orders --partition 0", "g\nh\ni\nj\n");
  g = DescribeGroup("g1");
  EXPECT_EQ(PartitionOf(g, "orders", 0)["lag"], 4) << g;
  EXPECT_EQ(PartitionOf(g, "orders", 1)["lag"], 0) << g;
  EXPECT_EQ(g["total_lag"], 4);
  records = JsonLines(Ok("consume orders --group g1 --format json"));
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0]["value"], "g");
  EXPECT_EQ(DescribeGroup("g1")["total_lag"], 0);

  // reset-offsets: a plan without --execute, changed with it.
  json plan = OkJson("group reset-offsets g1 --topic orders --to-earliest --output json");
  EXPECT_EQ(plan["executed"], false);
  ASSERT_EQ(plan["partitions"].size(), 2u);
  EXPECT_EQ(plan["partitions"][0]["current_offset"], 7);
  EXPECT_EQ(plan["partitions"][0]["new_offset"], 0);
  auto dry = Herald("group reset-offsets g1 --topic orders --to-earliest");
  EXPECT_EQ(dry.exit_code, 0);
  EXPECT_NE(dry.err.find("--execute"), std::string::npos) << dry.err;
  EXPECT_EQ(DescribeGroup("g1")["total_lag"], 0);
  plan = OkJson("group reset-offsets g1 --topic orders --to-earliest --execute --output json");
  EXPECT_EQ(plan["executed"], true);
  g = DescribeGroup("g1");
  EXPECT_EQ(g["total_lag"], 10) << g;
  EXPECT_EQ(PartitionOf(g, "orders", 0)["committed_offset"], 0);
  EXPECT_EQ(PartitionOf(g, "orders", 1)["lag"], 3);

  Ok("group reset-offsets g1 --topic orders --to-offset 2 --partition 1 --execute");
  EXPECT_EQ(PartitionOf(DescribeGroup("g1"), "orders", 1)["committed_offset"], 2);
  EXPECT_EQ(PartitionOf(DescribeGroup("g1"), "orders", 0)["committed_offset"], 0);
  Ok("group reset-offsets g1 --topic orders --to-latest --execute");
  EXPECT_EQ(DescribeGroup("g1")["total_lag"], 0);

  // A member in the group: describe shows it and its partitions; reset refuses to run.
  CommandResult member;
  std::thread consumer([&] {
    member =
        Herald("consume orders --group g1 --follow --count 1 --timeout-ms 30000 --format json");
  });
  json live;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    live = DescribeGroup("g1");
    if (live["state"] == "Stable" && live["members"].size() == 1 &&
        !live["members"][0]["assignment"].empty()) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(live["state"], "Stable") << live;
  // ListGroups v4's state filter, through librdkafka's ListConsumerGroups.
  EXPECT_EQ(OkJson("group list --state Stable --output json")["groups"].size(), 1u);
  EXPECT_TRUE(OkJson("group list --state Empty --output json")["groups"].empty());
  auto sleepy = Herald("group list --state Sleepy");
  EXPECT_EQ(sleepy.exit_code, 1);
  EXPECT_NE(sleepy.err.find("not a group state"), std::string::npos) << sleepy.err;
  EXPECT_EQ(live["members"][0]["assignment"].size(), 2u) << live;
  EXPECT_EQ(live["members"][0]["client_id"], "herald-cli");
  EXPECT_EQ(PartitionOf(live, "orders", 0)["member_id"], live["members"][0]["member_id"]);
  auto refused = Herald("group reset-offsets g1 --topic orders --to-earliest --execute");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("active member"), std::string::npos) << refused.err;
  auto busy = Herald("group delete g1");
  EXPECT_EQ(busy.exit_code, 1) << busy.out;
  Ok("produce orders --partition 1", "last\n");  // the member takes it and leaves
  consumer.join();
  ASSERT_EQ(member.exit_code, 0) << member.err;
  records = JsonLines(member.out);
  ASSERT_EQ(records.size(), 1u) << member.out;
  EXPECT_EQ(records[0]["value"], "last");
  EXPECT_EQ(DescribeGroup("g1")["total_lag"], 0);

  // Delete.
  std::string out = Ok("group delete g1");
  EXPECT_NE(out.find("Deleted group 'g1'"), std::string::npos);
  EXPECT_TRUE(OkJson("group list --output json")["groups"].empty());
  auto gone = Herald("group describe g1");
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_NE(gone.err.find("does not exist"), std::string::npos) << gone.err;
  EXPECT_EQ(LineCount(gone.err), 1u);
}

// OffsetDelete through librdkafka's DeleteConsumerGroupOffsets, answered as Kafka answers it.
TEST_F(CliKafkaTest, GroupDeleteOffsets) {
  Ok("topic create orders --partitions 2");
  Ok("topic create other --partitions 1");
  Ok("produce orders --partition 0", "a\nb\n");
  Ok("produce orders --partition 1", "c\n");
  Ok("produce other", "d\n");
  Ok("group reset-offsets g2 --topic orders --to-latest --execute");
  Ok("group reset-offsets g2 --topic other --to-latest --execute");

  json out = OkJson("group delete-offsets g2 --topic orders --partition 1 --output json");
  ASSERT_EQ(out["partitions"].size(), 1u) << out;
  EXPECT_EQ(out["partitions"][0]["partition"], 1);
  EXPECT_EQ(out["partitions"][0]["deleted"], true);
  json g = DescribeGroup("g2");
  EXPECT_EQ(PartitionOf(g, "orders", 0)["committed_offset"], 2) << g;
  EXPECT_TRUE(PartitionOf(g, "orders", 1).is_null()) << g;
  EXPECT_EQ(PartitionOf(g, "other", 0)["committed_offset"], 1) << g;

  auto unknown = Herald("group delete-offsets nobody --topic orders");
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("does not exist"), std::string::npos) << unknown.err;

  // An active member subscribed to "orders": its offsets stay; those of "other" may go.
  CommandResult member;
  std::thread consumer(
      [&] { member = Herald("consume orders --group g2 --follow --count 1 --timeout-ms 30000"); });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline && DescribeGroup("g2")["state"] != "Stable") {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  auto refused = Herald("group delete-offsets g2 --topic orders --output json");
  EXPECT_EQ(refused.exit_code, 1) << refused.out;
  EXPECT_NE(refused.err.find("subscribed"), std::string::npos) << refused.err;
  json answer = json::parse(refused.out);
  ASSERT_EQ(answer["partitions"].size(), 2u) << answer;
  EXPECT_EQ(answer["partitions"][0]["deleted"], false);
  EXPECT_EQ(PartitionOf(DescribeGroup("g2"), "orders", 0)["committed_offset"], 2);
  out = OkJson("group delete-offsets g2 --topic other --output json");
  EXPECT_EQ(out["partitions"][0]["deleted"], true) << out;
  // The member reads from its committed offset 2 and leaves.
  Ok("produce orders --partition 0", "last\n");
  consumer.join();
  ASSERT_EQ(member.exit_code, 0) << member.err;

  // Empty again: every offset may go, and a group left with none is removed, as in Kafka.
  Ok("group delete-offsets g2 --topic orders");
  EXPECT_TRUE(OkJson("group list --output json")["groups"].empty());
}

TEST_F(CliKafkaTest, ResetToDatetimeAndConsumeSince) {
  Ok("topic create timed");
  Ok("produce timed", "a1\na2\na3\n");
  auto first = JsonLines(Ok("consume timed --from-beginning --format json"));
  ASSERT_EQ(first.size(), 3u);
  const int64_t boundary = first.back()["timestamp"].get<int64_t>() + 1;
  // The next records must be stamped after the boundary.
  while (NowMs() <= boundary + 1) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  Ok("produce timed", "b1\nb2\n");

  auto since =
      JsonLines(Ok(fmt::format("consume timed --since {} --format json", IsoUtc(boundary))));
  ASSERT_EQ(since.size(), 2u);
  EXPECT_EQ(since[0]["value"], "b1");
  EXPECT_EQ(JsonLines(Ok("consume timed --since 1h --format json")).size(), 5u);
  EXPECT_EQ(JsonLines(Ok(fmt::format("consume timed --since {} --format json", boundary))).size(),
            2u);

  Ok(fmt::format("group reset-offsets g --topic timed --to-datetime {} --execute",
                 IsoUtc(boundary)));
  json g = DescribeGroup("g");
  EXPECT_EQ(PartitionOf(g, "timed", 0)["committed_offset"], 3) << g;
  EXPECT_EQ(g["total_lag"], 2);
  Ok("group reset-offsets g --topic timed --to-datetime 1h --execute");
  EXPECT_EQ(DescribeGroup("g")["total_lag"], 5);
  // Later than every record: the end.
  Ok(fmt::format("group reset-offsets g --topic timed --to-datetime {} --execute",
                 IsoUtc(NowMs() + 3600 * 1000)));
  EXPECT_EQ(DescribeGroup("g")["total_lag"], 0);
}

TEST_F(CliKafkaTest, UnreachableBrokerFailsFastWithOneLine) {
  const std::string bad = fmt::format("127.0.0.1:{}", FreeLoopbackPort());
  const std::vector<std::string> commands = {"topic list", "produce t", "consume t", "group list",
                                             "group describe g"};
  std::string input = dir_.str() + "/one-line";
  std::ofstream(input) << "x\n";
  // In parallel: each waits for the connect timeout.
  std::vector<CommandResult> results(commands.size());
  std::vector<std::chrono::steady_clock::duration> took(commands.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < commands.size(); ++i) {
    threads.emplace_back([&, i] {
      auto start = std::chrono::steady_clock::now();
      results[i] = RunCommand(fmt::format("timeout 60 {} {} --bootstrap {} < {}", HERALD_BINARY,
                                          commands[i], bad, input));
      took[i] = std::chrono::steady_clock::now() - start;
    });
  }
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < commands.size(); ++i) {
    const CommandResult& r = results[i];
    EXPECT_EQ(r.exit_code, 1) << commands[i] << ": " << r.err;
    EXPECT_LT(took[i], std::chrono::seconds(10)) << commands[i];
    EXPECT_EQ(LineCount(r.err), 1u) << commands[i] << ": " << r.err;
    EXPECT_NE(r.err.find("cannot reach a Kafka broker at " + bad), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "") << commands[i];
  }
}

TEST_F(CliKafkaTest, BootstrapFromTheEnvironmentAndTheFlagWins) {
  Ok("topic create envtopic");
  const std::string good = server_->bootstrap();
  const std::string bad = fmt::format("127.0.0.1:{}", FreeLoopbackPort());
  auto r = RunCommand(fmt::format("HERALD_BOOTSTRAP={} timeout 60 {} topic list --output json",
                                  good, HERALD_BINARY));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["topics"][0]["topic"], "envtopic");
  r = RunCommand(fmt::format("HERALD_BOOTSTRAP={} timeout 60 {} topic list --bootstrap {}", bad,
                             HERALD_BINARY, good));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = RunCommand(fmt::format("HERALD_BOOTSTRAP={} timeout 60 {} topic list", bad, HERALD_BINARY));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(bad), std::string::npos) << r.err;
}

TEST_F(CliKafkaTest, UsageErrorsExitWithTwo) {
  for (const std::string args :
       {"consume t --from-beginning --offset 3", "consume t --since yesterday",
        "consume t --group g --partition 0", "group reset-offsets g --topic t",
        "group reset-offsets g --to-earliest",
        "group reset-offsets g --topic t --to-earliest "
        "--to-latest",
        "produce t --header nokv", "topic create t --config nokv", "topic alter t",
        "produce t --acks 2", "topic nosuch"}) {
    auto r = Herald(args, "x\n");
    EXPECT_EQ(r.exit_code, 2) << args << ": " << r.err;
    EXPECT_EQ(LineCount(r.err), 1u) << args << ": " << r.err;
  }
  auto help = RunCommand(fmt::format("{} consume --help", HERALD_BINARY));
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--follow"), std::string::npos);
  EXPECT_NE(help.out.find("caught up"), std::string::npos);
}

TEST_F(CliKafkaTest, KcatAndHeraldReadEachOthersRecords) {
  HERALD_REQUIRE_CLIENT(HasCommand("kcat"), "kcat");
  Ok("topic create cross");
  Ok("produce cross --key-separator : --header origin=herald", "hk:from herald\n");
  auto kcat = RunCommand(
      fmt::format("timeout 30 kcat -b {} -t cross -C -o beginning -e -q -f '%k|%s|%h|%p|%o\\n'",
                  server_->bootstrap()));
  ASSERT_EQ(kcat.exit_code, 0) << kcat.err;
  EXPECT_EQ(kcat.out, "hk|from herald|origin=herald|0|0\n");

  auto produced = RunWithInput(
      fmt::format("timeout 30 kcat -b {} -t cross -P -K: -H origin=kcat", server_->bootstrap()),
      "kk:from kcat\n");
  ASSERT_EQ(produced.exit_code, 0) << produced.err;
  auto records = JsonLines(Ok("consume cross --from-beginning --format json"));
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1]["key"], "kk");
  EXPECT_EQ(records[1]["value"], "from kcat");
  EXPECT_EQ(records[1]["offset"], 1);
  EXPECT_EQ(records[1]["headers"], json::parse(R"([{"key":"origin","value":"kcat"}])"));
}

}  // namespace
}  // namespace herald
