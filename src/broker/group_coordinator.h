// GroupCoordinator: Kafka's classic consumer-group protocol on one node.
//
// Each group moves through Empty -> PreparingRebalance -> CompletingRebalance -> Stable (and
// back), with generation ids, member ids (a new member is first told MEMBER_ID_REQUIRED when its
// client can take it), session timeouts (a member that stops heartbeating is removed), rebalance
// timeouts (members that do not rejoin in time are dropped), static membership
// (group.instance.id: a restarted member takes its old place without a rebalance) and
// group.initial.rebalance.delay.ms (a new group waits for more members before its first
// assignment).
//
// Committed offsets and each group's metadata are stored as records in the compacted internal
// topic __consumer_offsets (one partition; format in broker/group_records.h) and replayed on
// start.
// A commit is answered once its record is fsynced.
//
// Offsets committed inside a transaction (TxnOffsetCommit, KIP-98) are written as the producer's
// transactional batch and stay pending until the transaction's marker reaches __consumer_offsets
// (CompleteTxn, from the transaction coordinator's marker writer; on replay, the marker itself):
// a commit makes them the group's offsets, an abort drops them. Meanwhile OffsetFetch with
// require_stable answers UNSTABLE_OFFSET_COMMIT for their partitions, as Kafka's coordinator.
//
// Errors are Kafka's error codes (ErrorCode, broker/error_code.h), since the protocol's semantics
// are defined by them.
//
// Thread-safety: every method may be called from any thread; all state lives on one strand of
// the executor given at Open, and callbacks run there (they must not block).
#pragma once

#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without including it

#include <boost/asio.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"
#include "broker/error_code.h"
#include "broker/timers.h"
#include "storage/engine.h"

namespace herald::broker {

struct GroupOptions {
  int64_t initial_rebalance_delay_ms = 3000;  // group.initial.rebalance.delay.ms
  int32_t min_session_timeout_ms = 1000;      // group.min.session.timeout.ms (Kafka: 6000)
  int32_t max_session_timeout_ms = 1800000;   // group.max.session.timeout.ms
  // The session, rebalance and initial-delay timers (Timers::Real() when null); must outlive the
  // coordinator.
  Timers* timers = nullptr;
  // Writes a transaction's offsets (a batch of storage::BuildTransactionalBatch) to
  // __consumer_offsets for its producer and answers the batch's base offset once it is durable:
  // Broker::AppendForCoordinator. Without it, TxnOffsetCommit answers COORDINATOR_NOT_AVAILABLE.
  std::function<void(Buffer batch, std::function<void(Result<int64_t>)> done)>
      append_transactional;
};

struct JoinRequest {
  std::string group_id;
  std::string member_id;  // empty for a new member
  std::optional<std::string> group_instance_id;
  std::string protocol_type;
  std::vector<std::pair<std::string, Buffer>> protocols;  // name -> subscription, by preference
  int32_t session_timeout_ms = 10000;
  int32_t rebalance_timeout_ms = 10000;
  std::string client_id;
  std::string client_host;
  bool require_known_member_id = false;  // JoinGroup v4+: answer MEMBER_ID_REQUIRED first
  std::optional<std::string> reason;     // JoinGroup v8+: why it (re)joins, for the log
};

struct JoinMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  Buffer metadata;
};

struct JoinResult {
  ErrorCode error = ErrorCode::kNone;
  int32_t generation = -1;
  std::string protocol;
  std::string leader;
  std::string member_id;
  std::vector<JoinMember> members;  // the leader's copy only
};

struct SyncRequest {
  std::string group_id;
  int32_t generation = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  // SyncGroup v5+: when set, must be the group's (INCONSISTENT_GROUP_PROTOCOL otherwise).
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol;
  std::vector<std::pair<std::string, Buffer>> assignments;  // from the leader
};

struct SyncResult {
  ErrorCode error = ErrorCode::kNone;
  Buffer assignment;
  std::string protocol_type;  // the group's, on success
  std::string protocol;
};

// A member leaving (LeaveGroup): by member id, or by group instance id for a static member.
struct LeavingMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::optional<std::string> reason;  // LeaveGroup v5+, for the log
};

struct CommittedOffset {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = -1;
  std::optional<std::string> metadata;
  ErrorCode error = ErrorCode::kNone;

  bool operator==(const CommittedOffset&) const = default;
};

struct GroupDescription {
  ErrorCode error = ErrorCode::kNone;
  std::string group_id;
  std::string state;
  std::string protocol_type;
  std::string protocol;
  struct Member {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::string client_id;
    std::string client_host;
    Buffer metadata;
    Buffer assignment;
  };
  std::vector<Member> members;
};

struct PartitionLag {
  std::string topic;
  int32_t partition = 0;
  int64_t committed = -1;
  int64_t end_offset = 0;
  int64_t lag = 0;  // end_offset - committed, never below 0
};

