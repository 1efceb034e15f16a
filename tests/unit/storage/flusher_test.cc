#include "storage/flusher.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "base/clock.h"

namespace herald::storage {
namespace {

using std::chrono::milliseconds;

// Polls `pred` until it holds or `timeout` passes; returns whether it held.
template <typename Pred>
bool WaitFor(Pred pred, milliseconds timeout = milliseconds(10'000)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return pred();
    std::this_thread::sleep_for(milliseconds(1));
  }
  return true;
}

// Counts calls. FlushNow can be held at a gate, and records how far `written` had got when it
// started: what an fsync starting then would cover.
class FakeTarget final : public FlushTarget {
 public:
  explicit FakeTarget(std::shared_ptr<std::atomic<bool>> destroyed = nullptr)
      : destroyed_(std::move(destroyed)) {}
  ~FakeTarget() override {
    if (destroyed_) *destroyed_ = true;
  }

  void FlushNow() override {
    int now_running = ++running_;
    int seen = max_running_.load();
    while (seen < now_running && !max_running_.compare_exchange_weak(seen, now_running)) {
    }
    const int64_t covered = written.load();
    {
      std::unique_lock lock(mu_);
      threads_.push_back(std::this_thread::get_id());
      ++entered_;
      cv_.notify_all();
      cv_.wait(lock, [&] { return gate_open_; });
    }
    if (delay_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(delay_us));
    int64_t s = synced.load();
    while (s < covered && !synced.compare_exchange_weak(s, covered)) {
    }
    --running_;
    ++flush_now;
  }

  void FlushIfDue(int64_t now_ms) override {
    std::lock_guard lock(mu_);
    due_times_.push_back(now_ms);
    ++flush_if_due;
  }

  void CloseGate() {
    std::lock_guard lock(mu_);
    gate_open_ = false;
  }
  void OpenGate() {
    // Notified under the lock: the woken flush may finish and drop the last reference to this
    // target (destroying cv_) as soon as the lock is free.
    std::lock_guard lock(mu_);
    gate_open_ = true;
    cv_.notify_all();
  }
  // Waits until `n` FlushNow calls have started.
  bool WaitEntered(int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, milliseconds(10'000), [&] { return entered_ >= n; });
  }
  std::vector<int64_t> due_times() {
    std::lock_guard lock(mu_);
    return due_times_;
  }
  std::vector<std::thread::id> threads() {
    std::lock_guard lock(mu_);
    return threads_;
  }
  int max_running() const { return max_running_.load(); }

  std::atomic<int> flush_now{0};
  std::atomic<int> flush_if_due{0};
  std::atomic<int64_t> written{0};  // the test's "appends"
  std::atomic<int64_t> synced{0};   // the largest `written` a finished FlushNow covered
  int delay_us = 0;

 private:
  std::shared_ptr<std::atomic<bool>> destroyed_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool gate_open_ = true;
  int entered_ = 0;
  std::vector<int64_t> due_times_;
  std::vector<std::thread::id> threads_;
  std::atomic<int> running_{0};
  std::atomic<int> max_running_{0};
};

constexpr int64_t kNoTicks = 1'000'000;  // a tick period no test waits for

TEST(FlusherTest, RequestRunsFlushNowOnAFlusherThread) {
  SystemClock clock;
  Flusher flusher(clock, 2, kNoTicks);
  auto target = std::make_shared<FakeTarget>();
  target->written = 1;
  flusher.Request(target);
  ASSERT_TRUE(WaitFor([&] { return target->flush_now.load() == 1; }));
  EXPECT_EQ(target->synced.load(), 1);
  auto threads = target->threads();
  ASSERT_EQ(threads.size(), 1u);
  EXPECT_NE(threads[0], std::this_thread::get_id()) << "Request never fsyncs on its caller";
  EXPECT_EQ(target->flush_if_due.load(), 0) << "not registered";
  // Another request later is another flush.
  target->written = 2;
  flusher.Request(target);
  ASSERT_TRUE(WaitFor([&] { return target->synced.load() == 2; }));
  EXPECT_EQ(target->flush_now.load(), 2);
}

TEST(FlusherTest, RequestsWhileOneIsQueuedCoalesce) {
  SystemClock clock;
  auto flusher = std::make_unique<Flusher>(clock, 1, kNoTicks);
  auto target = std::make_shared<FakeTarget>();
  target->CloseGate();
  flusher->Request(target);
  ASSERT_TRUE(target->WaitEntered(1));
  // The only flusher thread is busy: these all fold into one queued flush.
  constexpr int kRequests = 100;
  for (int i = 1; i <= kRequests; ++i) {
    target->written = i;
    flusher->Request(target);
  }
  target->OpenGate();
  ASSERT_TRUE(WaitFor([&] { return target->synced.load() == kRequests; }))
      << "the last request is covered by a flush that started after it";
  flusher.reset();  // runs whatever is still queued, then no flush can start
  EXPECT_EQ(target->flush_now.load(), 2) << "one running, one queued for 100 requests";
}

TEST(FlusherTest, ARequestDuringAFlushQueuesAnother) {
  SystemClock clock;
  Flusher flusher(clock, 1, kNoTicks);
  auto target = std::make_shared<FakeTarget>();
  target->CloseGate();
  flusher.Request(target);
  ASSERT_TRUE(target->WaitEntered(1));
  target->written = 1;  // written while the fsync runs: not covered by it
  flusher.Request(target);
  target->OpenGate();
  ASSERT_TRUE(WaitFor([&] { return target->flush_now.load() == 2; }));
  EXPECT_EQ(target->synced.load(), 1);
}

TEST(FlusherTest, ConcurrentRequestsCoalesceAndTheLastIsCovered) {
  SystemClock clock;
  Flusher flusher(clock, 2, kNoTicks);
  auto target = std::make_shared<FakeTarget>();
  target->delay_us = 200;  // an fsync takes a while
  constexpr int kWriters = 4;
  constexpr int kPerWriter = 500;
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&] {
      for (int i = 0; i < kPerWriter; ++i) {
        ++target->written;
        flusher.Request(target);
      }
    });
  }
  for (auto& t : writers) t.join();
  constexpr int64_t kTotal = int64_t{kWriters} * kPerWriter;
  ASSERT_TRUE(WaitFor([&] { return target->synced.load() == kTotal; }))
      << "synced " << target->synced.load() << " of " << kTotal;
  int flushes = target->flush_now.load();
  EXPECT_GE(flushes, 1);
  EXPECT_LT(flushes, kTotal) << "requests were coalesced";
}

