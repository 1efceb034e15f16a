#include "broker/audit.h"

#include <chrono>
#include <cstdint>
#include <utility>

#include "base/mutex.h"
#include "broker/broker_metrics.h"

namespace herald::broker {

void Audit(LogLevel level, std::string_view event, nlohmann::json context,
           std::string_view message) {
  // The lines of the current second, and those left out since the last line.
  struct Window {
    Mutex mu;
    int64_t second GUARDED_BY(mu) = -1;
    int lines GUARDED_BY(mu) = 0;
    int64_t left_out GUARDED_BY(mu) = 0;
  };
  static Window& window = *new Window;  // never destroyed: refusals may come while exiting
  // A level not written spends nothing: it would take lines, and the count of those left out,
  // from the events that are.
  if (!LogEnabled(level)) return;
  int64_t left_out = 0;
  {
    const int64_t second = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::steady_clock::now().time_since_epoch())
                               .count();
    MutexLock lock(window.mu);
    if (second != window.second) {
      window.second = second;
      window.lines = 0;
    }
    if (window.lines == kMaxAuditLinesPerSecond) {
      ++window.left_out;
      return;
    }
    ++window.lines;
    left_out = std::exchange(window.left_out, 0);
  }
  if (left_out > 0) context["left_out_before"] = left_out;
  LogEvent(level, event, context, message);
}

void AuditAuthFailure(std::string_view listener, std::string_view peer, nlohmann::json tried,
                      std::string_view why) {
  metrics::AuthFailures(listener).Inc();
  tried["listener"] = listener;
  tried["peer"] = peer;
  Audit(LogLevel::kWarn, "auth_failed", std::move(tried), why);
}

}  // namespace herald::broker
