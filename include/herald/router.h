// Router: runs handlers per topic inside a consumer group, reliably.
//
//   herald::sdk::Router router(transport, {.group = "billing"});
//   router.Use(herald::sdk::Deduplicate(herald::sdk::InMemoryDedupStore::Create(100000)));
//   router.Handle("orders", [&](const herald::sdk::Message& m) {
//     charge(m);                       // may throw RetryableError / NonRetryableError
//     return herald::sdk::HandlerResult::Success();
//   });
//   router.Run();                      // until Stop()
//
// Delivery is at least once: a batch's offsets are committed after its handlers finished (without
// waiting for the commit, so the next batch is not held up by it; Run waits for the last ones
// before it returns).
//
// With a transactional id, consume-transform-produce is exactly once: each batch is one
// transaction holding what the handlers publish through Output(), the records moved to retry and
// dead-letter topics, and the batch's input offsets. A process that dies mid-batch handles the
// batch again after it restarts, and read_committed consumers never see what the lost attempt
// published (side effects outside Output() still happen again: deduplicate those).
// Records of one partition are handled in order, one at a time (so per-key order holds); the
// partitions of a batch are handled concurrently, on up to `concurrency` threads.
//
// A failing record is tried again in place with exponential backoff and jitter (RetryPolicy)
// while the failure is retryable. Then, with retry topics on, it moves to `<topic>.retry.1`,
// `.retry.2`, ... (each redelivered after its delay, so one poison record never stalls its
// partition), and at last to the dead-letter topic `<topic>.dlq`, with the failure in headers:
//   herald_original_topic, herald_original_partition, herald_original_offset, herald_error_class,
//   herald_error_message, herald_attempts, herald_first_failure_ms, herald_last_failure_ms,
//   herald_consumer_group (key, value and the record's own headers are kept).
// A non-retryable failure goes to the dead-letter topic at once. A record paused by a circuit
// breaker (Guard) stays where it is: its topic is paused and the record offered again later.
//
// Metrics (Prometheus, in-process registry): messages_consumed_total{topic,consumer_group,status},
// message_processing_duration_seconds, dlq_messages_total{topic,error_type}. Log events:
// message_consumed, message_acked, message_nacked (debug), message_dlq (warn).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "herald/message.h"
#include "herald/retry.h"
#include "herald/publisher.h"
#include "herald/transport.h"

namespace herald::sdk {

// What a handler (or middleware) says about one record.
struct HandlerResult {
  enum class Kind { kSuccess, kRetryable, kNonRetryable, kSkipped, kPaused };
  Kind kind = Kind::kSuccess;
  std::string error_class;  // e.g. "timeout", "validation"
  std::string message;
  std::chrono::milliseconds retry_after{0};  // kPaused: when to offer the record again

  static HandlerResult Success() { return {}; }
  // Already handled (a duplicate): acknowledged, the handler not called.
  static HandlerResult Skipped() { return {Kind::kSkipped, {}, {}}; }
  static HandlerResult Retry(std::string error_class, std::string message) {
    return {Kind::kRetryable, std::move(error_class), std::move(message)};
  }
  static HandlerResult Fail(std::string error_class, std::string message) {
    return {Kind::kNonRetryable, std::move(error_class), std::move(message)};
  }
  // Not handled now, not failed either (an open circuit breaker): the router pauses the topic
  // and offers the record again after `retry_after`.
  static HandlerResult Paused(std::chrono::milliseconds retry_after) {
    return {Kind::kPaused, "circuit_open", "circuit breaker open", retry_after};
  }
  bool ok() const { return kind == Kind::kSuccess || kind == Kind::kSkipped; }
};

// A handler returns a result or throws: RetryableError and NonRetryableError say which; any other
// exception counts as retryable (class "exception").
using Handler = std::function<HandlerResult(const Message&)>;
using Next = std::function<HandlerResult(const Message&)>;
// Wraps the rest of the chain: call `next` to go on, or answer without it.
using Middleware = std::function<HandlerResult(const Message&, const Next& next)>;

struct RetryTopicOptions {
  bool enabled = false;
  // One retry topic per delay: <topic>.retry.1 waits delays[0], and so on.
  std::vector<std::chrono::milliseconds> delays{std::chrono::seconds(1), std::chrono::seconds(10),
                                                std::chrono::seconds(60)};
};

struct RouterOptions {
  std::string group;
  RetryPolicy retry;
  RetryTopicOptions retry_topics;
  bool dead_letter = true;  // false: a record that exhausted its tries is logged and skipped
  int concurrency = 4;      // partitions handled at once
  size_t max_poll_records = 500;
  std::chrono::milliseconds poll_timeout{100};
  // How the router waits between in-place retries (tests pass a fake clock's sleep).
  std::function<void(std::chrono::milliseconds)> sleep;
  // Non-empty: exactly once (above). One id per running instance of the router, kept across its
  // restarts (a restarted instance fences the one it replaces).
  std::string transactional_id;
  std::chrono::milliseconds transaction_timeout{60'000};
};

class Router {
 public:
  Router(std::shared_ptr<Transport> transport, RouterOptions options);
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // Registers the handler of `topic` (before Run).
  Router& Handle(const std::string& topic, Handler handler);
  // Adds a middleware around every handler; the first added is the outermost. Middlewares and
  // handlers are called from up to `concurrency` threads at once (one per partition being
  // handled), so what they share must be thread-safe.
  Router& Use(Middleware middleware);