// One group as ListGroups lists it.
struct GroupListing {
  std::string group_id;
  std::string protocol_type;
  std::string state;  // Kafka's names: Empty, PreparingRebalance, CompletingRebalance, Stable
};

// One group as the admin API and the lag metrics see it.
struct GroupOverview {
  GroupDescription description;
  std::vector<CommittedOffset> offsets;  // every committed offset
  // The lag of each partition the group has committed an offset for (those of deleted topics are
  // left out), sorted by topic and partition.
  std::vector<PartitionLag> lag;
};


class GroupCoordinator {
 public:
  // Opens __consumer_offsets (creating it), replays it, and runs timers on `executor`.
  // `engine` must outlive the coordinator. When that fails (the partition is offline or a record
  // does not read), the coordinator is offline: `offline()` says why, and every call answers
  // COORDINATOR_NOT_AVAILABLE, so that no consumer takes the missing commits for none.
  static Result<std::shared_ptr<GroupCoordinator>> Open(storage::Engine& engine,
                                                        boost::asio::any_io_executor executor,
                                                        GroupOptions options);
  ~GroupCoordinator();

  // OK, or why groups are not served.
  const Status& offline() const { return offline_; }

  void Join(JoinRequest request, std::function<void(JoinResult)> done);
  void Sync(SyncRequest request, std::function<void(SyncResult)> done);
  void Heartbeat(std::string group_id, int32_t generation, std::string member_id,
                 std::optional<std::string> group_instance_id, std::function<void(ErrorCode)> done);
  // Removes members: the group's error with no member errors, or NONE with one error per member,
  // in order.
  void Leave(std::string group_id, std::vector<LeavingMember> members,
             std::function<void(ErrorCode, std::vector<ErrorCode>)> done);
  // generation -1 with an empty member id commits outside group membership (assign() users).
  void Commit(std::string group_id, int32_t generation, std::string member_id,
              std::vector<CommittedOffset> offsets,
              std::function<void(std::vector<CommittedOffset>)> done);
  // TxnOffsetCommit: `offsets` join producer `producer_id`'s transaction (see above). Member
  // checks as Kafka's for transactional commits: with generation -1, no member id and no
  // instance id (v0-2), or generation -1 on an Empty group, none; otherwise the member must be
  // the group's at that generation (FENCED_INSTANCE_ID, UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION).
  // A stale epoch is INVALID_PRODUCER_EPOCH; a write that fails, NOT_COORDINATOR (retried).
  void TxnCommit(std::string group_id, int64_t producer_id, int16_t producer_epoch,
                 int32_t generation, std::string member_id,
                 std::optional<std::string> group_instance_id,
                 std::vector<CommittedOffset> offsets,
                 std::function<void(std::vector<CommittedOffset>)> done);
  // The marker of `producer_id`'s transaction is durable in __consumer_offsets: the offsets it
  // holds become committed (`commit`) or are dropped.
  void CompleteTxn(int64_t producer_id, bool commit);
  // Every committed offset of the group when `partitions` is null. With `require_stable`, a
  // partition with an offset pending in a transaction is UNSTABLE_OFFSET_COMMIT (offset -1).
  void Fetch(std::string group_id,
             std::optional<std::vector<std::pair<std::string, int32_t>>> partitions,
             std::function<void(std::vector<CommittedOffset>)> done, bool require_stable = false);
  void Describe(std::vector<std::string> groups,
                std::function<void(std::vector<GroupDescription>)> done);
  // Every group, by id.
  void List(std::function<void(std::vector<GroupListing>)> done);
  // The groups named (every group when null) with all their committed offsets, in one pass.
  void Overview(std::optional<std::vector<std::string>> groups,
                std::function<void(std::vector<GroupOverview>)> done);
  void Delete(std::vector<std::string> groups,
              std::function<void(std::vector<std::pair<std::string, ErrorCode>>)> done);
  // Removes the group's committed offsets of `partitions` (OffsetDelete), answering a group error
  // and an error per partition in the order asked. As Kafka's coordinator: an unknown group is
  // GROUP_ID_NOT_FOUND; a consumer group with members keeps the offsets of topics a member is
  // subscribed to (GROUP_SUBSCRIBED_TO_TOPIC); any other group with members is NON_EMPTY_GROUP. An
  // empty group left with no offsets is removed, as Kafka removes it.
  void DeleteOffsets(std::string group_id, std::vector<std::pair<std::string, int32_t>> partitions,
                     std::function<void(ErrorCode, std::vector<ErrorCode>)> done);
  // Cancels every timer so the executor can run out of work; members waiting in a join or sync
  // are answered with COORDINATOR_NOT_AVAILABLE (their clients retry elsewhere or later).
  void Shutdown();

  class Impl;

 private:
  GroupCoordinator(std::shared_ptr<Impl> impl, Status offline)
      : impl_(std::move(impl)), offline_(std::move(offline)) {}
  std::shared_ptr<Impl> impl_;  // null when offline
  const Status offline_;
};

}  // namespace herald::broker
