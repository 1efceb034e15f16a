#include "broker/group_state.h"

#include <algorithm>

#include <fmt/format.h>

#include "base/log.h"
#include "broker/broker_metrics.h"
#include "broker/consumer_protocol.h"
#include "broker/group_records.h"
#include "storage/record_scan.h"

namespace herald::broker {
namespace {

using State = GroupCoordinator::Impl::State;

JoinResult JoinError(ErrorCode error, std::string member_id = {}) {
  JoinResult r;
  r.error = error;
  r.member_id = std::move(member_id);
  return r;
}

}  // namespace

const char* GroupCoordinator::Impl::StateName(State s) {
  switch (s) {
    case State::kEmpty: return "Empty";
    case State::kPreparingRebalance: return "PreparingRebalance";
    case State::kCompletingRebalance: return "CompletingRebalance";
    case State::kStable: return "Stable";
    case State::kDead: return "Dead";
  }
  return "Dead";
}

Status GroupCoordinator::Impl::Load() {
  if (!engine_.HasTopic(kOffsetsTopic)) {
    HERALD_RETURN_IF_ERROR(engine_.CreateTopic(
        kOffsetsTopic, 1, {{"cleanup.policy", "compact"}, {"segment.bytes", "104857600"}}));
  }
  HERALD_ASSIGN_OR_RETURN(log_, engine_.GetLog(kOffsetsTopic, 0));
  HERALD_RETURN_IF_ERROR(storage::ScanBatchRecords(
      *log_, log_->log_start_offset(), log_->end_offset(),
      [&](const storage::BatchHeader& batch, const storage::RecordView& r) {
        Apply(batch, r);
        return true;
      }));
  // Members loaded from disk get fresh sessions: they must heartbeat again in time.
  for (auto& [id, g] : groups_) {
    for (auto& [mid, m] : g->members) ResetSession(*g, *m);
  }
  return Status::Ok();
}

void GroupCoordinator::Impl::Apply(const storage::BatchHeader& batch, const storage::RecordView& r) {
  if (batch.control()) {
    // A transaction's marker: the offsets it held become the group's, or are dropped.
    auto type = r.key ? storage::ParseControlKey(*r.key) : Corruption("a marker without a key");
    if (!type.ok()) {
      LogWarn("group_record_skipped", {{"offset", r.offset}}, type.status().message());
    } else if (*type != storage::ControlType::kUnknown) {
      DoCompleteTxn(batch.producer_id, *type == storage::ControlType::kCommit);
    }
    return;
  }
  auto entry = DecodeGroupRecord(r);
  if (!entry.ok()) {
    LogWarn("group_record_skipped", {{"offset", r.offset}}, entry.status().message());
  } else if (auto* offset = std::get_if<OffsetEntry>(&*entry)) {
    Group& g = GetOrCreate(offset->group);
    if (batch.transactional()) {
      if (offset->offset) {
        g.txn_offsets[batch.producer_id][{offset->topic, offset->partition}] = *offset->offset;
        txn_groups_[batch.producer_id].insert(offset->group);
      }
    } else if (offset->offset) {
      g.offsets[{offset->topic, offset->partition}] = *offset->offset;
    } else {
      g.offsets.erase({offset->topic, offset->partition});
    }
  } else if (auto* group = std::get_if<GroupEntry>(&*entry)) {
    if (!group->stored) {
      groups_.erase(group->group);
      return;
    }
    Group& g = GetOrCreate(group->group);
    g.protocol_type = group->stored->protocol_type;
    g.protocol = group->stored->protocol;
    g.generation = group->stored->generation;
    g.leader = group->stored->leader;
    g.members.clear();
    g.static_members.clear();
    for (auto& stored : group->stored->members) {
      auto m = std::make_unique<Member>();
      m->id = stored.member_id;
      m->instance_id = stored.group_instance_id;
      if (m->instance_id) g.static_members[*m->instance_id] = m->id;
      m->client_id = stored.client_id;
      m->client_host = stored.client_host;
      m->session_timeout_ms = stored.session_timeout_ms;
      m->rebalance_timeout_ms = stored.rebalance_timeout_ms;
      m->protocol_type = g.protocol_type;
      m->protocols.push_back({g.protocol, std::move(stored.metadata)});
      m->assignment = std::move(stored.assignment);
      g.members[m->id] = std::move(m);
    }
    g.state = g.members.empty() ? State::kEmpty : State::kStable;
    g.new_group = g.generation == 0;
  }
}

void GroupCoordinator::Impl::Persist(std::vector<storage::RecordSpec> records, std::function<void(Status)> done) {
  auto batch = std::make_shared<Buffer>(storage::BuildBatch(records));
  auto self = shared_from_this();
  log_->Append(*batch, storage::AckLevel::kDurable,
               [self, batch, done = std::move(done)](Result<storage::AppendInfo> r) {
                 Status s = r.ok() ? Status::Ok() : r.status();
                 self->Post([done, s] { done(s); });
               });
}

ByteView GroupCoordinator::Impl::MetadataView(const Member& m, const std::string& protocol) {
  for (const auto& [name, bytes] : m.protocols) {
    if (name == protocol) return bytes;
  }
  return {};
}

Buffer GroupCoordinator::Impl::MetadataFor(const Member& m, const std::string& protocol) {
  const ByteView bytes = MetadataView(m, protocol);
  return Buffer(bytes.begin(), bytes.end());
}

std::vector<JoinMember> GroupCoordinator::Impl::LeaderView(const Group& g) {
  std::vector<JoinMember> members;
  for (const auto& [id, m] : g.members) {
    members.push_back({id, m->instance_id, MetadataFor(*m, g.protocol)});
  }
  return members;
}

bool GroupCoordinator::Impl::SupportedByAll(const Group& g, const std::string& protocol) {
  return std::all_of(g.members.begin(), g.members.end(), [&](const auto& m) {
    return std::any_of(m.second->protocols.begin(), m.second->protocols.end(),
                       [&](const auto& p) { return p.first == protocol; });
  });
}

storage::RecordSpec GroupCoordinator::Impl::GroupRecordOf(const Group& g) {
  StoredGroup stored{g.protocol_type, g.protocol, g.generation, g.leader, {}};
  for (const auto& [id, m] : g.members) {
    stored.members.push_back({m->id, m->instance_id, m->client_id, m->client_host,
                              m->session_timeout_ms, m->rebalance_timeout_ms,
                              MetadataFor(*m, g.protocol), m->assignment});
  }
  return GroupRecord(g.id, stored, Now());
}

GroupCoordinator::Impl::Group& GroupCoordinator::Impl::GetOrCreate(const std::string& id) {
  auto& slot = groups_[id];
  if (!slot) {
    slot = std::make_unique<Group>();
    slot->id = id;
  }
  return *slot;
}

GroupCoordinator::Impl::Group* GroupCoordinator::Impl::Find(const std::string& id) {
  auto it = groups_.find(id);
  return it == groups_.end() ? nullptr : it->second.get();
}

std::string GroupCoordinator::Impl::NewMemberId(const std::string& client_id) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = (client_id.empty() ? "member" : client_id) + "-";
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) id.push_back('-');
    id.push_back(kHex[rng_() % 16]);
  }
  return id;
}

