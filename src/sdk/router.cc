#include "herald/router.h"

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <deque>
#include <future>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/metrics.h"
#include "base/mutex.h"
#include "herald/errors.h"
#include "herald/transactional_producer.h"

namespace herald::sdk {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

// Header names of a record's failure history.
constexpr const char* kOriginalTopic = "herald_original_topic";
constexpr const char* kOriginalPartition = "herald_original_partition";
constexpr const char* kOriginalOffset = "herald_original_offset";
constexpr const char* kErrorClass = "herald_error_class";
constexpr const char* kErrorMessage = "herald_error_message";
constexpr const char* kAttempts = "herald_attempts";
constexpr const char* kFirstFailure = "herald_first_failure_ms";
constexpr const char* kLastFailure = "herald_last_failure_ms";
constexpr const char* kGroup = "herald_consumer_group";
constexpr const char* kDue = "herald_due_ms";

int64_t HeaderInt(const Message& m, std::string_view name, int64_t fallback) {
  auto text = m.Header(name);
  if (!text) return fallback;
  int64_t v = fallback;
  std::from_chars(text->data(), text->data() + text->size(), v);
  return v;
}

// "orders.retry.2" -> ("orders", 2); anything else -> (topic, 0).
std::pair<std::string_view, int> SplitRetryTopic(std::string_view topic) {
  constexpr std::string_view kMarker = ".retry.";
  size_t at = topic.rfind(kMarker);
  if (at == std::string_view::npos) return {topic, 0};
  int level = 0;
  const char* begin = topic.data() + at + kMarker.size();
  auto [end, ec] = std::from_chars(begin, topic.data() + topic.size(), level);
  if (ec != std::errc() || end != topic.data() + topic.size() || level < 1) return {topic, 0};
  return {topic.substr(0, at), level};
}

Counter& Consumed(const std::string& topic, const std::string& group, const char* status) {
  // Shared with the broker (status="committed"); registered with the same help text.
  static CounterFamily& family = MetricsRegistry::Global().AddCounter(
      "messages_consumed_total", "Records consumed: committed by groups, or handled by the SDK.",
      {"topic", "consumer_group", "status"});
  return family.WithLabels({topic, group, status});
}

Histogram& ProcessingDuration() {
  static Histogram& histogram =
      MetricsRegistry::Global()
          .AddHistogram("message_processing_duration_seconds",
                        "Time a handler took for one record, retries in place included.", {},
                        {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10})
          .WithLabels();
  return histogram;
}

Counter& DeadLettered(const std::string& topic, const std::string& error_class) {
  static CounterFamily& family = MetricsRegistry::Global().AddCounter(
      "dlq_messages_total", "Records sent to a dead-letter topic.", {"topic", "error_type"});
  return family.WithLabels({topic, error_class});
}

// Threads for lanes 1..n-1 of each round of a router's Run, started once (not per batch); the
// calling thread runs lane 0.
class LanePool {
 public:
  explicit LanePool(size_t lanes) {
    try {
      for (size_t lane = 1; lane < lanes; ++lane) {
        threads_.emplace_back([this, lane] { Serve(lane); });
      }
    } catch (...) {
      StopThreads();
      throw;
    }
  }
  ~LanePool() { StopThreads(); }
  LanePool(const LanePool&) = delete;
  LanePool& operator=(const LanePool&) = delete;

