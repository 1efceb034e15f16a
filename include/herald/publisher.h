// Publisher: appends events as CloudEvents 1.0 in Kafka's binary binding (headers ce_specversion,
// ce_id, ce_source, ce_type, ce_time, content-type; the data is the record value), with
// correlation and causation ids (ce_correlationid, ce_causationid) and W3C trace context
// (traceparent) carried from event to event.
//
//   herald::sdk::Publisher orders(transport, {.source = "/services/orders"});
//   auto delivery = orders.Publish("orders", {.type = "order.placed", .key = "order-42",
//                                             .data = R"({"total": 42})"});
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "herald/message.h"
#include "herald/transport.h"

namespace herald::sdk {

struct Event {
  std::string type;  // "<entity>.<action>", the action in the past tense: "order.placed"
  std::optional<std::string> key;
  std::string data;
  std::string content_type = "application/json";
  std::string id;              // ce_id; a random UUID when empty
  std::string subject;         // ce_subject, when not empty
  std::string correlation_id;  // empty: this event starts a conversation (its own id)
  std::string causation_id;    // the id of the event that caused this one
  std::string traceparent;     // W3C trace context; a new trace when empty
  Headers headers;             // more headers, kept as given
  std::optional<int32_t> partition;
  int64_t time_ms = 0;  // ce_time; now when 0

  // An event caused by `cause`: same correlation id and trace, causation id = cause's ce_id.
  static Event CausedBy(const Message& cause, std::string type, std::string data);
};

struct PublisherOptions {
  std::string source = "herald-sdk";            // ce_source
  size_t max_payload_bytes = size_t{1} << 20;   // larger data is refused (PayloadTooLarge)
};

struct Delivery {
  RecordPosition position;
  std::string id;  // the event's ce_id
};

class Publisher {
 public:
  explicit Publisher(std::shared_ptr<Transport> transport, PublisherOptions options = {});
  // Records go to `send` (as Transport::Send: `done` once each is written or failed) instead of a
  // transport's Send: a transaction's, for example.
  using SendFunction = std::function<void(std::vector<OutgoingRecord> records,
                                          std::function<void(std::vector<SendResult>)> done)>;
  Publisher(SendFunction send, PublisherOptions options);

  // Appends `event` and waits until it is durable. Throws Error (PayloadTooLarge for a payload
  // over the limit, Error for an invalid type or a failed append).
  Delivery Publish(const std::string& topic, Event event);
  // The same without waiting; the future throws what Publish would.
  std::future<Delivery> PublishAsync(const std::string& topic, Event event);
  // Appends `events` together (one batch per partition) and waits until all are durable.
  std::vector<Delivery> PublishBatch(const std::string& topic, std::vector<Event> events);

  // The record `event` becomes (validated, envelope filled in), without sending it.
  OutgoingRecord ToRecord(const std::string& topic, Event event) const;

 private:
  SendFunction send_;
  PublisherOptions options_;
};

// A new random (version 4) UUID in its text form.
std::string NewUuid();

}  // namespace herald::sdk
