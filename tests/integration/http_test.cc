// The HTTP listener of a real `herald serve`, driven with curl: the REST proxy (Confluent v2),
// the admin API, /metrics (checked by promtool), /healthz, /readyz, API keys, and bad input.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>
#include <nlohmann/json.hpp>

#include "testing/clients.h"
#include "testing/curl.h"
#include "testing/herald_process.h"
#include "testing/test_util.h"

namespace herald {
namespace {

using nlohmann::json;
using testing::RunCommand;
using testing::HasCommand;
using testing::PythonHas;

constexpr const char* kJsonV2 = "application/vnd.kafka.json.v2+json";
constexpr const char* kBinaryV2 = "application/vnd.kafka.binary.v2+json";

using testing::HttpAnswer;

class HttpTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(); }

  void Start(std::vector<std::string> extra = {}, const std::string& log_format = "text") {
    server_ = std::make_unique<testing::HeraldProcess>(dir_.str() + "/data", std::move(extra),
                                                       log_format);
  }

  HttpAnswer Curl(const std::string& method, const std::string& path, const std::string& body = "",
                  const std::string& content_type = "", const std::string& extra = "") {
    return testing::Curl(method, server_->http_url() + path, body, content_type, extra);
  }

  std::string Kcat(const std::string& args, const std::string& input = "") {
    std::string cmd = fmt::format("timeout 30 kcat -b {} {}", server_->bootstrap(), args);
    if (!input.empty()) {
      std::string path = dir_.str() + "/kcat-input";
      std::ofstream(path, std::ios::binary) << input;
      cmd += " < " + path;
    }
    auto r = RunCommand(cmd);
    EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.err;
    return r.out;
  }

  // Asserts the Confluent error shape and code.
  static void ExpectError(const HttpAnswer& a, int error_code) {
    EXPECT_EQ(a.status, error_code / 100) << a.body;
    json j = a.Json();
    ASSERT_TRUE(j.is_object()) << a.body;
    EXPECT_EQ(j.value("error_code", 0), error_code) << a.body;
    EXPECT_TRUE(j.contains("message") && j["message"].is_string()) << a.body;
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::HeraldProcess> server_;
};

TEST_F(HttpTest, HealthAndReadiness) {
  auto health = Curl("GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.Json()["status"], "ok");
  auto ready = Curl("GET", "/readyz");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.Json()["status"], "ready");
}

TEST_F(HttpTest, ProduceJsonIsConsumedByKcat) {
  auto a = Curl("POST", "/topics/orders",
                R"({"records":[{"value":{"id":1,"item":"book"}},{"key":"k2","value":[1,2,3]},)"
                R"({"value":"plain","partition":0}]})",
                kJsonV2);
  ASSERT_EQ(a.status, 200) << a.body;
  json j = a.Json();
  ASSERT_EQ(j["offsets"].size(), 3u) << a.body;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(j["offsets"][i]["partition"], 0);
    EXPECT_EQ(j["offsets"][i]["offset"], i);
    EXPECT_TRUE(j["offsets"][i]["error_code"].is_null());
  }
  EXPECT_EQ(Kcat("-t orders -C -o beginning -e -q -f '%o|%k|%s\\n'"),
            "0||{\"id\":1,\"item\":\"book\"}\n1|\"k2\"|[1,2,3]\n2||\"plain\"\n");
}

TEST_F(HttpTest, ProduceBinaryToAPartitionIsConsumedByKcat) {
  auto created = Curl("POST", "/admin/topics", R"({"name":"bin","partitions":3})",
                      "application/json");
  ASSERT_EQ(created.status, 201) << created.body;
  // "aGVsbG8=" is "hello", "a2V5" is "key".
  auto a = Curl("POST", "/topics/bin/partitions/2",
                R"({"records":[{"key":"a2V5","value":"aGVsbG8="},{"value":null}]})", kBinaryV2);
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.Json()["offsets"][0]["partition"], 2);
  EXPECT_EQ(a.Json()["offsets"][1]["offset"], 1);
  EXPECT_EQ(Kcat("-t bin -p 2 -C -o beginning -e -q -Z -f '%o|%k|%s\\n'"), "0|key|hello\n1|NULL|NULL\n");
}