TEST(FlusherTest, TicksCallFlushIfDueWithTheClocksTime) {
  SystemClock clock;
  constexpr int64_t kTick = 5;
  const int64_t before = clock.NowMs();
  auto a = std::make_shared<FakeTarget>();
  auto b = std::make_shared<FakeTarget>();
  std::vector<int64_t> times;
  int64_t after = 0;
  {
    Flusher flusher(clock, 2, kTick);
    flusher.Register(a);
    flusher.Register(b);
    ASSERT_TRUE(WaitFor([&] { return a->flush_if_due.load() >= 4 && b->flush_if_due.load() >= 4; }))
        << "FlushIfDue calls after waiting: a=" << a->flush_if_due.load()
        << " b=" << b->flush_if_due.load() << " (every tick must reach every registered target)";
  }
  after = clock.NowMs();
  times = a->due_times();
  ASSERT_GE(times.size(), 4u);
  std::sort(times.begin(), times.end());
  EXPECT_GE(times.front(), before);
  EXPECT_LE(times.back(), after);
  for (size_t i = 1; i < times.size(); ++i) {
    EXPECT_GE(times[i] - times[i - 1], kTick) << "at most one tick per period";
  }
  EXPECT_EQ(a->flush_now.load(), 0) << "a tick is not a flush request";
  EXPECT_EQ(b->flush_now.load(), 0);
}

