// `herald dlq list|show|replay|purge` against a real `herald serve`: dead-lettered records with
// the Router's herald_* headers are put into `orders.dlq` with the client module, then read back
// through the command's JSON output and, for replay and purge, checked on the broker itself.
#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "client/kafka_client.h"
#include "testing/cli_test.h"
#include "testing/test_util.h"

namespace herald {
namespace {

using nlohmann::json;
using testing::NowMs;

std::optional<std::string> HeaderOf(const client::Message& m, const std::string& name) {
  for (const auto& [k, v] : m.headers) {
    if (k == name) return v;
  }
  return std::nullopt;
}

class DlqCliTest : public testing::CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    options_.bootstrap = server_->bootstrap();
    options_.request_timeout_ms = 10000;
    Ok("topic create orders --partitions 1");
    Ok("topic create orders.dlq --partitions 1");
    now_ = NowMs();
    // Three dead-lettered records: two timeouts (2 h ago and now) and a validation error 1 h ago.
    PutDlq("k0", "v0", "timeout", "took too long", now_ - 2 * 3600 * 1000, 10, {{"trace", "abc"}});
    PutDlq("k1", "v1", "validation", "bad amount", now_ - 3600 * 1000, 11, {});
    PutDlq("k2", "v2", "timeout", std::string(100, 'x') + "END", now_, 12, {});
  }

  void PutDlq(const std::string& key, const std::string& value, const std::string& error_class,
              const std::string& message, int64_t last_failure_ms, int64_t original_offset,
              std::vector<std::pair<std::string, std::string>> headers) {
    client::Record r;
    r.key = key;
    r.value = value;
    r.partition = 0;
    r.headers = std::move(headers);
    r.headers.insert(r.headers.end(),
                     {{"herald_original_topic", "orders"},
                      {"herald_original_partition", "0"},
                      {"herald_original_offset", std::to_string(original_offset)},
                      {"herald_error_class", error_class},
                      {"herald_error_message", message},
                      {"herald_attempts", "5"},
                      {"herald_first_failure_ms", std::to_string(last_failure_ms - 1000)},
                      {"herald_last_failure_ms", std::to_string(last_failure_ms)},
                      {"herald_consumer_group", "billing"}});
    auto producer = client::Producer::Create(options_, {});
    ASSERT_TRUE(producer.ok()) << producer.status().message();
    Status delivered = Status::Ok();
    bool reported = false;
    producer->set_delivery_handler([&](const client::DeliveryReport& d) {
      reported = true;
      delivered = d.status;
    });
    Status sent = producer->Send("orders.dlq", r);
    ASSERT_TRUE(sent.ok()) << sent.message();
    Status flushed = producer->Flush(10000);
    ASSERT_TRUE(flushed.ok()) << flushed.message();
    ASSERT_TRUE(reported);
    ASSERT_TRUE(delivered.ok()) << delivered.message();
  }

  client::Watermarks Marks(const std::string& topic) {
    auto admin = client::Admin::Create(options_);
    EXPECT_TRUE(admin.ok());
    if (!admin.ok()) return {};
    auto marks = admin->client().QueryWatermarks({{topic, 0, 0, {}}});
    EXPECT_TRUE(marks.ok()) << marks.status().message();
    return marks.ok() ? marks->front() : client::Watermarks{-1, -1};
  }

  // Every record of partition 0 of `topic`, reading until `count` arrived or 20 s passed.
  std::vector<client::Message> ReadAll(const std::string& topic, size_t count) {
    std::vector<client::Message> out;
    auto consumer = client::Consumer::Create(options_, {});
    EXPECT_TRUE(consumer.ok()) << consumer.status().message();
    if (!consumer.ok()) return out;
    Status assigned = consumer->Assign({{topic, 0, client::kOffsetBeginning, {}}});
    EXPECT_TRUE(assigned.ok()) << assigned.message();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (out.size() < count && std::chrono::steady_clock::now() < deadline) {
      auto event = consumer->Poll(100);
      if (!event.ok()) {
        ADD_FAILURE() << event.status().message();
        break;
      }
      if (event->kind == client::Consumer::Event::Kind::kMessage) out.push_back(event->message);
    }
    consumer->Close().IgnoreError();
    return out;
  }

