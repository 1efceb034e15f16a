// The SDK's Publisher and Router over both transports: embedded (storage in-process) and Kafka
// (librdkafka against a real `herald serve`). Every case runs on each.
#include "herald/router.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "herald/errors.h"
#include "herald/publisher.h"
#include "testing/herald_process.h"
#include "testing/running_router.h"
#include "testing/test_util.h"

namespace herald::sdk {
namespace {

using namespace std::chrono_literals;

using testing::RunningRouter;

template <typename Pred>
bool WaitFor(Pred pred, std::chrono::milliseconds limit = 10s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

class SdkTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "kafka") {
      server_ = std::make_unique<testing::HeraldProcess>(
          dir_.str() + "/data", std::vector<std::string>{"--group-initial-rebalance-delay-ms", "0"});
    }
    Reopen();
  }

  // A new transport on the same data (embedded: the directory is reopened, as after a restart).
  void Reopen() {
    transport_.reset();
    if (GetParam() == "kafka") {
      KafkaOptions o;
      o.bootstrap = server_->bootstrap();
      transport_ = ConnectKafka(o);
    } else {
      transport_ = OpenEmbedded({.data_dir = dir_.str() + "/data"});
    }
  }

  // Everything in `topic` so far (a fresh group reads from the beginning).
  std::vector<Message> ReadAll(const std::string& topic, size_t expect) {
    auto session = transport_->Join("reader-" + NewUuid(), {topic});
    std::vector<Message> out;
    WaitFor([&] {
      for (auto& m : session->Poll(50ms, 1000)) out.push_back(std::move(m));
      return out.size() >= expect;
    });
    session->Close();
    return out;
  }