void GroupCoordinator::Impl::ResetSession(Group& g, Member& m) {
  auto self = shared_from_this();
  std::string group_id = g.id, member_id = m.id;
  // Replacing the timer cancels the one before.
  m.session_timer = timers_.Start(strand_, std::chrono::milliseconds(m.session_timeout_ms),
                                  [self, group_id, member_id] {
                                    self->OnSessionExpired(group_id, member_id);
                                  });
}

void GroupCoordinator::Impl::OnSessionExpired(const std::string& group_id, const std::string& member_id) {
  Group* g = Find(group_id);
  if (!g) return;
  auto it = g->members.find(member_id);
  if (it == g->members.end()) return;
  if (it->second->join_done) return;  // waiting in a join: the rebalance timeout governs it
  LogInfo("rebalance", {{"consumer_group", group_id}, {"member", member_id}},
          "member session expired");
  RemoveMember(*g, member_id);
}

void GroupCoordinator::Impl::RemoveMember(Group& g, const std::string& member_id) {
  auto it = g.members.find(member_id);
  if (it == g.members.end()) return;
  if (it->second->instance_id) g.static_members.erase(*it->second->instance_id);
  if (it->second->sync_done) it->second->sync_done({ErrorCode::kRebalanceInProgress, {}});
  if (it->second->join_done) it->second->join_done(JoinError(ErrorCode::kUnknownMemberId));
  g.members.erase(it);
  if (g.leader == member_id) g.leader.clear();
  switch (g.state) {
    case State::kStable:
    case State::kCompletingRebalance: PrepareRebalance(g); break;
    case State::kPreparingRebalance: MaybeCompleteJoin(g); break;
    default: break;
  }
}

