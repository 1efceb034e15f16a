// ManualTimers: broker::Timers that fire only when the test moves time with AdvanceMs, so a
// timeout is tested to the millisecond without waiting for it.
#pragma once

#include <boost/asio/post.hpp>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

#include "broker/timers.h"

namespace herald::testing {

class ManualTimers final : public broker::Timers {
 public:
  std::unique_ptr<Timer> Start(boost::asio::any_io_executor executor,
                               std::chrono::milliseconds delay,
                               std::function<void()> fire) override {
    auto timer = std::make_unique<ManualTimer>();
    std::lock_guard lock(mu_);
    due_.emplace(now_ms_ + delay.count(),
                 Entry{std::move(executor), std::move(fire), timer->cancelled});
    if (delay.count() <= 0) FireDueLocked();
    return timer;
  }

  // Moves time on by `ms` and posts every timer then due to its executor, in deadline order; a
  // timer cancelled before its callback runs does not fire.
  void AdvanceMs(int64_t ms) {
    std::lock_guard lock(mu_);
    now_ms_ += ms;
    FireDueLocked();
  }

 private:
  struct ManualTimer final : Timer {
    std::shared_ptr<std::atomic<bool>> cancelled = std::make_shared<std::atomic<bool>>(false);
    ~ManualTimer() override { *cancelled = true; }
    void Cancel() override { *cancelled = true; }
  };
  struct Entry {
    boost::asio::any_io_executor executor;
    std::function<void()> fire;
    std::shared_ptr<std::atomic<bool>> cancelled;
  };

  void FireDueLocked() {
    while (!due_.empty() && due_.begin()->first <= now_ms_) {
      Entry e = std::move(due_.begin()->second);
      due_.erase(due_.begin());
      boost::asio::post(e.executor, [fire = std::move(e.fire), cancelled = e.cancelled] {
        if (!*cancelled) fire();
      });
    }
  }

  std::mutex mu_;
  int64_t now_ms_ = 0;                    // GUARDED_BY(mu_)
  std::multimap<int64_t, Entry> due_;     // GUARDED_BY(mu_)
};

}  // namespace herald::testing
