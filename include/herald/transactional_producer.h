// TransactionalProducer: events to several topics, and a consumer's offsets, made visible
// together or not at all (Kafka's transactions), over either transport.
//
//   herald::sdk::TransactionalProducer producer(transport, {.transactional_id = "billing-1"});
//   producer.Begin();
//   producer.PublishAsync("invoices", {.type = "invoice.issued", .data = ...});
//   producer.PublishAsync("ledger", {.type = "ledger.debited", .data = ...});
//   producer.SendOffsets(*session, {{"orders", 0, 42}});  // the input, consumed up to 41
//   producer.Commit();
//
// Consumers of both transports read committed records only: an aborted transaction's events are
// never handed out, and an open one's not before it commits. Offsets sent with SendOffsets
// become the group's committed offsets only when the transaction commits: a consume-transform-
// produce loop that crashes before Commit starts again from the previous commit, and the
// outputs of the lost attempt are never seen (exactly once).
//
// The transactional id names one logical producer across restarts. Constructing a producer
// takes the id: the one that held it before (a zombie of a crashed or partitioned process) is
// fenced (its calls throw ProducerFenced) and its open transaction aborted. A transaction open
// longer than `timeout` is aborted by the broker, which fences this producer too.
//
// Thread-safety: every method may be called from any thread; they take effect one at a time.
#pragma once

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "herald/publisher.h"
#include "herald/transport.h"

namespace herald::sdk {

struct TransactionalOptions {
  std::string transactional_id;               // required
  std::chrono::milliseconds timeout{60'000};  // transaction.timeout.ms
  PublisherOptions publisher;                 // the events' envelope
};

class TransactionalProducer {
 public:
  // Takes the transactional id. Throws Error when it cannot (an empty id, an unreachable broker).
  TransactionalProducer(std::shared_ptr<Transport> transport, TransactionalOptions options);
  // Aborts a transaction still open.
  ~TransactionalProducer();
  TransactionalProducer(const TransactionalProducer&) = delete;
  TransactionalProducer& operator=(const TransactionalProducer&) = delete;

  // Opens a transaction. Throws Error when one is open, ProducerFenced.
  void Begin();
  // Appends `event` inside the open transaction and waits until it is written (it becomes
  // visible at Commit). Throws what Publisher::Publish throws, and Error outside a transaction.
  Delivery Publish(const std::string& topic, Event event);
  // The same without waiting: Commit waits for every event published.
  std::future<Delivery> PublishAsync(const std::string& topic, Event event);
  std::vector<Delivery> PublishBatch(const std::string& topic, std::vector<Event> events);
  // Appends `records` as they are (no envelope) inside the open transaction, as Transport::Send;
  // Commit waits for them too.
  void Send(std::vector<OutgoingRecord> records, std::function<void(std::vector<SendResult>)> done);
  // Commits `next_offsets` (each the next offset to consume) for `consumer`'s group with the
  // transaction. `consumer` is a session of the same transport; it should not also Commit them.
  void SendOffsets(GroupSession& consumer, const std::vector<RecordPosition>& next_offsets);
  // Waits for the events published, then commits. Throws TransactionAborted when the
  // transaction had to be aborted instead (an event failed): Begin again and redo it;
  // ProducerFenced; Error.
  void Commit();
  // Waits for the events published, then aborts: none of them is ever visible.
  void Abort();

 private:
  struct State;
  std::shared_ptr<State> state_;
  Publisher publisher_;
};

}  // namespace herald::sdk