void GroupCoordinator::Impl::PrepareRebalance(Group& g, const std::string& reason) {
  // Members waiting for their assignment must rejoin.
  for (auto& [id, m] : g.members) {
    if (m->sync_done) {
      auto done = std::move(m->sync_done);
      m->sync_done = nullptr;
      done({ErrorCode::kRebalanceInProgress, {}});
    }
  }
  g.state = State::kPreparingRebalance;
  int64_t delay = 0;
  if (g.new_group) {
    delay = options_.initial_rebalance_delay_ms;
  } else {
    for (const auto& [id, m] : g.members) delay = std::max<int64_t>(delay, m->rebalance_timeout_ms);
  }
  auto self = shared_from_this();
  std::string group_id = g.id;
  g.join_timer = timers_.Start(strand_, std::chrono::milliseconds(delay), [self, group_id] {
    if (Group* grp = self->Find(group_id); grp && grp->state == State::kPreparingRebalance) {
      self->CompleteJoin(*grp);
    }
  });
  LogInfo("rebalance",
          {{"consumer_group", g.id}, {"members", g.members.size()}, {"generation", g.generation}},
          reason.empty() ? std::string("rebalance started")
                         : fmt::format("rebalance started: {}", reason));
}

void GroupCoordinator::Impl::MaybeCompleteJoin(Group& g) {
  if (g.state != State::kPreparingRebalance || g.new_group) return;  // a new group waits
  for (const auto& [id, m] : g.members) {
    if (!m->join_done) return;
  }
  if (g.join_timer) g.join_timer->Cancel();
  CompleteJoin(g);
}

void GroupCoordinator::Impl::CompleteJoin(Group& g) {
  // Members that did not rejoin in time are out.
  for (auto it = g.members.begin(); it != g.members.end();) {
    if (!it->second->join_done) {
      if (it->second->instance_id) g.static_members.erase(*it->second->instance_id);
      it = g.members.erase(it);
    } else {
      ++it;
    }
  }
  g.new_group = false;
  if (g.members.empty()) {
    g.state = State::kEmpty;
    g.leader.clear();
    ++g.generation;
    Persist({GroupRecordOf(g)}, [](Status) {});
    return;
  }
  ++g.generation;
  g.protocol = ChooseProtocol(g);
  if (g.leader.empty() || !g.members.contains(g.leader)) g.leader = g.members.begin()->first;
  g.state = State::kCompletingRebalance;
  for (auto& [id, m] : g.members) {
    JoinResult r;
    r.generation = g.generation;
    r.protocol = g.protocol;
    r.leader = g.leader;
    r.member_id = id;
    if (id == g.leader) r.members = LeaderView(g);
    auto done = std::move(m->join_done);
    m->join_done = nullptr;
    ResetSession(g, *m);
    done(std::move(r));
  }
  LogInfo("rebalance", {{"consumer_group", g.id}, {"generation", g.generation},
                        {"members", g.members.size()}, {"protocol", g.protocol}},
          "members joined; waiting for the leader's assignment");
}

std::string GroupCoordinator::Impl::ChooseProtocol(const Group& g) {
  // A protocol every member supports, by the members' preference votes.
  std::map<std::string, int> votes;
  for (const auto& [id, m] : g.members) {
    for (const auto& [name, bytes] : m->protocols) {
      if (SupportedByAll(g, name)) {
        ++votes[name];
        break;
      }
    }
  }
  std::string best;
  int most = -1;
  for (const auto& [name, n] : votes) {
    if (n > most) {
      best = name;
      most = n;
    }
  }
  return best;
}

bool GroupCoordinator::Impl::ProtocolsCompatible(const Group& g, const JoinRequest& req) {
  if (req.protocols.empty() || req.protocol_type.empty()) return false;
  if (g.members.empty()) return true;
  if (g.protocol_type != req.protocol_type) return false;
  // At least one protocol in common with every member.
  return std::any_of(req.protocols.begin(), req.protocols.end(),
                     [&](const auto& p) { return SupportedByAll(g, p.first); });
}

