// The Kafka API handlers, one per API key, dispatched by a table (handlers.cc). Each handler
// decodes its request with the message definitions in kafka/messages/, asks the Broker, and
// answers through `done`, possibly later (a durable produce, a long-polling fetch).
#pragma once

#include "broker/broker.h"
#include "broker/group_coordinator.h"
#include "broker/transaction_coordinator.h"
#include "kafka/schema.h"
#include "kafka/server.h"
#include "security/users.h"

namespace herald::kafka {

class KafkaHandlers final : public RequestHandler {
 public:
  // `broker`, `groups`, `txns` and `users` (the SCRAM users; null for none) must outlive the
  // handlers.
  KafkaHandlers(broker::Broker& broker, broker::GroupCoordinator& groups,
                broker::TransactionCoordinator& txns, security::UserStore* users)
      : broker_(broker), groups_(groups), txns_(txns), users_(users) {}
  void Handle(RequestContext ctx, Respond done) override;

 private:
  broker::Broker& broker_;
  broker::GroupCoordinator& groups_;
  broker::TransactionCoordinator& txns_;
  security::UserStore* const users_;
};

// Encodes `message` as a response body at the request's version. With `splice`, log slices in
// Records fields are left for the connection to send with sendfile.
template <Structure T>
Response EncodeResponse(const T& message, Version version, bool splice = false) {
  Response r;
  FrameWriter w(r.body, splice ? &r.splices : nullptr);
  Write(w, message, version);
  return r;
}

}  // namespace herald::kafka
