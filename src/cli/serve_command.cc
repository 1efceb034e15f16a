// `herald serve`: the broker. Opens the data directory, listens for Kafka clients, and on
// SIGINT/SIGTERM stops accepting, answers what is in flight, flushes and exits 0.
#include <chrono>
#include <csignal>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/assert.h"
#include "base/log.h"
#include "base/net.h"
#include "base/split.h"
#include "broker/authorizer.h"
#include "broker/broker.h"
#include "broker/config_synonyms.h"
#include "broker/transactions.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "http/api.h"
#include "http/server.h"
#include "kafka/handlers.h"
#include "kafka/listeners.h"
#include "kafka/server.h"
#include "net/tls.h"
#include "registry/record_validator.h"
#include "registry/schema_registry.h"
#include "security/delegated_logins.h"
#include "security/password_checker.h"
#include "security/principal_mapping.h"
#include "security/sasl.h"
#include "security/users.h"
#include "storage/engine.h"

namespace herald::cli {
namespace {

struct ServeOptions {
  std::string config_file;  // Kafka-style server.properties
  std::string data_dir = "./data";
  std::string kafka_addr = "0.0.0.0:9092";
  std::string kafka_tls_addr;  // empty: no TLS Kafka listener
  std::string https_addr;      // empty: no HTTPS listener
  std::string tls_cert;
  std::string tls_key;
  std::string tls_ca;
  std::string tls_client_auth = "none";
  std::string principal_mapping_rules;  // ssl.principal.mapping.rules; empty: the subject
  std::string advertised_addr;  // host:port clients are told to use
  std::string advertised_tls_addr;  // the same for --kafka-tls-addr
  // Kafka's listeners, advertised.listeners and listener.security.protocol.map (kafka/listeners.h);
  // listeners replaces --kafka-addr and --kafka-tls-addr.
  std::string listeners;
  std::string advertised_listeners;
  std::string protocol_map;
  // With --listeners, the SASL_* listeners' mechanisms; else, set: every Kafka listener requires
  // SASL.
  std::vector<std::string> sasl_mechanisms;
  std::string authorizer = "none";           // "acl": Kafka's ACLs are enforced
  std::vector<std::string> super_users;      // principals the authorizer lets do anything
  std::string http_addr = "0.0.0.0:8080";
  std::string registry_addr;          // empty: the schema registry is on the HTTP listener only
  std::vector<std::string> api_keys;  // KEY or PRINCIPAL=KEY: HTTP bearer tokens
  std::string http_auth = "none";     // "basic": HTTP Basic with the users of `herald user`
  bool public_metrics = false;        // /metrics without credentials
  int threads = 2;
  int32_t num_partitions = 1;
  bool auto_create_topics = true;
  int64_t initial_rebalance_delay_ms = 3000;
  int64_t lag_log_interval_ms = 60000;  // consumer_lag and dlq_depth_exceeded events
  int64_t dlq_alert_threshold = 100;
  // server.properties' settings that default topic configs (log.retention.hours, ...), as written.
  std::map<std::string, std::string> topic_default_settings;
  std::map<std::string, int64_t> limits;  // kLimits' values, by flag
  // The server.properties names of the settings server.properties or a flag set.
  std::set<std::string> set_properties;
};

// A bound on what clients can make the broker hold: a flag, the server.properties key Kafka gives
// the same setting (or none), its default and its range.
struct Limit {
  const char* flag;
  const char* property;
  int64_t fallback;
  int64_t min, max;
  const char* help;
  storage::ConfigType type = storage::ConfigType::kInt;  // as Kafka types the property
};

const kafka::ServerOptions kKafkaDefaults;
const broker::BrokerOptions kBrokerDefaults;
const http::HttpContextLimits kHttpDefaults;

const std::vector<Limit>& Limits() {
  static const std::vector<Limit> limits = {
      {"--max-connections", "max.connections", static_cast<int64_t>(kKafkaDefaults.max_connections),
       1, 1 << 20, "Kafka connections in all; more are closed at accept"},
      {"--max-connections-per-ip", "max.connections.per.ip",
       static_cast<int64_t>(kKafkaDefaults.max_connections_per_ip), 1, 1 << 20,
       "Kafka connections from one client address"},
      {"--connections-max-idle-ms", "connections.max.idle.ms",
       kKafkaDefaults.connections_max_idle_ms, 100, int64_t{7} * 86400000,
       "Close a Kafka connection with nothing in flight that sent nothing for this long",
       storage::ConfigType::kLong},
      {"--request-read-timeout-ms", nullptr, kKafkaDefaults.request_read_timeout_ms, 100, 3600000,
       "Close a Kafka connection whose request takes longer than this to arrive"},
      {"--sasl-timeout-ms", nullptr, kKafkaDefaults.sasl_timeout_ms, 100, 3600000,
       "Close a Kafka connection that has not authenticated this long after it was accepted "
       "(with --sasl-mechanisms)"},
      {"--queued-max-request-bytes", "queued.max.request.bytes",
       static_cast<int64_t>(kKafkaDefaults.queued_max_request_bytes), 1 << 20, int64_t{1} << 40,
       "Request bytes held across connections; beyond it connections pause reading",
       storage::ConfigType::kLong},
      {"--socket-request-max-bytes", "socket.request.max.bytes",
       static_cast<int64_t>(kKafkaDefaults.max_request_bytes), 1024, int64_t{1} << 31,
       "The largest Kafka request; a larger one closes its connection"},
      {"--max-partitions-per-request", nullptr, kBrokerDefaults.max_partitions_per_request, 1,
       1 << 24, "Partition entries one Kafka request may name; more close its connection"},
      {"--fetch-max-bytes", "fetch.max.bytes", kBrokerDefaults.fetch_max_bytes, 1024,
       int64_t{1} << 30, "The most one fetch answers, whatever the client asks"},
      {"--fetch-max-wait-ms", nullptr, kBrokerDefaults.fetch_max_wait_ms, 0, 3600000,
       "The longest a fetch waits for data, whatever the client asks"},
      {"--max-partitions-per-topic", nullptr, kBrokerDefaults.max_partitions_per_topic, 1, 1 << 20,
       "Partitions one topic may have"},
      {"--max-partitions", nullptr, kBrokerDefaults.max_partitions, 1, 1 << 24,
       "Partitions this broker may hold in all (each holds three open files)"},
      {"--producer-byte-rate", nullptr, 0, 0, int64_t{1} << 40,
       "Bytes per second each principal may produce; a client above it is throttled "
       "(throttle_time_ms); 0: no quota",
       storage::ConfigType::kLong},
      {"--consumer-byte-rate", nullptr, 0, 0, int64_t{1} << 40,
       "Bytes per second each principal may fetch; a client above it is throttled "
       "(throttle_time_ms); 0: no quota",
       storage::ConfigType::kLong},
      {"--quota-window-num", "quota.window.num", 11, 2, 1000,
       "Windows over which quota rates are measured"},
      {"--quota-window-size-seconds", "quota.window.size.seconds", 1, 1, 3600,
       "The length of each quota window"},
      {"--rest-consumer-max-instances", nullptr,
       static_cast<int64_t>(kHttpDefaults.max_rest_consumers), 0, 1 << 20,
       "REST proxy consumer instances at once; more are refused (429)"},
      {"--rest-consumer-instance-timeout-ms", "consumer.instance.timeout.ms",
       kHttpDefaults.rest_consumer_timeout_ms, 1000, int64_t{7} * 86400000,
       "Close a REST proxy consumer instance unused for this long"},
  };
  return limits;
}

int64_t LimitValue(const ServeOptions& o, const char* flag) {
  for (const Limit& limit : Limits()) {
    if (std::string_view(limit.flag) != flag) continue;
    auto it = o.limits.find(flag);
    return it == o.limits.end() ? limit.fallback : it->second;
  }
  HERALD_ASSERT(false, "unknown limit {}", flag);
  return 0;
}

const Limit* LimitFor(const std::string& property) {
  for (const Limit& limit : Limits()) {
    if (limit.property && property == limit.property) return &limit;
  }
  return nullptr;
}

// The items of a `separator`-separated list, trimmed, without empty ones.
std::vector<std::string> TrimmedItems(const std::string& value, char separator) {
  std::vector<std::string> items;
  for (const std::string& item : SplitList(value, EmptyItems::kDrop, separator)) {
    if (!TrimSpace(item).empty()) items.emplace_back(TrimSpace(item));
  }
  return items;
}

// authorizer.class.name: Kafka's ACL authorizers are Herald's "acl", none is "none".
Result<std::string> AuthorizerOfClass(const std::string& name) {
  if (name.empty()) return std::string("none");
  if (name == "kafka.security.authorizer.AclAuthorizer" ||
      name == "org.apache.kafka.metadata.authorizer.StandardAuthorizer") {
    return std::string("acl");
  }
  return InvalidArgument(
      "authorizer.class.name={}: Kafka's ACL authorizers "
      "(kafka.security.authorizer.AclAuthorizer, "
      "org.apache.kafka.metadata.authorizer.StandardAuthorizer) are served",
      name);
}

// Reads KEY=VALUE lines ('#' and '!' start comments). Unknown keys are an error: a typo must
// not pass silently.
Status LoadConfigFile(const std::string& path, ServeOptions& o) {
  std::ifstream in(path);
  if (!in) return NotFound("cannot read config file {}", path);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    line = std::string(TrimSpace(line));
    if (line.empty() || line[0] == '#' || line[0] == '!') continue;
    size_t eq = line.find('=');
    if (eq == std::string::npos) return InvalidArgument("{}:{}: expected KEY=VALUE", path, number);
    std::string key(TrimSpace(std::string_view(line).substr(0, eq)));
    std::string value(TrimSpace(std::string_view(line).substr(eq + 1)));
    try {
      if (key == "log.dir") key = "log.dirs";  // the one Herald has
      if (key == "num.partitions") {
        o.num_partitions = std::stoi(value);
      } else if (key == "auto.create.topics.enable") {
        o.auto_create_topics = value == "true";
      } else if (key == "group.initial.rebalance.delay.ms") {
        o.initial_rebalance_delay_ms = std::stoll(value);
      } else if (key == "log.dirs") {
        o.data_dir = value;
      } else if (key == "listeners") {
        o.listeners = value;
      } else if (key == "advertised.listeners") {
        o.advertised_listeners = value;
      } else if (key == "listener.security.protocol.map") {
        o.protocol_map = value;
      } else if (key == "sasl.enabled.mechanisms") {
        o.sasl_mechanisms = TrimmedItems(value, ',');
      } else if (key == "super.users") {
        o.super_users = TrimmedItems(value, ';');  // Kafka's separator: a principal may hold ','
      } else if (key == "authorizer.class.name") {
        auto authorizer = AuthorizerOfClass(value);
        if (!authorizer.ok())
          return authorizer.status().WithContext(fmt::format("{}:{}", path, number));
        o.authorizer = *authorizer;
      } else if (key == "ssl.client.auth") {
        o.tls_client_auth = value;
      } else if (key == "ssl.principal.mapping.rules") {
        o.principal_mapping_rules = value;
      } else if (key == "ssl.keystore.location") {
        o.tls_cert = value;  // a PEM keystore holds the certificate chain and the key
        o.tls_key = value;
      } else if (key == "ssl.truststore.location") {
        o.tls_ca = value;
      } else if (key == "ssl.keystore.type" || key == "ssl.truststore.type") {
        if (value != "PEM") {
          return InvalidArgument("{}:{}: {}={}: only PEM files are read", path, number, key, value);
        }
      } else if (broker::IsTopicDefaultSetting(key)) {
        o.topic_default_settings[key] = value;
      } else if (const Limit* limit = LimitFor(key)) {
        const int64_t v = std::stoll(value);
        if (v < limit->min || v > limit->max) {
          return InvalidArgument("{}:{}: {} must be in [{}, {}]", path, number, key, limit->min,
                                 limit->max);
        }
        o.limits[limit->flag] = v;
      } else {
        return InvalidArgument("{}:{}: unknown setting '{}'", path, number, key);
      }
      o.set_properties.insert(key);
    } catch (const std::exception&) {
      return InvalidArgument("{}:{}: bad value '{}' for {}", path, number, value, key);
    }
  }
  return Status::Ok();
}

// Runs `io` on this thread until it stops. An exception that escapes a handler is logged and the
// loop goes on: a failure in one request never ends the process.
void RunIo(boost::asio::io_context& io) {
  for (;;) {
    try {
      io.run();
      return;
    } catch (const std::exception& e) {
      LogError("internal_error", {}, e.what());
    }
  }
}

// The server.properties names of the flags that have one.
const std::map<std::string, std::string>& PropertyOfFlag() {
  static const std::map<std::string, std::string> names = [] {
    std::map<std::string, std::string> m = {
        {"--data-dir", "log.dirs"},
        {"--num-partitions", "num.partitions"},
        {"--auto-create-topics", "auto.create.topics.enable"},
        {"--group-initial-rebalance-delay-ms", "group.initial.rebalance.delay.ms"},
    };
    for (const Limit& limit : Limits()) {
      if (limit.property) m[limit.flag] = limit.property;
    }
    return m;
  }();
  return names;
}

// The config file sets what the command line did not.
Status MergeConfigFile(ServeOptions& o, const std::set<std::string>& given) {
  for (const auto& [flag, property] : PropertyOfFlag()) {
    if (given.contains(flag)) o.set_properties.insert(property);
  }
  if (o.config_file.empty()) return Status::Ok();
  ServeOptions from_file = o;
  HERALD_RETURN_IF_ERROR(LoadConfigFile(o.config_file, from_file));
  if (!given.contains("--data-dir")) o.data_dir = from_file.data_dir;
  if (!given.contains("--num-partitions")) o.num_partitions = from_file.num_partitions;
  if (!given.contains("--auto-create-topics")) o.auto_create_topics = from_file.auto_create_topics;
  if (!given.contains("--group-initial-rebalance-delay-ms")) {
    o.initial_rebalance_delay_ms = from_file.initial_rebalance_delay_ms;
  }
  // The listeners as a whole: any listener flag replaces the file's.
  if (!given.contains("--kafka-addr") && !given.contains("--kafka-tls-addr")) {
    if (!given.contains("--listeners")) o.listeners = from_file.listeners;
    o.protocol_map = from_file.protocol_map;  // names --listeners' listeners too
  }
  if (!given.contains("--advertised-listeners") && !given.contains("--advertised-addr") &&
      !given.contains("--advertised-tls-addr")) {
    o.advertised_listeners = from_file.advertised_listeners;
  }
  if (!given.contains("--sasl-mechanisms")) o.sasl_mechanisms = from_file.sasl_mechanisms;
  if (!given.contains("--super-users")) o.super_users = from_file.super_users;
  if (!given.contains("--authorizer")) o.authorizer = from_file.authorizer;
  if (!given.contains("--tls-client-auth")) o.tls_client_auth = from_file.tls_client_auth;
  if (!given.contains("--tls-cert")) o.tls_cert = from_file.tls_cert;
  if (!given.contains("--tls-key")) o.tls_key = from_file.tls_key;
  if (!given.contains("--tls-ca")) o.tls_ca = from_file.tls_ca;
  if (!given.contains("--ssl-principal-mapping-rules")) {
    o.principal_mapping_rules = from_file.principal_mapping_rules;
  }
  o.topic_default_settings = from_file.topic_default_settings;
  o.set_properties = from_file.set_properties;
  for (const auto& [flag, value] : from_file.limits) {
    if (!given.contains(flag)) o.limits[flag] = value;
  }
  return Status::Ok();
}

Result<std::unique_ptr<storage::Engine>> OpenEngine(const ServeOptions& o,
                                                    const storage::LogConfig& defaults) {
  storage::EngineOptions eo;
  eo.data_dir = o.data_dir;
  eo.defaults = defaults;
  eo.max_partitions_per_topic =
      static_cast<int32_t>(LimitValue(o, "--max-partitions-per-topic"));
  return storage::Engine::Open(eo);
}

// How a client reaches a listener bound to `host`: a wildcard address becomes localhost.
std::string ClientHost(const std::string& host) {
  return (host.empty() || host == "0.0.0.0" || host == "::") ? "localhost" : host;
}

// A Kafka listener to open: where it binds, how its clients connect, and what they are told
// (advertised; a port of 0 there: the bound port).
struct KafkaListenerPlan {
  kafka::Listener listener;
  std::optional<HostPort> advertised;
};

// The Kafka listeners: Kafka's listeners (--listeners, or listeners= in --config), else
// --kafka-addr and --kafka-tls-addr (SASL_PLAINTEXT and SASL_SSL with --sasl-mechanisms); each
// with what advertised.listeners or --advertised-addr/--advertised-tls-addr tell its clients.
Result<std::vector<KafkaListenerPlan>> KafkaListenersFor(const ServeOptions& o,
                                                         const std::set<std::string>& given) {
  using kafka::SecurityProtocol;
  const bool sasl = !o.sasl_mechanisms.empty();
  std::vector<KafkaListenerPlan> plans;
  if (!o.listeners.empty()) {
    if (given.contains("--kafka-addr") || given.contains("--kafka-tls-addr")) {
      return InvalidArgument("--listeners replaces --kafka-addr and --kafka-tls-addr");
    }
    if (given.contains("--advertised-addr") || given.contains("--advertised-tls-addr")) {
      return InvalidArgument(
          "with --listeners, clients are told addresses by --advertised-listeners, not "
          "--advertised-addr or --advertised-tls-addr");
    }
    HERALD_ASSIGN_OR_RETURN(auto protocols, kafka::ParseProtocolMap(o.protocol_map));
    HERALD_ASSIGN_OR_RETURN(auto listeners, kafka::ParseListeners(o.listeners, protocols));
    for (auto& listener : listeners) {
      if (kafka::UsesSasl(listener.protocol) && !sasl) {
        return InvalidArgument(
            "listener {} is {}: --sasl-mechanisms (sasl.enabled.mechanisms) names its mechanisms",
            listener.address.name, kafka::NameOf(listener.protocol));
      }
      plans.push_back({std::move(listener), std::nullopt});
    }
    if (sasl && std::none_of(plans.begin(), plans.end(), [](const KafkaListenerPlan& p) {
          return kafka::UsesSasl(p.listener.protocol);
        })) {
      return InvalidArgument(
          "--sasl-mechanisms: no listener is SASL_PLAINTEXT or SASL_SSL to use them");
    }
  } else {
    if (!o.protocol_map.empty()) {
      return InvalidArgument("listener.security.protocol.map needs listeners");
    }
    auto add = [&](const std::string& addr, const char* flag, SecurityProtocol protocol) -> Status {
      HERALD_ASSIGN_OR_RETURN(HostPort at, ParseHostPort(addr, flag));
      plans.push_back(
          {{.address = {.name = std::string(kafka::NameOf(protocol)), .at = std::move(at)},
            .protocol = protocol},
           std::nullopt});
      return Status::Ok();
    };
    HERALD_RETURN_IF_ERROR(
        add(o.kafka_addr, "--kafka-addr",
            sasl ? SecurityProtocol::kSaslPlaintext : SecurityProtocol::kPlaintext));
    if (!o.advertised_addr.empty()) {
      HERALD_ASSIGN_OR_RETURN(plans[0].advertised,
                              ParseHostPort(o.advertised_addr, "--advertised-addr"));
    }
    if (!o.kafka_tls_addr.empty()) {
      HERALD_RETURN_IF_ERROR(add(o.kafka_tls_addr, "--kafka-tls-addr",
                                 sasl ? SecurityProtocol::kSaslSsl : SecurityProtocol::kSsl));
      // TLS clients keep to TLS: the TLS listener's port with --advertised-addr's host (which
      // their certificate check expects), unless --advertised-tls-addr says all.
      if (!o.advertised_tls_addr.empty()) {
        HERALD_ASSIGN_OR_RETURN(plans[1].advertised,
                                ParseHostPort(o.advertised_tls_addr, "--advertised-tls-addr"));
      } else if (plans[0].advertised) {
        plans[1].advertised = HostPort{plans[0].advertised->host, 0};
      }
    } else if (!o.advertised_tls_addr.empty()) {
      return InvalidArgument("--advertised-tls-addr needs --kafka-tls-addr");
    }
  }
  if (!o.advertised_listeners.empty()) {
    if (given.contains("--advertised-addr") || given.contains("--advertised-tls-addr")) {
      return InvalidArgument(
          "--advertised-listeners replaces --advertised-addr and --advertised-tls-addr");
    }
    std::vector<kafka::Listener> listeners;
    for (const auto& plan : plans) listeners.push_back(plan.listener);
    HERALD_ASSIGN_OR_RETURN(auto advertised,
                            kafka::ParseAdvertisedListeners(o.advertised_listeners, listeners));
    for (auto& address : advertised) {
      for (auto& plan : plans) {
        if (plan.listener.address.name == address.name) plan.advertised = std::move(address.at);
      }
    }
  }
  for (auto& plan : plans) {
    if (plan.listener.address.at.host.empty()) plan.listener.address.at.host = "0.0.0.0";
  }
  return plans;
}

// What the clients of `plan`, bound to `port`, are told.
kafka::AdvertisedAddress AdvertisedOf(const KafkaListenerPlan& plan, uint16_t port) {
  kafka::AdvertisedAddress out{ClientHost(plan.listener.address.at.host), port};
  if (plan.advertised) {
    if (!plan.advertised->host.empty()) out.host = plan.advertised->host;
    if (plan.advertised->port != 0) out.port = plan.advertised->port;
  }
  return out;
}

kafka::ServerOptions KafkaServerOptionsFor(const ServeOptions& o) {
  kafka::ServerOptions so;
  so.max_connections = static_cast<size_t>(LimitValue(o, "--max-connections"));
  so.max_connections_per_ip = static_cast<size_t>(LimitValue(o, "--max-connections-per-ip"));
  so.connections_max_idle_ms = LimitValue(o, "--connections-max-idle-ms");
  so.request_read_timeout_ms = LimitValue(o, "--request-read-timeout-ms");
  so.sasl_timeout_ms = LimitValue(o, "--sasl-timeout-ms");
  so.queued_max_request_bytes = static_cast<size_t>(LimitValue(o, "--queued-max-request-bytes"));
  so.max_request_bytes = static_cast<size_t>(LimitValue(o, "--socket-request-max-bytes"));
  return so;
}

// The settings DescribeConfigs lists for this broker besides those that default topic configs.
// `listeners` and `advertised` are the Kafka listeners as opened (their bound ports).
std::vector<broker::BrokerSettingValue> BrokerSettingsOf(const ServeOptions& o,
                                                         const std::string& listeners,
                                                         const std::string& advertised) {
  const ServeOptions defaults;
  auto setting = [&](std::string name, std::string value, std::string default_value,
                     storage::ConfigType type, std::string documentation) {
    const bool set = o.set_properties.contains(name);
    return broker::BrokerSettingValue{std::move(name), std::move(value),
                                      std::move(default_value), set, type,
                                      std::move(documentation)};
  };
  auto boolean = [](bool b) { return std::string(b ? "true" : "false"); };
  std::vector<broker::BrokerSettingValue> out = {
      setting("log.dirs", o.data_dir, defaults.data_dir, storage::ConfigType::kString,
              "The data directory (--data-dir)."),
      setting("num.partitions", std::to_string(o.num_partitions),
              std::to_string(defaults.num_partitions), storage::ConfigType::kInt,
              "Partitions of auto-created topics (--num-partitions)."),
      setting("auto.create.topics.enable", boolean(o.auto_create_topics),
              boolean(defaults.auto_create_topics), storage::ConfigType::kBoolean,
              "Create topics on first use (--auto-create-topics)."),
      setting("group.initial.rebalance.delay.ms", std::to_string(o.initial_rebalance_delay_ms),
              std::to_string(defaults.initial_rebalance_delay_ms), storage::ConfigType::kInt,
              "How long a new consumer group waits for more members before its first assignment "
              "(--group-initial-rebalance-delay-ms)."),
      setting("listeners", listeners, "PLAINTEXT://0.0.0.0:9092", storage::ConfigType::kList,
              "The Kafka listeners (--listeners, else --kafka-addr and --kafka-tls-addr)."),
      setting("advertised.listeners", advertised, "", storage::ConfigType::kList,
              "What each Kafka listener's clients are told to connect to "
              "(--advertised-listeners)."),
  };
  for (const Limit& limit : Limits()) {
    if (!limit.property) continue;
    out.push_back(setting(limit.property, std::to_string(LimitValue(o, limit.flag)),
                          std::to_string(limit.fallback), limit.type,
                          fmt::format("{} ({}).", limit.help, limit.flag)));
  }
  return out;
}

// `own` is what clients are told when a request came from no listener (the first one's).
broker::BrokerOptions BrokerOptionsFor(const ServeOptions& o, const kafka::AdvertisedAddress& own,
                                       const std::string& listeners,
                                       const std::string& advertised) {
  broker::BrokerOptions bo;
  bo.auto_create_topics = o.auto_create_topics;
  bo.num_partitions = o.num_partitions;
  bo.topic_default_settings = o.topic_default_settings;
  bo.settings = BrokerSettingsOf(o, listeners, advertised);
  bo.max_partitions_per_request =
      static_cast<int32_t>(LimitValue(o, "--max-partitions-per-request"));
  bo.fetch_max_bytes = static_cast<int32_t>(LimitValue(o, "--fetch-max-bytes"));
  bo.fetch_max_wait_ms = static_cast<int32_t>(LimitValue(o, "--fetch-max-wait-ms"));
  bo.max_partitions_per_topic = static_cast<int32_t>(LimitValue(o, "--max-partitions-per-topic"));
  bo.max_partitions = static_cast<int32_t>(LimitValue(o, "--max-partitions"));
  bo.quotas.producer_byte_rate = LimitValue(o, "--producer-byte-rate");
  bo.quotas.consumer_byte_rate = LimitValue(o, "--consumer-byte-rate");
  bo.quotas.samples = static_cast<int>(LimitValue(o, "--quota-window-num"));
  bo.quotas.window_ms = LimitValue(o, "--quota-window-size-seconds") * 1000;
  bo.advertised_host = own.host;
  bo.advertised_port = own.port;
  return bo;
}

// An HTTP listener on `addr` (given as `flag`).
Result<http::HttpServerOptions> HttpServerOptionsFor(const std::string& addr, const char* flag) {
  HERALD_ASSIGN_OR_RETURN(HostPort listen, ParseHostPort(addr, flag));
  http::HttpServerOptions ho;
  ho.host = std::move(listen.host);
  ho.port = listen.port;
  return ho;
}
// --api-key: each KEY (its holder may do anything) or PRINCIPAL=KEY (a principal "Type:name",
// bound by the ACLs), as key -> principal ("" for none).
Result<std::map<std::string, std::string>> ApiKeysFor(const ServeOptions& o) {
  std::map<std::string, std::string> keys;
  for (const std::string& value : o.api_keys) {
    const size_t equals = value.find('=');
    const size_t colon = value.find(':');
    std::string principal;
    std::string key = value;
    if (equals != std::string::npos && colon != std::string::npos && colon > 0 &&
        colon + 1 < equals) {
      principal = value.substr(0, equals);
      key = value.substr(equals + 1);
    } else if (equals != std::string::npos && equals > 0 &&
               value.find_first_not_of('=', equals) != std::string::npos) {
      // NAME=KEY (not base64's trailing '='): a principal without its type, not a bare key.
      return InvalidArgument("--api-key: a principal is Type:name (User:ci=KEY)");
    }
    if (key.empty()) return InvalidArgument("--api-key: an empty key");
    if (!keys.emplace(key, principal).second) {
      return InvalidArgument("--api-key: a key given twice");  // not the key: it is a secret
    }
  }
  return keys;
}

// Every `interval_ms`, a consumer_lag event for each partition a group lags on and a
// dlq_depth_exceeded warning for each dead-letter topic above the threshold. Runs on its own
// strand of the server's io_context until Stop.
class LagReporter {
 public:
  LagReporter(boost::asio::io_context& io, broker::Broker& broker,
              broker::GroupCoordinator& groups, int64_t interval_ms, int64_t dlq_threshold)
      : broker_(broker),
        groups_(groups),
        interval_ms_(interval_ms),
        dlq_threshold_(dlq_threshold),
        strand_(boost::asio::make_strand(io)),
        timer_(strand_) {}

