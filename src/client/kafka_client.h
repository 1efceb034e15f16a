// Kafka clients over librdkafka's C API, for any Kafka-protocol broker (Herald or Apache Kafka):
// the client handle (Client: connection, metadata, offsets), Admin, Producer and Consumer, with
// typed results (metadata, offsets, configs, consumer groups) so callers never touch librdkafka's
// C structures. The `herald` CLI, the SDK's Kafka transport and the REST consumers are built on it.
//
// This header does not include <librdkafka/rdkafka.h>: librdkafka's handles are only declared
// here. Its error mapping, configurations, RAII handles and admin-call helper are internal to
// src/client (client/rdkafka_util.h); the definitions are in client.cc, admin.cc, producer.cc and
// consumer.cc.
//
// Every blocking call is bounded by ClientOptions: the first contact with the cluster by
// connect_timeout_ms (Client::Connect), each later request by request_timeout_ms. librdkafka's own
// log lines never reach stderr: they go to Herald's log at debug level, and the last connection
// failure among them is kept to explain a Connect that timed out.
//
// Thread-safety: one object per thread. A Producer's delivery handler and a Consumer's rebalance
// handler run on the thread that calls Poll/Flush (Producer) or Poll (Consumer).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

// librdkafka's opaque handles, declared exactly as <librdkafka/rdkafka.h> declares them (a
// repeated typedef of the same type is allowed), so that includers do not see librdkafka.
typedef struct rd_kafka_s rd_kafka_t;
typedef struct rd_kafka_queue_s rd_kafka_queue_t;

namespace herald::client {

// librdkafka's special partition and offsets, as our own constants with librdkafka's values
// (RD_KAFKA_PARTITION_UA, RD_KAFKA_OFFSET_BEGINNING, _END, _STORED, _INVALID) so this header
// needs no librdkafka; client/rdkafka_util.h static_asserts that they still match.
inline constexpr int32_t kAnyPartition = -1;      // RD_KAFKA_PARTITION_UA
inline constexpr int64_t kOffsetBeginning = -2;   // RD_KAFKA_OFFSET_BEGINNING
inline constexpr int64_t kOffsetEnd = -1;         // RD_KAFKA_OFFSET_END
inline constexpr int64_t kOffsetStored = -1000;   // RD_KAFKA_OFFSET_STORED: the committed one
inline constexpr int64_t kOffsetInvalid = -1001;  // RD_KAFKA_OFFSET_INVALID: none

struct ClientOptions {
  std::string bootstrap = "localhost:9092";  // bootstrap.servers
  std::string client_id = "herald";
  int connect_timeout_ms = 5000;   // Connect: first answer from the cluster
  int request_timeout_ms = 30000;  // each metadata, offsets or admin request; produce delivery
  // Further librdkafka properties, applied last (they win over the above).
  std::map<std::string, std::string> properties;
};

// ---- Typed results ---------------------------------------------------------------------------

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = kOffsetInvalid;
  Status status;  // a per-partition error in a result
};

struct BrokerInfo {
  int32_t id = -1;
  std::string host;
  int port = 0;
};

struct PartitionInfo {
  int32_t id = 0;
  int32_t leader = -1;
  std::vector<int32_t> replicas;
  std::vector<int32_t> isrs;
  Status status;
};

struct TopicInfo {
  std::string name;
  std::vector<PartitionInfo> partitions;
  bool internal() const { return name.starts_with("__"); }
};

struct ClusterInfo {
  std::vector<BrokerInfo> brokers;
  std::vector<TopicInfo> topics;  // sorted by name
  int32_t answered_by = -1;       // the broker that answered
};

struct Watermarks {
  int64_t low = 0;   // log start offset
  int64_t high = 0;  // end offset (next offset to be written)
};

struct ConfigEntry {
  std::string name;
  std::optional<std::string> value;  // nullopt: sensitive or unset
  std::string source;                // DYNAMIC_TOPIC_CONFIG, DEFAULT_CONFIG, ...
  bool is_default = false;
  bool read_only = false;
  bool sensitive = false;
};

