// Flusher: the threads that make appended bytes durable, one fsync for many appends.
//
// A log that has appends waiting for durability calls Request(); a flusher thread then calls its
// FlushNow(), which syncs everything written so far and completes every waiter it covers. Appends
// that arrive while an fsync runs are covered by the next one: that is the group commit. Network
// threads never fsync; only these threads do.
//
// Every `tick_ms` the flusher also calls FlushIfDue() on every registered target, which is how
// flush.ms is honoured.
//
// Thread-safe. Targets are held weakly: a target that is destroyed simply drops out.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/mutex.h"

namespace herald::storage {

class FlushTarget {
 public:
  virtual ~FlushTarget() = default;
  // Syncs all that was written; completes durable waiters.
  virtual void FlushNow() = 0;
  // Syncs if flush.ms says so.
  virtual void FlushIfDue(int64_t now_ms) = 0;

 private:
  friend class Flusher;
  std::atomic<bool> flush_queued_{false};
};

class Flusher {
 public:
  Flusher(Clock& clock, int threads = 2, int64_t tick_ms = 100);
  ~Flusher();  // finishes queued flushes, then stops the threads
  Flusher(const Flusher&) = delete;
  Flusher& operator=(const Flusher&) = delete;

  // Queues a flush of `target` unless one is queued already.
  void Request(const std::shared_ptr<FlushTarget>& target);
  void Register(const std::weak_ptr<FlushTarget>& target);

 private:
  void Run();

  Clock& clock_;
  const int64_t tick_ms_;
  Mutex mu_;
  CondVar cv_;
  std::deque<std::shared_ptr<FlushTarget>> queue_ GUARDED_BY(mu_);
  std::vector<std::weak_ptr<FlushTarget>> registered_ GUARDED_BY(mu_);
  int64_t last_tick_ms_ GUARDED_BY(mu_) = 0;
  bool stopping_ GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace herald::storage