  void Start() {
    boost::asio::post(strand_, [this] { Schedule(); });
  }
  void Stop() {
    boost::asio::post(strand_, [this] {
      stopped_ = true;
      timer_.cancel();
    });
  }

 private:
  void Schedule() {
    if (stopped_) return;
    timer_.expires_after(std::chrono::milliseconds(interval_ms_));
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      groups_.Overview(std::nullopt, [this](std::vector<broker::GroupOverview> all) {
        Report(all);
        boost::asio::post(strand_, [this] { Schedule(); });
      });
    });
  }

  void Report(const std::vector<broker::GroupOverview>& groups) {
    for (const auto& group : groups) {
      for (const auto& lag : group.lag) {
        if (lag.lag == 0) continue;
        LogInfo("consumer_lag", {{"consumer_group", group.description.group_id},
                                 {"topic", lag.topic},
                                 {"partition", lag.partition},
                                 {"offset", lag.committed},
                                 {"end_offset", lag.end_offset},
                                 {"lag", lag.lag}});
      }
    }
    for (const auto& [topic, depth] : broker_.DeadLetterDepths()) {
      if (depth <= dlq_threshold_) continue;
      LogWarn("dlq_depth_exceeded",
              {{"topic", topic}, {"depth", depth}, {"threshold", dlq_threshold_}},
              "dead letters are piling up: inspect them with herald dlq list");
    }
  }

  broker::Broker& broker_;
  broker::GroupCoordinator& groups_;
  const int64_t interval_ms_;
  const int64_t dlq_threshold_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::steady_timer timer_;  // on strand_
  bool stopped_ = false;             // on strand_
};

