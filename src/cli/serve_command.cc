// `herald serve`: the broker. Opens the data directory, listens for Kafka clients, and on
// SIGINT/SIGTERM stops accepting, answers what is in flight, flushes and exits 0.
#include <csignal>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "base/log.h"
#include "broker/broker.h"
#include "cli/commands.h"
#include "kafka/handlers.h"
#include "kafka/server.h"
#include "storage/engine.h"

namespace herald::cli {
namespace {

struct ServeOptions {
  std::string data_dir = "./data";
  std::string kafka_addr = "0.0.0.0:9092";
  std::string advertised_addr;  // host:port clients are told to use
  int threads = 2;
  int32_t num_partitions = 1;
  bool auto_create_topics = true;
  int64_t initial_rebalance_delay_ms = 3000;
};

Result<std::pair<std::string, uint16_t>> SplitHostPort(const std::string& addr) {
  size_t colon = addr.rfind(':');
  if (colon == std::string::npos) return InvalidArgument("'{}' is not HOST:PORT", addr);
  std::string host = addr.substr(0, colon);
  int port = 0;
  try {
    port = std::stoi(addr.substr(colon + 1));
  } catch (...) {
    port = -1;
  }
  if (port < 0 || port > 65535) return InvalidArgument("'{}' has no valid port", addr);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return std::make_pair(host, static_cast<uint16_t>(port));
}

int RunServe(const ServeOptions& o) {
  auto listen = SplitHostPort(o.kafka_addr);
  if (!listen.ok()) {
    std::cerr << "herald serve: --kafka-addr " << listen.status().message() << "\n";
    return kExitUsage;
  }
  storage::EngineOptions eo;
  eo.data_dir = o.data_dir;
  auto engine = storage::Engine::Open(eo);
  if (!engine.ok()) {
    std::cerr << "herald serve: " << engine.status().message() << "\n";
    return engine.status().code() == StatusCode::kFailedPrecondition ? kExitDataDirLocked
                                                                    : kExitFailure;
  }

  boost::asio::io_context io(o.threads);
  kafka::ServerOptions so;
  so.host = listen->first;
  so.port = listen->second;

  broker::BrokerOptions bo;
  bo.auto_create_topics = o.auto_create_topics;
  bo.num_partitions = o.num_partitions;
  kafka::KafkaServer server(io, so);
  if (Status s = server.Bind(); !s.ok()) {
    std::cerr << "herald serve: " << s.message() << "\n";
    return kExitFailure;
  }
  if (o.advertised_addr.empty()) {
    bo.advertised_host = (so.host == "0.0.0.0" || so.host == "::") ? "localhost" : so.host;
    bo.advertised_port = server.port();
  } else {
    auto adv = SplitHostPort(o.advertised_addr);
    if (!adv.ok()) {
      std::cerr << "herald serve: --advertised-addr " << adv.status().message() << "\n";
      return kExitUsage;
    }
    bo.advertised_host = adv->first;
    bo.advertised_port = adv->second;
  }
  auto opened = broker::Broker::Open(**engine, bo);
  if (!opened.ok()) {
    std::cerr << "herald serve: " << opened.status().ToString() << "\n";
    return kExitFailure;
  }
  std::unique_ptr<broker::Broker> broker = std::move(opened).value();
  broker::GroupOptions go;
  go.initial_rebalance_delay_ms = o.initial_rebalance_delay_ms;
  auto groups = broker::GroupCoordinator::Open(**engine, io.get_executor(), go);
  if (!groups.ok()) {
    std::cerr << "herald serve: " << groups.status().ToString() << "\n";
    return kExitFailure;
  }
  kafka::KafkaHandlers handlers(*broker, **groups);
  server.Start(handlers);

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    LogInfo("shutdown", {{"signal", signal}}, "stopping: answering in-flight requests");
    server.Stop();
    (*groups)->Shutdown();
  });

  std::string where = fmt::format("{}:{}", bo.advertised_host, bo.advertised_port);
  LogInfo("listening",
          {{"kafka_addr", fmt::format("{}:{}", so.host, server.port())},
           {"advertised", where},
           {"data_dir", o.data_dir},
           {"cluster_id", broker->cluster_id()}});
  std::cerr << fmt::format(
      "herald: Kafka protocol on {}:{} (clients use {}), data in {}\n"
      "  produce:  echo 'hello' | kcat -b {} -t demo -P\n"
      "  consume:  kcat -b {} -t demo -C -o beginning -e\n"
      "  stop:     Ctrl-C\n",
      so.host, server.port(), where, o.data_dir, where, where);

  std::vector<std::thread> threads;
  for (int i = 1; i < o.threads; ++i) threads.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : threads) t.join();

  Status closed = (*engine)->Close();
  if (!closed.ok()) {
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
  serve->add_option("--data-dir", o->data_dir, "Data directory")->capture_default_str();
  serve->add_option("--kafka-addr", o->kafka_addr, "Kafka listener HOST:PORT")
      ->capture_default_str();
  serve->add_option("--advertised-addr", o->advertised_addr,
                    "HOST:PORT clients are told to connect to (default: the listener, with "
                    "localhost for a wildcard address)");
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
  serve->callback([o] { SetExitCode(RunServe(*o)); });
}

}  // namespace herald::cli