void GroupCoordinator::Impl::DoJoin(JoinRequest req, std::function<void(JoinResult)> done) {
  if (req.group_id.empty()) return done(JoinError(ErrorCode::kInvalidGroupId));
  if (req.session_timeout_ms < options_.min_session_timeout_ms ||
      req.session_timeout_ms > options_.max_session_timeout_ms) {
    return done(JoinError(ErrorCode::kInvalidSessionTimeout));
  }
  if (req.rebalance_timeout_ms < 0) req.rebalance_timeout_ms = req.session_timeout_ms;
  // As Kafka: only a member without an id may create a group; one naming an id is not known.
  if (!req.member_id.empty() && !Find(req.group_id)) {
    return done(JoinError(ErrorCode::kUnknownMemberId, req.member_id));
  }
  Group& g = GetOrCreate(req.group_id);
  if (!ProtocolsCompatible(g, req)) return done(JoinError(ErrorCode::kInconsistentGroupProtocol));

  std::string member_id = req.member_id;
  if (member_id.empty() && req.group_instance_id) {
    // A static member coming back takes its old place under a new member id.
    auto known = g.static_members.find(*req.group_instance_id);
    if (known != g.static_members.end()) {
      auto old = g.members.find(known->second);
      if (old != g.members.end()) {
        auto m = std::move(old->second);
        g.members.erase(old);
        if (m->sync_done) m->sync_done({ErrorCode::kFencedInstanceId, {}});
        if (m->join_done) m->join_done(JoinError(ErrorCode::kFencedInstanceId));
        m->sync_done = nullptr;
        m->join_done = nullptr;
        std::string new_id = NewMemberId(req.client_id);
        bool was_leader = g.leader == m->id;
        m->id = new_id;
        g.members[new_id] = std::move(m);
        g.static_members[*req.group_instance_id] = new_id;
        if (was_leader) g.leader = new_id;
        Member& mem = *g.members[new_id];
        bool same = mem.protocols == req.protocols;
        UpdateMember(mem, req);
        if (g.state == State::kStable && same) {
          // Nothing changed: no rebalance, same generation and assignment.
          ResetSession(g, mem);
          JoinResult r{ErrorCode::kNone, g.generation, g.protocol, g.leader, new_id, {}};
          if (new_id == g.leader) r.members = LeaderView(g);
          return done(std::move(r));
        }
        mem.join_done = std::move(done);
        if (g.state != State::kPreparingRebalance) PrepareRebalance(g, req.reason.value_or(""));
        MaybeCompleteJoin(g);
        return;
      }
    }
  }
  if (member_id.empty()) {
    member_id = NewMemberId(req.client_id);
    if (req.require_known_member_id && !req.group_instance_id) {
      g.pending.insert(member_id);
      return done(JoinError(ErrorCode::kMemberIdRequired, member_id));
    }
    AddMember(g, member_id, req, std::move(done));
    return;
  }
  if (g.pending.erase(member_id) > 0) {
    AddMember(g, member_id, req, std::move(done));
    return;
  }
  auto it = g.members.find(member_id);
  if (it == g.members.end()) return done(JoinError(ErrorCode::kUnknownMemberId, member_id));
  Member& m = *it->second;
  bool changed = m.protocols != req.protocols;
  UpdateMember(m, req);
  if (g.state == State::kStable && !changed && member_id != g.leader) {
    // A follower rejoining with nothing new gets the current generation back.
    ResetSession(g, m);
    return done(JoinResult{ErrorCode::kNone, g.generation, g.protocol, g.leader, member_id, {}});
  }
  m.join_done = std::move(done);
  if (g.state != State::kPreparingRebalance) PrepareRebalance(g, req.reason.value_or(""));
  MaybeCompleteJoin(g);
}

void GroupCoordinator::Impl::UpdateMember(Member& m, const JoinRequest& req) {
  m.instance_id = req.group_instance_id;
  m.client_id = req.client_id;
  m.client_host = req.client_host;
  m.session_timeout_ms = req.session_timeout_ms;
  m.rebalance_timeout_ms = req.rebalance_timeout_ms;
  m.protocol_type = req.protocol_type;
  m.protocols = req.protocols;
}

void GroupCoordinator::Impl::AddMember(Group& g, const std::string& member_id, const JoinRequest& req,
               std::function<void(JoinResult)> done) {
  auto m = std::make_unique<Member>();
  m->id = member_id;
  UpdateMember(*m, req);
  m->join_done = std::move(done);
  if (g.members.empty()) g.protocol_type = req.protocol_type;
  if (req.group_instance_id) g.static_members[*req.group_instance_id] = member_id;
  g.members[member_id] = std::move(m);
  if (g.state != State::kPreparingRebalance) PrepareRebalance(g, req.reason.value_or(""));
  MaybeCompleteJoin(g);
}

ErrorCode GroupCoordinator::Impl::CheckMember(Group* g, const std::string& member_id, int32_t generation) {
  if (!g || !g->members.contains(member_id)) return ErrorCode::kUnknownMemberId;
  if (generation != g->generation) return ErrorCode::kIllegalGeneration;
  return ErrorCode::kNone;
}