void PrintStartBanner(const ServeOptions& o, const std::string& kafka_where,
                      const std::string& advertised, const std::string& http_where) {
  std::cerr << fmt::format(
      "herald: Kafka protocol on {} (clients use {}), HTTP on {}, data in {}\n"
      "  produce:  echo 'hello' | kcat -b {} -t demo -P\n"
      "  consume:  kcat -b {} -t demo -C -o beginning -e\n"
      "  over HTTP: curl -s -X POST -H 'Content-Type: application/vnd.kafka.json.v2+json' \\\n"
      "               -d '{{\"records\":[{{\"value\":{{\"hello\":\"world\"}}}}]}}' http://{}/topics/demo\n"
      "  metrics:  curl -s http://{}/metrics\n"
      "  stop:     Ctrl-C\n",
      kafka_where, advertised, http_where, o.data_dir, advertised, advertised, http_where,
      http_where);
}

// Runs `io` on `threads` threads (this one included) until it stops.
void RunIoThreads(boost::asio::io_context& io, int threads) {
  std::vector<std::thread> others;
  for (int i = 1; i < threads; ++i) others.emplace_back([&io] { RunIo(io); });
  RunIo(io);
  for (auto& t : others) t.join();
}

// --registry-addr: [http://|https://]HOST:PORT, as the address and whether it speaks TLS.
std::pair<std::string, bool> RegistryAddress(const std::string& value) {
  if (value.starts_with("https://")) return {value.substr(8), true};
  if (value.starts_with("http://")) return {value.substr(7), false};
  return {value, false};
}