struct NewTopic {
  std::string name;
  int partitions = 1;          // -1: the broker's default
  int replication_factor = 1;  // -1: the broker's default
  std::map<std::string, std::string> configs;
};

struct GroupListing {
  std::string group_id;
  std::string state;  // "Unknown" when the broker does not report states (ListGroups < v4)
  bool simple = false;
};

struct GroupMember {
  std::string member_id;
  std::string client_id;
  std::string host;
  std::optional<std::string> instance_id;
  std::vector<TopicPartition> assignment;
};

struct GroupDescription {
  std::string group_id;
  std::string state;  // Stable, Empty, PreparingRebalance, CompletingRebalance, Dead, Unknown
  std::string assignor;
  bool simple = false;
  BrokerInfo coordinator;
  std::vector<GroupMember> members;
};

// One consumed record.
struct Message {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp_ms = -1;         // -1 when the record carries none
  std::string timestamp_type;        // "create", "log_append" or "none"
  std::optional<std::string> key;    // nullopt: null key
  std::optional<std::string> value;  // nullopt: null value (tombstone)
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
};

// A record to produce.
struct Record {
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<std::pair<std::string, std::string>> headers;
  int32_t partition = kAnyPartition;
  int64_t timestamp_ms = 0;  // 0: now
};

struct DeliveryReport {
  std::string topic;
  int32_t partition = kAnyPartition;
  int64_t offset = -1;
  Status status;
  void* opaque = nullptr;  // the `opaque` given to Producer::Send
};

// ---- The client handle -----------------------------------------------------------------------

// An rd_kafka_t of either type with the shared requests any client can make. Owned through
// unique_ptr: librdkafka's callbacks hold its address. Admin, Producer and Consumer create theirs
// (creating one from librdkafka's handle type and a configuration is internal to src/client:
// Client::Internals in client/rdkafka_util.h).
class Client {
 public:
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  rd_kafka_t* get() const { return rk_; }
  const ClientOptions& options() const { return options_; }

  // Waits up to connect_timeout_ms for a first metadata answer. Returns OK, or kUnavailable
  // "cannot reach a Kafka broker at BOOTSTRAP: <why>" (the last connection failure librdkafka
  // logged, e.g. "Connection refused").
  Status Connect();
  // The brokers and every topic. kUnavailable on timeout.
  Result<ClusterInfo> Metadata();
  // One topic's metadata; kNotFound when it does not exist. Never creates it.
  Result<TopicInfo> DescribeTopic(const std::string& topic);
  // For each entry, the offset of the first record whose timestamp is at or after its `offset`
  // field (a time in ms since the epoch), or kOffsetBeginning/kOffsetEnd for the log start/end.
  // An entry whose timestamp is past every record comes back with offset -1. Per-partition errors
  // are in each entry's status; the Result fails only when the request as a whole does.
  Result<std::vector<TopicPartition>> ListOffsets(std::vector<TopicPartition> query);
  // Start and end offsets of each partition, in the order given.
  Result<std::vector<Watermarks>> QueryWatermarks(const std::vector<TopicPartition>& partitions);
  // The last connection failure librdkafka logged ("" if none).
  std::string LastConnectionError() const;

  // Handlers for the callbacks librdkafka makes while the owner polls.
  using DeliveryHandler = std::function<void(const DeliveryReport&)>;
  void set_delivery_handler(DeliveryHandler h);

  struct State;      // callback state; defined in client.cc
  struct Internals;  // creation and the rebalance handler; defined in client/rdkafka_util.h

 private:
  Client() = default;
  rd_kafka_t* rk_ = nullptr;
  ClientOptions options_;
  std::unique_ptr<State> state_;
};