TEST_F(HttpTest, KeyedRecordsLandWhereKafkasPartitionerPutsThem) {
  ASSERT_EQ(Curl("POST", "/admin/topics", R"({"name":"keyed","partitions":8})", "application/json")
                .status,
            201);
  // kcat with librdkafka's murmur2_random partitioner is Kafka's Java partitioner.
  Kcat("-t keyed -P -K: -X partitioner=murmur2_random", "alpha:1\nbeta:2\ngamma:3\ndelta:4\n");
  std::map<std::string, int> kcat_partition;
  std::istringstream lines(Kcat("-t keyed -C -o beginning -e -q -f '%k %p\\n'"));
  std::string key;
  int partition = 0;
  while (lines >> key >> partition) kcat_partition[key] = partition;
  ASSERT_EQ(kcat_partition.size(), 4u);
  for (const auto& [k, p] : kcat_partition) {
    // Binary keys are the raw bytes, as kcat sent them.
    std::string b64 = RunCommand(fmt::format("printf %s {} | base64", k)).out;
    b64.erase(b64.find_last_not_of("\n") + 1);
    auto a = Curl("POST", "/topics/keyed",
                  fmt::format(R"({{"records":[{{"key":"{}","value":"eA=="}}]}})", b64), kBinaryV2);
    ASSERT_EQ(a.status, 200) << a.body;
    EXPECT_EQ(a.Json()["offsets"][0]["partition"], p) << k;
  }
}

// A consumer instance (Confluent v2) in a group reads what kcat produced, commits, and the group's
// lag and committed offsets show it; a second read after a restart of the instance resumes there.
TEST_F(HttpTest, ConsumerInstanceReadsWhatKcatProducedAndCommits) {
  constexpr const char* kV2 = "application/vnd.kafka.v2+json";
  Kcat("-t events -P -K:", "k1:{\"n\":1}\nk2:{\"n\":2}\nk3:plain\n");
  auto created = Curl("POST", "/consumers/readers",
                      R"({"name":"r1","format":"json","auto.offset.reset":"earliest"})", kV2);
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(created.Json()["instance_id"], "r1");
  EXPECT_EQ(created.Json()["base_uri"],
            server_->http_url() + "/consumers/readers/instances/r1");
  ExpectError(Curl("POST", "/consumers/readers", R"({"name":"r1","format":"json"})", kV2), 40902);

  const std::string base = "/consumers/readers/instances/r1";
  ASSERT_EQ(Curl("POST", base + "/subscription", R"({"topics":["events"]})", kV2).status, 204);
  EXPECT_EQ(Curl("GET", base + "/subscription").Json()["topics"], json::array({"events"}));

  json records = json::array();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (records.size() < 3 && std::chrono::steady_clock::now() < deadline) {
    auto read = Curl("GET", base + "/records?timeout=2000", "", "",
                     "-H 'Accept: application/vnd.kafka.json.v2+json'");
    ASSERT_EQ(read.status, 200) << read.body;
    for (auto& r : read.Json()) records.push_back(r);
  }
  ASSERT_EQ(records.size(), 3u) << records.dump();
  EXPECT_EQ(records[0]["key"], "k1");  // not JSON: given back as a string
  EXPECT_EQ(records[0]["value"], json({{"n", 1}}));
  EXPECT_EQ(records[2]["value"], "plain");
  EXPECT_EQ(records[2]["offset"], 2);
  EXPECT_EQ(records[2]["topic"], "events");

  ExpectError(Curl("GET", base + "/records", "", "",
                   "-H 'Accept: application/vnd.kafka.binary.v2+json'"),
              40601);
  // Commit the first record only (Confluent's offsets are the last consumed), then everything.
  ASSERT_EQ(Curl("POST", base + "/offsets",
                 R"({"offsets":[{"topic":"events","partition":0,"offset":0}]})", kV2)
                .status,
            200);
  EXPECT_EQ(Curl("GET", "/admin/groups/readers").Json()["offsets"][0]["lag"], 2);
  ASSERT_EQ(Curl("POST", base + "/offsets", "", kV2).status, 200);
  auto committed = Curl("GET", base + "/offsets",
                        R"({"partitions":[{"topic":"events","partition":0}]})", kV2);
  ASSERT_EQ(committed.status, 200) << committed.body;
  EXPECT_EQ(committed.Json()["offsets"][0]["offset"], 3);
  auto group = Curl("GET", "/admin/groups/readers").Json();
  EXPECT_EQ(group["offsets"][0]["lag"], 0) << group.dump();
  EXPECT_EQ(group["members"].size(), 1u);

  EXPECT_EQ(Curl("DELETE", base).status, 204);
  ExpectError(Curl("GET", base + "/records"), 40403);
  ExpectError(Curl("DELETE", base), 40403);
}