void GroupCoordinator::Impl::DoSync(SyncRequest req, std::function<void(SyncResult)> done) {
  if (req.group_id.empty()) return done({ErrorCode::kInvalidGroupId, {}});
  Group* g = Find(req.group_id);
  if (ErrorCode e = CheckMember(g, req.member_id, req.generation); e != ErrorCode::kNone) {
    return done({e, {}});
  }
  if ((req.protocol_type && *req.protocol_type != g->protocol_type) ||
      (req.protocol && *req.protocol != g->protocol)) {
    return done({ErrorCode::kInconsistentGroupProtocol, {}});
  }
  Member& m = *g->members[req.member_id];
  ResetSession(*g, m);
  switch (g->state) {
    case State::kPreparingRebalance: return done({ErrorCode::kRebalanceInProgress, {}});
    case State::kStable:
      return done({ErrorCode::kNone, m.assignment, g->protocol_type, g->protocol});
    case State::kCompletingRebalance: break;
    default: return done({ErrorCode::kUnknownMemberId, {}});
  }
  m.sync_done = std::move(done);
  if (req.member_id != g->leader) return;
  for (auto& [id, member] : g->members) member->assignment.clear();
  for (auto& [id, bytes] : req.assignments) {
    if (auto it = g->members.find(id); it != g->members.end()) it->second->assignment = bytes;
  }
  // The group's new shape is stored before anyone is told.
  auto self = shared_from_this();
  std::string group_id = g->id;
  int32_t generation = g->generation;
  Persist({GroupRecordOf(*g)}, [self, group_id, generation](Status s) {
    Group* grp = self->Find(group_id);
    if (!grp || grp->generation != generation || grp->state != State::kCompletingRebalance) {
      return;
    }
    if (!s.ok()) {
      LogError("group_store_failed", {{"consumer_group", group_id}}, s.ToString());
      for (auto& [id, member] : grp->members) {
        if (member->sync_done) {
          auto d = std::move(member->sync_done);
          member->sync_done = nullptr;
          d({ErrorCode::kKafkaStorageError, {}});
        }
      }
      self->PrepareRebalance(*grp);
      return;
    }
    grp->state = State::kStable;
    for (auto& [id, member] : grp->members) {
      if (member->sync_done) {
        auto d = std::move(member->sync_done);
        member->sync_done = nullptr;
        d({ErrorCode::kNone, member->assignment, grp->protocol_type, grp->protocol});
      }
    }
    LogInfo("rebalance", {{"consumer_group", group_id}, {"generation", generation}},
            "group stable");
  });
}

ErrorCode GroupCoordinator::Impl::DoHeartbeat(const std::string& group_id, int32_t generation,
                    const std::string& member_id) {
  if (group_id.empty()) return ErrorCode::kInvalidGroupId;
  Group* g = Find(group_id);
  if (ErrorCode e = CheckMember(g, member_id, generation); e != ErrorCode::kNone) return e;
  ResetSession(*g, *g->members[member_id]);
  if (g->state == State::kPreparingRebalance) return ErrorCode::kRebalanceInProgress;
  return ErrorCode::kNone;
}

std::pair<ErrorCode, std::vector<ErrorCode>> GroupCoordinator::Impl::DoLeave(
    const std::string& group_id, const std::vector<LeavingMember>& members) {
  if (group_id.empty()) return {ErrorCode::kInvalidGroupId, {}};
  Group* g = Find(group_id);
  if (!g) {
    // Each member is unknown, and the group's error is NONE, as Kafka answers (so an empty batch
    // gets NONE; before v3 the one member's error is the answer's).
    return {ErrorCode::kNone, std::vector<ErrorCode>(members.size(), ErrorCode::kUnknownMemberId)};
  }
  std::vector<ErrorCode> errors;
  for (const auto& [member_id, instance, reason] : members) {
    std::string id = member_id;
    if (instance) {
      auto known = g->static_members.find(*instance);
      if (known == g->static_members.end()) {
        errors.push_back(ErrorCode::kUnknownMemberId);
        continue;
      }
      if (!id.empty() && id != known->second) {
        errors.push_back(ErrorCode::kFencedInstanceId);
        continue;
      }
      id = known->second;
    }
    if (!g->members.contains(id) && g->pending.erase(id) > 0) {
      // Handed an id with MEMBER_ID_REQUIRED and gone before joining with it: Kafka forgets it.
      errors.push_back(ErrorCode::kNone);
      continue;
    }
    if (!g->members.contains(id)) {
      errors.push_back(ErrorCode::kUnknownMemberId);
      continue;
    }
    LogInfo("rebalance", {{"consumer_group", group_id}, {"member", id}},
            reason ? fmt::format("member left: {}", *reason) : std::string("member left"));
    RemoveMember(*g, id);
    errors.push_back(ErrorCode::kNone);
  }
  return {ErrorCode::kNone, std::move(errors)};
}

