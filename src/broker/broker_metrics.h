// The broker's Prometheus metrics, each named once here (in MetricsRegistry::Global()). The names
// are the ones dashboards for Kafka-style brokers expect, without a prefix:
//   messages_produced_total{topic,partition}          records appended by producers
//   messages_consumed_total{topic,consumer_group,status="committed"}
//                                                     records a group's commits moved past
//   consumer_lag{topic,consumer_group,partition}      end offset - committed offset (at scrape)
//   partition_size_bytes{topic,partition}             bytes on disk (at scrape)
//   partition_end_offset{topic,partition}             next offset to assign (at scrape)
//   dlq_depth{topic}, dlq_depth_over_threshold{topic} records in each *.dlq topic (at scrape)
//   bytes_in_total / bytes_out_total{listener}        request and response bytes
//   request_duration_seconds{listener,api}            time from request read to answer ready
//   open_connections{listener}                        "kafka" or "http"
//   connections_refused_total{listener,reason}        max_connections, max_connections_per_ip
//   connections_closed_total{listener,reason}         idle, read_timeout
//   partitions_offline                                partitions not served: damaged or failed
//                                                     (at scrape)
//   request_bytes_held{listener}                      request bytes reserved (see
//                                                     queued.max.request.bytes)
//   transactions_open                                 transactions begun and not yet complete
//   transaction_oldest_open_seconds                   the oldest one's age (0 when none)
//   acl_denials_total                                 operations the ACLs refused (AuditDenial)
//   auth_failures_total{listener}                     authentications that failed
//   (AuditAuthFailure)
//   quota_throttled_total{type}                       answers over a client quota ("produce" or
//                                                     "fetch"; broker/quotas.h)
//   quota_throttle_seconds_total{type}                the throttle time those answers asked for
// The storage layer adds fsync_duration_seconds.
//
// Thread-safety: as MetricsRegistry.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/metrics.h"

namespace herald::broker::metrics {

Counter& MessagesProduced(const std::string& topic, int32_t partition);
Counter& MessagesConsumed(const std::string& topic, const std::string& group);
Counter& BytesIn(std::string_view listener);
Counter& BytesOut(std::string_view listener);
Histogram& RequestDuration(std::string_view listener, std::string_view api);
Gauge& OpenConnections(std::string_view listener);
// Connections refused at accept, and connections the broker closed, by reason.
Counter& ConnectionsRefused(std::string_view listener, std::string_view reason);
Counter& ConnectionsClosed(std::string_view listener, std::string_view reason);
Gauge& RequestBytesHeld(std::string_view listener);
Gauge& PartitionsOffline();
Gauge& TransactionsOpen();
Gauge& TransactionOldestOpenSeconds();
Counter& AclDenials();
Counter& AuthFailures(std::string_view listener);
Counter& QuotaThrottled(std::string_view type);
Counter& QuotaThrottleSeconds(std::string_view type);

// Families whose values are computed when /metrics is read (see http/metrics_api).
GaugeFamily& ConsumerLag();
GaugeFamily& PartitionSizeBytes();
GaugeFamily& PartitionEndOffset();
GaugeFamily& DeadLetterDepth();  // dlq_depth{topic}
GaugeFamily& DeadLetterAlert();  // dlq_depth_over_threshold{topic}: 1 above the threshold

}  // namespace herald::broker::metrics