TEST(FlusherTest, TicksPassTheInjectedClocksTime) {
  ManualClock clock(1'000'000);
  auto target = std::make_shared<FakeTarget>();
  Flusher flusher(clock, 1, 5);
  flusher.Register(target);
  clock.AdvanceMs(5);
  ASSERT_TRUE(WaitFor([&] {
    auto t = target->due_times();
    return std::find(t.begin(), t.end(), 1'000'005) != t.end();
  }));
  clock.AdvanceMs(1'000);
  ASSERT_TRUE(WaitFor([&] {
    auto t = target->due_times();
    return std::find(t.begin(), t.end(), 1'001'005) != t.end();
  }));
  for (int64_t t : target->due_times()) {
    EXPECT_TRUE(t == 1'000'000 || t == 1'000'005 || t == 1'001'005) << t;
  }
}

TEST(FlusherTest, ADestroyedTargetDropsOut) {
  SystemClock clock;
  Flusher flusher(clock, 2, 5);
  auto destroyed = std::make_shared<std::atomic<bool>>(false);
  auto doomed = std::make_shared<FakeTarget>(destroyed);
  auto survivor = std::make_shared<FakeTarget>();
  flusher.Register(doomed);
  flusher.Register(std::weak_ptr<FlushTarget>());  // expired from the start
  flusher.Register(survivor);
  ASSERT_TRUE(WaitFor([&] { return doomed->flush_if_due.load() >= 1; }));
  std::weak_ptr<FakeTarget> weak = doomed;
  doomed.reset();
  // Held weakly: once the last owner lets go, the target is destroyed (at most after the tick
  // that is running).
  ASSERT_TRUE(WaitFor([&] { return destroyed->load(); })) << "the flusher keeps it alive";
  EXPECT_TRUE(weak.expired());
  // The others still tick.
  int seen = survivor->flush_if_due.load();
  ASSERT_TRUE(WaitFor([&] { return survivor->flush_if_due.load() >= seen + 3; }))
      << "the surviving target stopped ticking at " << seen << " calls";
}

TEST(FlusherTest, ARequestKeepsItsTargetAliveUntilFlushed) {
  SystemClock clock;
  auto destroyed = std::make_shared<std::atomic<bool>>(false);
  auto target = std::make_shared<FakeTarget>(destroyed);
  std::weak_ptr<FakeTarget> weak = target;
  {
    Flusher flusher(clock, 1, kNoTicks);
    target->CloseGate();
    flusher.Request(target);
    ASSERT_TRUE(target->WaitEntered(1));
    FakeTarget* raw = target.get();
    target.reset();
    EXPECT_FALSE(destroyed->load()) << "the running flush holds it";
    raw->OpenGate();
    ASSERT_TRUE(WaitFor([&] { return destroyed->load(); }));
  }
  EXPECT_TRUE(weak.expired());
}

TEST(FlusherTest, DestructorFinishesQueuedFlushes) {
  SystemClock clock;
  std::vector<std::shared_ptr<FakeTarget>> targets;
  for (int i = 0; i < 5; ++i) targets.push_back(std::make_shared<FakeTarget>());
  auto flusher = std::make_unique<Flusher>(clock, 1, kNoTicks);
  targets[0]->CloseGate();
  flusher->Request(targets[0]);
  ASSERT_TRUE(targets[0]->WaitEntered(1));
  for (size_t i = 1; i < targets.size(); ++i) flusher->Request(targets[i]);
  // Destroy while the single thread is busy and four flushes wait in the queue.
  std::atomic<int> finished_when_destroyed{-1};
  std::thread destroyer([&] {
    flusher.reset();
    finished_when_destroyed = targets[0]->flush_now.load();
  });
  targets[0]->OpenGate();
  destroyer.join();
  EXPECT_EQ(finished_when_destroyed.load(), 1) << "the destructor waits for the running flush";
  for (size_t i = 0; i < targets.size(); ++i) {
    EXPECT_EQ(targets[i]->flush_now.load(), 1) << "target " << i;
  }
}

TEST(FlusherTest, DestructorRightAfterRequestsStillFlushes) {
  SystemClock clock;
  std::vector<std::shared_ptr<FakeTarget>> targets;
  for (int i = 0; i < 20; ++i) {
    targets.push_back(std::make_shared<FakeTarget>());
    targets.back()->delay_us = 500;
  }
  {
    Flusher flusher(clock, 2, kNoTicks);
    for (auto& t : targets) {
      t->written = 1;
      flusher.Request(t);
    }
  }
  for (size_t i = 0; i < targets.size(); ++i) {
    EXPECT_EQ(targets[i]->flush_now.load(), 1) << "target " << i;
    EXPECT_EQ(targets[i]->synced.load(), 1) << "target " << i;
  }
}

}  // namespace
}  // namespace herald::storage
