// Structured logging: every log line is one event, named by a stable snake_case `event`, with a
// JSON object of context fields and an optional free-text message. Written through spdlog.
//
// Formats, one line per event:
//   kJson: {"timestamp":"2026-11-22T07:21:01.123Z","level":"info","event":"segment_rolled",
//           "message":"...","context":{"offset":42,"partition":0,"topic":"orders"}}
//          ("message" and "context" are left out when empty; context keys are sorted).
//   kText: 2026-11-22T07:21:01.123Z INFO segment_rolled offset=42 partition=0 topic=orders ...
//          (string values with spaces, quotes, '=' or control characters are JSON-quoted;
//           newlines in the message are written as \n so a line stays one line).
// Timestamps are UTC with milliseconds, from Clock::System().
//
// Until ConfigureLogging is called, events at kInfo and above go to stderr as JSON.
//
// Example:
//   if (LogEnabled(LogLevel::kDebug)) {
//     LogDebug("message_consumed", {{"topic", topic}, {"bytes", bytes}});
//   }
//   LogWarn("segment_recovered", {{"path", path}, {"truncated_bytes", n}}, "torn write");
//
// Thread-safety: every function is safe to call from any thread, also concurrently with
// ConfigureLogging (an event is written whole to either the old or the new destination).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace herald {

enum class LogLevel { kDebug, kInfo, kWarn, kError };
enum class LogFormat { kJson, kText };

// Sends events at `min_level` and above to the file at `file_path` (appended to; the file and
// any missing parent directories are created), or to stderr when `file_path` is empty. Every line
// is flushed as it is written. If the file cannot be opened, logging goes to stderr and a
// "log_file_open_failed" error event there says why.
void ConfigureLogging(LogFormat format, LogLevel min_level, std::string file_path = "");

// Sends events at `min_level` and above to `out` (for tests). `out` must outlive every log call
// until logging is configured again; read it only when no thread is logging.
void ConfigureLogging(LogFormat format, LogLevel min_level, std::ostream& out);

// Returns whether events at `level` are written, so callers can skip building their context.
bool LogEnabled(LogLevel level);

// Writes one event if `level` is enabled. `event` names what happened (snake_case); `context` is
// normally a JSON object (null or {} means none; another JSON value is written as is).
void LogEvent(LogLevel level, std::string_view event, const nlohmann::json& context = {},
              std::string_view message = {});

inline void LogDebug(std::string_view event, const nlohmann::json& context = {},
                     std::string_view message = {}) {
  LogEvent(LogLevel::kDebug, event, context, message);
}
inline void LogInfo(std::string_view event, const nlohmann::json& context = {},
                    std::string_view message = {}) {
  LogEvent(LogLevel::kInfo, event, context, message);
}
inline void LogWarn(std::string_view event, const nlohmann::json& context = {},
                    std::string_view message = {}) {
  LogEvent(LogLevel::kWarn, event, context, message);
}
inline void LogError(std::string_view event, const nlohmann::json& context = {},
                     std::string_view message = {}) {
  LogEvent(LogLevel::kError, event, context, message);
}

// Returns `time_ms` (milliseconds since the Unix epoch) as "YYYY-MM-DDTHH:MM:SS.mmmZ" (UTC).
std::string FormatLogTimestamp(int64_t time_ms);

}  // namespace herald
