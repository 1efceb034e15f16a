// Consumer groups: FindCoordinator, JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit,
// OffsetFetch, OffsetDelete, DescribeGroups, ListGroups, DeleteGroups. The protocol's state lives
// in broker::GroupCoordinator; these translate messages and versions.
#include <algorithm>
#include <set>

#include "base/assert.h"
#include "base/log.h"
#include "base/mutex.h"
#include "broker/group_coordinator.h"
#include "kafka/handler_list.h"
#include "kafka/handlers.h"
#include "kafka/messages/delete_groups.h"
#include "kafka/messages/describe_groups.h"
#include "kafka/messages/find_coordinator.h"
#include "kafka/messages/heartbeat.h"
#include "kafka/messages/join_group.h"
#include "kafka/messages/leave_group.h"
#include "kafka/messages/list_groups.h"
#include "kafka/messages/offset_commit.h"
#include "kafka/messages/offset_delete.h"
#include "kafka/messages/offset_fetch.h"
#include "kafka/messages/sync_group.h"

namespace herald::kafka::handlers {
namespace {

std::string PeerHost(const std::string& peer) {
  size_t colon = peer.rfind(':');
  return "/" + (colon == std::string::npos ? peer : peer.substr(0, colon));
}

}  // namespace

// The node coordinates every group and every transactional id. v4 asks for several keys at once
// and is answered per key. A key type other than group (0) or transaction (1) is
// INVALID_REQUEST, as in Kafka.
void FindCoordinator(Services& s, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<FindCoordinatorRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  // Each key costs an answer: bounded as partition entries are.
  if (!WithinPartitionLimit(s.broker, ctx, request->coordinator_keys.size(), done)) return;
  const auto [host, port] = AdvertisedEndpoint(s.broker, ctx);
  FindCoordinatorResponseCoordinator answer{"",          s.broker.options().node_id, host, port, 0,
                                            std::nullopt};
  // Key type 0 names a group, 1 a transactional id: this node coordinates both.
  const Status& offline = request->key_type == 0 ? s.groups.offline() : s.txns.offline();
  if (request->key_type != 0 && request->key_type != 1) {
    answer = {"", -1, "", -1, Code(ErrorCode::kInvalidRequest), "unknown coordinator key type"};
  } else if (!offline.ok()) {
    answer = {"", -1, "", -1, Code(ErrorCode::kCoordinatorNotAvailable), offline.ToString()};
  }
  FindCoordinatorResponse response;
  if (ctx.request.header.api_version >= 4) {
    for (const auto& key : request->coordinator_keys) {
      response.coordinators.push_back(answer);
      response.coordinators.back().key = key;
    }
  } else {
    response.error_code = answer.error_code;
    response.error_message = answer.error_message;
    response.node_id = answer.node_id;
    response.host = answer.host;
    response.port = answer.port;
  }
  done(EncodeResponse(response, ctx.version()));
}

void JoinGroup(Services& s, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<JoinGroupRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  broker::JoinRequest join;
  join.group_id = request->group_id;
  join.member_id = request->member_id;
  join.group_instance_id = request->group_instance_id;
  join.protocol_type = request->protocol_type;
  for (auto& p : request->protocols) join.protocols.push_back({p.name, std::move(p.metadata)});
  join.session_timeout_ms = request->session_timeout_ms;
  join.rebalance_timeout_ms = request->rebalance_timeout_ms;
  join.client_id = ctx.request.header.client_id.value_or("");
  join.client_host = PeerHost(ctx.peer);
  join.require_known_member_id = ctx.request.header.api_version >= 4;
  join.reason = request->reason;
  Version version = ctx.version();
  s.groups.Join(std::move(join), [version, done,
                                  protocol_type = request->protocol_type](broker::JoinResult r) {
    JoinGroupResponse response;
    response.error_code = Code(r.error);
    response.generation_id = r.generation;
    if (r.error == ErrorCode::kNone) {
      // A member joins only a group of its protocol type (INCONSISTENT_GROUP_PROTOCOL otherwise).
      response.protocol_type = protocol_type;
      response.protocol_name = r.protocol;
    }
    response.leader = r.leader;
    response.member_id = r.member_id;
    for (auto& m : r.members) {
      response.members.push_back({m.member_id, m.group_instance_id, std::move(m.metadata)});
    }
    done(EncodeResponse(response, version));
  });
}

void SyncGroup(Services& s, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<SyncGroupRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  broker::SyncRequest sync;
  sync.group_id = request->group_id;
  sync.generation = request->generation_id;
  sync.member_id = request->member_id;
  sync.group_instance_id = request->group_instance_id;
  sync.protocol_type = request->protocol_type;
  sync.protocol = request->protocol_name;
  if (ctx.request.header.api_version >= 5 && (!sync.protocol_type || !sync.protocol)) {
    // From v5 both are mandatory, as Kafka's broker requires.
    SyncGroupResponse response;
    response.error_code = Code(ErrorCode::kInconsistentGroupProtocol);
    return done(EncodeResponse(response, ctx.version()));
  }
  for (auto& a : request->assignments) sync.assignments.push_back({a.member_id, std::move(a.assignment)});
  Version version = ctx.version();
  s.groups.Sync(std::move(sync), [version, done](broker::SyncResult r) {
    SyncGroupResponse response;
    response.error_code = Code(r.error);
    if (r.error == ErrorCode::kNone) {
      response.protocol_type = std::move(r.protocol_type);
      response.protocol_name = std::move(r.protocol);
    }
    response.assignment = std::move(r.assignment);
    done(EncodeResponse(response, version));
  });
}

void Heartbeat(Services& s, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<HeartbeatRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  Version version = ctx.version();
  s.groups.Heartbeat(request->group_id, request->generation_id, request->member_id,
                     request->group_instance_id, [version, done](ErrorCode error) {
                       HeartbeatResponse response;
                       response.error_code = Code(error);
                       done(EncodeResponse(response, version));
                     });
}

void LeaveGroup(Services& s, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<LeaveGroupRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  std::vector<broker::LeavingMember> members;
  const bool batch = ctx.request.header.api_version >= 3;
  if (batch) {
    for (const auto& m : request->members) {
      members.push_back({m.member_id, m.group_instance_id, m.reason});
    }
  } else {
    members.push_back({request->member_id, std::nullopt, std::nullopt});
  }
  Version version = ctx.version();
  // The coordinator answers either the group's error alone or NONE and each member's error.
  s.groups.Leave(
      request->group_id, members,
      [version, done, batch, members](ErrorCode group_error, std::vector<ErrorCode> errors) {
        HERALD_ASSERT(errors.empty() || errors.size() == members.size(),
                      "{} leave errors for {} members", errors.size(), members.size());
        LeaveGroupResponse response;
        response.error_code = Code(group_error);
        if (batch) {
          for (size_t i = 0; i < errors.size(); ++i) {
            response.members.push_back(
                {members[i].member_id, members[i].group_instance_id, Code(errors[i])});
          }
        } else if (!errors.empty()) {
          response.error_code = Code(errors.front());  // v0-2: the one member's
        }
        done(EncodeResponse(response, version));
      });
}

void OffsetCommit(Services& s, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<OffsetCommitRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  CommitPlan plan = PlanCommit(s.broker, request->topics);
  // v0 commits carry no generation: they are outside group membership.
  int32_t generation = ctx.request.header.api_version == 0 ? -1 : request->generation_id;
  Version version = ctx.version();
  s.groups.Commit(request->group_id, generation, request->member_id, std::move(plan.commit),
                  [version, done, answered = plan.answered](std::vector<broker::CommittedOffset> results) {
                    OffsetCommitResponse response;
                    AnswerCommit(response, *answered, results);
                    done(EncodeResponse(response, version));
                  });
}

CommitPlan PlanCommitOf(const broker::Broker& broker, std::vector<broker::CommittedOffset> asked) {
  CommitPlan plan;
  plan.answered = std::make_shared<std::vector<broker::CommittedOffset>>(std::move(asked));
  for (auto& o : *plan.answered) {
    // The partition's log, looked up as Produce does (no copy of the topic's configs); an
    // offline partition still exists.
    if (broker.GetLog(o.topic, o.partition).status().code() == StatusCode::kNotFound) {
      o.error = ErrorCode::kUnknownTopicOrPartition;
    } else {
      plan.commit.push_back(o);
    }
  }
  return plan;
}

void MergeCommitResults(std::vector<broker::CommittedOffset>& answered,
                        const std::vector<broker::CommittedOffset>& results) {
  auto result = results.begin();
  for (auto& o : answered) {
    if (o.error == ErrorCode::kNone && result != results.end()) o.error = (result++)->error;
  }
}

namespace {

// One group's committed offsets as OffsetFetch answers them, topic by topic.
std::vector<OffsetFetchResponseTopic> FetchedTopics(
    const std::vector<broker::CommittedOffset>& results) {
  std::vector<OffsetFetchResponseTopic> topics;
  for (const auto& o : results) {
    if (topics.empty() || topics.back().name != o.topic) topics.push_back({o.topic, {}});
    OffsetFetchResponsePartition p;
    p.partition_index = o.partition;
    p.committed_offset = o.offset;
    p.metadata = o.metadata.value_or("");
    p.error_code = Code(o.error);
    topics.back().partitions.push_back(std::move(p));
  }
  return topics;
}

std::optional<std::vector<std::pair<std::string, int32_t>>> FetchedPartitions(
    const std::optional<std::vector<OffsetFetchRequestTopic>>& topics) {
  if (!topics) return std::nullopt;
  std::vector<std::pair<std::string, int32_t>> partitions;
  for (const auto& t : *topics) {
    for (int32_t p : t.partition_indexes) partitions.emplace_back(t.name, p);
  }
  return partitions;
}

}  // namespace

// v0-7 ask for one group; v8 for several, answered together once every group's fetch is done.
// An unavailable coordinator is also the group's (v8) or top-level (v2-7) error, so that a null
// topic list is never answered "nothing committed". With require_stable (v7+), a partition whose
// offset is pending in a transaction is UNSTABLE_OFFSET_COMMIT, which consumers retry.
void OffsetFetch(Services& s, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<OffsetFetchRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  if (ctx.request.header.api_version < 8) {
    request->groups = {{std::move(request->group_id), std::move(request->topics)}};
  }
  const int16_t group_error =
      Code(s.groups.offline().ok() ? ErrorCode::kNone : ErrorCode::kCoordinatorNotAvailable);
  struct Pending {
    Mutex mu;
    OffsetFetchResponse response GUARDED_BY(mu);
    size_t left GUARDED_BY(mu) = 0;
  };
  auto pending = std::make_shared<Pending>();
  {
    MutexLock lock(pending->mu);
    pending->left = request->groups.size();
    for (const auto& group : request->groups) {
      pending->response.groups.push_back({group.group_id, {}, group_error});
    }
  }
  const Version version = ctx.version();
  // Called once every group is in: nothing else touches the response then.
  auto answer = [version, done](OffsetFetchResponse response) {
    if (version.number < 8 && !response.groups.empty()) {
      response.topics = std::move(response.groups.front().topics);
      response.error_code = response.groups.front().error_code;
      response.groups.clear();
    }
    done(EncodeResponse(response, version));
  };
  if (request->groups.empty()) return answer({});
  for (size_t i = 0; i < request->groups.size(); ++i) {
    auto& group = request->groups[i];
    s.groups.Fetch(
        std::move(group.group_id), FetchedPartitions(group.topics),
        [pending, i, answer](std::vector<broker::CommittedOffset> results) {
          OffsetFetchResponse response;
          {
            MutexLock lock(pending->mu);
            pending->response.groups[i].topics = FetchedTopics(results);
            if (--pending->left != 0) return;
            response = std::move(pending->response);
          }
          answer(std::move(response));
        },
        request->require_stable);
  }
}

void DescribeGroups(Services& s, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<DescribeGroupsRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  Version version = ctx.version();
  // Authorized operations, when asked for (v3+), are every group operation, as Kafka without an
  // authorizer answers.
  const int32_t operations =
      request->include_authorized_operations ? kGroupOperations : kOperationsNotProvided;
  s.groups.Describe(request->groups, [version, done,
                                      operations](std::vector<broker::GroupDescription> groups) {
    DescribeGroupsResponse response;
    for (auto& g : groups) {
      DescribeGroupsResponseGroup out;
      out.error_code = Code(g.error);
      if (g.error == ErrorCode::kNone) out.authorized_operations = operations;
      out.group_id = g.group_id;
      out.group_state = g.state;
      out.protocol_type = g.protocol_type;
      out.protocol_data = g.protocol;
      for (auto& m : g.members) {
        out.members.push_back({m.member_id, m.group_instance_id, m.client_id, m.client_host,
                               std::move(m.metadata), std::move(m.assignment)});
      }
      response.groups.push_back(std::move(out));
    }
    done(EncodeResponse(response, version));
  });
}

void ListGroups(Services& s, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<ListGroupsRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  Version version = ctx.version();
  // v4: only the groups in one of the states named (every group when none is), as Kafka filters.
  std::set<std::string> states(request->states_filter.begin(), request->states_filter.end());
  s.groups.List([version, done,
                 states = std::move(states)](std::vector<broker::GroupListing> groups) {
    ListGroupsResponse response;
    for (auto& g : groups) {
      if (!states.empty() && !states.contains(g.state)) continue;
      response.groups.push_back(
          {std::move(g.group_id), std::move(g.protocol_type), std::move(g.state)});
    }
    done(EncodeResponse(response, version));
  });
}

void DeleteGroups(Services& s, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<DeleteGroupsRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  Version version = ctx.version();
  s.groups.Delete(request->groups_names,
                  [version, done](std::vector<std::pair<std::string, ErrorCode>> results) {
                    DeleteGroupsResponse response;
                    for (auto& [id, error] : results) response.results.push_back({id, Code(error)});
                    done(EncodeResponse(response, version));
                  });
}

// As Kafka (KafkaApis.handleOffsetDeleteRequest): a partition the broker does not have is
// UNKNOWN_TOPIC_OR_PARTITION; the others go to the coordinator, whose group error (an unknown or
// non-empty group) is answered alone, with no topics.
void OffsetDelete(Services& s, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<OffsetDeleteRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  if (!WithinPartitionLimit(
          s.broker, ctx, PartitionEntries(request->topics, &OffsetDeleteRequestTopic::partitions),
          done)) {
    return;
  }
  std::vector<std::pair<std::string, int32_t>> known;
  auto answer = std::make_shared<OffsetDeleteResponse>();
  for (const auto& t : request->topics) {
    auto& topic = answer->topics.emplace_back(OffsetDeleteResponseTopic{t.name, {}});
    for (int32_t p : t.partitions) {
      const bool exists = s.broker.GetLog(t.name, p).status().code() != StatusCode::kNotFound;
      topic.partitions.push_back(
          {p, Code(exists ? ErrorCode::kNone : ErrorCode::kUnknownTopicOrPartition)});
      if (exists) known.emplace_back(t.name, p);
    }
  }
  Version version = ctx.version();
  s.groups.DeleteOffsets(
      request->group_id, std::move(known),
      [version, done, answer](ErrorCode group_error, std::vector<ErrorCode> errors) {
        if (group_error != ErrorCode::kNone) {
          OffsetDeleteResponse failed;
          failed.error_code = Code(group_error);
          return done(EncodeResponse(failed, version));
        }
        // The coordinator's errors, in order, fill the partitions that exist.
        auto error = errors.begin();
        for (auto& t : answer->topics) {
          for (auto& p : t.partitions) {
            if (p.error_code == 0 && error != errors.end()) p.error_code = Code(*error++);
          }
        }
        done(EncodeResponse(*answer, version));
      });
}

}  // namespace herald::kafka::handlers
