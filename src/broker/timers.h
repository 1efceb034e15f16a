// Timers: one-shot timers whose callbacks run on a given executor (the group coordinator's
// strand). Timers::Real() schedules them on the steady clock with Asio; a test passes its own
// Timers that fire when it moves time (tests/testing/manual_timers.h), so timeouts are tested
// without waiting for them.
//
// Thread-safety: Start may be called from any thread; a Timer is cancelled or destroyed on the
// executor it was started with.
#pragma once

#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without including it

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <functional>
#include <memory>

namespace herald::broker {

class Timers {
 public:
  // A started timer. Cancel (or destroying it) means `fire` does not run, if it has not yet.
  class Timer {
   public:
    virtual ~Timer() = default;
    virtual void Cancel() = 0;
  };

  virtual ~Timers() = default;
  // Calls `fire` on `executor` once `delay` has passed, unless the timer is cancelled first.
  virtual std::unique_ptr<Timer> Start(boost::asio::any_io_executor executor,
                                       std::chrono::milliseconds delay,
                                       std::function<void()> fire) = 0;

  // Asio's steady_timer.
  static Timers& Real();
};

}  // namespace herald::broker