// An ACL binding, or (DescribeAcls, DeleteAcls) a filter of bindings, in Kafka's codes (the
// broker's, broker/authorizer.h): resource_type 2 topic, 3 group, 4 cluster (1 any); pattern_type
// 3 literal, 4 prefixed (1 any, 2 match); operation 2 all, 3 read, 4 write, 5 create, 6 delete,
// 7 alter, 8 describe, 9 cluster action, 10 describe configs, 11 alter configs, 12 idempotent
// write (1 any); permission 2 deny, 3 allow (1 any). In a filter, an unset name, principal or
// host matches any.
struct AclBinding {
  int resource_type = 2;
  std::optional<std::string> resource_name;
  int pattern_type = 3;
  std::optional<std::string> principal;
  std::optional<std::string> host = "*";
  int operation = 2;
  int permission = 3;
  bool operator==(const AclBinding&) const = default;
};

// ---- Admin -----------------------------------------------------------------------------------

// Topic, config and consumer-group administration.
class Admin {
 public:
  // A handle that never creates topics by asking for them. Does not connect yet.
  static Result<Admin> Create(const ClientOptions& options);
  Client& client() { return *client_; }

  // Each returns OK or the broker's per-object error as a Status (kAlreadyExists, kNotFound,
  // kInvalidArgument, ...), with the object's name in the message.
  Status CreateTopic(const NewTopic& topic);
  Status DeleteTopic(const std::string& topic);
  Status CreatePartitions(const std::string& topic, int total_partitions);
  Result<std::vector<ConfigEntry>> DescribeTopicConfigs(const std::string& topic);
  // Sets and removes topic config overrides, keeping the others: AlterConfigs replaces a topic's
  // whole set of overrides, so this reads the current ones first (DescribeConfigs).
  Status UpdateTopicConfigs(const std::string& topic, const std::map<std::string, std::string>& set,
                            const std::vector<std::string>& remove);
  // Deletes, in each entry's partition, every record before its `offset` field (exclusive;
  // kOffsetEnd: every record up to the end). Returns the entries in the order given, each with
  // the partition's new start offset in `offset`, or its error in `status` (kNotFound for an
  // unknown partition, kInvalidArgument for an offset past the end); the Result fails only when
  // the request as a whole does (kUnavailable on timeout).
  Result<std::vector<TopicPartition>> DeleteRecords(std::vector<TopicPartition> before);

  // Groups from every broker, sorted by id; with `states` (Kafka's state names), only the groups
  // in one of them (ListGroups v4's filter; kInvalidArgument for an unknown name).
  Result<std::vector<GroupListing>> ListGroups(const std::vector<std::string>& states = {});
  // In the order asked. A group the coordinator does not know comes back in state "Dead".
  Result<std::vector<GroupDescription>> DescribeGroups(const std::vector<std::string>& groups);
  // Every committed offset of `group`, sorted by topic and partition.
  Result<std::vector<TopicPartition>> ListGroupOffsets(const std::string& group);
  // Commits `offsets` for `group` from outside the group (it must have no active members).
  Status AlterGroupOffsets(const std::string& group, const std::vector<TopicPartition>& offsets);
  Status DeleteGroup(const std::string& group);
  // Removes `group`'s committed offsets of `partitions` (OffsetDelete). Returns them in the order
  // given, each with its error in `status` (kFailedPrecondition when a member of the group is
  // subscribed to the topic, kNotFound for an unknown partition); the Result fails when the
  // request as a whole does (kNotFound for an unknown group, kFailedPrecondition for a non-empty
  // group that is not a consumer group).
  Result<std::vector<TopicPartition>> DeleteGroupOffsets(const std::string& group,
                                                         std::vector<TopicPartition> partitions);

  // ACLs (CreateAcls, DescribeAcls, DeleteAcls). CreateAcls: OK, or the first binding's error
  // (kInvalidArgument for a binding librdkafka or the broker refuses; kPermissionDenied when
  // the principal may not change ACLs, kFailedPrecondition when the broker has no authorizer).
  // DescribeAcls and DeleteAcls: the bindings `filter` selects (DeleteAcls: those removed).
  // librdkafka 2.0 knows no transactional-id resource type (5): such a binding is kInvalidArgument.
  Status CreateAcls(const std::vector<AclBinding>& bindings);
  Result<std::vector<AclBinding>> DescribeAcls(const AclBinding& filter);
  Result<std::vector<AclBinding>> DeleteAcls(const AclBinding& filter);

