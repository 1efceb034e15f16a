// The SDK's circuit breaker on its own (the Router's behaviour over both transports is in
// tests/integration/sdk_router_test.cc).
#include <chrono>

#include <gtest/gtest.h>

#include "herald/router.h"

namespace herald::sdk {
namespace {

using namespace std::chrono_literals;

TEST(CircuitBreakerTest, OpensAfterTheThresholdAndHalfOpensAfterTheTimeout) {
  auto now = std::chrono::steady_clock::time_point{} + 1h;  // moved by hand
  CircuitBreaker breaker({.failure_threshold = 3,
                          .reset_timeout = 100ms,
                          .half_open_attempts = 1,
                          .now = [&now] { return now; }});
  EXPECT_EQ(breaker.state(), CircuitBreaker::State::kClosed);
  breaker.OnFailure();
  breaker.OnFailure();
  EXPECT_TRUE(breaker.Allow());
  breaker.OnFailure();
  EXPECT_EQ(breaker.state(), CircuitBreaker::State::kOpen);
  std::chrono::milliseconds retry_after{0};
  EXPECT_FALSE(breaker.Allow(&retry_after));
  EXPECT_EQ(retry_after, 100ms);
  now += 60ms;
  EXPECT_FALSE(breaker.Allow(&retry_after));
  EXPECT_EQ(retry_after, 40ms);
  EXPECT_EQ(breaker.state(), CircuitBreaker::State::kOpen);
  now += 40ms;  // the reset timeout, to the millisecond
  EXPECT_EQ(breaker.state(), CircuitBreaker::State::kHalfOpen);
  EXPECT_TRUE(breaker.Allow());   // the one trial
  EXPECT_FALSE(breaker.Allow());  // no second one meanwhile
  breaker.OnFailure();            // the trial failed: open again
  EXPECT_EQ(breaker.state(), CircuitBreaker::State::kOpen);
  now += 99ms;
  EXPECT_FALSE(breaker.Allow());
  now += 1ms;
  EXPECT_TRUE(breaker.Allow());
  breaker.OnSuccess();
  EXPECT_EQ(breaker.state(), CircuitBreaker::State::kClosed);
  EXPECT_TRUE(breaker.Allow());
}

TEST(InMemoryDedupStoreTest, AnIdIsSeenForItsTtlAndTheOldestIsDroppedPastCapacity) {
  auto now = std::chrono::steady_clock::time_point{} + 1h;
  auto store = InMemoryDedupStore::Create(2, [&now] { return now; });
  store->Record("a");
  now += 49ms;
  EXPECT_TRUE(store->Seen("a", 50ms));
  now += 1ms;
  EXPECT_FALSE(store->Seen("a", 50ms));
  EXPECT_TRUE(store->Seen("a", 1h));
  store->Record("a");  // recording again restarts its ttl
  EXPECT_TRUE(store->Seen("a", 50ms));
  now += 1ms;
  store->Record("b");
  now += 1ms;
  store->Record("c");  // past capacity 2: "a", the least recently recorded, goes
  EXPECT_FALSE(store->Seen("a", 1h));
  EXPECT_TRUE(store->Seen("b", 1h));
  EXPECT_TRUE(store->Seen("c", 1h));
}

TEST(RetryPolicyTest, BackoffGrowsByTheMultiplierUpToItsCap) {
  RetryPolicy p;
  EXPECT_EQ(p.BackoffAfter(1), 1000ms);
  EXPECT_EQ(p.BackoffAfter(2), 2000ms);
  EXPECT_EQ(p.BackoffAfter(3), 4000ms);
  EXPECT_EQ(p.BackoffAfter(10), 60000ms);
}

}  // namespace
}  // namespace herald::sdk
