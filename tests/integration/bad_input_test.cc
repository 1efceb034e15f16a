// What a real `herald serve` does with awkward and hostile input on the wire: every ApiVersions
// version (and one it does not know), requests split at any byte, pipelining, frames it must
// refuse by closing the connection, corrupt record batches, acks=0 and long-polling fetches.
// Driven byte by byte through RawWireClient (tests/testing/raw_wire_client.h).
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "kafka/api.h"
#include "kafka/messages/api_versions.h"
#include "kafka/messages/create_topics.h"
#include "kafka/messages/fetch.h"
#include "kafka/messages/list_offsets.h"
#include "kafka/messages/metadata.h"
#include "kafka/messages/produce.h"
#include "storage/record_batch.h"
#include "testing/herald_process.h"
#include "testing/raw_wire_client.h"
#include "testing/test_util.h"

namespace herald {
namespace {

using namespace std::chrono_literals;
using kafka::ApiKey;
using kafka::Code;
using kafka::ErrorCode;
using testing::raw_wire::FetchRequestFor;
using testing::raw_wire::ProduceRequestFor;
using testing::raw_wire::RawWireClient;
using Clock = std::chrono::steady_clock;

constexpr int16_t kApiVersionsKey = static_cast<int16_t>(ApiKey::kApiVersions);

void Require(bool condition, const std::string& what) {
  if (!condition) throw std::runtime_error(what);
}

int64_t MillisSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

// ---- requests ----

Buffer BatchOf(const std::vector<std::string>& values) {
  std::vector<storage::RecordSpec> records;
  for (const auto& v : values) records.push_back({std::nullopt, v, 1700000000000, {}});
  return storage::BuildBatch(records);
}

// ---- calls that must succeed ----

// ApiVersions at `version`; checks the answer lists every API Herald serves.
void ExpectApiVersionsAnswer(RawWireClient& client, int16_t version) {
  kafka::ApiVersionsRequest request;
  request.client_software_name = "herald-bad-input";
  request.client_software_version = "1.0.0";
  auto reply = client.Call<kafka::ApiVersionsResponse>(ApiKey::kApiVersions, version, request);
  EXPECT_EQ(reply.body.error_code, 0) << "ApiVersions v" << version;
  ASSERT_EQ(reply.body.api_keys.size(), kafka::kApis.size()) << "ApiVersions v" << version;
  for (size_t i = 0; i < kafka::kApis.size(); ++i) {
    const auto& want = kafka::kApis[i];
    bool found = false;
    for (const auto& k : reply.body.api_keys) {
      if (k.api_key != static_cast<int16_t>(want.key)) continue;
      found = true;
      EXPECT_EQ(k.min_version, want.min_version) << want.name;
      EXPECT_EQ(k.max_version, want.max_version) << want.name;
    }
    EXPECT_TRUE(found) << want.name << " missing from ApiVersions v" << version;
  }
}

void CreateTopic(RawWireClient& client, const std::string& name,
                 std::vector<kafka::CreateTopicsRequestConfig> configs = {}) {
  kafka::CreateTopicsRequest request;
  kafka::CreateTopicsRequestTopic topic;
  topic.name = name;
  topic.num_partitions = 1;
  topic.replication_factor = 1;
  topic.configs = std::move(configs);
  request.topics.push_back(topic);
  auto reply = client.Call<kafka::CreateTopicsResponse>(ApiKey::kCreateTopics, 4, request);
  Require(reply.body.topics.size() == 1, "CreateTopics answered no topic");
  const auto& t = reply.body.topics[0];
  Require(t.error_code == 0, fmt::format("CreateTopics {}: error {} {}", name, t.error_code,
                                         t.error_message.value_or("")));
}

// The latest offset of partition 0 (ListOffsets v1, timestamp -1).
int64_t EndOffset(RawWireClient& client, const std::string& topic) {
  kafka::ListOffsetsRequest request;
  request.topics.push_back({topic, {{0, -1, -1, 1}}});
  auto reply = client.Call<kafka::ListOffsetsResponse>(ApiKey::kListOffsets, 1, request);
  Require(reply.body.topics.size() == 1 && reply.body.topics[0].partitions.size() == 1,
          "ListOffsets answer has the wrong shape");
  const auto& p = reply.body.topics[0].partitions[0];
  Require(p.error_code == 0, fmt::format("ListOffsets error {}", p.error_code));
  return p.offset;
}

// The answer for the one partition of a produce request.
kafka::ProduceResponsePartition PartitionAnswer(const kafka::ProduceResponse& response) {
  Require(response.responses.size() == 1 && response.responses[0].partitions.size() == 1,
          "Produce answer has the wrong shape");
  return response.responses[0].partitions[0];
}

kafka::ProduceResponsePartition Produce(RawWireClient& client, const std::string& topic,
                                        ByteView records, int16_t acks = -1, int16_t version = 3) {
  auto reply = client.Call<kafka::ProduceResponse>(ApiKey::kProduce, version,
                                                   ProduceRequestFor(topic, records, acks));
  return PartitionAnswer(reply.body);
}

// Record values in a fetched record set, after checking every batch in it is whole and valid.
std::vector<std::string> ValuesIn(const kafka::Records& records) {
  std::vector<std::string> values;
  if (!records.bytes) return values;
  ByteView all = *records.bytes;
  size_t at = 0;
  while (at < all.size()) {
    auto header = storage::ParseBatchHeader(all.subspan(at));
    Require(header.ok(), "fetched batch header: " + header.status().ToString());
    Require(header->size() <= all.size() - at, "fetched a partial batch");
    ByteView batch = all.subspan(at, header->size());
    Require(storage::ValidateBatch(batch).ok(), "fetched an invalid batch");
    auto status = storage::ForEachRecord(batch, [&](const storage::RecordView& r) {
      values.emplace_back(r.value ? AsString(*r.value) : "<null>");
    });
    Require(status.ok(), "fetched records: " + status.ToString());
    at += header->size();
  }
  return values;
}

// Fetch v4 of partition 0 from `offset`, not waiting.
std::vector<std::string> FetchValues(RawWireClient& client, const std::string& topic,
                                     int64_t offset) {
  auto reply =
      client.Call<kafka::FetchResponse>(ApiKey::kFetch, 4, FetchRequestFor(topic, offset, 0, 0));
  Require(reply.body.responses.size() == 1 && reply.body.responses[0].partitions.size() == 1,
          "Fetch answer has the wrong shape");
  const auto& p = reply.body.responses[0].partitions[0];
  Require(p.error_code == 0, fmt::format("Fetch error {}", p.error_code));
  return ValuesIn(p.records);
}

// ---- fixture ----

// A fresh server per test.
class BadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<testing::HeraldProcess>(dir_.str() + "/data");
  }