TEST_F(HttpTest, BinaryConsumerWithAssignmentsAndPositions) {
  constexpr const char* kV2 = "application/vnd.kafka.v2+json";
  ASSERT_EQ(Curl("POST", "/topics/assigned",
                 R"({"records":[{"key":"a2V5","value":"b25l"},{"value":"dHdv"}]})", kBinaryV2)
                .status,
            200);
  ASSERT_EQ(Curl("POST", "/consumers/solo", R"({"name":"s","format":"binary"})", kV2).status, 200);
  const std::string base = "/consumers/solo/instances/s";
  ExpectError(Curl("POST", base + "/assignments", R"({"partitions":[{"topic":"assigned"}]})", kV2),
              42201);
  ASSERT_EQ(Curl("POST", base + "/assignments",
                 R"({"partitions":[{"topic":"assigned","partition":0}]})", kV2)
                .status,
            204);
  EXPECT_EQ(Curl("GET", base + "/assignments").Json()["partitions"],
            json::array({{{"topic", "assigned"}, {"partition", 0}}}));
  // auto.offset.reset defaults to latest: seek to the beginning to read what is there.
  ASSERT_EQ(Curl("POST", base + "/positions/beginning",
                 R"({"partitions":[{"topic":"assigned","partition":0}]})", kV2)
                .status,
            204);
  auto read = Curl("GET", base + "/records?timeout=5000", "", "",
                   "-H 'Accept: application/vnd.kafka.binary.v2+json'");
  ASSERT_EQ(read.status, 200) << read.body;
  ASSERT_EQ(read.Json().size(), 2u) << read.body;
  EXPECT_EQ(read.Json()[0]["key"], "a2V5");
  EXPECT_EQ(read.Json()[1]["value"], "dHdv");
  EXPECT_TRUE(read.Json()[1]["key"].is_null());
  // Back to offset 1.
  ASSERT_EQ(Curl("POST", base + "/positions",
                 R"({"offsets":[{"topic":"assigned","partition":0,"offset":1}]})", kV2)
                .status,
            204);
  auto again = Curl("GET", base + "/records?timeout=5000");
  ASSERT_EQ(again.Json().size(), 1u) << again.body;
  EXPECT_EQ(again.Json()[0]["offset"], 1);
  ExpectError(Curl("POST", base + "/subscription", R"({"topics":"nope"})", kV2), 42201);
  ExpectError(Curl("POST", "/consumers/solo", R"({"format":"protobuf"})", kV2), 42204);
  EXPECT_EQ(Curl("DELETE", base).status, 204);
}

TEST_F(HttpTest, TopicMetadataAndOffsets) {
  Kcat("-t meta -P", "a\nb\n");
  auto topics = Curl("GET", "/topics");
  EXPECT_EQ(topics.status, 200);
  EXPECT_EQ(topics.Json(), json::array({"meta"})) << topics.body;
  auto topic = Curl("GET", "/topics/meta");
  ASSERT_EQ(topic.status, 200);
  EXPECT_EQ(topic.Json()["name"], "meta");
  EXPECT_EQ(topic.Json()["partitions"].size(), 1u);
  EXPECT_EQ(topic.Json()["configs"]["cleanup.policy"], "delete");
  auto offsets = Curl("GET", "/topics/meta/partitions/0/offsets");
  EXPECT_EQ(offsets.Json(), json({{"beginning_offset", 0}, {"end_offset", 2}}));
  ExpectError(Curl("GET", "/topics/missing"), 40401);
  ExpectError(Curl("GET", "/topics/meta/partitions/7"), 40402);
}

