// `herald bench produce`: produce and consume throughput through the Kafka protocol, measured
// with librdkafka, side by side with the storage-only figure of `herald bench storage` in the same
// run. Without --bootstrap it starts its own `herald serve` on a temporary directory and also
// reports that broker's peak resident memory.
#pragma once

#include <cstdint>
#include <map>
#include <ostream>
#include <string>

#include "base/status.h"

namespace herald::bench {

struct ProduceBenchOptions {
  std::string bootstrap;  // empty: start a broker
  std::string topic = "bench";
  int partitions = 16;
  uint64_t record_size = 1024;
  uint64_t count = 500000;
  std::string acks = "all";
  std::string herald_binary;  // for the broker this bench starts
  std::string dir;            // scratch directory
  // Also: the same records through an idempotent and a transactional producer (committing every
  // `txn_records`), and each topic read back from the start, read_uncommitted and read_committed.
  bool transactional = false;
  uint64_t txn_records = 10000;
  // Also: the same records produced and consumed through the broker's TLS listener (a
  // self-signed certificate), beside the plaintext figures of the same run.
  bool tls = false;
  // Also: the same records produced and consumed through a second broker whose Kafka listener
  // takes SASL SCRAM only (as SCRAM-SHA-256), and the time a new client takes to be served
  // (connect to its first Metadata answer) without SASL, with SCRAM-SHA-256 and SCRAM-SHA-512.
  bool sasl = false;
  int connections = 200;  // new clients timed for each of the three
};

// The time new clients took from creation to their first Metadata answer, in milliseconds.
struct ConnectionSetup {
  double p50_ms = 0;
  double p99_ms = 0;
};

struct ProduceBenchResult {
  double produce_msgs_s = 0;
  double produce_mb_s = 0;
  double latency_p50_ms = 0;
  double latency_p99_ms = 0;
  double consume_mb_s = 0;
  double consume_msgs_s = 0;
  double raw_fetch_mb_s = 0;  // the catch-up read with a plain Fetch loop (no librdkafka)
  double storage_write_mb_s = 0;
  double broker_rss_mib = 0;  // peak; 0 when the broker is not ours
  // With `transactional`.
  double idempotent_msgs_s = 0;
  double transactional_msgs_s = 0;
  double uncommitted_consume_mb_s = 0;  // the idempotent topic, read_uncommitted
  double committed_consume_mb_s = 0;    // the transactional topic, read_committed
  // With `tls`.
  double tls_produce_msgs_s = 0;
  double tls_consume_mb_s = 0;
  // With `sasl`.
  double sasl_produce_msgs_s = 0;
  double sasl_consume_mb_s = 0;
  ConnectionSetup connect_plain;
  ConnectionSetup connect_scram_sha_256;
  ConnectionSetup connect_scram_sha_512;
  // The same through a raw connection (ApiVersions, the SASL exchange, Metadata) whose SCRAM
  // derives its key with one PBKDF2 call, as the Java client and kafka-python do: librdkafka 2.0
  // makes one HMAC call per iteration, which costs it several milliseconds more.
  ConnectionSetup raw_connect_plain;
  ConnectionSetup raw_connect_scram_sha_256;
  ConnectionSetup raw_connect_scram_sha_512;
  double produce_to_storage_ratio() const {
    return storage_write_mb_s > 0 ? produce_mb_s / storage_write_mb_s : 0;
  }
  double transactional_to_idempotent_ratio() const {
    return idempotent_msgs_s > 0 ? transactional_msgs_s / idempotent_msgs_s : 0;
  }
  double committed_to_uncommitted_ratio() const {
    return uncommitted_consume_mb_s > 0 ? committed_consume_mb_s / uncommitted_consume_mb_s : 0;
  }
  double tls_to_plain_produce_ratio() const {
    return produce_msgs_s > 0 ? tls_produce_msgs_s / produce_msgs_s : 0;
  }
  double tls_to_plain_consume_ratio() const {
    return consume_mb_s > 0 ? tls_consume_mb_s / consume_mb_s : 0;
  }
  double sasl_to_plain_produce_ratio() const {
    return produce_msgs_s > 0 ? sasl_produce_msgs_s / produce_msgs_s : 0;
  }
  std::string ToJson() const;
};

// Produces `count` records with value `payload` to `topic` as fast as librdkafka goes (acks
// "all", "1" or "0"; linger.ms 5; keyless, so the sticky partitioner spreads batches) and waits
// for every acknowledgement (kInternal when one fails). Latency is send to acknowledgement,
// queueing included.
struct ProducePhase {
  double msgs_s = 0;
  double mb_s = 0;
  double p50_ms = 0;
  double p99_ms = 0;
};
// `kind`: a plain producer, an idempotent one, or a transactional one committing a transaction
// every `txn_records` records (its latency runs to the acknowledgement, not the commit).
enum class ProducerKind { kPlain, kIdempotent, kTransactional };
// librdkafka settings beside bootstrap.servers (security.protocol, ssl.ca.location, ...).
using ClientSettings = std::map<std::string, std::string>;
Result<ProducePhase> ProduceAtMaxRate(const std::string& bootstrap, const std::string& topic,
                                      const std::string& payload, uint64_t count,
                                      const std::string& acks,
                                      ProducerKind kind = ProducerKind::kPlain,
                                      uint64_t txn_records = 0,
                                      const ClientSettings& settings = {});

// Creates `topic` (already there: OK) through the Kafka protocol.
Status CreateTopic(const std::string& bootstrap, const std::string& topic, int partitions,
                   const std::map<std::string, std::string>& configs = {},
                   const ClientSettings& settings = {});

Result<ProduceBenchResult> RunProduceBench(const ProduceBenchOptions& options,
                                           std::ostream& progress);

}  // namespace herald::bench
