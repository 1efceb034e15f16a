#include "storage/flusher.h"

#include <chrono>

namespace herald::storage {

Flusher::Flusher(Clock& clock, int threads, int64_t tick_ms) : clock_(clock), tick_ms_(tick_ms) {
  last_tick_ms_ = clock_.NowMs();
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Run(); });
}

Flusher::~Flusher() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void Flusher::Request(const std::shared_ptr<FlushTarget>& target) {
  if (target->flush_queued_.exchange(true)) return;
  {
    std::lock_guard lock(mu_);
    queue_.push_back(target);
  }
  cv_.notify_one();
}

void Flusher::Register(const std::weak_ptr<FlushTarget>& target) {
  std::lock_guard lock(mu_);
  registered_.push_back(target);
}

void Flusher::Run() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait_for(lock, std::chrono::milliseconds(tick_ms_),
                 [this] { return stopping_ || !queue_.empty(); });
    if (!queue_.empty()) {
      auto target = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      // Cleared before flushing so that appends landing during the fsync queue another round.
      target->flush_queued_ = false;
      target->FlushNow();
      target.reset();
      lock.lock();
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
      lock.unlock();
      for (auto& t : live) t->FlushIfDue(now);
      live.clear();
      lock.lock();
    }
  }
}

}  // namespace herald::storage
