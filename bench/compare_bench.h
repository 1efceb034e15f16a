// `herald bench compare`: Herald side by side with RabbitMQ, Redis Streams and NATS JetStream in
// one run, in the spirit of the OpenMessaging Benchmark.
//
// For each system it starts the server itself on loopback (a scratch directory, its own ports and
// configuration; never a system service), then runs three workloads with the same client-side
// rules for all (a bounded window of unacknowledged publishes; only acknowledged messages count):
//   1. publish `count` messages of `record_size` bytes at maximum rate;
//   2. consume that backlog;
//   3. on a fresh server, publish at a fixed rate (--rate, or half the slowest system's rate in
//      1) with a consumer running concurrently, and measure publish-to-receive latency from a
//      timestamp in each payload (the time the message was due, so a stalled publisher counts).
// In the same run it measures the machine's limits (sequential write + fdatasync bandwidth,
// loopback TCP bandwidth) and reports each system's throughput as a fraction of them. A system
// that is not installed or does not start in time is reported as not available, with the
// reason, and the others still run. Servers are stopped when done, on error, and on SIGINT.
//
// Thread-safety: RunCompareBench runs one at a time (it installs SIGINT/SIGTERM handlers).
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "compare_system.h"

namespace herald::bench {

struct CompareOptions {
  std::vector<std::string> systems = {"herald", "rabbitmq", "redis", "nats"};
  uint64_t record_size = 1024;
  uint64_t count = 200000;
  double rate = 0;                // fixed-rate phase, msgs/s; 0: half the slowest max rate
  double latency_seconds = 10;    // length of the fixed-rate phase
  int partitions = 16;
  Durability durability = Durability::kFsync;
  uint64_t window = 1000;
  int start_timeout_s = 30;
  std::string out_dir;      // where the reports go; empty: results/compare-<durability>-<time>
  std::string scratch_dir;  // servers' data; empty: a fresh directory under /tmp
  bool progress_bar = false;  // redraw a progress bar (stderr is a terminal)
  std::string herald_binary;
  std::string herald_version;
  std::string command_line;  // as typed, for the report
};

struct ThroughputFigures {
  uint64_t messages = 0;
  double seconds = 0;
  double msgs_s = 0;
  double mb_s = 0;  // MiB/s, as in `herald bench produce`
  double first_message_ms = 0;  // consume: from subscribing to the first message (not counted)
};

struct LatencyFigures {
  double target_rate = 0;    // msgs/s asked for
  double achieved_rate = 0;  // msgs/s received
  uint64_t messages = 0;     // received (and counted)
  bool sustained = true;     // false when the publisher fell behind the schedule
  double p50_ms = 0;
  double p99_ms = 0;
  double p999_ms = 0;
  double max_ms = 0;
};

struct SystemResult {
  std::string name;
  bool available = false;
  std::string error;  // why it is not available, or which phase failed and how
  std::string version;
  nlohmann::json settings;
  std::optional<ThroughputFigures> publish;
  std::optional<ThroughputFigures> consume;
  std::optional<LatencyFigures> latency;
};

struct MachineLimits {
  int cores = 0;
  std::string kernel;
  // Sequential 1 MiB writes, fdatasync after each: every probe, and the best of them.
  std::vector<double> disk_probes_mb_s;
  double disk_write_fdatasync_mb_s = 0;
  uint64_t disk_probe_bytes = 0;
  // One TCP connection over 127.0.0.1: every probe, and the best of them.
  std::vector<double> loopback_probes_mb_s;
  double loopback_tcp_mb_s = 0;
};

struct CompareReport {
  CompareOptions options;
  std::string started_at;  // UTC, ISO 8601
  double elapsed_s = 0;
  MachineLimits machine;
  double fixed_rate = 0;
  std::string fixed_rate_basis;  // how the fixed rate was chosen
  std::vector<SystemResult> systems;

  const SystemResult* Find(std::string_view name) const;
  nlohmann::json ToJson() const;
  std::string ToMarkdown() const;
  std::string ToSvg() const;
};

// Runs the comparison. Progress goes to `progress`. Errors only for bad options or when the
// scratch directory cannot be made; a system's failure is recorded in its SystemResult.
Result<CompareReport> RunCompareBench(const CompareOptions& options, std::ostream& progress);

// Writes compare.json, compare.md and compare.svg into `dir` (created). Returns the paths.
Result<std::vector<std::string>> WriteCompareReport(const CompareReport& report,
                                                    const std::string& dir);

}  // namespace herald::bench