TEST_F(HttpTest, BadInputGetsJsonErrorsAndTheBrokerKeepsServing) {
  ExpectError(Curl("POST", "/topics/t", "{not json", kJsonV2), 42201);
  ExpectError(Curl("POST", "/topics/t", R"({"records":"nope"})", kJsonV2), 42201);
  ExpectError(Curl("POST", "/topics/t", R"({"records":[]})", kJsonV2), 42201);
  ExpectError(Curl("POST", "/topics/t", R"({"records":[{"value":1}]})", "text/plain"), 41501);
  ExpectError(Curl("POST", "/topics/t", R"({"records":[{"value":"%%%"}]})", kBinaryV2), 42205);
  ExpectError(Curl("POST", "/topics/t/partitions/5", R"({"records":[{"value":1}]})", kJsonV2),
              40402);
  ExpectError(Curl("POST", "/topics/bad%20name", R"({"records":[{"value":1}]})", kJsonV2), 42202);
  ExpectError(Curl("GET", "/no/such/path"), 40400);
  ExpectError(Curl("PUT", "/topics"), 40501);
  // Over the 16 MiB body limit.
  ExpectError(Curl("POST", "/topics/t", std::string(17 << 20, 'x'), kJsonV2), 41301);
  // Nothing of the above was written, and the broker still serves.
  auto ok = Curl("POST", "/topics/t", R"({"records":[{"value":1}]})", kJsonV2);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.Json()["offsets"][0]["offset"], 0);
  EXPECT_EQ(Curl("GET", "/healthz").status, 200);
}

// Without API keys or Basic, an Authorization header is ignored: clients that always send one
// (a registry client with empty credentials) are served.
TEST_F(HttpTest, WithoutAuthenticationAnAuthorizationHeaderIsIgnored) {
  EXPECT_EQ(Curl("GET", "/topics", "", "", "-H 'Authorization: Basic Og=='").status, 200);
  EXPECT_EQ(Curl("GET", "/topics", "", "", "-H 'Authorization: Bearer anything'").status, 200);
}

// API keys guard every call but the health probes.
TEST_F(HttpTest, ApiKeysGuardEveryCallButHealth) {
  server_.reset();
  Start({"--api-key", "s3cret", "--api-key", "other"});
  auto missing = Curl("GET", "/topics");
  ExpectError(missing, 40101);
  auto wrong = Curl("GET", "/admin/topics", "", "", "-H 'Authorization: Bearer nope'");
  ExpectError(wrong, 40101);
  auto produce = Curl("POST", "/topics/t", R"({"records":[{"value":1}]})", kJsonV2);
  ExpectError(produce, 40101);
  auto topic = Curl("GET", "/admin/topics/t", "", "", "-H 'Authorization: Bearer s3cret'");
  ExpectError(topic, 40401);  // the refused produce created nothing
  auto right = Curl("GET", "/topics", "", "", "-H 'Authorization: Bearer s3cret'");
  EXPECT_EQ(right.status, 200) << right.body;
  auto second = Curl("GET", "/admin/topics", "", "", "-H 'Authorization: Bearer other'");
  EXPECT_EQ(second.status, 200) << second.body;
  // Health is open to probes; the metrics are not.
  EXPECT_EQ(Curl("GET", "/healthz").status, 200);
  EXPECT_EQ(Curl("GET", "/readyz").status, 200);
  ExpectError(Curl("GET", "/metrics"), 40101);
}

