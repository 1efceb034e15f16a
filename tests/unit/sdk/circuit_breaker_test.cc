// The SDK's circuit breaker on its own (the Router's behaviour over both transports is in
// tests/integration/sdk_router_test.cc).
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "herald/router.h"

namespace herald::sdk {
namespace {

using namespace std::chrono_literals;

TEST(CircuitBreakerTest, OpensAfterTheThresholdAndHalfOpensAfterTheTimeout) {
  CircuitBreaker breaker({.failure_threshold = 3, .reset_timeout = 100ms, .half_open_attempts = 1});
  EXPECT_EQ(breaker.state(), CircuitBreaker::State::kClosed);
  breaker.OnFailure();
  breaker.OnFailure();
  EXPECT_TRUE(breaker.Allow());
  breaker.OnFailure();
  EXPECT_EQ(breaker.state(), CircuitBreaker::State::kOpen);
  std::chrono::milliseconds retry_after{0};
  EXPECT_FALSE(breaker.Allow(&retry_after));
  EXPECT_GT(retry_after.count(), 0);
  EXPECT_LE(retry_after, 100ms);
  std::this_thread::sleep_for(110ms);
  EXPECT_EQ(breaker.state(), CircuitBreaker::State::kHalfOpen);
  EXPECT_TRUE(breaker.Allow());   // the one trial
  EXPECT_FALSE(breaker.Allow());  // no second one meanwhile
  breaker.OnFailure();            // the trial failed: open again
  EXPECT_EQ(breaker.state(), CircuitBreaker::State::kOpen);
  std::this_thread::sleep_for(110ms);
  EXPECT_TRUE(breaker.Allow());
  breaker.OnSuccess();
  EXPECT_EQ(breaker.state(), CircuitBreaker::State::kClosed);
  EXPECT_TRUE(breaker.Allow());
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