void GroupCoordinator::Impl::DoCommit(std::string group_id, int32_t generation, std::string member_id,
              std::vector<CommittedOffset> offsets,
              std::function<void(std::vector<CommittedOffset>)> done) {
  auto fail_all = [&](ErrorCode e) {
    for (auto& o : offsets) o.error = e;
    done(std::move(offsets));
  };
  if (group_id.empty()) return fail_all(ErrorCode::kInvalidGroupId);
  Group* g = Find(group_id);
  const bool simple = generation < 0 && member_id.empty();
  if (!simple) {
    if (ErrorCode e = CheckMember(g, member_id, generation); e != ErrorCode::kNone) return fail_all(e);
    if (g->state == State::kCompletingRebalance) return fail_all(ErrorCode::kRebalanceInProgress);
    ResetSession(*g, *g->members[member_id]);
  } else if (g && !g->members.empty()) {
    // Kafka rejects commits from outside a group that has members.
    return fail_all(ErrorCode::kUnknownMemberId);
  }
  std::vector<storage::RecordSpec> records;
  for (const auto& o : offsets) records.push_back(OffsetRecord(group_id, o, Now()));
  if (records.empty()) return done(std::move(offsets));
  auto self = shared_from_this();
  Persist(std::move(records),
          [self, group_id, offsets = std::move(offsets), done = std::move(done)](Status s) mutable {
            Group& grp = self->GetOrCreate(group_id);
            for (auto& o : offsets) {
              if (!s.ok()) {
                o.error = ErrorCode::kKafkaStorageError;
                continue;
              }
              self->SetOffset(grp, o);
            }
            done(std::move(offsets));
          });
}

void GroupCoordinator::Impl::SetOffset(Group& g, const CommittedOffset& o) {
  CommittedOffset& slot = g.offsets[{o.topic, o.partition}];
  // What a group has consumed is what its commits moved past.
  if (slot.offset >= 0 && o.offset > slot.offset) {
    metrics::MessagesConsumed(o.topic, g.id).Inc(static_cast<double>(o.offset - slot.offset));
  }
  slot = o;
}

void GroupCoordinator::Impl::DoTxnCommit(TxnCommitRequest req,
                                         std::function<void(std::vector<CommittedOffset>)> done) {
  auto fail_all = [&](ErrorCode e) {
    for (auto& o : req.offsets) o.error = e;
    done(std::move(req.offsets));
  };
  if (req.group_id.empty()) return fail_all(ErrorCode::kInvalidGroupId);
  if (!options_.append_transactional) return fail_all(ErrorCode::kCoordinatorNotAvailable);
  Group* g = Find(req.group_id);
  const bool names_member =
      req.generation >= 0 || !req.member_id.empty() || req.group_instance_id.has_value();
  const bool empty_group = g == nullptr || g->state == State::kEmpty;
  if (names_member && !(req.generation < 0 && empty_group)) {
    if (req.group_instance_id && g != nullptr) {
      auto it = g->static_members.find(*req.group_instance_id);
      if (it != g->static_members.end() && it->second != req.member_id) {
        return fail_all(ErrorCode::kFencedInstanceId);
      }
    }
    if (ErrorCode e = CheckMember(g, req.member_id, req.generation); e != ErrorCode::kNone) {
      return fail_all(e);
    }
  }
  if (req.offsets.empty()) return done(std::move(req.offsets));
  std::vector<storage::RecordSpec> records;
  for (const auto& o : req.offsets) records.push_back(OffsetRecord(req.group_id, o, Now()));
  // Pending from now: a require_stable fetch must not see the offsets it replaces meanwhile.
  Group& grp = GetOrCreate(req.group_id);
  for (const auto& o : req.offsets) {
    grp.txn_offsets[req.producer_id][{o.topic, o.partition}] = o;
  }
  txn_groups_[req.producer_id].insert(req.group_id);
  auto self = shared_from_this();
  auto answer = [self, req = std::move(req), done = std::move(done)](Result<int64_t> written) mutable {
    self->Post([self, req = std::move(req), done = std::move(done), written]() mutable {
      if (!written.ok()) {
        LogWarn("txn_offset_commit_failed",
                {{"group", req.group_id}, {"producer_id", req.producer_id}},
                written.status().ToString());
        // A stale epoch; a batch past max.message.bytes (as Kafka answers it); else retriable.
        const ErrorCode e = written.status().code() == StatusCode::kOutOfRange
                                ? ErrorCode::kInvalidProducerEpoch
                            : written.status().code() == StatusCode::kInvalidArgument
                                ? ErrorCode::kInvalidCommitOffsetSize
                                : ErrorCode::kNotCoordinator;
        // Not pending after all: what this request made pending (and nothing since) is undone.
        if (Group* owner = self->Find(req.group_id)) {
          auto& pending = owner->txn_offsets[req.producer_id];
          std::erase_if(pending, [&req](const auto& entry) {
            return std::find(req.offsets.begin(), req.offsets.end(), entry.second) !=
                   req.offsets.end();
          });
          if (pending.empty()) owner->txn_offsets.erase(req.producer_id);
        }
        for (auto& o : req.offsets) o.error = e;
      }
      done(std::move(req.offsets));
    });
  };
  options_.append_transactional(
      storage::BuildTransactionalBatch(req.producer_id, req.producer_epoch, records),
      std::move(answer));
}

