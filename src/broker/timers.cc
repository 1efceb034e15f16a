#include "broker/timers.h"

#include <boost/asio/steady_timer.hpp>

namespace herald::broker {
namespace {

class AsioTimer final : public Timers::Timer {
 public:
  AsioTimer(boost::asio::any_io_executor executor, std::chrono::milliseconds delay,
            std::function<void()> fire)
      : timer_(std::move(executor), delay) {
    timer_.async_wait([fire = std::move(fire)](const boost::system::error_code& ec) {
      if (!ec) fire();
    });
  }
  // Destroying the steady_timer cancels its wait: the handler runs with operation_aborted.
  void Cancel() override { timer_.cancel(); }

 private:
  boost::asio::steady_timer timer_;
};

class AsioTimers final : public Timers {
 public:
  std::unique_ptr<Timer> Start(boost::asio::any_io_executor executor,
                               std::chrono::milliseconds delay,
                               std::function<void()> fire) override {
    return std::make_unique<AsioTimer>(std::move(executor), delay, std::move(fire));
  }
};

}  // namespace

Timers& Timers::Real() {
  static AsioTimers timers;
  return timers;
}

}  // namespace herald::broker
