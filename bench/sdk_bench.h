// `herald bench sdk`: the C++ SDK on its embedded transport, side by side in one run:
//   poll     the transport alone (Join, then Poll until every record came): the limit;
//   router   the same records through a Router with a no-op handler: the router's own cost, as
//            msgs/s, ns per record over `poll`, and msgs per CPU-second of the router's thread
//            (one core: it polls and dispatches) and of the whole process (commits included);
//   latency  Publisher.PublishAsync at a fixed rate (each record carrying its send time) into a
//            running Router: publish -> handler p50/p99/p99.9 (appends are fsynced, so the figure
//            includes the group commit's fsync).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "base/status.h"

namespace herald::bench {

struct SdkBenchOptions {
  uint64_t count = 1000000;       // records read by `poll` and `router`
  uint64_t record_size = 100;     // bytes of each record's data
  uint64_t rate = 10000;          // records/s in the latency phase
  double latency_seconds = 5;     // length of the latency phase
  std::string dir = "/tmp/herald-bench-sdk";
};

struct SdkBenchResult {
  double poll_msgs_s = 0;
  double router_msgs_s = 0;
  double router_msgs_per_cpu_s = 0;  // records / (user + system CPU seconds of the process)
  // records / CPU seconds of the router's thread, which polls and runs the handler: one core
  double router_msgs_per_thread_cpu_s = 0;
  double router_overhead_ns = 0;     // per record, router minus poll
  uint64_t latency_records = 0;
  double latency_p50_us = 0;
  double latency_p99_us = 0;
  double latency_p999_us = 0;
  double latency_max_us = 0;
  double ratio() const { return poll_msgs_s > 0 ? router_msgs_s / poll_msgs_s : 0; }
  std::string ToJson() const;
};

Result<SdkBenchResult> RunSdkBench(const SdkBenchOptions& options, std::ostream& progress);

}  // namespace herald::bench