  // Joins the group and handles records until Stop(): finishes the batch in hand, commits it,
  // leaves the group. Throws Error when the transport fails.
  void Run();
  // Where handlers publish what a record leads to (with PublisherOptions' defaults): with a
  // transactional id, into the batch's transaction (Run commits once every event published is
  // written); without one, straight to the transport. Without a transactional id, any thread;
  // with one, only from the handlers while Run runs (an event published elsewhere would belong
  // to no batch's transaction).
  Publisher& Output();

  // Asks the running Run to return, or the next one when none is running yet (a Stop that wins
  // the race with a starting Run is not lost). Any thread, any time. A router that has returned
  // from Run can Run again.
  void Stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// ---- Middleware ----------------------------------------------------------------------------

// Where the circuit breaker and the in-memory dedup store read the time: a function returning
// now. Left empty, they use std::chrono::steady_clock; a test passes a clock it moves by hand.
using SteadyNow = std::function<std::chrono::steady_clock::time_point()>;

// Remembers which message ids were handled, for a while.
class DedupStore {
 public:
  virtual ~DedupStore() = default;
  // True when `id` was recorded less than `ttl` ago.
  virtual bool Seen(const std::string& id, std::chrono::milliseconds ttl) = 0;
  virtual void Record(const std::string& id) = 0;
};

// The most recent `capacity` ids in memory (least recently recorded dropped first).
class InMemoryDedupStore : public DedupStore {
 public:
  static std::shared_ptr<InMemoryDedupStore> Create(size_t capacity, SteadyNow now = {});
  bool Seen(const std::string& id, std::chrono::milliseconds ttl) override;
  void Record(const std::string& id) override;

 private:
  InMemoryDedupStore(size_t capacity, SteadyNow now) : capacity_(capacity), now_(std::move(now)) {}
  using Clock = std::chrono::steady_clock;
  const size_t capacity_;
  const SteadyNow now_;
  std::mutex mu_;
  std::map<std::string, Clock::time_point> recorded_;      // GUARDED_BY(mu_)
  std::multimap<Clock::time_point, std::string> by_time_;  // GUARDED_BY(mu_)
};

// A circuit breaker around a handler or a dependency. Closed: calls pass; `failure_threshold`
// failures in a row open it. Open: calls are refused for `reset_timeout`; then half-open:
// `half_open_attempts` trial calls pass, and a success closes it while a failure opens it again.
// Thread-safe.
class CircuitBreaker {
 public:
  enum class State { kClosed, kOpen, kHalfOpen };
  struct Options {
    int failure_threshold = 10;
    std::chrono::milliseconds reset_timeout{60000};
    int half_open_attempts = 1;
    SteadyNow now;  // the clock (steady_clock when empty)
  };
  using Clock = std::chrono::steady_clock;

  explicit CircuitBreaker(Options options) : options_(std::move(options)) {}
  // Whether a call may go ahead now; when not, how long until it may.
  bool Allow(std::chrono::milliseconds* retry_after = nullptr);
  void OnSuccess();
  void OnFailure();
  State state();

 private:
  void AdvanceLocked(Clock::time_point now);
  Clock::time_point Now() const { return options_.now ? options_.now() : Clock::now(); }
  const Options options_;
  std::mutex mu_;
  State state_ = State::kClosed;     // GUARDED_BY(mu_)
  int failures_ = 0;                 // GUARDED_BY(mu_)
  int trials_ = 0;                   // GUARDED_BY(mu_): half-open calls let through
  Clock::time_point opened_at_{};    // GUARDED_BY(mu_)
};

// Guards the rest of the chain with `breaker`: while it is open, records are paused (offered
// again when it half-opens), not failed; retryable failures count against it.
Middleware Guard(std::shared_ptr<CircuitBreaker> breaker);

// The idempotent consumer: a record whose id (header ce_id, else topic-partition-offset) was
// handled within `ttl` is acknowledged and skipped; the handler never sees it.
Middleware Deduplicate(std::shared_ptr<DedupStore> store,
                       std::chrono::milliseconds ttl = std::chrono::hours(24));

}  // namespace herald::sdk
