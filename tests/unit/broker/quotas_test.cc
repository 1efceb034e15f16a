#include "broker/quotas.h"

#include <gtest/gtest.h>

namespace herald::broker {
namespace {

QuotaOptions Options(int64_t produce, int64_t fetch) {
  QuotaOptions o;
  o.producer_byte_rate = produce;
  o.consumer_byte_rate = fetch;
  return o;  // 11 windows of 1 s
}

TEST(ClientQuotasTest, WithoutAQuotaNothingIsThrottled) {
  ManualClock clock;
  ClientQuotas quotas(Options(0, 0), clock);
  EXPECT_EQ(quotas.Record(QuotaType::kProduce, "User:a", int64_t{1} << 40), 0);
  EXPECT_EQ(quotas.Record(QuotaType::kFetch, "User:a", int64_t{1} << 40), 0);
  EXPECT_EQ(quotas.MaxBytesPerResponse(QuotaType::kFetch), INT64_MAX);
}

TEST(ClientQuotasTest, ARateAboveTheQuotaWaitsUntilItIsBackAtTheQuota) {
  ManualClock clock;
  ClientQuotas quotas(Options(1000, 0), clock);
  // The span is at least 10 windows: 5000 bytes at once is 500 B/s.
  EXPECT_EQ(quotas.Record(QuotaType::kProduce, "User:a", 5000), 0);
  // 11000 bytes over 10 s is 1100 B/s: 10% over, for 10 s, is 1 s of waiting.
  EXPECT_EQ(quotas.Record(QuotaType::kProduce, "User:a", 6000), 1000);
  // Another principal has its own meter; fetching its own quota (none here).
  EXPECT_EQ(quotas.Record(QuotaType::kProduce, "User:b", 6000), 0);
  EXPECT_EQ(quotas.Record(QuotaType::kFetch, "User:a", 1 << 30), 0);
  // Once every window is obsolete, the rate starts again.
  clock.AdvanceMs(11'001);
  EXPECT_EQ(quotas.Record(QuotaType::kProduce, "User:a", 100), 0);
}

TEST(ClientQuotasTest, SteadyProducingBelowTheQuotaIsNotThrottled) {
  ManualClock clock;
  ClientQuotas quotas(Options(1000, 0), clock);
  for (int i = 0; i < 100; ++i) {  // 800 B/s
    EXPECT_EQ(quotas.Record(QuotaType::kProduce, "User:a", 400), 0) << i;
    clock.AdvanceMs(500);
  }
  // Twice the quota for long enough is throttled.
  int64_t throttled = 0;
  for (int i = 0; i < 40; ++i) {
    throttled = std::max(throttled, quotas.Record(QuotaType::kProduce, "User:a", 1000));
    clock.AdvanceMs(500);
  }
  EXPECT_GT(throttled, 0);
}

TEST(ClientQuotasTest, ThrottlesAreCappedAndUnrecordTakesBytesBack) {
  ManualClock clock;
  ClientQuotas quotas(Options(0, 1000), clock);
  EXPECT_EQ(quotas.MaxBytesPerResponse(QuotaType::kFetch), 10'000);
  // However far over, no wait is longer than the measured span.
  const int64_t huge = quotas.Record(QuotaType::kFetch, "User:a", int64_t{1} << 40);
  EXPECT_EQ(huge, 11'000);
  quotas.Unrecord(QuotaType::kFetch, "User:a", int64_t{1} << 40);
  EXPECT_EQ(quotas.Record(QuotaType::kFetch, "User:a", 100), 0);
}

}  // namespace
}  // namespace herald::broker