 private:
  explicit Admin(std::unique_ptr<Client> client) : client_(std::move(client)) {}
  std::unique_ptr<Client> client_;
};

// ---- Producer --------------------------------------------------------------------------------

struct ProducerOptions {
  std::string acks = "all";  // all, 1 or 0
  int linger_ms = 5;
  bool idempotent = false;
  // Non-empty: a transactional producer (Kafka's transactions) holding this id, which needs
  // acks "all" and is idempotent. InitTransactions takes the id before the first transaction.
  std::string transactional_id;
  int transaction_timeout_ms = 60000;  // transaction.timeout.ms: the broker aborts after it
};

// The outcome of a transaction call, as librdkafka classifies a failure.
struct TxnResult {
  Status status;                // OK, or what failed
  bool retriable = false;       // the same call may be made again
  bool abort_required = false;  // the transaction can only be aborted (then a new one begun)
  bool fatal = false;           // the producer is unusable (fenced, or out of sequence)
  bool fenced = false;          // fatal because a newer producer took the transactional id
  bool ok() const { return status.ok(); }
};

class Consumer;

class Producer {
 public:
  static Result<Producer> Create(const ClientOptions& options, const ProducerOptions& producer);
  Client& client() { return *client_; }

  // Called for each record's delivery report, from Poll/Flush.
  void set_delivery_handler(Client::DeliveryHandler h) {
    client_->set_delivery_handler(std::move(h));
  }

  // Enqueues `record` for `topic`; when the local queue is full, serves delivery reports until
  // there is room. Returns kInvalidArgument (too large, unknown partition) or kInternal otherwise.
  Status Send(const std::string& topic, const Record& record, void* opaque = nullptr);
  // Serves delivery reports for up to `timeout_ms`.
  void Poll(int timeout_ms);
  // Waits until every record is acknowledged or failed. kUnavailable when some are still
  // outstanding after `timeout_ms`.
  Status Flush(int timeout_ms);
  // Fails every record not yet acknowledged, queued or in flight: their delivery reports (served
  // by the next Poll or Flush) carry an error.
  void Purge();

  // Transactions (a producer with a transactional_id). InitTransactions takes the id once,
  // fencing an earlier producer that held it and aborting its open transaction; then each
  // transaction is BeginTransaction, Sends, optionally SendOffsetsToTransaction, and
  // CommitTransaction (which first waits for every record sent) or AbortTransaction. Each call
  // waits up to `timeout_ms`.
  TxnResult InitTransactions(int timeout_ms);
  TxnResult BeginTransaction();
  // Adds `offsets` (each the next offset to consume) of `consumer`'s group to the transaction:
  // they are committed with it, and only if the consumer is still the group's member at its
  // generation (KIP-447).
  TxnResult SendOffsetsToTransaction(const std::vector<TopicPartition>& offsets, Consumer& consumer,
                                     int timeout_ms);
  TxnResult CommitTransaction(int timeout_ms);
  TxnResult AbortTransaction(int timeout_ms);

 private:
  explicit Producer(std::unique_ptr<Client> client) : client_(std::move(client)) {}
  std::unique_ptr<Client> client_;
};

// ---- Consumer --------------------------------------------------------------------------------

struct ConsumerOptions {
  // Empty: no group. Partitions are then assigned explicitly and nothing is committed (an
  // internal, never-joined group id satisfies librdkafka).
  std::string group_id;
  std::string auto_offset_reset = "earliest";  // where a group without a commit starts
  bool report_partition_eof = true;            // Poll reports reaching a partition's end
};

class Consumer {
 public:
  static Result<Consumer> Create(const ClientOptions& options, const ConsumerOptions& consumer);
  ~Consumer();  // Close() unless done
  Consumer(Consumer&&) = default;
  Consumer& operator=(Consumer&&) = default;
  Client& client() { return *client_; }

