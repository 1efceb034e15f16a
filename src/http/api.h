// The HTTP doors of one broker, each a set of routes on the shared Router:
//   REST proxy (Confluent REST Proxy API v2)  /topics..., /consumers..., /brokers
//   admin API (JSON)                          /admin/...
//   event store                               /streams/..., /subscriptions/...
//   schema registry (Confluent's API)          /subjects, /schemas, /config, /mode, /compatibility
//   operations                                /metrics, /healthz, /readyz
#pragma once

#include <atomic>
#include <chrono>
#include <string>

#include "broker/broker.h"
#include "broker/group_coordinator.h"
#include "broker/transaction_coordinator.h"
#include "eventstore/event_store.h"
#include "eventstore/persistent_subscriptions.h"
#include "http/router.h"
#include "registry/schema_registry.h"
#include "security/delegated_logins.h"
#include "security/users.h"

namespace herald::http {

// Bounds on what HTTP clients can make the broker hold.
struct HttpContextLimits {
  size_t max_rest_consumers = 1000;            // REST consumer instances at once
  int64_t rest_consumer_timeout_ms = 300'000;  // consumer.instance.timeout.ms
};

// What the routes need from the process. Everything referenced must outlive the router.
struct HttpContext {
  broker::Broker& broker;
  broker::GroupCoordinator& groups;
  std::string version;          // herald's version
  std::string kafka_bootstrap;  // where REST consumers reach this broker's Kafka listener
  // Logins REST consumer instances authenticate with at kafka_bootstrap, each standing for the
  // caller that created the instance; null: they connect without authenticating.
  security::DelegatedLogins* logins = nullptr;
  std::string base_uri;         // http://host:port of this listener, for consumer base_uri
  std::chrono::system_clock::time_point started = std::chrono::system_clock::now();
  int64_t dlq_alert_threshold = 100;  // dlq_depth_over_threshold turns 1 above this
  HttpContextLimits limits;
  // The schema registry, for the REST proxy's Avro format; null: that format is refused.
  registry::SchemaRegistry* registry = nullptr;
  // The transaction coordinator, for /admin/transactions; null: those routes answer 503.
  broker::TransactionCoordinator* txns = nullptr;
  // The SCRAM users, for /admin/users; null: those routes answer 503.
  security::UserStore* users = nullptr;
  std::atomic<bool> ready{false};  // listeners bound, storage recovered, not shutting down
  bool public_metrics = false;     // /metrics without credentials (--public-metrics)
};

void AddRestProxyRoutes(Router& router, HttpContext& context);
void AddAdminRoutes(Router& router, HttpContext& context);
void AddOpsRoutes(Router& router, HttpContext& context);
// Subscriptions' heartbeat timers run on `executor`.
void AddStreamRoutes(Router& router, eventstore::EventStore& store,
                     boost::asio::any_io_executor executor);
// `store_topic`: the event store's topic, whose ACLs govern reading its streams.
void AddPersistentSubscriptionRoutes(Router& router, eventstore::PersistentSubscriptions& subs,
                                     const std::string& store_topic);
void AddRegistryRoutes(Router& router, registry::SchemaRegistry& registry);

}  // namespace herald::http