  static std::vector<int64_t> Offsets(const json& list) {
    std::vector<int64_t> out;
    for (const auto& r : list["records"]) out.push_back(r["offset"].get<int64_t>());
    return out;
  }

  client::ClientOptions options_;
  int64_t now_ = 0;
};

TEST_F(DlqCliTest, ListShowsEveryRecordWithItsFailure) {
  json list = OkJson("dlq list orders --output json");
  ASSERT_EQ(list["records"].size(), 3u) << list;
  EXPECT_EQ(list["dlq"], "orders.dlq");
  const json& r = list["records"][2];
  EXPECT_EQ(r["partition"], 0);
  EXPECT_EQ(r["offset"], 2);
  EXPECT_EQ(r["original_topic"], "orders");
  EXPECT_EQ(r["original_partition"], 0);
  EXPECT_EQ(r["original_offset"], 12);
  EXPECT_EQ(r["error_class"], "timeout");
  EXPECT_EQ(r["attempts"], 5);
  EXPECT_EQ(r["last_failure_ms"], now_);
  EXPECT_EQ(r["consumer_group"], "billing");
  // Whole in JSON...
  EXPECT_EQ(r["error_message"], std::string(100, 'x') + "END");

  // ... cut in the table.
  std::string table = Ok("dlq list orders");
  EXPECT_NE(table.find("ERROR-CLASS"), std::string::npos) << table;
  EXPECT_NE(table.find("validation"), std::string::npos) << table;
  EXPECT_NE(table.find("bad amount"), std::string::npos) << table;
  EXPECT_NE(table.find("..."), std::string::npos) << table;
  EXPECT_EQ(table.find("END"), std::string::npos) << table;
}

