// GroupCoordinator::Impl: every group's members, generations, timers and committed offsets, and
// Kafka's classic group state machine over them (see broker/group_coordinator.h). The
// coordinator's public methods post onto the strand here; every method of Impl runs on it, so
// none takes a lock.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without including it
#include <vector>

#include <boost/asio.hpp>

#include "base/bytes.h"
#include "broker/group_coordinator.h"
#include "broker/timers.h"
#include "storage/engine.h"
#include "storage/record_batch.h"

namespace herald::broker {

namespace asio = boost::asio;

class GroupCoordinator::Impl : public std::enable_shared_from_this<Impl> {
 public:
  enum class State { kEmpty, kPreparingRebalance, kCompletingRebalance, kStable, kDead };
  // Kafka's name of a state, as DescribeGroups and ListGroups answer it.
  static const char* StateName(State s);

  struct Member {
    std::string id;
    std::optional<std::string> instance_id;
    std::string client_id;
    std::string client_host;
    int32_t session_timeout_ms = 10000;
    int32_t rebalance_timeout_ms = 10000;
    std::string protocol_type;
    std::vector<std::pair<std::string, Buffer>> protocols;
    Buffer assignment;
    std::function<void(JoinResult)> join_done;
    std::function<void(SyncResult)> sync_done;
    std::unique_ptr<Timers::Timer> session_timer;
  };

  struct Group {
    std::string id;
    State state = State::kEmpty;
    std::string protocol_type;
    std::string protocol;
    int32_t generation = 0;
    std::string leader;
    std::map<std::string, std::unique_ptr<Member>> members;
    std::set<std::string> pending;                     // ids handed out with MEMBER_ID_REQUIRED
    std::map<std::string, std::string> static_members;  // instance id -> member id
    std::unique_ptr<Timers::Timer> join_timer;
    bool new_group = true;  // no generation yet: wait group.initial.rebalance.delay.ms
    std::map<std::pair<std::string, int32_t>, CommittedOffset> offsets;
    // Offsets committed inside transactions not yet ended, by producer id.
    std::map<int64_t, std::map<std::pair<std::string, int32_t>, CommittedOffset>> txn_offsets;
  };

  struct TxnCommitRequest {
    std::string group_id;
    int64_t producer_id = -1;
    int16_t producer_epoch = -1;
    int32_t generation = -1;
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::vector<CommittedOffset> offsets;
  };

  Impl(storage::Engine& engine, asio::any_io_executor executor, GroupOptions options)
      : engine_(engine),
        strand_(asio::make_strand(executor)),
        options_(options),
        timers_(options.timers != nullptr ? *options.timers : Timers::Real()) {}

  Status Load();
  void Post(std::function<void()> fn) { asio::post(strand_, std::move(fn)); }

  // ---- replay ----
  void Apply(const storage::BatchHeader& batch, const storage::RecordView& r);

  // ---- persistence ----
  // Appends records durably; `done` gets the outcome on the strand.
  void Persist(std::vector<storage::RecordSpec> records, std::function<void(Status)> done);

  // The member's subscription for `protocol` (empty when it has none), viewed: valid while the
  // member's protocols are unchanged.
  static ByteView MetadataView(const Member& m, const std::string& protocol);
  // The same, copied.
  static Buffer MetadataFor(const Member& m, const std::string& protocol);

  // What the leader is told: every member with its subscription for the chosen protocol.
  static std::vector<JoinMember> LeaderView(const Group& g);
  static bool SupportedByAll(const Group& g, const std::string& protocol);
  storage::RecordSpec GroupRecordOf(const Group& g);

  // ---- group state machine ----
  Group& GetOrCreate(const std::string& id);
  Group* Find(const std::string& id);
  std::string NewMemberId(const std::string& client_id);
  int64_t Now() const { return engine_.clock().NowMs(); }

  void ResetSession(Group& g, Member& m);
  void OnSessionExpired(const std::string& group_id, const std::string& member_id);
  void RemoveMember(Group& g, const std::string& member_id);
  // `reason`: why, for the log (a joining member's, JoinGroup v8+).
  void PrepareRebalance(Group& g, const std::string& reason = "");
  void MaybeCompleteJoin(Group& g);
  void CompleteJoin(Group& g);
  std::string ChooseProtocol(const Group& g);
  bool ProtocolsCompatible(const Group& g, const JoinRequest& req);
  void DoJoin(JoinRequest req, std::function<void(JoinResult)> done);
  void UpdateMember(Member& m, const JoinRequest& req);
  void AddMember(Group& g, const std::string& member_id, const JoinRequest& req,
                 std::function<void(JoinResult)> done);
  ErrorCode CheckMember(Group* g, const std::string& member_id, int32_t generation);
  void DoSync(SyncRequest req, std::function<void(SyncResult)> done);
  ErrorCode DoHeartbeat(const std::string& group_id, int32_t generation,
                        const std::string& member_id);
  // Either the group's error with no member errors (an empty group id; an unknown group when
  // no member is named), or NONE with each member's error, in order.
  std::pair<ErrorCode, std::vector<ErrorCode>> DoLeave(const std::string& group_id,
                                                       const std::vector<LeavingMember>& members);
  void DoCommit(std::string group_id, int32_t generation, std::string member_id,
                std::vector<CommittedOffset> offsets,
                std::function<void(std::vector<CommittedOffset>)> done);
  // Makes `o` the group's committed offset of its partition.
  void SetOffset(Group& g, const CommittedOffset& o);
  void DoTxnCommit(TxnCommitRequest req, std::function<void(std::vector<CommittedOffset>)> done);
  void DoCompleteTxn(int64_t producer_id, bool commit);
  std::vector<CommittedOffset> DoFetch(
      const std::string& group_id,
      const std::optional<std::vector<std::pair<std::string, int32_t>>>& partitions,
      bool require_stable = false);
  GroupDescription DoDescribe(const std::string& group_id);
  std::map<std::string, std::unique_ptr<Group>>& groups() { return groups_; }
  const storage::Engine& engine() const { return engine_; }

  void DoDeleteOffsets(const std::string& group_id,
                       std::vector<std::pair<std::string, int32_t>> partitions,
                       std::function<void(ErrorCode, std::vector<ErrorCode>)> done);
  // The topics the members of a "consumer" group subscribe to with its chosen protocol (none
  // before a protocol is chosen, as in Kafka).
  static std::set<std::string> SubscribedTopics(const Group& g);

  void DoShutdown();
  void DoDelete(std::vector<std::string> names,
                std::function<void(std::vector<std::pair<std::string, ErrorCode>>)> done);

 private:
  storage::Engine& engine_;
  asio::strand<asio::any_io_executor> strand_;
  const GroupOptions options_;
  Timers& timers_;
  std::shared_ptr<storage::Log> log_;
  std::map<std::string, std::unique_ptr<Group>> groups_;
  // The groups holding offsets of each producer's open transaction.
  std::map<int64_t, std::set<std::string>> txn_groups_;
  std::mt19937_64 rng_{std::random_device{}()};
};

}  // namespace herald::broker