// The TLS settings of --tls-*, nullopt when no TLS listener is asked for (`kafka_tls`: a Kafka
// listener is SSL or SASL_SSL).
Result<std::optional<net::TlsOptions>> TlsOptionsFor(const ServeOptions& o, bool kafka_tls) {
  const bool listener =
      kafka_tls || !o.https_addr.empty() || RegistryAddress(o.registry_addr).second;
  if (!listener) {
    if (!o.tls_cert.empty() || !o.tls_key.empty() || !o.tls_ca.empty() ||
        o.tls_client_auth != "none") {
      return InvalidArgument(
          "--tls-cert, --tls-key, --tls-ca and --tls-client-auth need a TLS listener "
          "(--kafka-tls-addr, an SSL or SASL_SSL listener, --https-addr, or --registry-addr "
          "https://...)");
    }
    return std::optional<net::TlsOptions>();
  }
  if (o.tls_cert.empty() || o.tls_key.empty()) {
    return InvalidArgument(
        "TLS listeners (--kafka-tls-addr, SSL and SASL_SSL listeners, --https-addr, "
        "--registry-addr https://...) need --tls-cert and --tls-key (ssl.keystore.location)");
  }
  net::TlsOptions options;
  options.cert_file = o.tls_cert;
  options.key_file = o.tls_key;
  options.ca_file = o.tls_ca;
  auto auth = net::ParseClientAuth(o.tls_client_auth);
  if (!auth.ok()) return auth.status().WithContext("--tls-client-auth");
  options.client_auth = *auth;
  if (options.client_auth != net::ClientAuth::kNone && options.ca_file.empty()) {
    return InvalidArgument("--tls-client-auth {} needs --tls-ca", o.tls_client_auth);
  }
  return std::optional<net::TlsOptions>(std::move(options));
}

