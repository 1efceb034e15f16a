// Operations routes: GET /metrics (Prometheus text format 0.0.4), GET /healthz (the process
// answers), GET /readyz (storage recovered with every partition online, listeners bound, not
// shutting down; 503 otherwise, naming the offline partitions and why, to callers who may
// DESCRIBE the cluster).
//
// Gauges that describe state rather than events (partition sizes and end offsets, consumer lag)
// are computed from the broker and the group coordinator when /metrics is read.
#include "base/metrics.h"
#include "broker/broker_metrics.h"
#include "http/api.h"

namespace herald::http {
namespace {

using nlohmann::json;

void SetPartitionGauges(const broker::Broker& broker) {
  std::vector<std::pair<std::vector<std::string>, double>> sizes, ends;
  for (const auto& topic : broker.ListTopics()) {
    for (int32_t p = 0; p < topic.partitions; ++p) {
      auto log = broker.GetLog(topic.name, p);
      if (!log.ok()) continue;
      std::vector<std::string> labels = {topic.name, std::to_string(p)};
      sizes.push_back({labels, static_cast<double>((*log)->size_bytes())});
      ends.push_back({std::move(labels), static_cast<double>((*log)->end_offset())});
    }
  }
  broker::metrics::PartitionSizeBytes().Replace(std::move(sizes));
  broker::metrics::PartitionEndOffset().Replace(std::move(ends));
}

void SetDeadLetterGauges(const broker::Broker& broker, int64_t threshold) {
  std::vector<std::pair<std::vector<std::string>, double>> depths, alerts;
  for (const auto& [topic, depth] : broker.DeadLetterDepths()) {
    depths.push_back({{topic}, static_cast<double>(depth)});
    alerts.push_back({{topic}, depth > threshold ? 1.0 : 0.0});
  }
  broker::metrics::DeadLetterDepth().Replace(depths);
  broker::metrics::DeadLetterAlert().Replace(alerts);
}

void SetLagGauges(const std::vector<broker::GroupOverview>& groups) {
  std::vector<std::pair<std::vector<std::string>, double>> lags;
  for (const auto& group : groups) {
    for (const auto& lag : group.lag) {
      lags.push_back({{lag.topic, group.description.group_id, std::to_string(lag.partition)},
                      static_cast<double>(lag.lag)});
    }
  }
  broker::metrics::ConsumerLag().Replace(std::move(lags));
}

}  // namespace

void AddOpsRoutes(Router& router, HttpContext& ctx) {
  using bhttp::verb;
  // /metrics: public with --public-metrics; else for callers with DESCRIBE on the cluster.
  router.Add(
      verb::get, "/metrics",
      [&ctx](Call call, Reply reply) {
        if (!ctx.public_metrics &&
            !Permitted(call, reply, broker::AclOperation::kDescribe, broker::ResourceType::kCluster,
                       broker::kClusterResourceName)) {
          return;
        }
        SetPartitionGauges(ctx.broker);
        broker::metrics::PartitionsOffline().Set(
            static_cast<double>(ctx.broker.OfflinePartitions().size()));
        SetDeadLetterGauges(ctx.broker, ctx.dlq_alert_threshold);
        ctx.groups.Overview(
            std::nullopt, [reply = std::move(reply)](std::vector<broker::GroupOverview> groups) {
              SetLagGauges(groups);
              reply(TextResponse(bhttp::status::ok, MetricsRegistry::Global().RenderPrometheus(),
                                 "text/plain; version=0.0.4; charset=utf-8"));
            });
      },
      ctx.public_metrics ? Access::kPublic : Access::kAuthenticated);
  router.Add(
      verb::get, "/healthz",
      [](Call, Reply reply) {
        reply(JsonResponse(bhttp::status::ok, {{"status", "ok"}}));
      },
      Access::kPublic);
  router.Add(
      verb::get, "/readyz",
      [&ctx](Call call, Reply reply) {
        const bool listening = ctx.ready.load();
        json offline = json::array();
        for (const auto& o : ctx.broker.OfflinePartitions()) {
          offline.push_back({{"topic", o.topic},
                             {"partition", o.partition},
                             {"path", o.path},
                             {"reason", o.reason}});
        }
        const Status& groups = ctx.groups.offline();
        const bool ready = listening && offline.empty() && groups.ok();
        // The details (names and paths) only for a caller who may DESCRIBE the cluster.
        const bool details =
            call.identity.Known() &&
            call.identity.May(broker::AclOperation::kDescribe, broker::ResourceType::kCluster,
                              broker::kClusterResourceName);
        if (!details) {
          return reply(JsonResponse(ready ? bhttp::status::ok : bhttp::status::service_unavailable,
                                    {{"status", ready ? "ready" : "not_ready"}}));
        }
        json body = {{"status", ready ? "ready" : "not_ready"},
                     {"storage", offline.empty() ? "recovered" : "partitions_offline"},
                     {"groups", groups.ok() ? "online" : groups.ToString()},
                     {"listeners", listening ? "bound" : "stopping"}};
        if (!offline.empty()) body["offline_partitions"] = std::move(offline);
        reply(JsonResponse(ready ? bhttp::status::ok : bhttp::status::service_unavailable, body));
      },
      Access::kPublic);
}

}  // namespace herald::http