void GroupCoordinator::Impl::DoCompleteTxn(int64_t producer_id, bool commit) {
  auto groups = txn_groups_.extract(producer_id);
  if (groups.empty()) return;
  for (const auto& id : groups.mapped()) {
    Group* g = Find(id);
    if (g == nullptr) continue;  // deleted meanwhile: its offsets went with it
    auto pending = g->txn_offsets.extract(producer_id);
    if (pending.empty() || !commit) continue;
    for (const auto& [tp, o] : pending.mapped()) SetOffset(*g, o);
  }
}

std::vector<CommittedOffset> GroupCoordinator::Impl::DoFetch(
    const std::string& group_id,
    const std::optional<std::vector<std::pair<std::string, int32_t>>>& partitions,
    bool require_stable) {
  std::vector<CommittedOffset> out;
  Group* g = Find(group_id);
  auto pending = [g](const std::pair<std::string, int32_t>& tp) {
    return std::any_of(g->txn_offsets.begin(), g->txn_offsets.end(),
                       [&tp](const auto& txn) { return txn.second.contains(tp); });
  };
  if (!partitions) {
    if (g) {
      for (const auto& [tp, o] : g->offsets) {
        out.push_back(require_stable && pending(tp)
                          ? CommittedOffset{tp.first, tp.second, -1, std::string(),
                                            ErrorCode::kUnstableOffsetCommit}
                          : o);
      }
    }
    return out;
  }
  for (const auto& tp : *partitions) {
    const auto& [topic, partition] = tp;
    CommittedOffset o{topic, partition, -1, std::string(), ErrorCode::kNone};
    if (g) {
      if (auto it = g->offsets.find(tp); it != g->offsets.end()) o = it->second;
      if (require_stable && pending(tp)) {
        o = {topic, partition, -1, std::string(), ErrorCode::kUnstableOffsetCommit};
      }
    }
    out.push_back(std::move(o));
  }
  return out;
}

GroupDescription GroupCoordinator::Impl::DoDescribe(const std::string& group_id) {
  GroupDescription d;
  d.group_id = group_id;
  Group* g = Find(group_id);
  if (!g) {
    d.state = StateName(State::kDead);
    return d;
  }
  d.state = StateName(g->state);
  d.protocol_type = g->protocol_type;
  if (g->state == State::kStable) d.protocol = g->protocol;
  for (const auto& [id, m] : g->members) {
    GroupDescription::Member dm{id, m->instance_id, m->client_id, m->client_host, {}, {}};
    if (g->state == State::kStable) {
      dm.metadata = MetadataFor(*m, g->protocol);
      dm.assignment = m->assignment;
    }
    d.members.push_back(std::move(dm));
  }
  return d;
}

void GroupCoordinator::Impl::DoShutdown() {
  for (auto& [id, g] : groups_) {
    if (g->join_timer) g->join_timer->Cancel();
    for (auto& [mid, m] : g->members) {
      if (m->session_timer) m->session_timer->Cancel();
      if (m->join_done) std::exchange(m->join_done, nullptr)(JoinError(ErrorCode::kCoordinatorNotAvailable));
      if (m->sync_done) std::exchange(m->sync_done, nullptr)({ErrorCode::kCoordinatorNotAvailable, {}});
    }
  }
}