// --sasl-mechanisms, checked and without repeats; empty when SASL is off.
Result<std::vector<std::string>> SaslMechanismsFor(const ServeOptions& o) {
  std::vector<std::string> mechanisms;
  for (const auto& m : o.sasl_mechanisms) {
    if (!security::IsKnownMechanism(m)) {
      return InvalidArgument("--sasl-mechanisms: unknown mechanism '{}' (PLAIN, SCRAM-SHA-256 "
                             "and SCRAM-SHA-512 are served)",
                             m);
    }
    if (std::find(mechanisms.begin(), mechanisms.end(), m) == mechanisms.end()) {
      mechanisms.push_back(m);
    }
  }
  return mechanisms;
}

// --super-users, checked against --authorizer; the principals. --authorizer acl needs HTTP
// authentication: an anonymous HTTP caller could do there what the ACLs refuse.
Result<std::set<std::string>> SuperUsersFor(const ServeOptions& o) {
  if (o.authorizer != "acl" && !o.super_users.empty()) {
    return InvalidArgument("--super-users needs --authorizer acl");
  }
  if (o.authorizer == "acl" && o.api_keys.empty() && o.http_auth == "none") {
    return InvalidArgument(
        "--authorizer acl needs HTTP authentication (--http-auth basic or --api-key): an HTTP "
        "listener open to all would let anyone do what the ACLs refuse");
  }
  std::set<std::string> users;
  for (std::string u : o.super_users) {
    u.erase(0, u.find_first_not_of(' '));  // "User:a, User:b"
    u.erase(u.find_last_not_of(' ') + 1);
    const size_t colon = u.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == u.size()) {
      return InvalidArgument("--super-users: '{}' is not a principal (User:name)", u);
    }
    users.insert(u);
  }
  return users;
}

// SIGHUP: reads the TLS files again (connections accepted afterwards use them), until cancelled
// or `stopping`. `hangups` runs its handlers on the strand that sets `stopping`, so a SIGHUP
// handled after the shutdown's cancel does not wait again.
void ReloadOnHangup(boost::asio::signal_set& hangups, std::shared_ptr<net::TlsContext> tls,
                    const bool& stopping) {
  hangups.async_wait([&hangups, tls, &stopping](const boost::system::error_code& ec, int) {
    if (ec || stopping) return;
    if (!tls) {
      LogInfo("reload", {}, "SIGHUP: no TLS listener, nothing to reload");
    } else if (Status s = tls->Reload(); s.ok()) {
      LogInfo("tls_reloaded", {{"cert", tls->options().cert_file}},
              "new connections use the certificate and key read again");
    } else {
      LogError("tls_reload_failed", {{"cert", tls->options().cert_file}},
               fmt::format("{}; the previous certificate stays in use", s.ToString()));
    }
    ReloadOnHangup(hangups, tls, stopping);
  });
}