  // Consumes exactly `partitions` from their `offset` fields (absolute or kOffsetBeginning/End).
  Status Assign(const std::vector<TopicPartition>& partitions);
  // Joins the group for `topics`. On each assignment `on_assign` may rewrite the start offsets
  // (kOffsetStored, the default, resumes from the group's commits); on revocation the partitions
  // are given up. `on_rebalanced`, when set, is told afterwards what changed: the partitions just
  // assigned (assigned = true) or just given up (false), e.g. to pause some of them again. Both
  // run inside Poll and must not throw.
  using AssignHandler = std::function<void(std::vector<TopicPartition>& assigned)>;
  using RebalancedHandler =
      std::function<void(bool assigned, const std::vector<TopicPartition>& partitions)>;
  Status Subscribe(const std::vector<std::string>& topics, AssignHandler on_assign = {},
                   RebalancedHandler on_rebalanced = {});
  // The partitions currently assigned.
  Result<std::vector<TopicPartition>> Assignment();

  struct Event {
    enum class Kind { kNone, kMessage, kPartitionEof } kind = Kind::kNone;  // kNone: timed out
    Message message;  // kMessage: the record; kPartitionEof: topic, partition and offset only
  };
  // Waits up to `timeout_ms` for the next record or end-of-partition. A consumer error (unknown
  // topic, fatal errors) is returned as a Status; transient ones are retried by librdkafka.
  Result<Event> Poll(int timeout_ms);

  // Records that the records up to and including `offset` of the partition are processed (stored
  // for the next commit).
  Status MarkProcessed(const std::string& topic, int32_t partition, int64_t offset);
  // Synchronously commits what MarkProcessed stored. OK when there was nothing to commit.
  Status Commit();
  // Synchronously commits `offsets` (each the next offset to consume) for the group.
  Status CommitOffsets(const std::vector<TopicPartition>& offsets);
  // Starts committing `offsets` and returns at once; `on_committed` gets the outcome (the first
  // per-partition error, if any) from ServeCommits once the coordinator answered. Returns an
  // error (and never calls `on_committed`) when the commit could not be started.
  using CommittedHandler = std::function<void(const Status&)>;
  Status CommitOffsetsAsync(const std::vector<TopicPartition>& offsets,
                            CommittedHandler on_committed);
  // Runs the handlers of the asynchronous commits answered so far, waiting up to `timeout_ms`
  // for the first. Returns how many ran. Records are not touched (Poll returns them).
  int ServeCommits(int timeout_ms);
  // The group's committed offset for each partition (kOffsetInvalid where there is none).
  Result<std::vector<TopicPartition>> Committed(const std::vector<TopicPartition>& partitions);
  // Stops fetching `partitions` (offsets ignored) while keeping them assigned: Poll returns none
  // of their records until Resume, which fetches again from the position after the last record
  // Poll returned. Returns OK, or the first per-partition error (kNotFound for a partition that
  // this client does not know).
  Status Pause(const std::vector<TopicPartition>& partitions);
  Status Resume(const std::vector<TopicPartition>& partitions);
  // Moves the positions of assigned partitions to their `offset` fields (absolute or
  // kOffsetBeginning/End).
  Status Seek(const std::vector<TopicPartition>& positions);
  // The topics of the current subscription (empty when none).
  Result<std::vector<std::string>> Subscription();
  // Leaves the subscription (and with it the assigned partitions).
  Status Unsubscribe();
  // Leaves the group (committing stored offsets) and closes.
  Status Close();

 private:
  explicit Consumer(std::unique_ptr<Client> client) : client_(std::move(client)) {}
  std::unique_ptr<Client> client_;
  // Destroys the commits_ queue (defined in consumer.cc, where librdkafka is known).
  struct QueueDeleter {
    void operator()(rd_kafka_queue_t* queue) const;
  };
  // Where CommitOffsetsAsync's answers wait for ServeCommits.
  std::unique_ptr<rd_kafka_queue_t, QueueDeleter> commits_;
  bool grouped_ = false;
  bool closed_ = false;
};

}  // namespace herald::client
