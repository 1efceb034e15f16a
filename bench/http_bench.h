// `herald bench http`: produce through the REST proxy (Confluent v2 JSON, batches of records per
// POST, keep-alive connections in parallel) side by side with the Kafka protocol (librdkafka,
// acks=all) in the same run, against a `herald serve` this bench starts. Both paths append
// durably (fsynced before the answer). The figure to read is the ratio http / kafka.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "base/status.h"

namespace herald::bench {

struct HttpBenchOptions {
  uint64_t count = 200000;     // records per path
  uint64_t record_size = 1024;  // bytes of each record's value
  uint64_t batch = 100;         // records per POST
  int connections = 4;          // HTTP connections, one thread each
  int partitions = 16;
  std::string herald_binary;
  std::string dir = "/tmp/herald-bench-http";
};

struct HttpBenchResult {
  double kafka_msgs_s = 0;
  double kafka_mb_s = 0;
  double http_msgs_s = 0;
  double http_mb_s = 0;
  double http_p50_ms = 0;  // per POST
  double http_p99_ms = 0;
  double ratio() const { return kafka_msgs_s > 0 ? http_msgs_s / kafka_msgs_s : 0; }
  std::string ToJson() const;
};

Result<HttpBenchResult> RunHttpBench(const HttpBenchOptions& options, std::ostream& progress);

}  // namespace herald::bench
