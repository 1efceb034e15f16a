// Client quotas on a real `herald serve` (--producer-byte-rate, --consumer-byte-rate, measured
// over --quota-window-num windows of --quota-window-size-seconds): python3-confluent-kafka
// producing and consuming as fast as it can is held near the quota, is told so in the answers'
// throttle_time_ms (librdkafka's throttle callback), and loses nothing; the same client without a
// quota is not slowed. (That each principal has a meter of its own:
// tests/unit/broker/quotas_test.cc.)
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "testing/clients.h"
#include "testing/curl.h"
#include "testing/herald_process.h"
#include "testing/test_util.h"

namespace herald {
namespace {

using nlohmann::json;
using testing::PythonHas;

constexpr int kRecords = 1000;
constexpr int kRecordBytes = 1000;  // about 1 MB in all
constexpr int64_t kRate = 200'000;  // bytes per second

class QuotaTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (HasFailure() && server_) server_->PrintLogTail();
  }
  double Metric(const std::string& series) {
    return testing::MetricValue(server_->http_url(), series);
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::HeraldProcess> server_;
};

// About 1 MB at 200 kB/s, measured over two 1-second windows: the first window's worth passes at
// once, the rest at the quota or below, so each direction takes 4 s or more where it would take a
// fraction of a second unthrottled; throttle times reach the client, and every record arrives.
TEST_F(QuotaTest, ProducersAndConsumersAreHeldToTheirByteRates) {
  HERALD_REQUIRE_CLIENT(PythonHas("confluent_kafka"), "python3-confluent-kafka");
  server_ = std::make_unique<testing::HeraldProcess>(
      dir_.str() + "/data",
      std::vector<std::string>{"--producer-byte-rate", std::to_string(kRate),
                               "--consumer-byte-rate", std::to_string(kRate), "--quota-window-num",
                               "2", "--quota-window-size-seconds", "1",
                               "--group-initial-rebalance-delay-ms", "0"});
  json facts = testing::RunPythonClient(
      "quota_client.py",
      fmt::format("{} held {} {}", server_->bootstrap(), kRecords, kRecordBytes));
  ASSERT_FALSE(facts.is_null());
  EXPECT_EQ(facts["delivered"], kRecords);
  EXPECT_EQ(facts["undelivered"], 0);
  EXPECT_EQ(facts["consumed"], kRecords);
  const double bytes = double{kRecords} * kRecordBytes;
  // Not much faster than the quota allows after the first window: (bytes - rate) / rate seconds
  // (a few requests already read when the throttle starts still go through).
  const double least = (bytes - kRate) / kRate * 0.6;
  EXPECT_GE(facts["produce_seconds"].get<double>(), least) << facts.dump();
  EXPECT_GE(facts["consume_seconds"].get<double>(), least) << facts.dump();
  EXPECT_GT(facts["produce_throttles"].get<int>(), 0) << facts.dump();
  EXPECT_GT(facts["fetch_throttles"].get<int>(), 0) << facts.dump();
  EXPECT_GT(Metric(R"(quota_throttled_total{type="produce"})"), 0);
  EXPECT_GT(Metric(R"(quota_throttled_total{type="fetch"})"), 0);
  EXPECT_GT(Metric(R"(quota_throttle_seconds_total{type="produce"})"), 0);
}

// The same client without quotas: the throttled figures above are the quota's doing.
TEST_F(QuotaTest, WithoutQuotasNothingIsThrottled) {
  HERALD_REQUIRE_CLIENT(PythonHas("confluent_kafka"), "python3-confluent-kafka");
  server_ = std::make_unique<testing::HeraldProcess>(
      dir_.str() + "/data", std::vector<std::string>{"--group-initial-rebalance-delay-ms", "0"});
  json facts = testing::RunPythonClient(
      "quota_client.py",
      fmt::format("{} free {} {}", server_->bootstrap(), kRecords, kRecordBytes));
  ASSERT_FALSE(facts.is_null());
  EXPECT_EQ(facts["delivered"], kRecords);
  EXPECT_EQ(facts["consumed"], kRecords);
  EXPECT_EQ(facts["produce_throttles"], 0);
  EXPECT_EQ(facts["fetch_throttles"], 0);
  EXPECT_LE(Metric(R"(quota_throttled_total{type="produce"})"), 0) << "none, or never counted";
}

}  // namespace
}  // namespace herald
