#include "storage/flusher.h"
#include "base/mutex.h"

#include <chrono>

namespace herald::storage {

Flusher::Flusher(Clock& clock, int threads, int64_t tick_ms) : clock_(clock), tick_ms_(tick_ms) {
  last_tick_ms_ = clock_.NowMs();
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Run(); });
}

Flusher::~Flusher() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  cv_.NotifyAll();
  for (auto& t : threads_) t.join();
}

void Flusher::Request(const std::shared_ptr<FlushTarget>& target) {
  if (target->flush_queued_.exchange(true)) return;
  {
    MutexLock lock(mu_);
    queue_.push_back(target);
  }
  cv_.NotifyOne();
}

void Flusher::Register(const std::weak_ptr<FlushTarget>& target) {
  MutexLock lock(mu_);
  registered_.push_back(target);
}

void Flusher::Run() {
  MutexLock lock(mu_);
  while (true) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(tick_ms_);
    while (!stopping_ && queue_.empty() && cv_.WaitUntil(mu_, deadline)) {
    }
    if (!queue_.empty()) {
      auto target = std::move(queue_.front());
      queue_.pop_front();
      lock.Unlock();
      // Cleared before flushing so that appends landing during the fsync queue another round.
      target->flush_queued_ = false;
      target->FlushNow();
      target.reset();
      lock.Lock();
      continue;
    }
    if (stopping_) return;
    int64_t now = clock_.NowMs();
    if (now - last_tick_ms_ >= tick_ms_) {
      last_tick_ms_ = now;
      std::vector<std::shared_ptr<FlushTarget>> live;
      std::erase_if(registered_, [&](const std::weak_ptr<FlushTarget>& w) {
        auto t = w.lock();
        if (!t) return true;  // destroyed: drop it
        live.push_back(std::move(t));
        return false;
      });
      lock.Unlock();
      for (auto& t : live) t->FlushIfDue(now);
      live.clear();
      lock.Lock();
    }
  }
}

}  // namespace herald::storage