TEST_F(HttpTest, AdminTopicLifecycle) {
  auto created = Curl("POST", "/admin/topics",
                      R"({"name":"life","partitions":2,"configs":{"retention.ms":"60000"}})",
                      "application/json");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.Json()["configs"]["retention.ms"], "60000");
  ExpectError(Curl("POST", "/admin/topics", R"({"name":"life"})", "application/json"), 40901);
  ExpectError(Curl("POST", "/admin/topics", R"({"name":"x","partitions":0})", "application/json"),
              42202);
  Kcat("-t life -P -p 1", "one\ntwo\n");
  auto described = Curl("GET", "/admin/topics/life");
  ASSERT_EQ(described.status, 200);
  json d = described.Json();
  EXPECT_EQ(d["partitions"], 2);
  EXPECT_EQ(d["messages"], 2);
  EXPECT_GT(d["size_bytes"].get<int64_t>(), 0);
  EXPECT_EQ(d["partition_details"][1]["end_offset"], 2);
  EXPECT_EQ(d["partition_details"][1]["start_offset"], 0);

  auto altered = Curl("PATCH", "/admin/topics/life",
                      R"({"configs":{"cleanup.policy":"compact"},"partitions":4})",
                      "application/json");
  ASSERT_EQ(altered.status, 200) << altered.body;
  EXPECT_EQ(altered.Json()["partitions"], 4);
  EXPECT_EQ(altered.Json()["configs"]["cleanup.policy"], "compact");
  EXPECT_EQ(altered.Json()["configs"]["retention.ms"], "60000") << "other overrides stay";
  EXPECT_NE(Kcat("-L -t life").find("with 4 partitions"), std::string::npos);

  auto listed = Curl("GET", "/admin/topics");
  ASSERT_EQ(listed.status, 200);
  bool found = false;
  for (const auto& t : listed.Json()) found |= t["name"] == "life";
  EXPECT_TRUE(found) << listed.body;

  EXPECT_EQ(Curl("DELETE", "/admin/topics/life").status, 204);
  ExpectError(Curl("GET", "/admin/topics/life"), 40401);
  ExpectError(Curl("DELETE", "/admin/topics/life"), 40401);

  auto broker = Curl("GET", "/admin/broker");
  ASSERT_EQ(broker.status, 200);
  EXPECT_EQ(broker.Json()["node_id"], 1);
  EXPECT_GT(broker.Json()["data_dir_bytes"].get<int64_t>(), 0);
  EXPECT_GE(broker.Json()["uptime_seconds"].get<double>(), 0);
}