int RunServe(ServeOptions o, const std::set<std::string>& given) {
  // SIGHUP's default action ends the process: until its handler is installed (after the
  // listeners are bound), one is ignored.
  std::signal(SIGHUP, SIG_IGN);
  if (Status s = MergeConfigFile(o, given); !s.ok()) return UsageError(s.message());
  auto sasl_mechanisms = SaslMechanismsFor(o);
  if (!sasl_mechanisms.ok()) return UsageError(sasl_mechanisms.status().message());
  auto plans = KafkaListenersFor(o, given);
  if (!plans.ok()) return UsageError(plans.status().message());
  const bool kafka_tls = std::any_of(plans->begin(), plans->end(), [](const auto& plan) {
    return kafka::UsesTls(plan.listener.protocol);
  });
  auto tls_options = TlsOptionsFor(o, kafka_tls);
  if (!tls_options.ok()) return UsageError(tls_options.status().message());
  auto super_users = SuperUsersFor(o);
  if (!super_users.ok()) return UsageError(super_users.status().message());
  std::shared_ptr<net::TlsContext> tls;
  if (*tls_options) {
    auto loaded = net::TlsContext::Load(**tls_options);
    if (!loaded.ok()) return Fail(loaded.status());
    tls = *loaded;
  }
  auto mapper = security::PrincipalMapper::Parse(o.principal_mapping_rules);
  if (!mapper.ok()) return UsageError(mapper.status().message());
  const auto principal_mapper =
      std::make_shared<const security::PrincipalMapper>(std::move(mapper).value());
  auto api_keys = ApiKeysFor(o);
  if (!api_keys.ok()) return UsageError(api_keys.status().message());
  auto ho = HttpServerOptionsFor(o.http_addr, "--http-addr");
  if (!ho.ok()) return UsageError(ho.status().message());
  std::optional<http::HttpServerOptions> https_ho;
  if (!o.https_addr.empty()) {
    auto options = HttpServerOptionsFor(o.https_addr, "--https-addr");
    if (!options.ok()) return UsageError(options.status().message());
    https_ho = std::move(options).value();
    https_ho->tls = tls;
  }
  std::optional<http::HttpServerOptions> registry_ho;
  if (!o.registry_addr.empty()) {
    const auto [addr, registry_tls] = RegistryAddress(o.registry_addr);
    auto options = HttpServerOptionsFor(addr, "--registry-addr");
    if (!options.ok()) return UsageError(options.status().message());
    registry_ho = std::move(options).value();
    if (registry_tls) registry_ho->tls = tls;
  }
  // Topic configs every topic starts from: Kafka's log.* settings from the config file.
  auto set = broker::TopicDefaultsFrom(o.topic_default_settings);
  if (!set.ok()) return UsageError(set.status().WithContext(o.config_file).message());
  auto defaults = storage::LogConfig::WithOverrides(storage::LogConfig{}, *set);
  if (!defaults.ok()) return UsageError(defaults.status().WithContext(o.config_file).message());
  auto engine = OpenEngine(o, *defaults);
  if (!engine.ok()) {
    Fail(engine.status());
    return engine.status().code() == StatusCode::kFailedPrecondition ? kExitDataDirLocked
                                                                    : kExitFailure;
  }

  // The SCRAM users (`herald user`, or Kafka's AlterUserScramCredentials on a running broker):
  // SASL and HTTP Basic check credentials against them.
  auto opened_users = security::UserStore::Open(**engine);
  if (!opened_users.ok()) return Fail(opened_users.status());
  std::unique_ptr<security::UserStore> users = std::move(opened_users).value();
  security::SaslServer::Credentials credentials =
      [store = users.get()](const std::string& user, security::ScramMechanism mechanism) {
        return store->Find(user, mechanism);
      };
  std::shared_ptr<const kafka::SaslSettings> sasl;
  if (!sasl_mechanisms->empty()) {
    sasl = std::make_shared<const kafka::SaslSettings>(
        kafka::SaslSettings{*sasl_mechanisms, credentials});
  }
  // --authorizer acl: every door asks the broker's authorizer (declared before the servers: it
  // outlives them).
  std::unique_ptr<broker::Authorizer> authorizer;
  if (o.authorizer == "acl") {
    auto opened_acls = broker::Authorizer::Open(**engine, *super_users);
    if (!opened_acls.ok()) return Fail(opened_acls.status());
    authorizer = std::move(opened_acls).value();
  }
  // Who each HTTP request is from: every HTTP listener the same way.
  auto http_auth = std::make_shared<http::HttpAuthenticator>(http::HttpAuthOptions{
      .api_keys = *api_keys,
      .users = o.http_auth == "basic"
                   ? std::make_shared<security::PasswordChecker>(credentials, Clock::System())
                   : nullptr,
      .authorizer = authorizer.get()});
  ho->auth = http_auth;
  if (https_ho) https_ho->auth = http_auth;
  if (registry_ho) registry_ho->auth = http_auth;

  boost::asio::io_context io(o.threads);
  // The Kafka listeners, in the order given; the first one's address is the broker's own.
  std::vector<std::unique_ptr<kafka::KafkaServer>> kafka_servers;
  std::vector<std::string> listener_names, advertised_names;
  for (const KafkaListenerPlan& plan : *plans) {
    const kafka::Listener& listener = plan.listener;
    kafka::ServerOptions so = KafkaServerOptionsFor(o);
    so.host = listener.address.at.host;
    so.port = listener.address.at.port;
    if (kafka::UsesTls(listener.protocol)) {
      so.tls = tls;
      so.principal_mapper = principal_mapper;
    }
    if (kafka::UsesSasl(listener.protocol)) so.sasl = sasl;
    auto& server = kafka_servers.emplace_back(std::make_unique<kafka::KafkaServer>(io, so));
    if (Status s = server->Bind(); !s.ok()) {
      return Fail(s.WithContext(fmt::format("listener {}", listener.address.name)));
    }
    kafka::AdvertisedAddress advertised = AdvertisedOf(plan, server->port());
    listener_names.push_back(fmt::format("{}://{}", listener.address.name,
                                         HostPort{so.host, server->port()}.ToString()));
    advertised_names.push_back(
        fmt::format("{}://{}", listener.address.name,
                    HostPort{advertised.host, static_cast<uint16_t>(advertised.port)}.ToString()));
    server->Advertise(std::move(advertised));
  }
  http::HttpServer http_server(io, *ho);
  if (Status s = http_server.Bind(); !s.ok()) return Fail(s);
  std::optional<http::HttpServer> https_server;
  if (https_ho) {
    https_server.emplace(io, *https_ho);
    if (Status s = https_server->Bind(); !s.ok()) return Fail(s.WithContext("--https-addr"));
  }
  std::optional<http::HttpServer> registry_server;
  if (registry_ho) {
    registry_server.emplace(io, *registry_ho);
    if (Status s = registry_server->Bind(); !s.ok()) return Fail(s.WithContext("--registry-addr"));
  }
  // The REST proxy's consumers connect to a listener of their own, on loopback, where each
  // authenticates with a login delegated by the HTTP caller that made it: the Kafka door then
  // applies that caller's ACLs. Its logins exist only in memory, and nothing else authenticates
  // there.
  security::DelegatedLogins delegated_logins;
  kafka::ServerOptions internal_so = KafkaServerOptionsFor(o);
  internal_so.host = "127.0.0.1";
  internal_so.port = 0;
  // Every consumer instance connects from loopback (about three connections each).
  internal_so.max_connections_per_ip = internal_so.max_connections;
  internal_so.sasl = std::make_shared<const kafka::SaslSettings>(kafka::SaslSettings{
      .mechanisms = {std::string(security::MechanismName(security::DelegatedLogins::kMechanism))},
      .credentials =
          [&delegated_logins](const std::string& user, security::ScramMechanism mechanism) {
            return delegated_logins.Find(user, mechanism);
          },
      .delegation = [&delegated_logins](
                        const std::string& user) { return delegated_logins.DelegationOf(user); }});
  kafka::KafkaServer internal_server(io, internal_so);
  if (Status s = internal_server.Bind(); !s.ok()) {
    return Fail(s.WithContext("the REST proxy's internal Kafka listener"));
  }
  internal_server.Advertise({"127.0.0.1", internal_server.port()});
  const kafka::AdvertisedAddress own = AdvertisedOf(plans->front(), kafka_servers.front()->port());
  auto bo = BrokerOptionsFor(o, own, fmt::format("{}", fmt::join(listener_names, ",")),
                             fmt::format("{}", fmt::join(advertised_names, ",")));
  auto opened = broker::Broker::Open(**engine, bo);
  if (!opened.ok()) return Fail(opened.status());
  std::unique_ptr<broker::Broker> broker = std::move(opened).value();
  broker->SetAuthorizer(authorizer.get());
  broker::GroupOptions go;
  go.initial_rebalance_delay_ms = o.initial_rebalance_delay_ms;
  go.append_transactional = broker::OffsetsAppender(*broker);
  auto groups = broker::GroupCoordinator::Open(**engine, io.get_executor(), go);
  if (!groups.ok()) return Fail(groups.status());
  broker::NodeTransactions transactions(**engine, *broker, *groups, io.get_executor());

  auto events = eventstore::EventStore::Open(**engine);
  if (!events.ok()) return Fail(events.status());
  auto subscriptions = eventstore::PersistentSubscriptions::Open(**events, **engine);
  if (!subscriptions.ok()) return Fail(subscriptions.status());
  auto registry = registry::SchemaRegistry::Open(**engine);
  if (!registry.ok()) return Fail(registry.status());
  registry::RecordValidator validator(**registry);
  broker->SetBatchValidator([&validator](const std::string& topic, const storage::LogConfig& config,
                                         const storage::ValidatedBatch& batch) {
    return validator.Check(topic, config, batch);
  });

  kafka::KafkaHandlers handlers(*broker, **groups, transactions.coordinator(), users.get());
  const std::string http_where = fmt::format("{}:{}", ClientHost(ho->host), http_server.port());
  http::HttpContext http_context{
      .broker = *broker,
      .groups = **groups,
      .version = HERALD_VERSION,
      .kafka_bootstrap = fmt::format("127.0.0.1:{}", internal_server.port()),
      .logins = &delegated_logins,
      .base_uri = "http://" + http_where,
      .dlq_alert_threshold = o.dlq_alert_threshold,
      .limits =
          {
              .max_rest_consumers =
                  static_cast<size_t>(LimitValue(o, "--rest-consumer-max-instances")),
              .rest_consumer_timeout_ms = LimitValue(o, "--rest-consumer-instance-timeout-ms"),
          },
      .registry = registry->get(),
      .txns = &transactions.coordinator(),
      .users = users.get(),
      .public_metrics = o.public_metrics};
  http::Router router;
  http::AddRestProxyRoutes(router, http_context);
  http::AddAdminRoutes(router, http_context);
  http::AddOpsRoutes(router, http_context);
  http::AddStreamRoutes(router, **events, io.get_executor());
  http::AddPersistentSubscriptionRoutes(router, **subscriptions, (**events).topic());
  http::AddRegistryRoutes(router, **registry);
  // --registry-addr: the registry alone, where Confluent's clients expect it on its own port.
  http::Router registry_router;
  if (registry_server) http::AddRegistryRoutes(registry_router, **registry);

  LagReporter lag_reporter(io, *broker, **groups, o.lag_log_interval_ms, o.dlq_alert_threshold);

  // SIGINT/SIGTERM: stop accepting, answer what is in flight; io.run returns once all is done.
  // Both signal sets on one strand: `stopping` orders SIGHUP's handler after the shutdown's.
  // They are made before the listeners start: making one opens descriptors, and once clients
  // are served, descriptors may run out (it would throw).
  auto signal_strand = boost::asio::make_strand(io);
  bool stopping = false;  // on signal_strand
  boost::asio::signal_set hangups(signal_strand, SIGHUP);
  ReloadOnHangup(hangups, tls, stopping);
  boost::asio::signal_set signals(signal_strand, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    LogInfo("shutdown", {{"signal", signal}}, "stopping: answering in-flight requests");
    http_context.ready = false;
    stopping = true;
    hangups.cancel();
    lag_reporter.Stop();
    for (auto& server : kafka_servers) server->Stop();
    internal_server.Stop();
    http_server.Stop();
    if (https_server) https_server->Stop();
    if (registry_server) registry_server->Stop();
    (*groups)->Shutdown();
    transactions.Stop();
  });

  for (auto& server : kafka_servers) server->Start(handlers);
  internal_server.Start(handlers);
  // The HTTP listeners last: an answer on them (even /readyz's 503) means the broker has started.
  http_server.Start(router);
  if (https_server) https_server->Start(router);
  if (registry_server) registry_server->Start(registry_router);
  http_context.ready = true;
  lag_reporter.Start();

  const std::string kafka_where =
      HostPort{plans->front().listener.address.at.host, kafka_servers.front()->port()}.ToString();
  const std::string advertised = HostPort{own.host, static_cast<uint16_t>(own.port)}.ToString();
  LogInfo("listening",
          {{"kafka_addr", kafka_where},
           {"kafka_listeners", fmt::format("{}", fmt::join(listener_names, ","))},
           {"rest_consumers_addr", fmt::format("127.0.0.1:{}", internal_server.port())},
           {"http_addr", fmt::format("{}:{}", ho->host, http_server.port())},
           {"https_addr",
            https_server ? fmt::format("{}:{}", https_ho->host, https_server->port()) : "(none)"},
           {"registry_addr", registry_server
                                 ? fmt::format("{}{}:{}", registry_ho->tls ? "https://" : "",
                                               registry_ho->host, registry_server->port())
                                 : "(the HTTP listener)"},
           {"advertised", advertised},
           {"data_dir", o.data_dir},
           {"cluster_id", broker->cluster_id()}});
  PrintStartBanner(o, kafka_where, advertised, http_where);
  RunIoThreads(io, o.threads);
  http_auth->Stop();

  if (Status closed = (*subscriptions)->Close(); !closed.ok()) {
    LogWarn("shutdown", {{"data_dir", o.data_dir}},
            fmt::format("the persistent subscriptions' checkpoints were not written: {}; their "
                        "groups get some events again",
                        closed.ToString()));
  }
  if (Status closed = (*events)->Close(); !closed.ok()) {
    LogWarn("shutdown", {{"data_dir", o.data_dir}},
            fmt::format("the event store's index checkpoint was not written: {}; the next start "
                        "reads more of its topic",
                        closed.ToString()));
  }
  if (Status closed = (*engine)->Close(); !closed.ok()) {
    LogError("shutdown", {{"data_dir", o.data_dir}}, closed.ToString());
    return kExitFailure;
  }
  LogInfo("stopped", {{"data_dir", o.data_dir}});
  return kExitOk;
}

}  // namespace

