// What a real `herald serve` does when a client tries to take it down: requests that used to end
// the process (ill-formed UTF-8 in stored strings, JSON of the wrong shape or depth), and every
// bound on what a client can make it hold (connections, idle and slow senders, request memory,
// partition entries, decompressed size, fetch waits, partitions, internal topics, REST consumer
// instances). Each test shows the broker still serving other clients afterwards.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <unistd.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kafka/api.h"
#include "kafka/messages/api_versions.h"
#include "kafka/messages/create_topics.h"
#include "kafka/messages/delete_topics.h"
#include "kafka/messages/fetch.h"
#include "kafka/messages/join_group.h"
#include "kafka/messages/list_offsets.h"
#include "kafka/messages/offset_commit.h"
#include "kafka/messages/offset_fetch.h"
#include "kafka/messages/produce.h"
#include "storage/record_batch.h"
#include "testing/curl.h"
#include "testing/herald_process.h"
#include "testing/raw_wire_client.h"
#include "testing/test_util.h"

namespace herald {
namespace {

using namespace std::chrono_literals;
using kafka::ApiKey;
using kafka::Code;
using kafka::ErrorCode;
using nlohmann::json;
using testing::RunCommand;
using testing::raw_wire::FetchRequestFor;
using testing::raw_wire::RawWireClient;
using Clock = std::chrono::steady_clock;

// ---- requests ----

kafka::ProduceRequest ProduceTo(const std::string& topic, ByteView records, int partitions = 1) {
  kafka::ProduceRequest request;
  request.acks = -1;
  request.timeout_ms = 10000;
  kafka::ProduceRequestTopic t{topic, {}};
  for (int i = 0; i < partitions; ++i) {
    kafka::ProduceRequestPartition p;
    p.partition_index = 0;
    p.records.bytes = records;
    t.partitions.push_back(p);
  }
  request.topics.push_back(std::move(t));
  return request;
}

Buffer BatchOf(const std::string& value,
               storage::Compression codec = storage::Compression::kNone) {
  return storage::BuildBatch({{std::nullopt, value, 1700000000000, {}}}, codec);
}

kafka::CreateTopicsResponseTopic CreateTopic(RawWireClient& client, const std::string& name,
                                             int32_t partitions,
                                             std::vector<kafka::CreateTopicsRequestConfig> configs = {}) {
  kafka::CreateTopicsRequest request;
  kafka::CreateTopicsRequestTopic topic;
  topic.name = name;
  topic.num_partitions = partitions;
  topic.replication_factor = 1;
  topic.configs = std::move(configs);
  request.topics.push_back(topic);
  request.timeout_ms = 60000;
  auto reply = client.Call<kafka::CreateTopicsResponse>(ApiKey::kCreateTopics, 4, request);
  if (reply.body.topics.size() != 1) throw std::runtime_error("CreateTopics answered no topic");
  return reply.body.topics[0];
}

int16_t ProduceError(RawWireClient& client, const std::string& topic, ByteView batch) {
  auto reply = client.Call<kafka::ProduceResponse>(ApiKey::kProduce, 3, ProduceTo(topic, batch));
  if (reply.body.responses.size() != 1 || reply.body.responses[0].partitions.size() != 1) {
    throw std::runtime_error("Produce answer has the wrong shape");
  }
  return reply.body.responses[0].partitions[0].error_code;
}

int64_t EndOffset(RawWireClient& client, const std::string& topic) {
  kafka::ListOffsetsRequest request;
  request.topics.push_back({topic, {{0, -1, -1, 1}}});
  auto reply = client.Call<kafka::ListOffsetsResponse>(ApiKey::kListOffsets, 1, request);
  return reply.body.topics.at(0).partitions.at(0).offset;
}

// Resident memory of a process, in bytes (VmRSS).
int64_t RssBytes(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
  }
  return -1;
}

// ---- fixture ----

class HardeningTest : public ::testing::Test {
 protected:
  void Start(std::vector<std::string> extra = {}) {
    server_ = std::make_unique<testing::HeraldProcess>(dir_.str() + "/data", std::move(extra));
  }