// Also the structured logs: JSON lines with level, timestamp, event and context, among them
// topic_created, rebalance and the periodic consumer_lag.
TEST_F(HttpTest, GroupLagIsEndMinusCommittedAfterAPythonConsumerCommitsPartWay) {
  HERALD_REQUIRE_CLIENT(PythonHas("kafka"), "python3-kafka");
  server_.reset();
  Start({"--lag-log-interval-ms", "200"}, "json");
  std::string records;
  for (int i = 0; i < 30; ++i) records += fmt::format(R"({{"value":{}}},)", i);
  records.pop_back();
  ASSERT_EQ(Curl("POST", "/topics/lagging", "{\"records\":[" + records + "]}", kJsonV2).status, 200);
  auto r = RunCommand(fmt::format("timeout 60 /usr/bin/python3 {}/tests/integration/clients/"
                                  "kafka_python_commit_part.py {} lagging billing 12",
                                  HERALD_SOURCE_DIR, server_->bootstrap()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string last = r.out.substr(0, r.out.find_last_not_of('\n') + 1);
  json facts = json::parse(last.substr(last.rfind('\n') + 1), nullptr, false);
  ASSERT_EQ(facts["consumed"], 12) << r.out;
  ASSERT_EQ(facts["committed"]["0"], 12) << r.out;

  auto group = Curl("GET", "/admin/groups/billing");
  ASSERT_EQ(group.status, 200) << group.body;
  json g = group.Json();
  ASSERT_EQ(g["offsets"].size(), 1u) << group.body;
  EXPECT_EQ(g["offsets"][0]["topic"], "lagging");
  EXPECT_EQ(g["offsets"][0]["committed_offset"], 12);
  EXPECT_EQ(g["offsets"][0]["end_offset"], 30);
  EXPECT_EQ(g["offsets"][0]["lag"], 18);
  EXPECT_EQ(g["total_lag"], 18);

  auto groups = Curl("GET", "/admin/groups");
  ASSERT_EQ(groups.status, 200);
  EXPECT_EQ(groups.Json()[0]["group_id"], "billing") << groups.body;

  auto metrics = Curl("GET", "/metrics");
  EXPECT_NE(metrics.body.find(
                R"(consumer_lag{topic="lagging",consumer_group="billing",partition="0"} 18)"),
            std::string::npos)
      << metrics.body;

  // Every log line is one JSON object; the lag shows up as consumer_lag events.
  std::map<std::string, json> last_event;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!last_event.contains("consumer_lag") && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::istringstream log(server_->Log());
    std::string line;
    while (std::getline(log, line)) {
      if (line.empty() || line[0] != '{') continue;  // the startup banner is for humans
      json event = json::parse(line, nullptr, false);
      ASSERT_TRUE(event.is_object()) << line;
      ASSERT_TRUE(event.contains("level") && event.contains("timestamp") && event.contains("event"))
          << line;
      last_event[event["event"]] = event;
    }
  }
  ASSERT_TRUE(last_event.contains("consumer_lag")) << server_->Log();
  json lag = last_event["consumer_lag"]["context"];
  EXPECT_EQ(lag["consumer_group"], "billing");
  EXPECT_EQ(lag["topic"], "lagging");
  EXPECT_EQ(lag["partition"], 0);
  EXPECT_EQ(lag["offset"], 12);
  EXPECT_EQ(lag["lag"], 18);
  EXPECT_EQ(last_event["topic_created"]["context"]["topic"], "lagging");
  EXPECT_TRUE(last_event.contains("rebalance"));
  EXPECT_TRUE(last_event.contains("recovery"));

  ExpectError(Curl("GET", "/admin/groups/nobody"), 40404);
  EXPECT_EQ(Curl("DELETE", "/admin/groups/billing").status, 204);
  ExpectError(Curl("GET", "/admin/groups/billing"), 40404);
}

TEST_F(HttpTest, DeadLetterDepthIsAGaugeAndAWarningAboveTheThreshold) {
  server_.reset();
  Start({"--dlq-alert-threshold", "2", "--lag-log-interval-ms", "200"});
  ASSERT_EQ(Curl("POST", "/topics/orders.dlq", R"({"records":[{"value":1},{"value":2},{"value":3}]})",
                 kJsonV2)
                .status,
            200);
  ASSERT_EQ(Curl("POST", "/topics/quiet.dlq", R"({"records":[{"value":1}]})", kJsonV2).status, 200);
  auto metrics = Curl("GET", "/metrics");
  EXPECT_NE(metrics.body.find(R"(dlq_depth{topic="orders.dlq"} 3)"), std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find(R"(dlq_depth_over_threshold{topic="orders.dlq"} 1)"),
            std::string::npos);
  EXPECT_NE(metrics.body.find(R"(dlq_depth_over_threshold{topic="quiet.dlq"} 0)"),
            std::string::npos);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (server_->Log().find("dlq_depth_exceeded") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const std::string log = server_->Log();
  EXPECT_NE(log.find("dlq_depth_exceeded depth=3"), std::string::npos) << log;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("dlq_depth_exceeded") == std::string::npos) continue;
    EXPECT_EQ(line.find("quiet.dlq"), std::string::npos) << "below the threshold: " << line;
  }
}

TEST_F(HttpTest, MetricsPassPromtoolAndCountTraffic) {
  HERALD_REQUIRE_CLIENT(HasCommand("promtool"), "promtool");
  ASSERT_EQ(Curl("POST", "/topics/m", R"({"records":[{"value":1},{"value":2}]})", kJsonV2).status,
            200);
  Kcat("-t m -C -o beginning -e -q");
  auto metrics = Curl("GET", "/metrics");
  ASSERT_EQ(metrics.status, 200);
  std::string path = dir_.str() + "/metrics.txt";
  std::ofstream(path) << metrics.body;
  auto check = RunCommand(fmt::format("promtool check metrics < {}", path));
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err << "\n" << metrics.body;
  for (const char* want :
       {R"(messages_produced_total{topic="m",partition="0"} 2)",
        R"(partition_end_offset{topic="m",partition="0"} 2)", "partition_size_bytes{topic=\"m\"",
        "bytes_in_total{listener=\"kafka\"}", "bytes_out_total{listener=\"http\"}",
        "request_duration_seconds_bucket{listener=\"kafka\",api=\"Fetch\"",
        "request_duration_seconds_count{listener=\"http\",api=\"POST /topics/{topic}\"} 1",
        "fsync_duration_seconds_count", "open_connections{listener=\"http\"} 1"}) {
    EXPECT_NE(metrics.body.find(want), std::string::npos) << want << "\n" << metrics.body;
  }
}

}  // namespace
}  // namespace herald
