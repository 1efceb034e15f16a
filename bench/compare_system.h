// The systems `herald bench compare` measures side by side (Herald over the Kafka protocol,
// RabbitMQ over AMQP 0-9-1, Redis Streams, NATS JetStream), each behind one small interface:
// a System starts its server on loopback in a scratch directory and hands out Publishers and
// Consumers; the workloads (bench/compare_bench.cc) drive them all the same way.
//
// A Publisher sends one message at a time and reports acknowledgements later, so the workload
// can keep a bounded window of unacknowledged publishes in flight; only acknowledged messages
// count. A Consumer hands over received messages and acknowledges them in the system's own way.
//
// Thread-safety: each Publisher and Consumer is used by one thread at a time; different ones may
// run on different threads at once. A System is driven from one thread, and outlives the
// Publishers and Consumers it made.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace herald::bench {

// What an acknowledgement promises, made as equal across systems as each allows.
enum class Durability {
  kFsync,  // acknowledged once on disk (fsync) where the system can promise it
  kOs,     // acknowledged once written to the operating system (page cache)
};
std::string_view DurabilityName(Durability d);  // "fsync" / "os"

struct SystemConfig {
  std::string dir;  // scratch directory for the server, created and empty
  Durability durability = Durability::kFsync;
  int partitions = 16;  // Kafka partitions (Herald); the peers use one queue / stream
  uint64_t window = 1000;  // unacknowledged publishes in flight, per publisher
  uint64_t record_size = 1024;
  std::chrono::seconds start_timeout{30};
  std::string herald_binary;   // the `herald` executable to run `serve` from
  std::string herald_version;  // its version, for the report
};

class Publisher {
 public:
  virtual ~Publisher() = default;
  // Starts publishing `payload` (copied). Its acknowledgement is counted later by PollAcks. The
  // caller keeps at most SystemConfig::window messages unacknowledged. OK once handed to the
  // client library; an error when the library or connection refuses it.
  virtual Status Send(std::string_view payload) = 0;
  // Processes the acknowledgements that arrive within `timeout_ms` (0: only those already there)
  // and returns how many messages they acknowledged (possibly 0). An error when the system
  // refused a message (negative acknowledgement) or the connection failed.
  virtual Result<uint64_t> PollAcks(int timeout_ms) = 0;
};

class Consumer {
 public:
  using Handler = std::function<void(std::string_view payload)>;
  virtual ~Consumer() = default;
  // Waits up to `timeout_ms` for messages, passes each one's payload to `on_message`, then
  // acknowledges them (offset commit, basic.ack, XACK, JetStream ack). Returns how many it handed
  // over (0 when none came in time); an error when the connection or the system failed.
  virtual Result<uint64_t> Poll(int timeout_ms, const Handler& on_message) = 0;
};

class System {
 public:
  virtual ~System() = default;  // the server is stopped
  // "herald", "rabbitmq", "redis", "nats".
  virtual std::string_view name() const = 0;
  // Starts the server on loopback in config.dir and creates the topic, queue or stream the
  // drivers use. kUnavailable with the reason when the server is not installed or does not come
  // up within config.start_timeout; other errors when creating the destination fails. On any
  // failure the server is stopped again.
  virtual Status Start(const SystemConfig& config) = 0;
  // Stops the server (gracefully, then by force). Idempotent.
  virtual void Stop() = 0;
  // After Start: the server's version and, as JSON, how it runs: its command line, its
  // configuration, the client settings, and what an acknowledgement means ("durability").
  virtual std::string version() const = 0;
  virtual nlohmann::json settings() const = 0;
  // New clients of the running server. Errors when the connection or subscription fails.
  virtual Result<std::unique_ptr<Publisher>> NewPublisher() = 0;
  virtual Result<std::unique_ptr<Consumer>> NewConsumer() = 0;
};

// The systems, by name; nullptr for an unknown name.
std::unique_ptr<System> MakeSystem(std::string_view name);
std::unique_ptr<System> MakeHeraldSystem();
std::unique_ptr<System> MakeRabbitMqSystem();
std::unique_ptr<System> MakeRedisSystem();
std::unique_ptr<System> MakeNatsSystem();

}  // namespace herald::bench