void RegisterServe(CLI::App& app) {
  auto o = std::make_shared<ServeOptions>();
  auto* serve = app.add_subcommand("serve", "Run the broker (Kafka protocol) on a data directory");
  serve->add_option("--config", o->config_file,
                    "A server.properties file (num.partitions, auto.create.topics.enable, "
                    "group.initial.rebalance.delay.ms, log.dirs, listeners, advertised.listeners, "
                    "listener.security.protocol.map, sasl.enabled.mechanisms, super.users, "
                    "authorizer.class.name, ssl.* (PEM), and every setting Kafka defaults "
                    "topic configs with: log.retention.ms|minutes|hours|bytes, log.segment.bytes, "
                    "log.roll.ms|hours, log.cleanup.policy, message.max.bytes, ...); "
                    "command-line flags win");
  serve->add_option("--data-dir", o->data_dir, "Data directory")->capture_default_str();
  serve->add_option("--kafka-addr", o->kafka_addr, "Kafka listener HOST:PORT")
      ->capture_default_str();
  serve->add_option("--listeners", o->listeners,
                    "Kafka's listeners, replacing --kafka-addr and --kafka-tls-addr: "
                    "NAME://HOST:PORT,... where NAME is PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL "
                    "(or a name listener.security.protocol.map in --config gives one of them); an "
                    "empty HOST binds every interface");
  serve->add_option("--advertised-listeners", o->advertised_listeners,
                    "NAME://HOST:PORT,...: what each listener's clients are told to connect to "
                    "(default: the listener, with localhost for a wildcard address)");
  serve->add_option("--kafka-tls-addr", o->kafka_tls_addr,
                    "Also a Kafka listener speaking TLS (Kafka's SSL security protocol) on "
                    "HOST:PORT; needs --tls-cert and --tls-key");
  serve->add_option("--advertised-tls-addr", o->advertised_tls_addr,
                    "HOST:PORT TLS clients are told to connect to (default: the host of "
                    "--advertised-addr, else of --kafka-tls-addr, with the TLS listener's port)");
  serve->add_option("--tls-cert", o->tls_cert,
                    "The TLS listeners' certificate chain (PEM, leaf first); read again on SIGHUP");
  serve->add_option("--tls-key", o->tls_key,
                    "The private key of --tls-cert (PEM, not encrypted); read again on SIGHUP");
  serve->add_option("--tls-ca", o->tls_ca,
                    "CA certificates (PEM) that client certificates must be signed by");
  serve
      ->add_option("--tls-client-auth", o->tls_client_auth,
                   "Client certificates: none, requested (checked when given) or required "
                   "(ssl.client.auth); requested and required need --tls-ca")
      ->check(CLI::IsMember({"none", "requested", "required"}))
      ->capture_default_str();
  serve->add_option("--ssl-principal-mapping-rules", o->principal_mapping_rules,
                    "How a Kafka client's verified certificate names its principal: "
                    "RULE:PATTERN/REPLACEMENT/[L|U],...,DEFAULT over the subject "
                    "(CN=alice,O=Example), as Kafka's ssl.principal.mapping.rules; default: "
                    "User:SUBJECT");
  serve
      ->add_option("--sasl-mechanisms", o->sasl_mechanisms,
                   "The SASL mechanisms: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 (comma-separated; "
                   "users come from `herald user create`). With --listeners, those of its "
                   "SASL_PLAINTEXT and SASL_SSL listeners; else every Kafka listener requires SASL "
                   "(--kafka-addr is SASL_PLAINTEXT, --kafka-tls-addr SASL_SSL)")
      ->delimiter(',');
  serve
      ->add_option("--authorizer", o->authorizer,
                   "acl: enforce Kafka's ACLs (CreateAcls, `herald acl`) on every Kafka and HTTP "
                   "request (needs --http-auth basic or --api-key); none: any client may do "
                   "anything")
      ->check(CLI::IsMember({"none", "acl"}))
      ->capture_default_str();
  serve
      ->add_option("--super-users", o->super_users,
                   "Principals the ACL authorizer lets do anything (User:admin,...)")
      ->delimiter(',');
  serve->add_option("--advertised-addr", o->advertised_addr,
                    "HOST:PORT clients are told to connect to (default: the listener, with "
                    "localhost for a wildcard address)");
  serve->add_option("--http-addr", o->http_addr,
                    "HTTP listener HOST:PORT (REST proxy, admin API, /metrics, /healthz)")
      ->capture_default_str();
  serve->add_option("--https-addr", o->https_addr,
                    "Also serve HTTP over TLS on HOST:PORT (everything the HTTP listener serves); "
                    "needs --tls-cert and --tls-key");
  serve->add_option("--registry-addr", o->registry_addr,
                    "Also serve the schema registry alone on HOST:PORT (Confluent's clients "
                    "usually expect it on its own port, such as 8081), or over TLS on "
                    "https://HOST:PORT (needs --tls-cert and --tls-key); it is always on the HTTP "
                    "listener too");
  serve
      ->add_option("--api-key", o->api_keys,
                   "Require credentials on HTTP calls, and take 'Authorization: Bearer KEY': KEY "
                   "(its holder may do anything) or PRINCIPAL=KEY (User:ci=KEY: the ACLs bind "
                   "it) (repeatable; also HERALD_API_KEYS, comma-separated)")
      ->envname("HERALD_API_KEYS")
      ->delimiter(',');
  serve
      ->add_option("--http-auth", o->http_auth,
                   "basic: require credentials on HTTP calls, and take HTTP Basic with the users "
                   "of `herald user create` (principal User:NAME); none: only --api-key")
      ->check(CLI::IsMember({"none", "basic"}))
      ->capture_default_str();
  serve->add_flag("--public-metrics", o->public_metrics,
                  "Serve /metrics without credentials (else, with --authorizer acl, to callers "
                  "with DESCRIBE on the cluster)");
  serve->add_option("--lag-log-interval-ms", o->lag_log_interval_ms,
                    "How often to log a consumer_lag event for each partition a group lags on")
      ->check(CLI::Range(int64_t{100}, int64_t{86400000}))
      ->capture_default_str();
  serve->add_option("--dlq-alert-threshold", o->dlq_alert_threshold,
                    "Records in a *.dlq topic above which dlq_depth_over_threshold is 1 and a "
                    "dlq_depth_exceeded warning is logged every --lag-log-interval-ms")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 40))
      ->capture_default_str();
  serve->add_option("--threads", o->threads, "Network threads")->check(CLI::Range(1, 64))
      ->capture_default_str();
  serve->add_option("--num-partitions", o->num_partitions, "Partitions of auto-created topics")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  serve->add_option("--auto-create-topics", o->auto_create_topics,
                    "Create topics on first use (auto.create.topics.enable)")
      ->capture_default_str();
  serve->add_option("--group-initial-rebalance-delay-ms", o->initial_rebalance_delay_ms,
                    "How long a new consumer group waits for more members before its first "
                    "assignment (group.initial.rebalance.delay.ms)")
      ->check(CLI::Range(int64_t{0}, int64_t{300000}))
      ->capture_default_str();
  for (const Limit& limit : Limits()) {
    std::string help = limit.help;
    if (limit.property) help += fmt::format(" ({})", limit.property);
    serve->add_option_function<int64_t>(
              limit.flag, [o, flag = limit.flag](int64_t v) { o->limits[flag] = v; }, help)
        ->check(CLI::Range(limit.min, limit.max))
        ->default_str(std::to_string(limit.fallback));
  }
  serve->callback([o, serve] {
    std::set<std::string> given;
    for (const auto* opt : serve->get_options()) {
      if (opt->count() > 0) given.insert(opt->get_name());
    }
    SetExitCode(RunServe(*o, given));
  });
}

}  // namespace herald::cli
