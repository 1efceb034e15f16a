#include "broker/broker_metrics.h"

namespace herald::broker::metrics {
namespace {

MetricsRegistry& Registry() { return MetricsRegistry::Global(); }

}  // namespace

Counter& MessagesProduced(const std::string& topic, int32_t partition) {
  static CounterFamily& family = Registry().AddCounter(
      "messages_produced_total", "Records appended by producers.", {"topic", "partition"});
  return family.WithLabels({topic, std::to_string(partition)});
}

Counter& MessagesConsumed(const std::string& topic, const std::string& group) {
  // The SDK's router counts its handler outcomes in the same family (status success, retry,
  // dlq, ...); the broker counts what groups committed.
  static CounterFamily& family = Registry().AddCounter(
      "messages_consumed_total", "Records consumed: committed by groups, or handled by the SDK.",
      {"topic", "consumer_group", "status"});
  return family.WithLabels({topic, group, "committed"});
}

Counter& BytesIn(std::string_view listener) {
  static CounterFamily& family =
      Registry().AddCounter("bytes_in_total", "Request bytes received.", {"listener"});
  return family.WithLabels({std::string(listener)});
}

Counter& BytesOut(std::string_view listener) {
  static CounterFamily& family =
      Registry().AddCounter("bytes_out_total", "Response bytes sent.", {"listener"});
  return family.WithLabels({std::string(listener)});
}

Histogram& RequestDuration(std::string_view listener, std::string_view api) {
  static HistogramFamily& family = Registry().AddHistogram(
      "request_duration_seconds", "Time from a request's arrival to its answer being ready.",
      {"listener", "api"},
      {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
       5, 10});
  return family.WithLabels({std::string(listener), std::string(api)});
}

Gauge& OpenConnections(std::string_view listener) {
  static GaugeFamily& family =
      Registry().AddGauge("open_connections", "Open client connections.", {"listener"});
  return family.WithLabels({std::string(listener)});
}

Counter& ConnectionsRefused(std::string_view listener, std::string_view reason) {
  static CounterFamily& family = Registry().AddCounter(
      "connections_refused_total", "Connections closed at accept because a limit was reached.",
      {"listener", "reason"});
  return family.WithLabels({std::string(listener), std::string(reason)});
}

Counter& ConnectionsClosed(std::string_view listener, std::string_view reason) {
  static CounterFamily& family = Registry().AddCounter(
      "connections_closed_total", "Connections the broker closed (idle, or too slow to send).",
      {"listener", "reason"});
  return family.WithLabels({std::string(listener), std::string(reason)});
}

Gauge& RequestBytesHeld(std::string_view listener) {
  static GaugeFamily& family = Registry().AddGauge(
      "request_bytes_held", "Bytes reserved by requests being read or handled.", {"listener"});
  return family.WithLabels({std::string(listener)});
}

Gauge& PartitionsOffline() {
  static GaugeFamily& family = Registry().AddGauge(
      "partitions_offline",
      "Partitions not served: they did not open (damaged) or their log failed a sync.", {});
  return family.WithLabels({});
}

Gauge& TransactionsOpen() {
  static GaugeFamily& family = Registry().AddGauge(
      "transactions_open", "Transactions begun and not yet complete (their markers written).", {});
  return family.WithLabels({});
}

Gauge& TransactionOldestOpenSeconds() {
  static GaugeFamily& family = Registry().AddGauge(
      "transaction_oldest_open_seconds",
      "How long the oldest transaction not yet complete has been open; 0 when none is.", {});
  return family.WithLabels({});
}

GaugeFamily& ConsumerLag() {
  static GaugeFamily& family =
      Registry().AddGauge("consumer_lag", "End offset minus the consumer group's committed offset.",
                          {"topic", "consumer_group", "partition"});
  return family;
}

GaugeFamily& PartitionSizeBytes() {
  static GaugeFamily& family = Registry().AddGauge(
      "partition_size_bytes", "Bytes the partition's log holds on disk.", {"topic", "partition"});
  return family;
}

GaugeFamily& PartitionEndOffset() {
  static GaugeFamily& family = Registry().AddGauge(
      "partition_end_offset", "The next offset the partition will assign.", {"topic", "partition"});
  return family;
}

GaugeFamily& DeadLetterDepth() {
  static GaugeFamily& family = Registry().AddGauge(
      "dlq_depth", "Records held by a dead-letter topic (*.dlq).", {"topic"});
  return family;
}

GaugeFamily& DeadLetterAlert() {
  static GaugeFamily& family = Registry().AddGauge(
      "dlq_depth_over_threshold",
      "1 while a dead-letter topic holds more records than the alert threshold.", {"topic"});
  return family;
}

Counter& AclDenials() {
  static CounterFamily& family = Registry().AddCounter(
      "acl_denials_total", "Operations the ACLs refused (each an acl_denied audit event).", {});
  return family.WithLabels({});
}

Counter& QuotaThrottled(std::string_view type) {
  static CounterFamily& family = Registry().AddCounter(
      "quota_throttled_total", "Answers to clients above their byte-rate quota.", {"type"});
  return family.WithLabels({std::string(type)});
}

Counter& QuotaThrottleSeconds(std::string_view type) {
  static CounterFamily& family = Registry().AddCounter(
      "quota_throttle_seconds_total",
      "The throttle time answers to clients above their byte-rate quota asked for.", {"type"});
  return family.WithLabels({std::string(type)});
}

Counter& AuthFailures(std::string_view listener) {
  static CounterFamily& family = Registry().AddCounter(
      "auth_failures_total", "Authentications that failed (each an auth_failed audit event).",
      {"listener"});
  return family.WithLabels({std::string(listener)});
}

}  // namespace herald::broker::metrics