TEST_F(DlqCliTest, ListFilters) {
  EXPECT_EQ(Offsets(OkJson("dlq list orders --error-class timeout --output json")),
            (std::vector<int64_t>{0, 2}));
  EXPECT_EQ(Offsets(OkJson("dlq list orders --error-class validation --output json")),
            (std::vector<int64_t>{1}));
  EXPECT_EQ(Offsets(OkJson("dlq list orders --error-class nope --output json")),
            (std::vector<int64_t>{}));
  EXPECT_EQ(Offsets(OkJson("dlq list orders --since 90m --output json")),
            (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(Offsets(OkJson("dlq list orders --until 30m --output json")),
            (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(Offsets(OkJson(fmt::format("dlq list orders --since {} --until {} --output json",
                                       now_ - 3600 * 1000, now_))),
            (std::vector<int64_t>{1}));
  EXPECT_EQ(Offsets(OkJson("dlq list orders --limit 2 --output json")),
            (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(Herald("dlq list orders --since yesterday-ish").exit_code, 2);
  // A topic without a DLQ.
  Ok("topic create plain");
  auto missing = Herald("dlq list plain");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("plain.dlq"), std::string::npos) << missing.err;
}

TEST_F(DlqCliTest, ShowPrintsOneRecordInFull) {
  json r = OkJson("dlq show orders --offset 0 --output json");
  EXPECT_EQ(r["topic"], "orders.dlq");
  EXPECT_EQ(r["offset"], 0);
  EXPECT_EQ(r["key"], "k0");
  EXPECT_EQ(r["value"], "v0");
  EXPECT_EQ(r["error_class"], "timeout");
  std::map<std::string, std::string> headers;
  for (const auto& h : r["headers"]) {
    headers[h["key"].get<std::string>()] = h["value"].get<std::string>();
  }
  EXPECT_EQ(headers.size(), 10u) << r;
  EXPECT_EQ(headers["trace"], "abc");
  EXPECT_EQ(headers["herald_error_message"], "took too long");
  EXPECT_EQ(headers["herald_original_offset"], "10");

  std::string text = Ok("dlq show orders --offset 1 --partition 0");
  EXPECT_NE(text.find("orders.dlq/0/1"), std::string::npos) << text;
  EXPECT_NE(text.find("k1"), std::string::npos) << text;
  EXPECT_NE(text.find("herald_error_class: validation"), std::string::npos) << text;
  EXPECT_NE(text.find("v1"), std::string::npos) << text;

  EXPECT_EQ(Herald("dlq show orders --offset 3").exit_code, 1);
  EXPECT_EQ(Herald("dlq show orders --offset 0 --partition 1").exit_code, 1);
  EXPECT_NE(Herald("dlq show orders").exit_code, 0);  // --offset is required
}

TEST_F(DlqCliTest, ReplayDryRunChangesNothing) {
  auto r = Herald("dlq replay orders --output json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("dry run"), std::string::npos) << r.err;
  json plan = json::parse(r.out);
  EXPECT_EQ(plan["executed"], false);
  ASSERT_EQ(plan["records"].size(), 3u) << plan;
  EXPECT_EQ(plan["records"][0]["to"], "orders");
  client::Watermarks orders = Marks("orders");
  EXPECT_EQ(orders.high, 0);
  client::Watermarks dlq = Marks("orders.dlq");
  EXPECT_EQ(dlq.low, 0);
  EXPECT_EQ(dlq.high, 3);
}

TEST_F(DlqCliTest, ReplayExecutePutsRecordsBackWithReplayHeaders) {
  const int64_t before = NowMs();
  json done = OkJson("dlq replay orders --error-class timeout --execute --output json");
  EXPECT_EQ(done["executed"], true);
  EXPECT_EQ(done["replayed"], 2);
  EXPECT_EQ(done["failed"], 0);

  std::vector<client::Message> back = ReadAll("orders", 2);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(Marks("orders").high, 2);  // no more than the two
  std::map<std::string, client::Message> by_key;
  for (const auto& m : back) by_key[m.key.value_or("")] = m;
  ASSERT_TRUE(by_key.contains("k0"));
  ASSERT_TRUE(by_key.contains("k2"));
  const client::Message& m0 = by_key["k0"];
  EXPECT_EQ(m0.value, "v0");
  EXPECT_EQ(HeaderOf(m0, "trace"), "abc");
  EXPECT_EQ(HeaderOf(m0, "herald_error_class"), "timeout");
  EXPECT_EQ(HeaderOf(m0, "herald_original_offset"), "10");
  EXPECT_EQ(HeaderOf(m0, "herald_replayed_from"), "orders.dlq/0/0");
  auto at = HeaderOf(m0, "herald_replayed_at");
  ASSERT_TRUE(at.has_value());
  EXPECT_GE(std::stoll(*at), before);
  EXPECT_LE(std::stoll(*at), NowMs());
  EXPECT_EQ(HeaderOf(by_key["k2"], "herald_replayed_from"), "orders.dlq/0/2");
  // Replay does not take records off the DLQ.
  EXPECT_EQ(Marks("orders.dlq").high, 3);

  // --offset and --to: one record to another topic; table output.
  Ok("topic create audit");
  std::string table = Ok("dlq replay orders --offset 1 --to audit --execute");
  EXPECT_NE(table.find("Replayed 1 of 1 record"), std::string::npos) << table;
  std::vector<client::Message> audit = ReadAll("audit", 1);
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].key, "k1");
  EXPECT_EQ(HeaderOf(audit[0], "herald_replayed_from"), "orders.dlq/0/1");
  EXPECT_EQ(Marks("orders").high, 2);
}

TEST_F(DlqCliTest, PurgeEmptiesTheDlq) {
  auto dry = Herald("dlq purge orders --output json");
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.err.find("dry run"), std::string::npos) << dry.err;
  EXPECT_EQ(json::parse(dry.out)["records"], 3);
  client::Watermarks unchanged = Marks("orders.dlq");
  EXPECT_EQ(unchanged.low, 0);
  EXPECT_EQ(unchanged.high, 3);

  json done = OkJson("dlq purge orders --execute --output json");
  EXPECT_EQ(done["executed"], true);
  EXPECT_EQ(done["records"], 3);
  ASSERT_EQ(done["partitions"].size(), 1u) << done;
  EXPECT_EQ(done["partitions"][0]["new_start_offset"], 3);
  client::Watermarks purged = Marks("orders.dlq");
  EXPECT_EQ(purged.low, 3);
  EXPECT_EQ(purged.high, 3);
  EXPECT_EQ(OkJson("dlq list orders --output json")["records"].size(), 0u);
  EXPECT_NE(Ok("dlq list orders").find("no dead-lettered records"), std::string::npos);
  // A later dead letter is listed again.
  PutDlq("k3", "v3", "timeout", "again", NowMs(), 13, {});
  EXPECT_EQ(Offsets(OkJson("dlq list orders --output json")), (std::vector<int64_t>{3}));
}

}  // namespace
}  // namespace herald
