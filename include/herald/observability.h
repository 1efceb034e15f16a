// Observability: the SDK's Prometheus metrics, and where and how much it logs.
//
//   herald::sdk::SetLogLevel(herald::sdk::LogLevel::kWarn);  // at start: warnings and errors only
//   ...
//   // The application's GET /metrics, served as "text/plain; version=0.0.4; charset=utf-8":
//   std::string body = herald::sdk::MetricsText();
//
// Metrics are process-wide. The Router counts, per topic it handles:
//   messages_consumed_total{topic,consumer_group,status}  records handled, by what came of them:
//                                   success, skipped, retry, dlq, failed
//   message_processing_duration_seconds                   time a handler took for one record
//   dlq_messages_total{topic,error_type}                  records sent to a dead-letter topic
// With the embedded transport, the broker in the process adds its own (records appended, group
// commits as messages_consumed_total{status="committed"}, fsync times, ...); the gauges that
// `herald serve` computes when its /metrics is read (consumer_lag, partition_size_bytes, ...)
// are not among them.
//
// Logs: one line per event, named by a stable snake_case `event` (message_dlq, circuit_opened,
// topic_created, ...), with its context fields. By default events at kInfo and above go to stderr
// as JSON; each Set* call changes its one setting and keeps the others. The settings apply to
// everything Herald logs in the process: the SDK and the embedded broker.
//
// Thread-safety: every function may be called from any thread, also while others log (an event
// is written whole, under the old settings or the new ones).
#pragma once

#include <string>

namespace herald::sdk {

// The process's metrics (the SDK's and, with the embedded transport, the broker's) in the
// Prometheus text exposition format 0.0.4: per metric family, sorted by name, "# HELP" and
// "# TYPE" lines, then its samples.
std::string MetricsText();

enum class LogLevel {
  kDebug,
  kInfo,  // the default
  kWarn,
  kError,
  kOff,  // nothing, not even errors
};

enum class LogFormat {
  kJson,  // the default: {"timestamp":"...","level":"info","event":"topic_created","context":{...}}
  kText,  // 2026-11-22T07:21:01.123Z INFO topic_created partitions=3 topic=orders
};

// Logs events at `level` and above.
void SetLogLevel(LogLevel level);
// Writes each event in `format`.
void SetLogFormat(LogFormat format);
// Appends the events to the file at `path` (created, with its missing parent directories), or
// writes them to stderr when `path` is empty. Every line is flushed as it is written. Throws
// Error when the file cannot be opened; logging then goes on as before.
void SetLogFile(const std::string& path);

}  // namespace herald::sdk
