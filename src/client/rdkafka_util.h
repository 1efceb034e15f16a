// Internal to src/client: what the client units (client.cc, admin.cc, producer.cc, consumer.cc)
// share over librdkafka's C API. librdkafka errors as Status; a librdkafka configuration being
// built (Conf); RAII handles for librdkafka objects; conversions between our partition lists and
// librdkafka's; the parts of Client that need librdkafka's types (Client::Internals: creation and
// the rebalance handler); and RunAdminOp, the one helper every admin call goes through.
//
// Unlike client/kafka_client.h this header includes <librdkafka/rdkafka.h>. Callers outside
// src/client use kafka_client.h; only code that drives librdkafka directly as well (the
// benchmarks that compare against raw librdkafka) includes this one.
//
// Thread-safety: as in kafka_client.h, one object (a Conf, a handle, a Client) per thread;
// KafkaStatus and the partition-list conversions keep no state.
#pragma once

#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include <librdkafka/rdkafka.h>

#include "base/status.h"
#include "client/kafka_client.h"

namespace herald::client {

// kafka_client.h spells librdkafka's special partition and offsets without librdkafka.
static_assert(kAnyPartition == RD_KAFKA_PARTITION_UA);
static_assert(kOffsetBeginning == RD_KAFKA_OFFSET_BEGINNING);
static_assert(kOffsetEnd == RD_KAFKA_OFFSET_END);
static_assert(kOffsetStored == RD_KAFKA_OFFSET_STORED);
static_assert(kOffsetInvalid == RD_KAFKA_OFFSET_INVALID);

// ---- Errors ----------------------------------------------------------------------------------

// Returns OK for RD_KAFKA_RESP_ERR_NO_ERROR, else a Status whose code follows the error (already
// exists, not found, invalid argument, unavailable for timeouts and transport failures, failed
// precondition for a non-empty group or unsupported version, internal otherwise) and whose
// message is "`context`: `detail`" (detail defaults to librdkafka's text for the error).
Status KafkaStatus(rd_kafka_resp_err_t err, std::string_view context, std::string_view detail = {});
// The same for an rd_kafka_error_t (nullptr is OK). Does not take ownership.
Status KafkaStatus(const rd_kafka_error_t* error, std::string_view context);

// ---- RAII for librdkafka objects -------------------------------------------------------------

template <auto Destroy>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    if (p != nullptr) Destroy(p);
  }
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, Deleter<rd_kafka_conf_destroy>>;
using QueuePtr = std::unique_ptr<rd_kafka_queue_t, Deleter<rd_kafka_queue_destroy>>;
using EventPtr = std::unique_ptr<rd_kafka_event_t, Deleter<rd_kafka_event_destroy>>;
using MessagePtr = std::unique_ptr<rd_kafka_message_t, Deleter<rd_kafka_message_destroy>>;
using PartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t,
                                         Deleter<rd_kafka_topic_partition_list_destroy>>;
using AdminOptionsPtr =
    std::unique_ptr<rd_kafka_AdminOptions_t, Deleter<rd_kafka_AdminOptions_destroy>>;
using ErrorPtr = std::unique_ptr<rd_kafka_error_t, Deleter<rd_kafka_error_destroy>>;

// A librdkafka configuration being built.
class Conf {
 public:
  Conf() : conf_(rd_kafka_conf_new()) {}
  // Returns OK, or kInvalidArgument naming the property when librdkafka refuses it.
  Status Set(std::string_view key, std::string_view value);
  rd_kafka_conf_t* get() const { return conf_.get(); }
  // Hands the configuration over (to rd_kafka_new, which takes it on success).
  rd_kafka_conf_t* release() { return conf_.release(); }

 private:
  ConfPtr conf_;
};

// ---- Partition lists -------------------------------------------------------------------------

// A list in librdkafka's form, built from ours (offsets copied).
PartitionListPtr ToPartitionList(const std::vector<TopicPartition>& partitions);
// Ours from librdkafka's (nullptr gives an empty vector).
std::vector<TopicPartition> FromPartitionList(const rd_kafka_topic_partition_list_t* list);

// ---- Client internals (defined in client.cc) -------------------------------------------------

// Handles a consumer's rebalance instead of DefaultRebalance; runs inside Consumer::Poll.
using RebalanceHandler =
    std::function<void(rd_kafka_resp_err_t, rd_kafka_topic_partition_list_t*)>;

struct Client::Internals {
  // Creates a handle from `options` (bootstrap, client id, timeouts), then `conf`'s properties.
  // Returns kInvalidArgument for a refused property, kInternal when rd_kafka_new fails.
  static Result<std::unique_ptr<Client>> Create(rd_kafka_type_t type, const ClientOptions& options,
                                                Conf conf = Conf());
  // Makes `h` handle the rebalances of `client` (a consumer), replacing DefaultRebalance.
  static void SetRebalanceHandler(Client& client, RebalanceHandler h);
};

// What a consumer does on a rebalance when no handler is set: assigns the partitions given
// (RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) or gives them up, incrementally when the configured
// assignor is cooperative. A failure is only logged (at debug level): it surfaces again as
// consumer errors.
void DefaultRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                      rd_kafka_topic_partition_list_t* partitions);

// ---- Admin calls -----------------------------------------------------------------------------

// Runs one admin operation: creates a result queue and AdminOptions for `op` (request timeout
// from the client's options), calls `start(options, queue)`, waits for the result event and checks
// its request-level error. Returns the event (the caller extracts the op's results, which live as
// long as the event), kUnavailable "`what`: no answer from BOOTSTRAP within N ms" when no result
// came in time, kInvalidArgument when librdkafka refuses the timeout, or the request's error as a
// Status.
Result<EventPtr> RunAdminOp(
    Client& client, rd_kafka_admin_op_t op, std::string_view what,
    const std::function<void(rd_kafka_AdminOptions_t*, rd_kafka_queue_t*)>& start);

}  // namespace herald::client