void GroupCoordinator::Impl::DoDelete(std::vector<std::string> names,
              std::function<void(std::vector<std::pair<std::string, ErrorCode>>)> done) {
  std::vector<std::pair<std::string, ErrorCode>> results;
  std::vector<storage::RecordSpec> tombstones;
  // Each doomed group's transactional offsets when its tombstones were written: those pending
  // before them go with the group, as a replay drops them.
  using TxnOffsets = decltype(Group::txn_offsets);
  std::map<std::string, TxnOffsets> doomed;
  for (const auto& name : names) {
    Group* g = Find(name);
    if (!g) {
      results.push_back({name, ErrorCode::kGroupIdNotFound});
    } else if (!g->members.empty()) {
      results.push_back({name, ErrorCode::kNonEmptyGroup});
    } else {
      for (const auto& [tp, o] : g->offsets) {
        tombstones.push_back(OffsetTombstone(name, tp.first, tp.second, Now()));
      }
      tombstones.push_back(GroupTombstone(name, Now()));
      doomed[name] = g->txn_offsets;
      results.push_back({name, ErrorCode::kNone});
    }
  }
  if (tombstones.empty()) return done(std::move(results));
  auto self = shared_from_this();
  Persist(std::move(tombstones), [self, doomed, results = std::move(results),
                                  done = std::move(done)](Status s) mutable {
    for (auto& [name, err] : results) {
      if (err == ErrorCode::kNone && !s.ok()) err = ErrorCode::kKafkaStorageError;
    }
    if (s.ok()) {
      for (const auto& [name, before] : doomed) {
        auto node = self->groups_.extract(name);
        if (node.empty()) continue;
        // Offsets a transaction committed while the tombstones were written follow them in the
        // log: a replay finds them in a new group, and so does this one.
        TxnOffsets after;
        for (auto& [pid, offsets] : node.mapped()->txn_offsets) {
          auto was = before.find(pid);
          for (auto& [tp, o] : offsets) {
            if (was == before.end() || !was->second.contains(tp) || was->second.at(tp) != o) {
              after[pid][tp] = o;
            }
          }
        }
        if (!after.empty()) self->GetOrCreate(name).txn_offsets = std::move(after);
      }
    }
    done(std::move(results));
  });
}

std::set<std::string> GroupCoordinator::Impl::SubscribedTopics(const Group& g) {
  std::set<std::string> out;
  if (g.protocol_type != "consumer" || g.protocol.empty()) return out;
  for (const auto& [id, m] : g.members) {
    if (auto topics = DecodeConsumerSubscription(MetadataView(*m, g.protocol))) {
      out.insert(topics->begin(), topics->end());
    }
  }
  return out;
}

void GroupCoordinator::Impl::DoDeleteOffsets(
    const std::string& group_id, std::vector<std::pair<std::string, int32_t>> partitions,
    std::function<void(ErrorCode, std::vector<ErrorCode>)> done) {
  if (group_id.empty()) return done(ErrorCode::kInvalidGroupId, {});
  Group* g = Find(group_id);
  if (!g) return done(ErrorCode::kGroupIdNotFound, {});
  const bool consumer = g->protocol_type == "consumer";
  if (!g->members.empty() && !consumer) return done(ErrorCode::kNonEmptyGroup, {});
  std::vector<ErrorCode> errors(partitions.size(), ErrorCode::kNone);
  std::vector<storage::RecordSpec> tombstones;
  std::set<std::pair<std::string, int32_t>> cleared;
  const std::set<std::string> subscribed = SubscribedTopics(*g);
  for (size_t i = 0; i < partitions.size(); ++i) {
    const auto& [topic, partition] = partitions[i];
    if (subscribed.contains(topic)) {
      errors[i] = ErrorCode::kGroupSubscribedToTopic;
    } else if (g->offsets.count({topic, partition}) != 0) {
      tombstones.push_back(OffsetTombstone(group_id, topic, partition, Now()));
      cleared.insert({topic, partition});
    }
  }
  if (tombstones.empty()) return done(ErrorCode::kNone, std::move(errors));
  // As Kafka's cleanup: an empty group left without offsets is gone. Its tombstone, after the
  // offsets' in the same batch, keeps a replay from bringing back the generation its record holds.
  const bool gone =
      g->members.empty() && g->state == State::kEmpty && cleared.size() == g->offsets.size();
  if (gone) tombstones.push_back(GroupTombstone(group_id, Now()));
  auto self = shared_from_this();
  Persist(std::move(tombstones),
          [self, group_id, gone, partitions = std::move(partitions), errors = std::move(errors),
           done = std::move(done)](Status s) mutable {
            Group* grp = self->Find(group_id);
            for (size_t i = 0; i < partitions.size(); ++i) {
              if (errors[i] != ErrorCode::kNone) continue;
              if (!s.ok()) {
                errors[i] = ErrorCode::kKafkaStorageError;
              } else if (grp) {
                grp->offsets.erase(partitions[i]);
              }
            }
            // Gone from memory too, unless it changed while the batch was written.
            if (s.ok() && gone && grp && grp->members.empty() && grp->offsets.empty() &&
                grp->state == State::kEmpty) {
              self->groups_.erase(group_id);
            }
            done(ErrorCode::kNone, std::move(errors));
          });
}

}  // namespace herald::broker