  void TearDown() override {
    if (HasFailure() && server_) server_->PrintLogTail();
  }

  std::unique_ptr<RawWireClient> Connect() {
    return std::make_unique<RawWireClient>(server_->port());
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::HeraldProcess> server_;
};

// ---- ApiVersions ----

using BadInputApiVersions = BadInputTest;

TEST_F(BadInputApiVersions, ClassicVersionsZeroToTwoAnswer) {
  auto client = Connect();
  for (int16_t v = 0; v <= 2; ++v) ExpectApiVersionsAnswer(*client, v);
}

TEST_F(BadInputApiVersions, V3HasAFlexibleBodyUnderAV0ResponseHeader) {
  auto client = Connect();
  ExpectApiVersionsAnswer(*client, 3);

  // The same exchange, checked byte by byte: header v0 is just the correlation id, so the body
  // starts with error_code (0) and then the compact array length (count + 1).
  kafka::ApiVersionsRequest request{"herald-bad-input", "1.0.0"};
  int32_t id = client->Send(ApiKey::kApiVersions, 3, request);
  auto frame = client->ReadFrame(/*flexible_header=*/false);
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(frame->correlation_id, id);
  ASSERT_GE(frame->bytes.size(), 7u);
  EXPECT_EQ(frame->bytes[4], 0);
  EXPECT_EQ(frame->bytes[5], 0);
  EXPECT_EQ(frame->bytes[6], kafka::kApis.size() + 1)
      << "not a compact array right after v0 header";
}

TEST_F(BadInputApiVersions, V3WithAnInvalidSoftwareNameAnswersInvalidRequest) {
  auto client = Connect();
  kafka::ApiVersionsRequest request{"-not a valid name", "1.0.0"};
  auto reply = client->Call<kafka::ApiVersionsResponse>(ApiKey::kApiVersions, 3, request);
  EXPECT_EQ(reply.body.error_code, Code(ErrorCode::kInvalidRequest));
  ExpectApiVersionsAnswer(*client, 3);
}

TEST_F(BadInputApiVersions, UnknownVersionAnswersUnsupportedVersionInAV0Body) {
  auto client = Connect();
  // As a client probing high sends it: header v2 and a v3-style flexible body.
  kafka::ApiVersionsRequest request{"herald-bad-input", "1.0.0"};
  Buffer body = testing::raw_wire::EncodeBody(request, kafka::Version{3, true});
  const int32_t id = 4242;
  client->SendRaw(testing::raw_wire::RequestFrame(kApiVersionsKey, 99, id, body, true));
  auto frame = client->ReadFrame(/*flexible_header=*/false);
  ASSERT_TRUE(frame.has_value()) << "the server closed the connection instead of answering";
  EXPECT_EQ(frame->correlation_id, id);
  // DecodeBody refuses leftover bytes: this must be exactly a v0 body.
  auto response =
      testing::raw_wire::DecodeBody<kafka::ApiVersionsResponse>(frame->body(), {0, false});
  EXPECT_EQ(response.error_code, Code(ErrorCode::kUnsupportedVersion));
  ASSERT_EQ(response.api_keys.size(), 1u);
  EXPECT_EQ(response.api_keys[0].api_key, kApiVersionsKey);
  EXPECT_EQ(response.api_keys[0].min_version, 0);
  EXPECT_EQ(response.api_keys[0].max_version, 3);

  // The connection stays usable: the client retries at a version the server speaks.
  ExpectApiVersionsAnswer(*client, 3);
  ExpectApiVersionsAnswer(*client, 0);
}

// ---- framing ----

using BadInputFraming = BadInputTest;

TEST_F(BadInputFraming, RequestsSentOneByteAtATimeAreAnswered) {
  auto client = Connect();
  CreateTopic(*client, "bytes");

  kafka::ApiVersionsRequest versions{"herald-bad-input", "1.0.0"};
  Buffer frame = testing::raw_wire::EncodeRequest(ApiKey::kApiVersions, 3, 77, versions);
  client->SendByteByByte(frame, 1ms);
  auto reply = client->Receive<kafka::ApiVersionsResponse>(ApiKey::kApiVersions, 3, 77);
  EXPECT_EQ(reply.body.error_code, 0);
  EXPECT_EQ(reply.body.api_keys.size(), kafka::kApis.size());

  Buffer batch = BatchOf({"one byte at a time"});
  frame = testing::raw_wire::EncodeRequest(ApiKey::kProduce, 3, 78,
                                           ProduceRequestFor("bytes", batch, -1));
  client->SendByteByByte(frame, 500us);
  auto produced = client->Receive<kafka::ProduceResponse>(ApiKey::kProduce, 3, 78);
  auto answer = PartitionAnswer(produced.body);
  EXPECT_EQ(answer.error_code, 0);
  EXPECT_EQ(answer.base_offset, 0);
  EXPECT_EQ(FetchValues(*client, "bytes", 0), std::vector<std::string>{"one byte at a time"});
}

TEST_F(BadInputFraming, RequestsSplitAtEveryByteBoundaryAreAnswered) {
  auto client = Connect();
  CreateTopic(*client, "split");

  kafka::ApiVersionsRequest versions{"herald-bad-input", "1.0.0"};
  const size_t versions_size =
      testing::raw_wire::EncodeRequest(ApiKey::kApiVersions, 3, 0, versions).size();
  for (size_t cut = 1; cut < versions_size; ++cut) {
    const auto id = static_cast<int32_t>(cut);
    Buffer frame = testing::raw_wire::EncodeRequest(ApiKey::kApiVersions, 3, id, versions);
    client->SendRaw(ByteView(frame).first(cut));
    std::this_thread::sleep_for(1ms);
    client->SendRaw(ByteView(frame).subspan(cut));
    auto reply = client->Receive<kafka::ApiVersionsResponse>(ApiKey::kApiVersions, 3, id);
    ASSERT_EQ(reply.body.error_code, 0) << "cut at " << cut;
    ASSERT_EQ(reply.body.api_keys.size(), kafka::kApis.size()) << "cut at " << cut;
  }

  // A produce request (record batch included), acks=1; each lands at the next offset.
  Buffer batch = BatchOf({"split"});
  const size_t produce_size =
      testing::raw_wire::EncodeRequest(ApiKey::kProduce, 3, 0, ProduceRequestFor("split", batch, 1))
          .size();
  int64_t expected_offset = 0;
  for (size_t cut = 1; cut < produce_size; ++cut) {
    const auto id = static_cast<int32_t>(1000 + cut);
    Buffer frame = testing::raw_wire::EncodeRequest(ApiKey::kProduce, 3, id,
                                                    ProduceRequestFor("split", batch, 1));
    client->SendRaw(ByteView(frame).first(cut));
    std::this_thread::sleep_for(1ms);
    client->SendRaw(ByteView(frame).subspan(cut));
    auto reply = client->Receive<kafka::ProduceResponse>(ApiKey::kProduce, 3, id);
    auto answer = PartitionAnswer(reply.body);
    ASSERT_EQ(answer.error_code, 0) << "cut at " << cut;
    ASSERT_EQ(answer.base_offset, expected_offset) << "cut at " << cut;
    ++expected_offset;
  }
  EXPECT_EQ(EndOffset(*client, "split"), expected_offset);
}

TEST_F(BadInputFraming, TwentyPipelinedRequestsAreAnsweredInOrder) {
  auto setup = Connect();
  CreateTopic(*setup, "pipelined");

  // Mixed APIs so handlers finish out of order: durable produces (fsync) between instant ones.
  auto client = Connect();
  Buffer batch = BatchOf({"pipelined"});
  Buffer all;
  std::vector<int> kinds;
  for (int i = 0; i < 20; ++i) {
    const int32_t id = 500 + i;
    Buffer frame;
    switch (i % 4) {
      case 0:
        frame = testing::raw_wire::EncodeRequest(ApiKey::kProduce, 3, id,
                                                 ProduceRequestFor("pipelined", batch, -1));
        break;
      case 1:
        frame = testing::raw_wire::EncodeRequest(ApiKey::kApiVersions, 2, id,
                                                 kafka::ApiVersionsRequest{});
        break;
      case 2: {
        kafka::MetadataRequest metadata;
        metadata.topics.emplace();
        metadata.topics->push_back({Uuid{}, "pipelined"});
        frame = testing::raw_wire::EncodeRequest(ApiKey::kMetadata, 1, id, metadata);
        break;
      }
      default: {
        kafka::ListOffsetsRequest offsets;
        offsets.topics.push_back({"pipelined", {{0, -1, -2, 1}}});
        frame = testing::raw_wire::EncodeRequest(ApiKey::kListOffsets, 1, id, offsets);
      }
    }
    all.insert(all.end(), frame.begin(), frame.end());
  }
  client->SendRaw(all);

  int64_t expected_offset = 0;
  for (int i = 0; i < 20; ++i) {
    const int32_t id = 500 + i;
    switch (i % 4) {
      case 0: {
        auto reply = client->Receive<kafka::ProduceResponse>(ApiKey::kProduce, 3, id);
        auto answer = PartitionAnswer(reply.body);
        EXPECT_EQ(answer.error_code, 0);
        EXPECT_EQ(answer.base_offset, expected_offset++);
        break;
      }
      case 1: {
        auto reply = client->Receive<kafka::ApiVersionsResponse>(ApiKey::kApiVersions, 2, id);
        EXPECT_EQ(reply.body.error_code, 0);
        break;
      }
      case 2: {
        auto reply = client->Receive<kafka::MetadataResponse>(ApiKey::kMetadata, 1, id);
        ASSERT_EQ(reply.body.topics.size(), 1u);
        EXPECT_EQ(reply.body.topics[0].name, "pipelined");
        EXPECT_EQ(reply.body.topics[0].error_code, 0);
        break;
      }
      default: {
        auto reply = client->Receive<kafka::ListOffsetsResponse>(ApiKey::kListOffsets, 1, id);
        ASSERT_EQ(reply.body.topics.size(), 1u);
        ASSERT_EQ(reply.body.topics[0].partitions.size(), 1u);
        EXPECT_EQ(reply.body.topics[0].partitions[0].error_code, 0);
        EXPECT_EQ(reply.body.topics[0].partitions[0].offset, 0);  // earliest
      }
    }
  }
  EXPECT_EQ(EndOffset(*client, "pipelined"), 5);
}

// ---- inputs that close the connection ----

struct ClosingInput {
  std::string name;
  std::function<Buffer()> bytes;
  bool client_closes = false;  // the client hangs up mid-frame instead of waiting
};

void PrintTo(const ClosingInput& input, std::ostream* os) {
  *os << input.name;
}

Buffer SizeThen(int32_t size, size_t extra_bytes) {
  Buffer out(4 + extra_bytes, 0);
  StoreBigEndian<int32_t>(out.data(), size);
  return out;
}

std::vector<ClosingInput> ClosingInputs() {
  return {
      {"NegativeFrameSize", [] { return SizeThen(-16, 16); }},
      {"FrameSizeOver100MiB", [] { return SizeThen((100 << 20) + 1, 16); }},
      {"TruncatedHeader", [] { return Buffer{0, 0, 0, 3, 0, 18, 0}; }},
      {"UnknownApiKey",
       [] { return testing::raw_wire::RequestFrame(9999, 0, 9, ByteView{}, false); }},
      {"UnsupportedMetadataVersion",
       [] {
         Buffer body = testing::raw_wire::EncodeBody(kafka::MetadataRequest{}, {6, false});
         return testing::raw_wire::RequestFrame(3, 99, 9, body, false);
       }},
      {"ProduceBodyThatDoesNotDecode",
       [] {
         // transactional_id null, acks -1, timeout, then a topic count far beyond what follows.
         Buffer body = {0xff, 0xff, 0xff, 0xff, 0,   0,   0x27, 0x10, 0x7f, 0xff,
                        0xff, 0xff, 'g',  'a',  'r', 'b', 'a',  'g',  'e'};
         return testing::raw_wire::RequestFrame(0, 3, 9, body, false);
       }},
      {"ClosedMidFrame",
       [] {
         Buffer frame = testing::raw_wire::EncodeRequest(
             ApiKey::kProduce, 3, 9, ProduceRequestFor("anything", BatchOf({"half"}), -1));
         frame.resize(frame.size() / 2);
         return frame;
       },
       true},
  };
}

class BadInputClosing : public BadInputTest, public ::testing::WithParamInterface<ClosingInput> {};

TEST_P(BadInputClosing, ClosesThatConnectionOnly) {
  auto healthy = Connect();
  ExpectApiVersionsAnswer(*healthy, 2);
  auto bad = Connect();
  ExpectApiVersionsAnswer(*bad, 2);  // a working connection until the bad input

  bad->TrySendRaw(GetParam().bytes());  // may fail if the server closes early
  if (GetParam().client_closes) {
    bad->Close();
  } else {
    auto result = bad->WaitForClose(5s);
    EXPECT_TRUE(result.closed) << "the connection stayed open: " << result.how;
    EXPECT_EQ(result.bytes_received, 0u) << "the server answered before closing";
  }

  ExpectApiVersionsAnswer(*healthy, 2);
  ExpectApiVersionsAnswer(*healthy, 3);
  auto fresh = Connect();
  ExpectApiVersionsAnswer(*fresh, 3);
}

INSTANTIATE_TEST_SUITE_P(BadInput, BadInputClosing, ::testing::ValuesIn(ClosingInputs()),
                         [](const auto& param_info) { return param_info.param.name; });

// ---- corrupt record batches ----

struct BatchDamage {
  std::string name;
  std::function<void(Buffer&)> apply;
};

void PrintTo(const BatchDamage& damage, std::ostream* os) {
  *os << damage.name;
}

void AddToBatchLength(Buffer& batch, int32_t delta) {
  auto* at = batch.data() + storage::batch_field::kBatchLength;
  StoreBigEndian<int32_t>(at, LoadBigEndian<int32_t>(at) + delta);
}

std::vector<BatchDamage> Damages() {
  namespace f = storage::batch_field;
  return {
      {"BadCrc", [](Buffer& b) { b[f::kCrc + 3] ^= 0x01; }},
      {"BadMagic", [](Buffer& b) { b[f::kMagic] = 1; }},  // outside the CRC
      {"LengthFieldTooLong", [](Buffer& b) { AddToBatchLength(b, 10); }},
      {"LengthFieldTooShort", [](Buffer& b) { AddToBatchLength(b, -10); }},
      {"LengthFieldBelowHeader",
       [](Buffer& b) { StoreBigEndian<int32_t>(b.data() + f::kBatchLength, 20); }},
      {"TruncatedBatch", [](Buffer& b) { b.resize(b.size() - 7); }},
      {"TruncatedInsideHeader", [](Buffer& b) { b.resize(30); }},
      // Kafka's LogValidator takes exactly one batch per partition from a client.
      {"SecondBatchAfterTheFirst",
       [](Buffer& b) {
         Buffer second = BatchOf({"x"});
         b.insert(b.end(), second.begin(), second.end());
       }},
      // Kafka's LogValidator: lastOffsetDelta + 1 must equal the record count (CRC kept valid).
      {"RecordCountDisagreesWithLastOffsetDelta",
       [](Buffer& b) {
         auto* at = b.data() + f::kRecordCount;
         StoreBigEndian<int32_t>(at, LoadBigEndian<int32_t>(at) + 1);
         StoreBigEndian<uint32_t>(b.data() + f::kCrc, storage::ComputeBatchCrc(b));
       }},
  };
}

class BadInputCorruptBatch : public BadInputTest,
                             public ::testing::WithParamInterface<BatchDamage> {};

TEST_P(BadInputCorruptBatch, IsRefusedAsCorruptMessageAndNothingIsWritten) {
  auto client = Connect();
  CreateTopic(*client, "corrupt");
  auto first = Produce(*client, "corrupt", BatchOf({"a", "b"}));
  ASSERT_EQ(first.error_code, 0);
  ASSERT_EQ(first.base_offset, 0);

  Buffer bad = BatchOf({"c", "d", "e"});
  GetParam().apply(bad);
  auto refused = Produce(*client, "corrupt", bad);
  // Kafka answers CORRUPT_MESSAGE for a bad CRC or framing; INVALID_RECORD (87) is also Kafka's
  // answer for a batch whose count and offsets disagree.
  if (GetParam().name == "RecordCountDisagreesWithLastOffsetDelta") {
    EXPECT_TRUE(refused.error_code == Code(ErrorCode::kCorruptMessage) ||
                refused.error_code == Code(ErrorCode::kInvalidRecord))
        << "error " << refused.error_code;
  } else {
    EXPECT_EQ(refused.error_code, Code(ErrorCode::kCorruptMessage));
  }
  EXPECT_EQ(refused.base_offset, -1);

  EXPECT_EQ(EndOffset(*client, "corrupt"), 2);
  EXPECT_EQ(FetchValues(*client, "corrupt", 0), (std::vector<std::string>{"a", "b"}));

  auto after = Produce(*client, "corrupt", BatchOf({"f"}));
  EXPECT_EQ(after.error_code, 0);
  EXPECT_EQ(after.base_offset, 2);
  EXPECT_EQ(FetchValues(*client, "corrupt", 0), (std::vector<std::string>{"a", "b", "f"}));
}

INSTANTIATE_TEST_SUITE_P(BadInput, BadInputCorruptBatch, ::testing::ValuesIn(Damages()),
                         [](const auto& param_info) { return param_info.param.name; });

using BadInputProduce = BadInputTest;

TEST_F(BadInputProduce, ARecordThatBreaksTheTopicsSchemaIsNamedToV8Clients) {
  auto client = Connect();
  CreateTopic(*client, "checked", {{"confluent.value.schema.validation", "true"}});
  auto v3 = Produce(*client, "checked", BatchOf({"plain"}));
  EXPECT_EQ(v3.error_code, Code(ErrorCode::kInvalidRecord));
  EXPECT_FALSE(v3.error_message.has_value()) << "v3 has no field for it";
  auto v8 = Produce(*client, "checked", BatchOf({"plain"}), -1, 8);
  EXPECT_EQ(v8.error_code, Code(ErrorCode::kInvalidRecord));
  ASSERT_TRUE(v8.error_message.has_value());
  EXPECT_NE(v8.error_message->find("record 0"), std::string::npos) << *v8.error_message;
  EXPECT_NE(v8.error_message->find("not framed"), std::string::npos) << *v8.error_message;
  EXPECT_EQ(EndOffset(*client, "checked"), 0);
}

TEST_F(BadInputProduce, BatchOverMaxMessageBytesIsMessageTooLarge) {
  auto client = Connect();
  CreateTopic(*client, "small", {{"max.message.bytes", "1000"}});
  auto refused = Produce(*client, "small", BatchOf({std::string(2000, 'x')}));
  EXPECT_EQ(refused.error_code, Code(ErrorCode::kMessageTooLarge));
  EXPECT_EQ(refused.base_offset, -1);
  EXPECT_EQ(EndOffset(*client, "small"), 0);

  auto fits = Produce(*client, "small", BatchOf({std::string(500, 'y')}));
  EXPECT_EQ(fits.error_code, 0);
  EXPECT_EQ(fits.base_offset, 0);
  EXPECT_EQ(EndOffset(*client, "small"), 1);
}

// ---- acks=0 ----

using BadInputAcksZero = BadInputTest;

TEST_F(BadInputAcksZero, ProduceGetsNoAnswer) {
  auto client = Connect();
  CreateTopic(*client, "fire-and-forget");
  Buffer batch = BatchOf({"no answer"});
  Buffer both = testing::raw_wire::EncodeRequest(ApiKey::kProduce, 3, 601,
                                                 ProduceRequestFor("fire-and-forget", batch, 0));
  Buffer next =
      testing::raw_wire::EncodeRequest(ApiKey::kApiVersions, 2, 602, kafka::ApiVersionsRequest{});
  both.insert(both.end(), next.begin(), next.end());
  client->SendRaw(both);

  auto frame = client->ReadFrame();
  ASSERT_TRUE(frame.has_value()) << "connection closed";
  EXPECT_EQ(frame->correlation_id, 602) << "the acks=0 produce was answered";

  // The record was written all the same.
  const auto deadline = Clock::now() + 5s;
  while (EndOffset(*client, "fire-and-forget") < 1 && Clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(FetchValues(*client, "fire-and-forget", 0), std::vector<std::string>{"no answer"});
}

// Sends an acks=0 produce of `records` to `topic`, then an ApiVersions request, and expects the
// server to close the connection without answering either, while others keep working.
void ExpectAcksZeroErrorClosesConnection(uint16_t port, const std::string& topic,
                                         ByteView records) {
  RawWireClient healthy(port);
  ExpectApiVersionsAnswer(healthy, 2);
  RawWireClient client(port);
  ExpectApiVersionsAnswer(client, 2);
  Buffer both = testing::raw_wire::EncodeRequest(ApiKey::kProduce, 3, 701,
                                                 ProduceRequestFor(topic, records, 0));
  Buffer next =
      testing::raw_wire::EncodeRequest(ApiKey::kApiVersions, 2, 702, kafka::ApiVersionsRequest{});
  both.insert(both.end(), next.begin(), next.end());
  client.TrySendRaw(both);
  auto result = client.WaitForClose(5s);
  EXPECT_TRUE(result.closed) << "the connection stayed open: " << result.how;
  EXPECT_EQ(result.bytes_received, 0u) << "the server answered";
  ExpectApiVersionsAnswer(healthy, 2);
}

TEST_F(BadInputAcksZero, ProduceToAnUnknownTopicClosesTheConnection) {
  ExpectAcksZeroErrorClosesConnection(server_->port(), "no-such-topic", BatchOf({"lost"}));
}

TEST_F(BadInputAcksZero, CorruptBatchClosesTheConnection) {
  auto client = Connect();
  CreateTopic(*client, "acks0-corrupt");
  Buffer bad = BatchOf({"bad crc"});
  bad[storage::batch_field::kCrc] ^= 0x80;
  ExpectAcksZeroErrorClosesConnection(server_->port(), "acks0-corrupt", bad);
  EXPECT_EQ(EndOffset(*client, "acks0-corrupt"), 0);
}

TEST_F(BadInputAcksZero, BatchOverMaxMessageBytesClosesTheConnection) {
  auto client = Connect();
  CreateTopic(*client, "acks0-small", {{"max.message.bytes", "1000"}});
  ExpectAcksZeroErrorClosesConnection(server_->port(), "acks0-small",
                                      BatchOf({std::string(2000, 'x')}));
  EXPECT_EQ(EndOffset(*client, "acks0-small"), 0);
}

// ---- long-polling fetch ----

using BadInputFetch = BadInputTest;

TEST_F(BadInputFetch, EmptyPartitionAnswersEmptyAfterMaxWait) {
  auto client = Connect();
  CreateTopic(*client, "quiet");
  const auto start = Clock::now();
  auto reply =
      client->Call<kafka::FetchResponse>(ApiKey::kFetch, 4, FetchRequestFor("quiet", 0, 1000, 1));
  const int64_t elapsed = MillisSince(start);
  EXPECT_GE(elapsed, 900) << "answered before max_wait_ms";
  EXPECT_LE(elapsed, 3000) << "max_wait_ms not respected";
  EXPECT_EQ(reply.body.error_code, 0);
  ASSERT_EQ(reply.body.responses.size(), 1u);
  ASSERT_EQ(reply.body.responses[0].partitions.size(), 1u);
  const auto& p = reply.body.responses[0].partitions[0];
  EXPECT_EQ(p.error_code, 0);
  EXPECT_EQ(p.high_watermark, 0);
  EXPECT_TRUE(!p.records.bytes || p.records.bytes->empty())
      << p.records.bytes->size() << " bytes of records";
}

TEST_F(BadInputFetch, AppendFromAnotherConnectionWakesTheWait) {
  auto producer = Connect();
  CreateTopic(*producer, "wake");
  auto consumer = Connect();
  // A long max_wait, so an early answer can only come from the append.
  const auto start = Clock::now();
  int32_t id = consumer->Send(ApiKey::kFetch, 4, FetchRequestFor("wake", 0, 3000, 1));
  std::this_thread::sleep_for(150ms);
  auto produced = Produce(*producer, "wake", BatchOf({"wake up"}), 1);
  ASSERT_EQ(produced.error_code, 0);
  const auto appended = Clock::now();

  auto reply = consumer->Receive<kafka::FetchResponse>(ApiKey::kFetch, 4, id);
  const int64_t since_append = MillisSince(appended);
  const int64_t total = MillisSince(start);
  EXPECT_LT(since_append, 500) << "the append did not wake the fetch";
  EXPECT_LT(total, 1000) << "the fetch was not answered early";
  ASSERT_EQ(reply.body.responses.size(), 1u);
  ASSERT_EQ(reply.body.responses[0].partitions.size(), 1u);
  const auto& p = reply.body.responses[0].partitions[0];
  EXPECT_EQ(p.error_code, 0);
  EXPECT_EQ(p.high_watermark, 1);
  EXPECT_EQ(ValuesIn(p.records), std::vector<std::string>{"wake up"});
}

}  // namespace
}  // namespace herald