  RouterOptions Options(const std::string& group) {
    RouterOptions o;
    o.group = group;
    o.retry.initial_backoff = 1ms;
    o.retry.max_backoff = 5ms;
    o.poll_timeout = 20ms;
    return o;
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::HeraldProcess> server_;
  std::shared_ptr<Transport> transport_;
};

TEST_P(SdkTest, PublisherWritesACloudEventsEnvelope) {
  Publisher publisher(transport_, {.source = "/tests/orders"});
  Delivery d = publisher.Publish("orders", {.type = "order.placed", .key = "o-1",
                                            .data = R"({"total":42})"});
  EXPECT_EQ(d.position.topic, "orders");
  EXPECT_EQ(d.position.offset, 0);
  auto records = ReadAll("orders", 1);
  ASSERT_EQ(records.size(), 1u);
  const Message& m = records[0];
  EXPECT_EQ(m.key, "o-1");
  EXPECT_EQ(m.value, R"({"total":42})");
  EXPECT_EQ(m.Header("ce_specversion"), "1.0");
  EXPECT_EQ(m.Header("ce_id"), d.id);
  EXPECT_EQ(m.Header("ce_source"), "/tests/orders");
  EXPECT_EQ(m.Header("ce_type"), "order.placed");
  EXPECT_EQ(m.Header("content-type"), "application/json");
  EXPECT_EQ(m.Header("ce_correlationid"), d.id) << "a new conversation is its own correlation";
  ASSERT_TRUE(m.Header("ce_time").has_value());
  EXPECT_EQ(m.Header("ce_time")->size(), 24u);  // 2026-11-30T09:04:50.966Z
  ASSERT_TRUE(m.Header("traceparent").has_value());
  EXPECT_EQ(m.Header("traceparent")->size(), 55u);

  // The next event of the conversation.
  Event next = Event::CausedBy(m, "payment.captured", "{}");
  Delivery d2 = publisher.Publish("payments", std::move(next));
  auto payments = ReadAll("payments", 1);
  ASSERT_EQ(payments.size(), 1u);
  EXPECT_EQ(payments[0].Header("ce_causationid"), d.id);
  EXPECT_EQ(payments[0].Header("ce_correlationid"), d.id);
  EXPECT_EQ(payments[0].Header("traceparent")->substr(0, 35), m.Header("traceparent")->substr(0, 35))
      << "same trace id";
  EXPECT_NE(payments[0].Header("traceparent"), m.Header("traceparent")) << "a new span";
  EXPECT_NE(d2.id, d.id);
}

TEST_P(SdkTest, PublisherRefusesOversizedPayloadsAndBadTypes) {
  Publisher publisher(transport_, {.max_payload_bytes = 100});
  try {
    publisher.Publish("orders", {.type = "order.placed", .data = std::string(101, 'x')});
    FAIL() << "no exception";
  } catch (const PayloadTooLarge& e) {
    EXPECT_NE(std::string(e.what()).find("claim-check"), std::string::npos) << e.what();
  }
  EXPECT_THROW(publisher.Publish("orders", {.type = "OrderPlaced", .data = "{}"}), Error);
  EXPECT_THROW(publisher.Publish("orders", {.type = "order", .data = "{}"}), Error);
  EXPECT_NO_THROW(publisher.Publish("orders", {.type = "order.placed", .data = std::string(100, 'x')}));
}

TEST_P(SdkTest, PublishBatchAndAsync) {
  Publisher publisher(transport_);
  std::vector<Event> events;
  for (int i = 0; i < 10; ++i) events.push_back({.type = "item.added", .data = std::to_string(i)});
  auto deliveries = publisher.PublishBatch("items", std::move(events));
  ASSERT_EQ(deliveries.size(), 10u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(deliveries[static_cast<size_t>(i)].position.offset, i);
  auto future = publisher.PublishAsync("items", {.type = "item.added", .data = "10"});
  EXPECT_EQ(future.get().position.offset, 10);
}

TEST_P(SdkTest, ADuplicateMessageIsProcessedOnce) {
  Publisher publisher(transport_);
  publisher.Publish("orders", {.type = "order.placed", .data = "1", .id = "same-id"});
  publisher.Publish("orders", {.type = "order.placed", .data = "1", .id = "same-id"});
  publisher.Publish("orders", {.type = "order.placed", .data = "2", .id = "other-id"});
  std::atomic<int> handled{0};
  std::atomic<int> through{0};  // records that went all the way through the chain
  Router router(transport_, Options("billing"));
  router.Use([&](const Message& m, const Next& next) {
    HandlerResult r = next(m);
    ++through;
    return r;
  });
  router.Use(Deduplicate(InMemoryDedupStore::Create(1000)));
  router.Handle("orders", [&](const Message&) {
    ++handled;
    return HandlerResult::Success();
  });
  RunningRouter running(router);
  ASSERT_TRUE(WaitFor([&] { return through >= 3; }));  // the duplicate included
  running.StopAndJoin();
  EXPECT_EQ(handled, 2);
  EXPECT_EQ(through, 3);
}

TEST_P(SdkTest, ARecordFailingThreeTimesLandsInTheDlqWithEveryHeader) {
  Publisher publisher(transport_);
  Delivery d = publisher.Publish("orders", {.type = "order.placed", .key = "o-7", .data = "bad"});
  std::atomic<int> attempts{0};
  RouterOptions o = Options("billing");
  o.retry.max_attempts = 3;
  Router router(transport_, o);
  router.Handle("orders", [&](const Message&) -> HandlerResult {
    ++attempts;
    throw RetryableError("timeout", "the payment service timed out");
  });
  {
    RunningRouter running(router);
    auto dlq = ReadAll("orders.dlq", 1);
    ASSERT_EQ(dlq.size(), 1u);
    const Message& m = dlq[0];
    EXPECT_EQ(m.key, "o-7");
    EXPECT_EQ(m.value, "bad");
    EXPECT_EQ(m.Header("ce_id"), d.id) << "the record's own headers are kept";
    EXPECT_EQ(m.Header("herald_original_topic"), "orders");
    EXPECT_EQ(m.Header("herald_original_partition"), "0");
    EXPECT_EQ(m.Header("herald_original_offset"), "0");
    EXPECT_EQ(m.Header("herald_error_class"), "timeout");
    EXPECT_EQ(m.Header("herald_error_message"), "the payment service timed out");
    EXPECT_EQ(m.Header("herald_attempts"), "3");
    EXPECT_EQ(m.Header("herald_consumer_group"), "billing");
    ASSERT_TRUE(m.Header("herald_first_failure_ms").has_value());
    ASSERT_TRUE(m.Header("herald_last_failure_ms").has_value());
  }
  EXPECT_EQ(attempts, 3);
}

TEST_P(SdkTest, ANonRetryableErrorGoesToTheDlqOnTheFirstFailure) {
  Publisher publisher(transport_);
  publisher.Publish("orders", {.type = "order.placed", .data = "not json"});
  std::atomic<int> attempts{0};
  Router router(transport_, Options("billing"));
  router.Handle("orders", [&](const Message&) {
    ++attempts;
    return HandlerResult::Fail("validation", "the order is not JSON");
  });
  RunningRouter running(router);
  auto dlq = ReadAll("orders.dlq", 1);
  ASSERT_EQ(dlq.size(), 1u);
  EXPECT_EQ(dlq[0].Header("herald_error_class"), "validation");
  EXPECT_EQ(dlq[0].Header("herald_attempts"), "1");
  running.StopAndJoin();
  EXPECT_EQ(attempts, 1);
}

// With retry topics on, a poison record moves aside: records behind it on the same partition
// are handled at once, and the poison one reaches the DLQ after the retry ladder.
TEST_P(SdkTest, APoisonRecordDoesNotDelayOtherKeysWithRetryTopics) {
  Publisher publisher(transport_);
  publisher.Publish("orders", {.type = "order.placed", .key = "poison", .data = "x"});
  for (int i = 0; i < 20; ++i) {
    publisher.Publish("orders", {.type = "order.placed", .key = "good", .data = std::to_string(i)});
  }
  RouterOptions o = Options("billing");
  o.retry.max_attempts = 1;
  o.retry_topics.enabled = true;
  o.retry_topics.delays = {500ms, 500ms};
  Router router(transport_, o);
  std::mutex mu;
  std::vector<std::string> good;
  std::atomic<int> poison_attempts{0};
  size_t good_before_second_attempt = 0;
  const auto started = std::chrono::steady_clock::now();
  router.Handle("orders", [&](const Message& m) {
    if (m.key == "poison") {
      if (++poison_attempts == 2) {
        std::lock_guard lock(mu);
        good_before_second_attempt = good.size();
      }
      return HandlerResult::Retry("unavailable", "inventory is down");
    }
    std::lock_guard lock(mu);
    good.push_back(*m.value);
    return HandlerResult::Success();
  });
  RunningRouter running(router);
  auto dlq = ReadAll("orders.dlq", 1);
  ASSERT_EQ(dlq.size(), 1u);
  const auto dlq_at = std::chrono::steady_clock::now() - started;
  running.StopAndJoin();
  EXPECT_EQ(poison_attempts, 3);  // the first try, then .retry.1 and .retry.2
  EXPECT_EQ(dlq[0].Header("herald_attempts"), "3");
  EXPECT_EQ(dlq[0].Header("herald_original_topic"), "orders");
  std::lock_guard lock(mu);
  ASSERT_EQ(good.size(), 20u);
  EXPECT_EQ(good.front(), "0");
  EXPECT_EQ(good.back(), "19");
  EXPECT_EQ(good_before_second_attempt, 20u) << "the good records waited for the poison one";
  EXPECT_GE(dlq_at, std::chrono::milliseconds(1000)) << "the retry delays were not kept";
}

// While the breaker is open the record is paused, not failed: it is handled once the dependency
// is back, and nothing reaches the DLQ.
TEST_P(SdkTest, AnOpenBreakerPausesRecordsInsteadOfFailingThem) {
  Publisher(transport_).Publish("orders", {.type = "order.placed", .data = "1"});
  // The breaker's clock moves only when the test moves it: it stays open until then.
  std::atomic<std::chrono::steady_clock::time_point> breaker_now{std::chrono::steady_clock::now()};
  auto breaker = std::make_shared<CircuitBreaker>(
      CircuitBreaker::Options{.failure_threshold = 3,
                              .reset_timeout = 100ms,
                              .now = [&breaker_now] { return breaker_now.load(); }});
  std::atomic<bool> down{true};
  std::atomic<int> calls{0}, handled{0}, paused{0};
  RouterOptions o = Options("billing");
  o.retry.max_attempts = 50;
  Router router(transport_, o);
  router.Use([&](const Message& m, const Next& next) {
    HandlerResult r = next(m);
    if (r.kind == HandlerResult::Kind::kPaused) ++paused;
    return r;
  });
  router.Use(Guard(breaker));
  router.Handle("orders", [&](const Message&) {
    ++calls;
    if (down) throw RetryableError("unavailable", "payments are down");
    ++handled;
    return HandlerResult::Success();
  });
  RunningRouter running(router);
  ASSERT_TRUE(WaitFor([&] { return paused >= 2; }));  // offered twice to the open breaker
  EXPECT_EQ(calls, 3) << "calls went through an open breaker";
  down = false;
  breaker_now = breaker_now.load() + 100ms;  // the reset timeout: half-open, one trial
  ASSERT_TRUE(WaitFor([&] { return handled == 1; }));
  running.StopAndJoin();
  EXPECT_EQ(calls, 4);
  EXPECT_EQ(breaker->state(), CircuitBreaker::State::kClosed);
  auto session = transport_->Join("dlq-reader", {"orders.dlq"});
  EXPECT_TRUE(session->Poll(100ms, 10).empty());
}

// The waits the router takes between attempts stay within +-20% of the policy.
TEST_P(SdkTest, RetryWaitsFollowThePolicyWithinItsJitter) {
  std::vector<std::chrono::milliseconds> waits;
  RouterOptions o = Options("g");
  o.retry = RetryPolicy{};
  o.retry.max_attempts = 5;
  o.sleep = [&](std::chrono::milliseconds d) { waits.push_back(d); };
  Publisher(transport_).Publish("t", {.type = "thing.happened", .data = "x"});
  Router router(transport_, o);
  router.Handle("t", [](const Message&) { return HandlerResult::Retry("timeout", "slow"); });
  {
    RunningRouter running(router);
    ASSERT_EQ(ReadAll("t.dlq", 1).size(), 1u);
  }
  ASSERT_EQ(waits.size(), 4u);
  for (size_t i = 0; i < waits.size(); ++i) {
    const double policy = static_cast<double>(o.retry.BackoffAfter(static_cast<int>(i) + 1).count());
    EXPECT_GE(static_cast<double>(waits[i].count()), policy * 0.8 - 1) << i;
    EXPECT_LE(static_cast<double>(waits[i].count()), policy * 1.2 + 1) << i;
  }
}

// Stopping mid-stream and starting again handles every record at least once, and resumes after
// what was committed.
TEST_P(SdkTest, ShutdownLosesNothingAndResumesAfterTheCommit) {
  constexpr int kRecords = 300;
  std::vector<Event> events;
  for (int i = 0; i < kRecords; ++i) {
    events.push_back({.type = "order.placed", .key = std::to_string(i % 7), .data = std::to_string(i)});
  }
  Publisher(transport_).PublishBatch("orders", std::move(events));
  std::mutex mu;
  std::multiset<std::string> seen;
  auto handler = [&](const Message& m) {
    std::lock_guard lock(mu);
    seen.insert(*m.value);
    return HandlerResult::Success();
  };
  RouterOptions o = Options("billing");
  o.max_poll_records = 50;
  {
    // Slow enough that the stop comes mid-stream.
    Router first(transport_, o);
    first.Handle("orders", [&](const Message& m) {
      std::this_thread::sleep_for(2ms);
      return handler(m);
    });
    RunningRouter running(first);
    ASSERT_TRUE(WaitFor([&] {
      std::lock_guard lock(mu);
      return seen.size() >= 100;
    }));
  }
  size_t after_first = 0;
  {
    std::lock_guard lock(mu);
    after_first = seen.size();
  }
  ASSERT_LT(after_first, static_cast<size_t>(kRecords));
  // Reopen everything, as after a restart.
  Reopen();
  Router second(transport_, o);
  second.Handle("orders", handler);
  RunningRouter running(second);
  ASSERT_TRUE(WaitFor([&] {
    std::lock_guard lock(mu);
    std::set<std::string> distinct(seen.begin(), seen.end());
    return distinct.size() == kRecords;
  }));
  running.StopAndJoin();
  std::lock_guard lock(mu);
  // At most the batch in hand at the stop is handled twice.
  EXPECT_LE(seen.size(), kRecords + o.max_poll_records) << "first run handled " << after_first;
}

// The partitions of a batch are handled at once, on up to `concurrency` lanes, each partition's
// records one at a time and in order (so each key's are).
TEST_P(SdkTest, PartitionsRunConcurrentlyAndEachKeyStaysInOrder) {
  constexpr int kRecords = 400;
  transport_->EnsureTopic("orders", 4);
  std::vector<Event> events;
  for (int i = 0; i < kRecords; ++i) {
    events.push_back({.type = "order.placed", .key = std::to_string(i % 8),
                      .data = std::to_string(i)});
  }
  Publisher(transport_).PublishBatch("orders", std::move(events));
  std::mutex mu;
  std::map<std::string, std::vector<int>> by_key;
  std::atomic<int> in_flight{0};
  std::atomic<int> most_at_once{0};
  RouterOptions o = Options("billing");
  o.concurrency = 3;
  Router router(transport_, o);
  router.Handle("orders", [&](const Message& m) {
    const int now = ++in_flight;
    for (int seen = most_at_once; now > seen && !most_at_once.compare_exchange_weak(seen, now);) {
    }
    std::this_thread::sleep_for(200us);
    {
      std::lock_guard lock(mu);
      by_key[*m.key].push_back(std::stoi(*m.value));
    }
    --in_flight;
    return HandlerResult::Success();
  });
  RunningRouter running(router);
  ASSERT_TRUE(WaitFor([&] {
    std::lock_guard lock(mu);
    size_t n = 0;
    for (const auto& [key, values] : by_key) n += values.size();
    return n >= kRecords;
  }));
  running.StopAndJoin();
  std::lock_guard lock(mu);
  ASSERT_EQ(by_key.size(), 8u);
  for (const auto& [key, values] : by_key) {
    EXPECT_TRUE(std::is_sorted(values.begin(), values.end())) << key;
    EXPECT_EQ(values.size(), static_cast<size_t>(kRecords / 8)) << key;
  }
  EXPECT_GE(most_at_once.load(), 2);
  EXPECT_LE(most_at_once.load(), 3);
}

// A Stop that comes before the router's thread reaches Run still stops it; the router runs again
// afterwards.
TEST_P(SdkTest, AStopBeforeRunIsNotLost) {
  std::atomic<int> handled{0};
  Router router(transport_, Options("early"));
  router.Handle("orders", [&](const Message&) {
    ++handled;
    return HandlerResult::Success();
  });
  router.Stop();
  std::thread early([&] { router.Run(); });
  early.join();  // hangs here if the early Stop were lost
  Publisher(transport_).Publish("orders", {.type = "order.placed", .data = "1"});
  RunningRouter running(router);
  EXPECT_TRUE(WaitFor([&] { return handled == 1; }));
}

INSTANTIATE_TEST_SUITE_P(Transports, SdkTest, ::testing::Values("embedded", "kafka"),
                         [](const auto& transport) { return transport.param; });

}  // namespace
}  // namespace herald::sdk
