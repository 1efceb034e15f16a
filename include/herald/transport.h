// Transports: where the SDK's records go and come from. The same Publisher and Router run over
//   - the embedded transport: Herald's storage engine in this process (no server, no network),
//     the default for tests and small apps; its data directory can later be served unchanged by
//     `herald serve`;
//   - the Kafka transport: librdkafka against `herald serve` or any Kafka cluster.
//
// Thread-safety: a Transport is shared by publishers and routers across threads; a
// GroupSession is used by one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "herald/message.h"

namespace herald::sdk {

// Outcome of one record of a Send: its position, or why it was not appended.
struct SendResult {
  RecordPosition position;
  std::string error;  // empty: appended (durably: the transport waits for fsync / acks=all)
  bool ok() const { return error.empty(); }
};

// A member of a consumer group: the partitions it holds, the records it polls, its commits.
class GroupSession {
 public:
  virtual ~GroupSession() = default;
  // Records from the held partitions, in offset order per partition, waiting up to `timeout`
  // for the first one. Throws Error on failure.
  virtual std::vector<Message> Poll(std::chrono::milliseconds timeout, size_t max_records) = 0;
  // Commits, per partition, the next offset to consume, and waits for it. Throws Error on
  // failure.
  virtual void Commit(const std::vector<RecordPosition>& next_offsets) = 0;
  // The same without waiting: commits take effect in call order, and a failed one is thrown by a
  // later call of this session (CommitAsync, Commit, Poll or Close). Close waits for them all.
  virtual void CommitAsync(const std::vector<RecordPosition>& next_offsets) = 0;
  // Stops (or resumes) delivering records of `topic`'s held partitions, keeping them held.
  virtual void Pause(const std::string& topic) = 0;
  virtual void Resume(const std::string& topic) = 0;
  // Waits for the commits in flight, then leaves the group. Idempotent. Throws Error when a
  // commit failed.
  virtual void Close() = 0;
};

// A producer holding a transactional id (Kafka's transactions): the records it sends and the
// consumer offsets it adds between Begin and Commit become visible together, or, on Abort,
// never. Used by one thread at a time (Send's `done` runs on any thread). Consumers of both
// transports read committed records only.
class TransactionSession {
 public:
  virtual ~TransactionSession() = default;
  // Opens a transaction. Throws Error when one is open, ProducerFenced when fenced.
  virtual void Begin() = 0;
  // As Transport::Send, inside the open transaction; `done` once each record is written (not yet
  // committed).
  virtual void Send(std::vector<OutgoingRecord> records,
                    std::function<void(std::vector<SendResult>)> done) = 0;
  // Adds `next_offsets` of `consumer`'s group (a session of the same transport) to the
  // transaction: committed with it. Throws Error, ProducerFenced.
  virtual void SendOffsets(GroupSession& consumer,
                           const std::vector<RecordPosition>& next_offsets) = 0;
  // End the transaction; called once every Send's `done` has run, Commit only when none of their
  // records failed (else the caller aborts). Commit throws TransactionAborted when the
  // transaction could only be aborted (and was), ProducerFenced when fenced, Error otherwise.
  // With no transaction open, both do nothing.
  virtual void Commit() = 0;
  virtual void Abort() = 0;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Appends `records` (to the same partition in the given order) and calls `done` once each is
  // durable or failed, from any thread.
  virtual void Send(std::vector<OutgoingRecord> records,
                    std::function<void(std::vector<SendResult>)> done) = 0;
  // Creates `topic` with `partitions` partitions unless it exists. Throws Error on failure.
  virtual void EnsureTopic(const std::string& topic, int32_t partitions) = 0;
  // Joins `group` for `topics`, starting where the group committed (else at the beginning).
  virtual std::unique_ptr<GroupSession> Join(const std::string& group,
                                             const std::vector<std::string>& topics) = 0;
  // Takes `transactional_id` (fencing the producer that held it, whose open transaction is
  // aborted); a transaction open longer than `timeout` is aborted by the broker. Throws Error.
  virtual std::unique_ptr<TransactionSession> OpenTransactional(
      const std::string& transactional_id, std::chrono::milliseconds timeout) = 0;
};

struct EmbeddedOptions {
  std::string data_dir = "./data";
  int32_t default_partitions = 1;  // of topics created on first use
  // Broker-wide topic defaults by Kafka name (segment.bytes, retention.ms, ...).
  std::map<std::string, std::string> topic_defaults;
};

// Opens (recovering) or creates the data directory, locking it against other processes.
// Throws Error when it cannot.
std::shared_ptr<Transport> OpenEmbedded(const EmbeddedOptions& options);

struct KafkaOptions {
  std::string bootstrap = "localhost:9092";
  std::string client_id = "herald-sdk";
  // Further librdkafka properties (security.protocol, sasl.*, ...).
  std::map<std::string, std::string> properties;
};

// A transport over librdkafka: Herald's `herald serve` or any Kafka cluster.
std::shared_ptr<Transport> ConnectKafka(const KafkaOptions& options);

}  // namespace herald::sdk