  void TearDown() override {
    if (HasFailure() && server_) server_->PrintLogTail();
  }

  std::unique_ptr<RawWireClient> Connect() { return std::make_unique<RawWireClient>(server_->port()); }

  // The broker is alive and answers a fresh client.
  void ExpectServing() {
    ASSERT_TRUE(server_->Alive()) << "the broker process ended";
    auto client = Connect();
    kafka::ApiVersionsRequest request{"herald-hardening", "1.0.0"};
    auto reply = client->Call<kafka::ApiVersionsResponse>(ApiKey::kApiVersions, 3, request);
    EXPECT_EQ(reply.body.error_code, 0);
  }

  testing::HttpAnswer Curl(const std::string& method, const std::string& path,
                           const std::string& body, const std::string& content_type) {
    return testing::Curl(method, server_->http_url() + path, body, content_type);
  }

  double MetricValue(const std::string& series) {
    return testing::MetricValue(server_->http_url(), series);
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::HeraldProcess> server_;
};

// ---- requests that used to end the process ----

TEST_F(HardeningTest, OffsetCommitWithInvalidUtf8MetadataIsStoredWithReplacement) {
  Start();
  auto client = Connect();
  ASSERT_EQ(CreateTopic(*client, "t", 1).error_code, 0);
  kafka::OffsetCommitRequest commit;
  commit.group_id = "g";
  commit.generation_id = -1;
  commit.topics.push_back({"t", {{0, 7, -1, -1, std::string("\xFF\xFE")}}});
  auto committed = client->Call<kafka::OffsetCommitResponse>(ApiKey::kOffsetCommit, 2, commit);
  ASSERT_EQ(committed.body.topics.at(0).partitions.at(0).error_code, 0);

  kafka::OffsetFetchRequest fetch;
  fetch.group_id = "g";
  fetch.topics = std::vector<kafka::OffsetFetchRequestTopic>{{"t", {0}}};
  auto fetched = client->Call<kafka::OffsetFetchResponse>(ApiKey::kOffsetFetch, 2, fetch);
  const auto& p = fetched.body.topics.at(0).partitions.at(0);
  EXPECT_EQ(p.committed_offset, 7);
  EXPECT_EQ(p.metadata, std::optional<std::string>("\xEF\xBF\xBD\xEF\xBF\xBD"));
  ExpectServing();

  // The stored commit reads back after a restart too.
  server_->Stop();
  Start();
  auto again = Connect();
  auto reread = again->Call<kafka::OffsetFetchResponse>(ApiKey::kOffsetFetch, 2, fetch);
  EXPECT_EQ(reread.body.topics.at(0).partitions.at(0).committed_offset, 7);
}

TEST_F(HardeningTest, JoinGroupFromAClientIdThatIsNotUtf8IsAnswered) {
  Start({"--group-initial-rebalance-delay-ms", "0"});
  auto client = Connect();
  kafka::JoinGroupRequest join;
  join.group_id = "g";
  join.session_timeout_ms = 10000;
  join.rebalance_timeout_ms = 10000;
  join.member_id = "";
  join.protocol_type = "consumer";
  join.protocols.push_back({"range", {}});
  Buffer body = testing::raw_wire::EncodeBody(join, kafka::Version{1, false});
  client->SendRaw(testing::raw_wire::RequestFrame(static_cast<int16_t>(ApiKey::kJoinGroup), 1, 9,
                                                  body, false, std::string("\xFF\xFE\xC0")));
  auto reply = client->Receive<kafka::JoinGroupResponse>(ApiKey::kJoinGroup, 1, 9);
  EXPECT_EQ(reply.body.error_code, 0);
  ExpectServing();
}

TEST_F(HardeningTest, RestConsumerWithABooleanSettingIsCreated) {
  Start();
  auto a = Curl("POST", "/consumers/g", R"({"name":"c1","auto.commit.enable":true})",
                "application/vnd.kafka.v2+json");
  EXPECT_EQ(a.status, 200) << a.body;
  // A value of the wrong type is the client's error, answered 422.
  auto b = Curl("POST", "/consumers/g", R"({"name":5})", "application/vnd.kafka.v2+json");
  EXPECT_EQ(b.status, 422) << b.body;
  EXPECT_NE(b.body.find("42201"), std::string::npos) << b.body;
  ExpectServing();
}

TEST_F(HardeningTest, DeeplyNestedJsonIsRefused) {
  Start();
  const std::string deep = R"({"records":[{"value":)" + std::string(500000, '[') + "}]}";
  auto a = Curl("POST", "/topics/nested", deep, "application/vnd.kafka.json.v2+json");
  EXPECT_EQ(a.status, 422) << a.body;
  ExpectServing();
}

TEST_F(HardeningTest, DeepJsonRecordsAreShownAsStringsByRestConsumers) {
  Start();
  auto client = Connect();
  ASSERT_EQ(CreateTopic(*client, "deep", 1).error_code, 0);
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  ASSERT_EQ(ProduceError(*client, "deep", BatchOf(deep)), 0);
  const std::string v2 = "application/vnd.kafka.v2+json";
  ASSERT_EQ(Curl("POST", "/consumers/g", R"({"name":"c","format":"json","auto.offset.reset":"earliest"})", v2).status, 200);
  ASSERT_EQ(Curl("POST", "/consumers/g/instances/c/assignments",
                 R"({"partitions":[{"topic":"deep","partition":0}]})", v2)
                .status,
            204);
  auto records = RunCommand(fmt::format(
      "curl -s -m 30 -H 'Accept: application/vnd.kafka.json.v2+json' "
      "'{}/consumers/g/instances/c/records?timeout=5000'",
      server_->http_url()));
  json parsed = json::parse(records.out, nullptr, false);
  ASSERT_TRUE(parsed.is_array()) << records.out.substr(0, 200);
  ASSERT_EQ(parsed.size(), 1u);
  EXPECT_TRUE(parsed[0]["value"].is_string());
  ExpectServing();
}

// ---- connection bounds ----

TEST_F(HardeningTest, LengthPrefixesAloneAllocateNothing) {
  Start();
  const int64_t before = RssBytes(server_->pid());
  std::vector<std::unique_ptr<RawWireClient>> clients;
  for (int i = 0; i < 50; ++i) {
    clients.push_back(Connect());
    uint8_t prefix[4];
    StoreBigEndian<int32_t>(prefix, 100 << 20);  // 100 MiB announced, none sent
    clients.back()->SendRaw(ByteView(prefix, 4));
  }
  ExpectServing();  // every prefix above has been read by now
  const int64_t after = RssBytes(server_->pid());
  // 50 x 100 MiB announced; what the broker holds grows by far less than one of them.
  EXPECT_LT(after - before, 64 << 20) << "before " << before << ", after " << after;
}

TEST_F(HardeningTest, ASlowRequestIsCutOffAtTheReadTimeout) {
  Start({"--request-read-timeout-ms", "300"});
  auto slow = Connect();
  kafka::ApiVersionsRequest request{"herald-hardening", "1.0.0"};
  Buffer frame = testing::raw_wire::EncodeRequest(ApiKey::kApiVersions, 3, 1, request);
  slow->SendRaw(ByteView(frame).first(6));  // the size and two bytes of the header, then nothing
  auto closed = slow->WaitForClose(10s);
  EXPECT_TRUE(closed.closed) << closed.how;
  ExpectServing();
}

TEST_F(HardeningTest, AnIdleConnectionIsClosedAndABusyOneIsNot) {
  Start({"--connections-max-idle-ms", "400"});
  auto idle = Connect();
  auto busy = Connect();
  kafka::ApiVersionsRequest request{"herald-hardening", "1.0.0"};
  const auto start = Clock::now();
  // The busy connection sends a request every 100 ms while the idle one is closed.
  bool idle_closed = false;
  idle->SetTimeout(100ms);
  while (!idle_closed && Clock::now() - start < 10s) {
    auto reply = busy->Call<kafka::ApiVersionsResponse>(ApiKey::kApiVersions, 3, request);
    ASSERT_EQ(reply.body.error_code, 0);
    idle_closed = idle->WaitForClose(100ms).closed;
  }
  EXPECT_TRUE(idle_closed);
  EXPECT_GE(Clock::now() - start, 300ms);
  auto reply = busy->Call<kafka::ApiVersionsResponse>(ApiKey::kApiVersions, 3, request);
  EXPECT_EQ(reply.body.error_code, 0);
}

TEST_F(HardeningTest, ConnectionsPastThePerAddressLimitAreClosed) {
  Start({"--max-connections-per-ip", "4"});
  // A connection that is answered; retried while the broker has not yet seen an earlier one
  // close (the start-up probe's, or a test connection's), which still holds its place.
  auto served = [&]() -> std::unique_ptr<RawWireClient> {
    for (int attempt = 0; attempt < 50; ++attempt) {
      auto client = Connect();
      client->Send(ApiKey::kApiVersions, 3, kafka::ApiVersionsRequest{"herald-hardening", "1.0"});
      if (client->ReadFrame().has_value()) return client;
      std::this_thread::sleep_for(20ms);
    }
    return nullptr;
  };
  std::vector<std::unique_ptr<RawWireClient>> clients;
  for (int i = 0; i < 4; ++i) {
    clients.push_back(served());
    ASSERT_NE(clients.back(), nullptr) << "connection " << i + 1 << " of 4 was never served";
  }
  auto fifth = Connect();  // the kernel accepts it; the broker closes it
  EXPECT_TRUE(fifth->WaitForClose(10s).closed);
  // A connection that closes frees its place.
  clients.pop_back();
  EXPECT_NE(served(), nullptr);
}

// At the file-descriptor limit accept fails (EMFILE) with clients still queued on both listeners:
// the broker backs off instead of spinning on it, and serves them once descriptors are free again.
TEST_F(HardeningTest, AcceptFailuresBackOffInsteadOfSpinning) {
  Start();
  const pid_t pid = server_->pid();
  auto cpu_seconds = [pid] {  // user + system time of the broker (utime and stime, in ticks)
    std::ifstream in(fmt::format("/proc/{}/stat", pid));
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::istringstream fields(stat.substr(stat.rfind(')') + 2));
    std::string field;
    double ticks = 0;
    for (int i = 3; fields >> field; ++i) {
      if (i == 14 || i == 15) ticks += std::stod(field);
    }
    return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
  };
  const size_t open_fds = std::distance(std::filesystem::directory_iterator(
                                            fmt::format("/proc/{}/fd", pid)),
                                        std::filesystem::directory_iterator());
  // The soft limit only: the hard one stays, so the limit can be raised again.
  ASSERT_EQ(RunCommand(fmt::format("prlimit --pid {} --nofile={}:", pid, open_fds)).exit_code, 0);
  std::vector<std::unique_ptr<RawWireClient>> waiting;
  for (int i = 0; i < 5; ++i) waiting.push_back(Connect());  // the kernel queues them
  const std::string& url = server_->http_url();
  const auto http_port = static_cast<uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
  std::vector<std::unique_ptr<RawWireClient>> http_waiting;  // plain TCP to the HTTP listener
  for (int i = 0; i < 3; ++i) http_waiting.push_back(std::make_unique<RawWireClient>(http_port));
  const double before = cpu_seconds();
  std::this_thread::sleep_for(1s);  // the measurement window, not a verdict by itself
  const double spent = cpu_seconds() - before;
  EXPECT_LT(spent, 0.3) << "the accept loop spun at the descriptor limit";
  ASSERT_EQ(RunCommand(fmt::format("prlimit --pid {} --nofile=4096:", pid)).exit_code, 0);
  kafka::ApiVersionsRequest request{"herald-hardening", "1.0.0"};
  for (auto& client : waiting) {
    auto reply = client->Call<kafka::ApiVersionsResponse>(ApiKey::kApiVersions, 3, request);
    EXPECT_EQ(reply.body.error_code, 0);
  }
  EXPECT_NE(server_->Log().find("accept_failed"), std::string::npos);
  http_waiting.clear();
  auto health = RunCommand(fmt::format("curl -s -m 10 '{}/healthz'", url));
  EXPECT_NE(health.out.find("ok"), std::string::npos) << health.out;
}

TEST_F(HardeningTest, RequestMemoryBudgetPausesReadingUntilBytesAreReleased) {
  Start({"--queued-max-request-bytes", "1048576", "--request-read-timeout-ms", "1500"});
  auto setup = Connect();
  ASSERT_EQ(CreateTopic(*setup, "budget", 1).error_code, 0);
  // A announces an 8 MiB frame, sends 2 MiB of it and stops: the budget (1 MiB) is spent. As the
  // oldest frame being read it may go past the budget; the broker reserves up to 4 MiB for it.
  auto hog = Connect();
  uint8_t prefix[4];
  StoreBigEndian<int32_t>(prefix, 8 << 20);
  hog->SendRaw(ByteView(prefix, 4));
  hog->SendRaw(Buffer(2 << 20, 0));
  const auto deadline = Clock::now() + 10s;
  while (MetricValue("request_bytes_held{listener=\"kafka\"}") < (4 << 20)) {
    ASSERT_LT(Clock::now(), deadline) << "the broker did not reserve the hog's frame";
    std::this_thread::sleep_for(10ms);
  }
  // B's produce waits for memory; it is answered once A's frame is dropped at its read timeout.
  auto producer = Connect();
  producer->SetTimeout(30s);
  Buffer batch = BatchOf("after the hog");
  const auto sent = Clock::now();
  EXPECT_EQ(ProduceError(*producer, "budget", batch), 0);
  EXPECT_GE(Clock::now() - sent, 500ms) << "the produce did not wait for the budget";
  EXPECT_TRUE(hog->WaitForClose(10s).closed);
  EXPECT_EQ(EndOffset(*producer, "budget"), 1);
}

// Idle connections and slow senders cost the broker almost nothing: a producer keeps at least 0.8x
// of its throughput next to 2,000 idle connections and 50 slowloris senders, and the broker's
// memory stays within its request budget.
TEST_F(HardeningTest, IdleAndSlowConnectionsDoNotSlowAProducer) {
  Start({"--max-connections-per-ip", "5000", "--queued-max-request-bytes", "67108864"});
  auto producer = Connect();
  ASSERT_EQ(CreateTopic(*producer, "load", 1).error_code, 0);
  std::vector<storage::RecordSpec> records(200, {std::nullopt, std::string(100, 'r'), 1, {}});
  Buffer batch = storage::BuildBatch(records);
  kafka::ProduceRequest request = ProduceTo("load", batch);
  request.acks = 1;
  // Records per second over a fixed number of requests; the best of three runs, as the machine
  // is shared.
  auto throughput = [&] {
    double best = 0;
    for (int run = 0; run < 3; ++run) {
      const auto start = Clock::now();
      for (int i = 0; i < 1500; ++i) {
        auto reply = producer->Call<kafka::ProduceResponse>(ApiKey::kProduce, 3, request);
        EXPECT_EQ(reply.body.responses.at(0).partitions.at(0).error_code, 0);
      }
      const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
      best = std::max(best, 1500.0 * 200 / seconds);
    }
    return best;
  };
  const double alone = throughput();

  std::vector<std::unique_ptr<RawWireClient>> idle;
  for (int i = 0; i < 2000; ++i) idle.push_back(Connect());
  std::vector<std::unique_ptr<RawWireClient>> slow;
  for (int i = 0; i < 50; ++i) {
    slow.push_back(Connect());
    uint8_t prefix[4];
    StoreBigEndian<int32_t>(prefix, 1 << 20);
    slow.back()->SendRaw(ByteView(prefix, 4));
  }
  std::atomic<bool> stop{false};
  std::thread trickle([&] {
    const uint8_t byte = 0;
    for (int round = 0; round < 2000 && !stop; ++round) {  // bounded: at most 2,000 rounds
      for (auto& c : slow) c->TrySendRaw(ByteView(&byte, 1));
      std::this_thread::sleep_for(20ms);
    }
  });
  const double crowded = throughput();
  stop = true;
  trickle.join();
  const int64_t rss = RssBytes(server_->pid());
  ExpectServing();
  fmt::print("produce alone {:.0f} records/s, beside 2000 idle + 50 slow connections {:.0f} "
             "(ratio {:.2f}); broker RSS {} MiB\n",
             alone, crowded, crowded / alone, rss >> 20);
  // The test runs alone (RUN_SERIAL): a loop that touched every connection per request would
  // lose far more than the 20% this allows.
  EXPECT_GE(crowded, 0.8 * alone);
  EXPECT_LT(rss, int64_t{64 + 128} << 20) << "the request budget plus the broker's own memory";
}

// ---- request bounds ----

TEST_F(HardeningTest, AProduceNamingAPartitionTwiceIsRefusedWhole) {
  Start();
  auto client = Connect();
  ASSERT_EQ(CreateTopic(*client, "twice", 1).error_code, 0);
  Buffer batch = BatchOf("x");
  client->Send(ApiKey::kProduce, 3, ProduceTo("twice", batch, 1000));
  EXPECT_TRUE(client->WaitForClose(10s).closed);
  auto other = Connect();
  EXPECT_EQ(EndOffset(*other, "twice"), 0);
}

TEST_F(HardeningTest, TooManyPartitionEntriesCloseTheConnection) {
  Start({"--max-partitions-per-request", "10"});
  auto client = Connect();
  kafka::ListOffsetsRequest request;
  kafka::ListOffsetsRequestTopic topic{"x", {}};
  for (int32_t i = 0; i < 11; ++i) topic.partitions.push_back({i, -1, -1, 1});
  request.topics.push_back(topic);
  client->Send(ApiKey::kListOffsets, 1, request);
  EXPECT_TRUE(client->WaitForClose(10s).closed);
  ExpectServing();
}

TEST_F(HardeningTest, ACompressedBatchPastMaxMessageBytesIsRefusedWhileDecompressing) {
  Start();
  auto client = Connect();
  ASSERT_EQ(CreateTopic(*client, "bomb", 1, {{"max.message.bytes", "10000"}}).error_code, 0);
  // 1 MiB of zeros compresses to about a kilobyte.
  Buffer bomb = BatchOf(std::string(1 << 20, '\0'), storage::Compression::kGzip);
  ASSERT_LT(bomb.size(), 10000u);
  EXPECT_EQ(ProduceError(*client, "bomb", bomb), Code(ErrorCode::kMessageTooLarge));
  EXPECT_EQ(ProduceError(*client, "bomb", BatchOf("small", storage::Compression::kGzip)), 0);
  EXPECT_EQ(EndOffset(*client, "bomb"), 1);
}

TEST_F(HardeningTest, FetchWaitIsCappedByTheBroker) {
  Start({"--fetch-max-wait-ms", "200"});
  auto client = Connect();
  ASSERT_EQ(CreateTopic(*client, "quiet", 1).error_code, 0);
  kafka::FetchRequest request = FetchRequestFor("quiet", 0, 60000);
  const auto start = Clock::now();
  auto reply = client->Call<kafka::FetchResponse>(ApiKey::kFetch, 4, request);
  EXPECT_LT(Clock::now() - start, 5s);
  EXPECT_EQ(reply.body.responses.at(0).partitions.at(0).error_code, 0);
}

// ---- topic bounds ----

TEST_F(HardeningTest, ThirtyThousandPartitionsAreRefusedAndTheBrokerRestarts) {
  Start();
  auto client = Connect();
  auto huge = CreateTopic(*client, "huge", 30000);
  EXPECT_EQ(huge.error_code, Code(ErrorCode::kInvalidPartitions));
  EXPECT_FALSE(huge.error_message.value_or("").empty());
  EXPECT_EQ(CreateTopic(*client, "fine", 8).error_code, 0);
  ExpectServing();
  ASSERT_EQ(server_->Stop(), 0);
  Start();
  auto again = Connect();
  EXPECT_EQ(CreateTopic(*again, "fine", 8).error_code, Code(ErrorCode::kTopicAlreadyExists));
}

// Creating thousands of partitions takes seconds of file work; it runs on the admin thread
// without the engine's lock, so produce and fetch on other topics go on meanwhile.
TEST_F(HardeningTest, CreatingManyPartitionsDoesNotHoldUpProduce) {
  Start({"--max-partitions-per-topic", "5000", "--max-partitions", "6000"});
  auto admin = Connect();
  auto producer = Connect();
  ASSERT_EQ(CreateTopic(*producer, "busy", 1).error_code, 0);
  Buffer batch = BatchOf("during creation");
  const auto started = Clock::now();
  kafka::CreateTopicsRequest request;
  kafka::CreateTopicsRequestTopic topic;
  topic.name = "wide";
  topic.num_partitions = 3000;
  topic.replication_factor = 1;
  request.topics.push_back(topic);
  const int32_t id = admin->Send(ApiKey::kCreateTopics, 4, request);
  admin->SetTimeout(120s);
  auto answer = std::async(std::launch::async, [&] {
    return admin->Receive<kafka::CreateTopicsResponse>(ApiKey::kCreateTopics, 4, id).body;
  });
  std::vector<Clock::duration> produce_times;
  while (answer.wait_for(0ms) != std::future_status::ready) {
    const auto before = Clock::now();
    ASSERT_EQ(ProduceError(*producer, "busy", batch), 0);
    produce_times.push_back(Clock::now() - before);
  }
  EXPECT_EQ(answer.get().topics.at(0).error_code, 0);
  const auto creation = Clock::now() - started;
  ASSERT_GE(produce_times.size(), 3u) << "the creation was too quick to show anything";
  for (auto t : produce_times) {
    EXPECT_LT(t, creation / 2) << "a produce waited for the topic creation";
  }
}

TEST_F(HardeningTest, PartitionsInAllAreBounded) {
  // The internal topics __consumer_offsets, __transaction_state and __herald_users hold one each.
  Start({"--max-partitions", "10"});
  auto client = Connect();
  EXPECT_EQ(CreateTopic(*client, "a", 7).error_code, 0);
  EXPECT_EQ(CreateTopic(*client, "b", 1).error_code, Code(ErrorCode::kInvalidPartitions));
}

TEST_F(HardeningTest, InternalTopicsCannotBeDeletedOrProducedTo) {
  Start();
  auto client = Connect();
  kafka::DeleteTopicsRequest del;
  del.topic_names = {"__consumer_offsets"};
  del.timeout_ms = 10000;
  auto deleted = client->Call<kafka::DeleteTopicsResponse>(ApiKey::kDeleteTopics, 1, del);
  EXPECT_EQ(deleted.body.responses.at(0).error_code, Code(ErrorCode::kTopicAuthorizationFailed));
  EXPECT_EQ(ProduceError(*client, "__consumer_offsets", BatchOf("forged")),
            Code(ErrorCode::kInvalidTopicException));
  // Nor through the REST proxy, whole topic or one partition.
  const std::string json_v2 = "application/vnd.kafka.json.v2+json";
  for (const char* path : {"/topics/__consumer_offsets", "/topics/__consumer_offsets/partitions/0"}) {
    auto forged = Curl("POST", path, R"({"records":[{"value":"forged"}]})", json_v2);
    EXPECT_EQ(forged.status, 422) << path << ": " << forged.body;
  }
  ExpectServing();
}

TEST_F(HardeningTest, RestConsumerInstancesAreBounded) {
  Start({"--rest-consumer-max-instances", "2"});
  const std::string v2 = "application/vnd.kafka.v2+json";
  EXPECT_EQ(Curl("POST", "/consumers/g", R"({"name":"a"})", v2).status, 200);
  EXPECT_EQ(Curl("POST", "/consumers/g", R"({"name":"b"})", v2).status, 200);
  auto third = Curl("POST", "/consumers/g", R"({"name":"c"})", v2);
  EXPECT_EQ(third.status, 429) << third.body;
  ASSERT_EQ(RunCommand(fmt::format("curl -s -m 30 -X DELETE '{}/consumers/g/instances/a'",
                                   server_->http_url()))
                .exit_code,
            0);
  EXPECT_EQ(Curl("POST", "/consumers/g", R"({"name":"c"})", v2).status, 200);
}

}  // namespace
}  // namespace herald