  // Runs fn(0) .. fn(lanes - 1) at once (lanes at most the pool's) and returns when all have
  // returned; rethrows the first exception one threw.
  void Run(size_t lanes, const std::function<void(size_t)>& fn) {
    lanes = std::min(lanes, threads_.size() + 1);
    if (lanes <= 1) {
      if (lanes == 1) fn(0);
      return;
    }
    {
      MutexLock lock(mu_);
      fn_ = &fn;
      lanes_ = lanes;
      running_ = lanes - 1;
      error_ = nullptr;
      ++round_;
    }
    start_.NotifyAll();
    std::exception_ptr mine;
    try {
      fn(0);
    } catch (...) {
      mine = std::current_exception();
    }
    MutexLock lock(mu_);
    while (running_ != 0) finished_.Wait(mu_);
    if (mine) std::rethrow_exception(mine);
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void StopThreads() {
    {
      MutexLock lock(mu_);
      stop_ = true;
    }
    start_.NotifyAll();
    for (auto& t : threads_) t.join();
  }

  void Serve(size_t lane) {
    uint64_t seen = 0;
    MutexLock lock(mu_);
    for (;;) {
      while (!stop_ && round_ == seen) start_.Wait(mu_);
      if (stop_) return;
      seen = round_;
      if (lane >= lanes_) continue;
      const std::function<void(size_t)>& fn = *fn_;
      lock.Unlock();
      std::exception_ptr error;
      try {
        fn(lane);
      } catch (...) {
        error = std::current_exception();
      }
      lock.Lock();
      if (error && !error_) error_ = error;
      if (--running_ == 0) finished_.NotifyOne();
    }
  }

  Mutex mu_;
  CondVar start_;
  CondVar finished_;
  const std::function<void(size_t)>* fn_ GUARDED_BY(mu_) = nullptr;
  size_t lanes_ GUARDED_BY(mu_) = 0;  // of this round
  size_t running_ GUARDED_BY(mu_) = 0;  // lanes 1.. not done
  uint64_t round_ GUARDED_BY(mu_) = 0;
  std::exception_ptr error_ GUARDED_BY(mu_);
  bool stop_ GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace

struct Router::Impl {
  std::shared_ptr<Transport> transport;
  RouterOptions options;
  // With a transactional id, while Run runs: the batches' transactions.
  std::unique_ptr<TransactionalProducer> txn;
  std::unique_ptr<Publisher> output;  // sends through Send
  std::map<std::string, Handler> handlers;
  std::vector<Middleware> middlewares;
  std::atomic<bool> stop{false};
  // Retry-topic records not yet due, per partition, in offset order.
  std::map<std::pair<std::string, int32_t>, std::deque<Message>> deferred;

  // What a handled topic needs per record, made once when Run starts, so that handling a record
  // neither builds the middleware chain nor looks its counters up.
  struct Route {
    Next chain;  // the middlewares around the handler, exceptions classified
    Counter* success = nullptr;
    Counter* skipped = nullptr;
    Counter* retry = nullptr;
    Counter* dlq = nullptr;
    Counter* failed = nullptr;
  };
  std::map<std::string, Route, std::less<>> routes;

  Route MakeRoute(const std::string& topic, const Handler& handler) const {
    Route route;
    route.chain = [handler](const Message& msg) -> HandlerResult {
      try {
        return handler(msg);
      } catch (const RetryableError& e) {
        return HandlerResult::Retry(e.error_class(), e.what());
      } catch (const NonRetryableError& e) {
        return HandlerResult::Fail(e.error_class(), e.what());
      } catch (const std::exception& e) {
        return HandlerResult::Retry("exception", e.what());
      }
    };
    for (auto it = middlewares.rbegin(); it != middlewares.rend(); ++it) {
      route.chain = [mw = *it, next = std::move(route.chain)](const Message& msg) {
        return mw(msg, next);
      };
    }
    route.success = &Consumed(topic, options.group, "success");
    route.skipped = &Consumed(topic, options.group, "skipped");
    route.retry = &Consumed(topic, options.group, "retry");
    route.dlq = &Consumed(topic, options.group, "dlq");
    route.failed = &Consumed(topic, options.group, "failed");
    return route;
  }

  void Sleep(milliseconds d) const {
    if (options.sleep) {
      options.sleep(d);
    } else {
      std::this_thread::sleep_for(d);
    }
  }

  // Appends `records` into the batch's transaction when there is one, else through the transport.
  void Send(std::vector<OutgoingRecord> records,
            std::function<void(std::vector<SendResult>)> done) const {
    if (txn) {
      txn->Send(std::move(records), std::move(done));
    } else {
      transport->Send(std::move(records), std::move(done));
    }
  }

  // Appends `record` and waits until it is durable; throws Error when it is not, except inside a
  // transaction, which a failed record aborts at Commit (TransactionAborted): the batch is then
  // handled again instead of ending Run.
  void SendDurably(OutgoingRecord record) const {
    std::promise<std::vector<SendResult>> done;
    std::vector<OutgoingRecord> records;
    records.push_back(std::move(record));
    Send(std::move(records), [&done](std::vector<SendResult> r) { done.set_value(std::move(r)); });
    auto results = done.get_future().get();
    if (!results.front().ok() && txn) {
      LogWarn("send_failed",
              {{"topic", results.front().position.topic}, {"consumer_group", options.group}},
              fmt::format("{}; the batch's transaction will be aborted and the batch handled again",
                          results.front().error));
    } else if (!results.front().ok()) {
      throw Error(fmt::format("sending to {}: {}", results.front().position.topic,
                              results.front().error));
    }
  }

  // `m` (from `base`'s topic or one of its retry topics) with its failure recorded, bound for
  // `topic`.
  OutgoingRecord FailedRecord(const Message& m, const std::string& base, const std::string& topic,
                              const HandlerResult& failure, int64_t attempts) const {
    OutgoingRecord r;
    r.topic = topic;
    r.key = m.key;
    r.value = m.value;
    const bool first = !m.Header(kOriginalTopic).has_value();
    const int64_t now = Clock::System().NowMs();
    for (const auto& h : m.headers) {
      if (!h.first.starts_with("herald_")) r.headers.push_back(h);
    }
    r.headers.emplace_back(kOriginalTopic, first ? base : std::string(*m.Header(kOriginalTopic)));
    r.headers.emplace_back(kOriginalPartition, first ? std::to_string(m.partition)
                                                     : std::string(*m.Header(kOriginalPartition)));
    r.headers.emplace_back(kOriginalOffset, first ? std::to_string(m.offset)
                                                  : std::string(*m.Header(kOriginalOffset)));
    r.headers.emplace_back(kErrorClass, failure.error_class);
    r.headers.emplace_back(kErrorMessage, failure.message);
    r.headers.emplace_back(kAttempts, std::to_string(attempts));
    r.headers.emplace_back(kFirstFailure, std::to_string(HeaderInt(m, kFirstFailure, now)));
    r.headers.emplace_back(kLastFailure, std::to_string(now));
    r.headers.emplace_back(kGroup, options.group);
    return r;
  }

  // Handles one record completely: in-place retries, then the next retry topic or the
  // dead-letter topic. Returns once the record is done with (so its offset may be committed),
  // or kPaused when it must be offered again later.
  HandlerResult Process(const Message& m) {
    const auto [base_view, level] = SplitRetryTopic(m.topic);
    auto found = routes.find(base_view);
    if (found == routes.end()) return HandlerResult::Success();  // nobody handles it
    const std::string& base = found->first;
    const Route& route = found->second;
    const auto started = SteadyClock::now();
    if (LogEnabled(LogLevel::kDebug)) {
      LogDebug("message_consumed", {{"topic", m.topic},
                                    {"partition", m.partition},
                                    {"offset", m.offset},
                                    {"consumer_group", options.group}});
    }
    HandlerResult result;
    int attempts = 0;
    for (;;) {
      ++attempts;
      result = route.chain(m);
      if (result.kind == HandlerResult::Kind::kPaused) return result;
      if (result.kind != HandlerResult::Kind::kRetryable || attempts >= options.retry.max_attempts ||
          stop) {
        break;
      }
      if (LogEnabled(LogLevel::kDebug)) {
        LogDebug("message_nacked", {{"topic", m.topic},
                                    {"partition", m.partition},
                                    {"offset", m.offset},
                                    {"attempt", attempts},
                                    {"error_class", result.error_class}},
                 result.message);
      }
      Sleep(options.retry.JitteredBackoffAfter(attempts));
    }
    ProcessingDuration().Observe(
        std::chrono::duration<double>(SteadyClock::now() - started).count());
    if (result.ok()) {
      (result.kind == HandlerResult::Kind::kSkipped ? route.skipped : route.success)->Inc();
      if (LogEnabled(LogLevel::kDebug)) {
        LogDebug("message_acked", {{"topic", m.topic},
                                   {"partition", m.partition},
                                   {"offset", m.offset},
                                   {"consumer_group", options.group}});
      }
      return result;
    }
    const int64_t total_attempts = HeaderInt(m, kAttempts, 0) + attempts;
    const bool retryable = result.kind == HandlerResult::Kind::kRetryable;
    const auto& delays = options.retry_topics.delays;
    if (retryable && options.retry_topics.enabled && level < static_cast<int>(delays.size())) {
      OutgoingRecord next =
          FailedRecord(m, base, fmt::format("{}.retry.{}", base, level + 1), result, total_attempts);
      next.headers.emplace_back(kDue, std::to_string(Clock::System().NowMs() +
                                                     delays[static_cast<size_t>(level)].count()));
      SendDurably(std::move(next));
      route.retry->Inc();
      return result;
    }
    if (!options.dead_letter) {
      route.failed->Inc();
      LogWarn("message_dropped",
              {{"topic", m.topic}, {"partition", m.partition}, {"offset", m.offset},
               {"error_class", result.error_class}, {"consumer_group", options.group}},
              result.message);
      return result;
    }
    SendDurably(FailedRecord(m, base, base + ".dlq", result, total_attempts));
    route.dlq->Inc();
    DeadLettered(base, result.error_class).Inc();
    LogWarn("message_dlq",
            {{"topic", m.topic}, {"partition", m.partition}, {"offset", m.offset},
             {"error_class", result.error_class}, {"attempts", total_attempts},
             {"consumer_group", options.group}},
            result.message);
    return result;
  }

  // Handles the records of one partition in order. For a retry topic, records not yet due wait
  // in `deferred` (so their partition's commit stops before them). Returns the next offset to
  // commit, or -1 when nothing moved.
  // A record that comes back paused stays at the head of its queue and its topic is paused
  // (see PauseTopic).
  int64_t ProcessPartition(const std::string& topic, std::deque<Message>& queue) {
    int64_t next = -1;
    const bool retry = SplitRetryTopic(topic).second > 0;
    while (!queue.empty() && !stop && !TopicPaused(topic)) {
      const Message& m = queue.front();
      if (retry && HeaderInt(m, kDue, 0) > Clock::System().NowMs()) break;
      HandlerResult r = Process(m);
      if (r.kind == HandlerResult::Kind::kPaused) {
        PauseTopic(topic, r.retry_after);
        break;
      }
      next = m.offset + 1;
      queue.pop_front();
    }
    return next;
  }

  // ---- topics paused by an open circuit breaker ----
  Mutex paused_mu;
  std::map<std::string, SteadyClock::time_point> paused_until GUARDED_BY(paused_mu);
  std::atomic<bool> any_paused{false};  // !paused_until.empty(), read without the lock

  bool TopicPaused(const std::string& topic) {
    if (!any_paused.load(std::memory_order_acquire)) return false;
    MutexLock lock(paused_mu);
    return paused_until.contains(topic);
  }
  void PauseTopic(const std::string& topic, milliseconds retry_after) {
    MutexLock lock(paused_mu);
    paused_until[topic] = SteadyClock::now() + std::max(retry_after, milliseconds(1));
    any_paused.store(true, std::memory_order_release);
  }
  // Pauses newly paused topics in `session` and resumes those whose time came.
  void ApplyPauses(GroupSession& session, std::set<std::string>& session_paused) {
    MutexLock lock(paused_mu);
    const auto now = SteadyClock::now();
    for (auto it = paused_until.begin(); it != paused_until.end();) {
      if (it->second <= now) {
        if (session_paused.erase(it->first) > 0) session.Resume(it->first);
        LogInfo("topic_resumed", {{"topic", it->first}, {"consumer_group", options.group}});
        it = paused_until.erase(it);
        continue;
      }
      if (session_paused.insert(it->first).second) {
        session.Pause(it->first);
        LogWarn("topic_paused", {{"topic", it->first}, {"consumer_group", options.group}},
                "circuit breaker open");
      }
      ++it;
    }
    any_paused.store(!paused_until.empty(), std::memory_order_release);
  }

  void Run() {
    std::vector<std::string> topics;
    routes.clear();
    // What an earlier Run left unhandled comes again from the group's commit.
    deferred.clear();
    for (const auto& [topic, handler] : handlers) {
      routes.emplace(topic, MakeRoute(topic, handler));
      topics.push_back(topic);
      if (options.retry_topics.enabled) {
        for (size_t n = 1; n <= options.retry_topics.delays.size(); ++n) {
          std::string name = fmt::format("{}.retry.{}", topic, n);
          transport->EnsureTopic(name, 1);
          topics.push_back(std::move(name));
        }
      }
    }
    if (topics.empty()) throw Error("the router has no handler");
    if (!options.transactional_id.empty()) {
      TransactionalOptions to;
      to.transactional_id = options.transactional_id;
      to.timeout = options.transaction_timeout;
      txn = std::make_unique<TransactionalProducer>(transport, std::move(to));
    }
    struct EndTransactions {
      Impl& impl;
      ~EndTransactions() { impl.txn.reset(); }  // aborting a batch left open by a failure
    } end_transactions{*this};
    std::unique_ptr<GroupSession> session = transport->Join(options.group, topics);
    std::set<std::string> session_paused;
    LanePool pool(static_cast<size_t>(std::max(1, options.concurrency)));
    int aborted_in_a_row = 0;  // transactions of batches, while they keep failing
    while (!stop) {
      ApplyPauses(*session, session_paused);
      std::vector<Message> batch = session->Poll(options.poll_timeout, options.max_poll_records);
      decltype(&*deferred.begin()) into = nullptr;  // the previous record's partition and queue
      for (auto& m : batch) {
        if (into == nullptr || into->first.second != m.partition || into->first.first != m.topic) {
          into = &*deferred.try_emplace({m.topic, m.partition}).first;
        }
        into->second.push_back(std::move(m));
      }
      // Every partition with records, handled concurrently in up to `concurrency` lanes.
      std::vector<std::pair<const std::pair<std::string, int32_t>, std::deque<Message>>*> work;
      for (auto& entry : deferred) {
        if (!entry.second.empty()) work.push_back(&entry);
      }
      std::vector<RecordPosition> commits(work.size());
      const size_t lanes = std::max<size_t>(
          1, std::min(work.size(), static_cast<size_t>(std::max(1, options.concurrency))));
      const std::function<void(size_t)> run_lane = [&](size_t lane) {
        for (size_t i = lane; i < work.size(); i += lanes) {
          auto& [tp, queue] = *work[i];
          commits[i] = {tp.first, tp.second, ProcessPartition(tp.first, queue)};
        }
      };
      if (txn && !work.empty()) txn->Begin();
      if (!work.empty()) pool.Run(lanes, run_lane);  // rethrows a lane's failure
      std::erase_if(commits, [](const RecordPosition& p) { return p.offset < 0; });
      if (!txn) {
        session->CommitAsync(commits);
      } else if (!work.empty() && CommitTransaction(*session, commits)) {
        aborted_in_a_row = 0;
      } else if (!work.empty()) {
        // The batch's outputs are gone: handle it again from the group's commit, after a pause
        // that grows while batches keep failing (a failure that lasts repeats the handlers).
        Sleep(std::min(milliseconds(100) * (1 << std::min(aborted_in_a_row++, 7)),
                       milliseconds(10'000)));
        session->Close();
        deferred.clear();
        session_paused.clear();
        session = transport->Join(options.group, topics);
      }
    }
    session->Close();
  }

  // Commits the batch's transaction with its input offsets `commits`; false when it had to be
  // aborted (an output failed).
  bool CommitTransaction(GroupSession& session, const std::vector<RecordPosition>& commits) {
    try {
      if (!commits.empty()) txn->SendOffsets(session, commits);
      txn->Commit();
      return true;
    } catch (const TransactionAborted& e) {
      LogWarn("transaction_aborted",
              {{"consumer_group", options.group}, {"transactional_id", options.transactional_id}},
              e.what());
      return false;
    }
  }
};

Router::Router(std::shared_ptr<Transport> transport, RouterOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->transport = std::move(transport);
  impl_->options = std::move(options);
  if (impl_->options.group.empty()) throw Error("RouterOptions::group is required");
  impl_->output = std::make_unique<Publisher>(
      [impl = impl_.get()](std::vector<OutgoingRecord> records,
                           std::function<void(std::vector<SendResult>)> done) {
        impl->Send(std::move(records), std::move(done));
      },
      PublisherOptions{});
}

Publisher& Router::Output() {
  return *impl_->output;
}

Router::~Router() = default;

Router& Router::Handle(const std::string& topic, Handler handler) {
  impl_->handlers[topic] = std::move(handler);
  return *this;
}

Router& Router::Use(Middleware middleware) {
  impl_->middlewares.push_back(std::move(middleware));
  return *this;
}

void Router::Run() {
  // Re-armed on the way out, so a Stop before this Run still stops it and the next Run runs.
  struct Rearm {
    std::atomic<bool>& stop;
    ~Rearm() { stop = false; }
  } rearm{impl_->stop};
  impl_->Run();
}

void Router::Stop() { impl_->stop = true; }

// ---- Circuit breaker ----

void CircuitBreaker::AdvanceLocked(Clock::time_point now) {
  if (state_ == State::kOpen && now - opened_at_ >= options_.reset_timeout) {
    state_ = State::kHalfOpen;
    trials_ = 0;
  }
}

bool CircuitBreaker::Allow(std::chrono::milliseconds* retry_after) {
  std::lock_guard lock(mu_);
  const auto now = Now();
  AdvanceLocked(now);
  if (state_ == State::kClosed) return true;
  if (state_ == State::kHalfOpen && trials_ < options_.half_open_attempts) {
    ++trials_;
    return true;
  }
  if (retry_after) {
    const auto left = state_ == State::kOpen ? options_.reset_timeout - (now - opened_at_)
                                             : Clock::duration(options_.reset_timeout);
    *retry_after = std::max(milliseconds(1), std::chrono::duration_cast<milliseconds>(left));
  }
  return false;
}

void CircuitBreaker::OnSuccess() {
  std::lock_guard lock(mu_);
  state_ = State::kClosed;
  failures_ = 0;
}

void CircuitBreaker::OnFailure() {
  std::lock_guard lock(mu_);
  if (state_ == State::kHalfOpen || ++failures_ >= options_.failure_threshold) {
    if (state_ != State::kOpen) {
      LogWarn("circuit_opened", {{"failures", failures_}});
    }
    state_ = State::kOpen;
    opened_at_ = Now();
    failures_ = 0;
  }
}

CircuitBreaker::State CircuitBreaker::state() {
  std::lock_guard lock(mu_);
  AdvanceLocked(Now());
  return state_;
}

Middleware Guard(std::shared_ptr<CircuitBreaker> breaker) {
  return [breaker = std::move(breaker)](const Message& m, const Next& next) {
    milliseconds retry_after{0};
    if (!breaker->Allow(&retry_after)) return HandlerResult::Paused(retry_after);
    HandlerResult result = next(m);
    if (result.kind == HandlerResult::Kind::kRetryable) {
      breaker->OnFailure();
    } else if (result.kind != HandlerResult::Kind::kPaused) {
      breaker->OnSuccess();
    }
    return result;
  };
}

// ---- Deduplication ----

std::shared_ptr<InMemoryDedupStore> InMemoryDedupStore::Create(size_t capacity, SteadyNow now) {
  if (!now) now = [] { return Clock::now(); };
  return std::shared_ptr<InMemoryDedupStore>(
      new InMemoryDedupStore(std::max<size_t>(capacity, 1), std::move(now)));
}

bool InMemoryDedupStore::Seen(const std::string& id, std::chrono::milliseconds ttl) {
  std::lock_guard lock(mu_);
  auto it = recorded_.find(id);
  return it != recorded_.end() && now_() - it->second < ttl;
}

void InMemoryDedupStore::Record(const std::string& id) {
  std::lock_guard lock(mu_);
  const auto now = now_();
  if (auto it = recorded_.find(id); it != recorded_.end()) {
    auto range = by_time_.equal_range(it->second);
    for (auto r = range.first; r != range.second; ++r) {
      if (r->second == id) {
        by_time_.erase(r);
        break;
      }
    }
  }
  recorded_[id] = now;
  by_time_.emplace(now, id);
  while (recorded_.size() > capacity_) {
    recorded_.erase(by_time_.begin()->second);
    by_time_.erase(by_time_.begin());
  }
}

Middleware Deduplicate(std::shared_ptr<DedupStore> store, std::chrono::milliseconds ttl) {
  return [store = std::move(store), ttl](const Message& m, const Next& next) {
    const auto ce_id = m.Header("ce_id");
    const std::string id = ce_id ? std::string(*ce_id)
                                 : fmt::format("{}-{}-{}", m.topic, m.partition, m.offset);
    if (store->Seen(id, ttl)) return HandlerResult::Skipped();
    HandlerResult result = next(m);
    if (result.kind == HandlerResult::Kind::kSuccess) store->Record(id);
    return result;
  };
}

}  // namespace herald::sdk
