// Consumer groups: FindCoordinator, JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit,
// OffsetFetch, OffsetDelete, DescribeGroups, ListGroups, DeleteGroups. The protocol's state lives
// in broker::GroupCoordinator; these translate messages and versions. Each first makes the
// authorization checks Kafka's KafkaApis makes (handle*Request), with its errors and answers.
#include <algorithm>
#include <set>
#include <utility>
#include <vector>

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

using broker::AclOperation;

std::string PeerHost(const std::string& peer) {
  size_t colon = peer.rfind(':');
  return "/" + (colon == std::string::npos ? peer : peer.substr(0, colon));
}

// The answer, with only its top-level error set, to a request refused for its group (JoinGroup,
// SyncGroup, Heartbeat, LeaveGroup): GROUP_AUTHORIZATION_FAILED, as Kafka answers it.
template <typename Reply>
void RefuseGroup(const RequestContext& ctx, const Respond& done) {
  Reply response;
  response.error_code = Code(ErrorCode::kGroupAuthorizationFailed);
  done(EncodeResponse(response, ctx.version()));
}

// The group operations (READ, DELETE, DESCRIBE) the principal may do on `group`, as the bit field
// of Kafka's AuthHelper.authorizedOperations: every one without an authorizer (kGroupOperations).
int32_t GroupOperations(const broker::Broker& broker, const RequestContext& ctx,
                        const std::string& group) {
  int32_t bits = 0;
  for (AclOperation op : {AclOperation::kRead, AclOperation::kDelete, AclOperation::kDescribe}) {
    if (AuthorizedOnGroup(broker, ctx, op, group, kQuiet)) {
      bits |= OperationBits({static_cast<int>(op)});
    }
  }
  return bits;
}

}  // namespace

// The node coordinates every group and every transactional id. v4 asks for several keys at once
// and is answered per key. A key type other than group (0) or transaction (1) is
// INVALID_REQUEST, as in Kafka. As KafkaApis.getCoordinator, each key is authorized first:
// DESCRIBE on the group, else GROUP_AUTHORIZATION_FAILED, or on the transactional id, else
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED.
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
  auto answer_for = [&](const std::string& key) {
    FindCoordinatorResponseCoordinator out = answer;
    if (request->key_type == 0 &&
        !AuthorizedOnGroup(s.broker, ctx, AclOperation::kDescribe, key)) {
      out = {"", -1, "", -1, Code(ErrorCode::kGroupAuthorizationFailed),
             "Group authorization failed."};
    } else if (request->key_type == 1 &&
               !AuthorizedOnTransactionalId(s.broker, ctx, AclOperation::kDescribe, key)) {
      out = {"", -1, "", -1, Code(ErrorCode::kTransactionalIdAuthorizationFailed),
             "Transactional Id authorization failed."};
    }
    out.key = key;
    return out;
  };
  FindCoordinatorResponse response;
  if (ctx.request.header.api_version >= 4) {
    for (const auto& key : request->coordinator_keys) {
      response.coordinators.push_back(answer_for(key));
    }
  } else {
    const FindCoordinatorResponseCoordinator one = answer_for(request->key);
    response.error_code = one.error_code;
    response.error_message = one.error_message;
    response.node_id = one.node_id;
    response.host = one.host;
    response.port = one.port;
  }
  done(EncodeResponse(response, ctx.version()));
}

void JoinGroup(Services& s, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<JoinGroupRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  // READ on the group (KafkaApis.handleJoinGroupRequest).
  if (!AuthorizedOnGroup(s.broker, ctx, AclOperation::kRead, request->group_id)) {
    return RefuseGroup<JoinGroupResponse>(ctx, done);
  }
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
  // Then READ on the group (KafkaApis.handleSyncGroupRequest).
  if (!AuthorizedOnGroup(s.broker, ctx, AclOperation::kRead, sync.group_id)) {
    return RefuseGroup<SyncGroupResponse>(ctx, done);
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
  // READ on the group (KafkaApis.handleHeartbeatRequest).
  if (!AuthorizedOnGroup(s.broker, ctx, AclOperation::kRead, request->group_id)) {
    return RefuseGroup<HeartbeatResponse>(ctx, done);
  }
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
  // READ on the group (KafkaApis.handleLeaveGroupRequest): refused, the top-level error alone, at
  // every version.
  if (!AuthorizedOnGroup(s.broker, ctx, AclOperation::kRead, request->group_id)) {
    return RefuseGroup<LeaveGroupResponse>(ctx, done);
  }
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

// As KafkaApis.handleOffsetCommitRequest: READ on the group, else every partition is
// GROUP_AUTHORIZATION_FAILED; then READ on each topic, checked before its partitions are looked
// up, else they are TOPIC_AUTHORIZATION_FAILED. Refused partitions are not committed.
void OffsetCommit(Services& s, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<OffsetCommitRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  const bool group_authorized =
      AuthorizedOnGroup(s.broker, ctx, AclOperation::kRead, request->group_id);
  CommitPlan plan = PlanCommit(
      s.broker, ctx, request->topics,
      group_authorized ? ErrorCode::kNone : ErrorCode::kGroupAuthorizationFailed);
  // v0 commits carry no generation: they are outside group membership.
  int32_t generation = ctx.request.header.api_version == 0 ? -1 : request->generation_id;
  Version version = ctx.version();
  if (!group_authorized) {
    OffsetCommitResponse response;
    AnswerCommit(response, *plan.answered, {});
    return done(EncodeResponse(response, version));
  }
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
    // A partition the caller already refused (an authorization error) is answered so: it is
    // neither looked up nor committed.
    if (o.error != ErrorCode::kNone) continue;
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

// The partitions one group's OffsetFetch names, as KafkaApis.fetchOffsets sorts them: those of a
// topic the principal may not DESCRIBE are TOPIC_AUTHORIZATION_FAILED (offset -1) and not fetched;
// the others (NONE in `asked`) are asked of the coordinator, in order (`fetched`).
struct NamedPartitions {
  std::vector<broker::CommittedOffset> asked;
  std::vector<std::pair<std::string, int32_t>> fetched;
};
NamedPartitions SortNamed(const broker::Broker& broker, const RequestContext& ctx,
                          const std::vector<OffsetFetchRequestTopic>& topics) {
  NamedPartitions named;
  for (const auto& t : topics) {
    const bool described = AuthorizedOnTopic(broker, ctx, AclOperation::kDescribe, t.name);
    for (int32_t p : t.partition_indexes) {
      named.asked.push_back({t.name, p, -1, std::nullopt,
                             described ? ErrorCode::kNone : ErrorCode::kTopicAuthorizationFailed});
      if (described) named.fetched.emplace_back(t.name, p);
    }
  }
  return named;
}

// The topics of a group the principal may not DESCRIBE (OffsetFetchRequest.getErrorResponse):
// none from v2, whose group or top-level error says GROUP_AUTHORIZATION_FAILED; v0-1 have no
// top-level error, so each partition asked carries it.
std::vector<OffsetFetchResponseTopic> RefusedGroupTopics(
    int16_t version, const std::optional<std::vector<OffsetFetchRequestTopic>>& topics) {
  std::vector<broker::CommittedOffset> refused;
  if (version < 2 && topics) {
    for (const auto& t : *topics) {
      for (int32_t p : t.partition_indexes) {
        refused.push_back({t.name, p, -1, std::nullopt, ErrorCode::kGroupAuthorizationFailed});
      }
    }
  }
  return FetchedTopics(refused);
}

}  // namespace

// v0-7 ask for one group; v8 for several, answered together once every group's fetch is done.
// An unavailable coordinator is also the group's (v8) or top-level (v2-7) error, so that a null
// topic list is never answered "nothing committed". With require_stable (v7+), a partition whose
// offset is pending in a transaction is UNSTABLE_OFFSET_COMMIT, which consumers retry.
// As KafkaApis.fetchOffsets: a group the principal may not DESCRIBE is GROUP_AUTHORIZATION_FAILED
// and nothing of it is fetched; a named partition of a topic it may not DESCRIBE is
// TOPIC_AUTHORIZATION_FAILED; every topic's offsets (a null list) are those of the topics it may
// DESCRIBE.
void OffsetFetch(Services& s, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<OffsetFetchRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  if (ctx.request.header.api_version < 8) {
    request->groups = {{std::move(request->group_id), std::move(request->topics)}};
  }
  const int16_t group_error =
      Code(s.groups.offline().ok() ? ErrorCode::kNone : ErrorCode::kCoordinatorNotAvailable);
  std::vector<bool> described;
  for (const auto& group : request->groups) {
    described.push_back(AuthorizedOnGroup(s.broker, ctx, AclOperation::kDescribe, group.group_id));
  }
  struct Pending {
    Mutex mu;
    OffsetFetchResponse response GUARDED_BY(mu);
    size_t left GUARDED_BY(mu) = 0;
  };
  auto pending = std::make_shared<Pending>();
  {
    MutexLock lock(pending->mu);
    pending->left = request->groups.size();
    for (size_t i = 0; i < request->groups.size(); ++i) {
      pending->response.groups.push_back(
          {request->groups[i].group_id, {},
           described[i] ? group_error : Code(ErrorCode::kGroupAuthorizationFailed)});
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
  // Group `i`'s topics: answers once every group is in.
  auto finish = [pending, answer](size_t i, std::vector<OffsetFetchResponseTopic> topics) {
    OffsetFetchResponse response;
    {
      MutexLock lock(pending->mu);
      pending->response.groups[i].topics = std::move(topics);
      if (--pending->left != 0) return;
      response = std::move(pending->response);
    }
    answer(std::move(response));
  };
  for (size_t i = 0; i < request->groups.size(); ++i) {
    auto& group = request->groups[i];
    if (!described[i]) {
      finish(i, RefusedGroupTopics(version.number, group.topics));
    } else if (!group.topics) {
      s.groups.Fetch(
          std::move(group.group_id), std::nullopt,
          [finish, i, &broker = s.broker, ctx](std::vector<broker::CommittedOffset> results) {
            std::erase_if(results, [&](const broker::CommittedOffset& o) {
              return !AuthorizedOnTopic(broker, ctx, AclOperation::kDescribe, o.topic, kQuiet);
            });
            finish(i, FetchedTopics(results));
          },
          request->require_stable);
    } else {
      NamedPartitions named = SortNamed(s.broker, ctx, *group.topics);
      s.groups.Fetch(
          std::move(group.group_id), std::move(named.fetched),
          [finish, i, asked = std::move(named.asked)](
              std::vector<broker::CommittedOffset> results) {
            // The coordinator's answers, in order, for the partitions it was asked.
            std::vector<broker::CommittedOffset> merged = asked;
            auto result = results.begin();
            for (auto& o : merged) {
              if (o.error == ErrorCode::kNone && result != results.end()) o = *result++;
            }
            finish(i, FetchedTopics(merged));
          },
          request->require_stable);
    }
  }
}

// As KafkaApis.handleDescribeGroupRequest: a group the principal may not DESCRIBE is
// GROUP_AUTHORIZATION_FAILED (and not looked up). Authorized operations, when asked for (v3+), are
// the group operations (READ, DELETE, DESCRIBE) it may do, as Kafka's AuthHelper computes them:
// every one without an authorizer.
void DescribeGroups(Services& s, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<DescribeGroupsRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  Version version = ctx.version();
  std::vector<std::string> described;
  // Per group asked: whether it is refused, and its authorized operations.
  std::vector<bool> refused;
  std::vector<int32_t> operations;
  for (const auto& group : request->groups) {
    refused.push_back(!AuthorizedOnGroup(s.broker, ctx, AclOperation::kDescribe, group));
    if (!refused.back()) described.push_back(group);
    operations.push_back(!refused.back() && request->include_authorized_operations
                             ? GroupOperations(s.broker, ctx, group)
                             : kOperationsNotProvided);
  }
  s.groups.Describe(std::move(described), [version, done, asked = std::move(request->groups),
                                           refused = std::move(refused),
                                           operations = std::move(operations)](
                                              std::vector<broker::GroupDescription> groups) {
    DescribeGroupsResponse response;
    auto g = groups.begin();
    for (size_t i = 0; i < asked.size(); ++i) {
      DescribeGroupsResponseGroup out;
      if (refused[i] || g == groups.end()) {
        out.error_code = Code(ErrorCode::kGroupAuthorizationFailed);
        out.group_id = asked[i];
        response.groups.push_back(std::move(out));
        continue;
      }
      out.error_code = Code(g->error);
      if (g->error == ErrorCode::kNone) out.authorized_operations = operations[i];
      out.group_id = g->group_id;
      out.group_state = g->state;
      out.protocol_type = g->protocol_type;
      out.protocol_data = g->protocol;
      for (auto& m : g->members) {
        out.members.push_back({m.member_id, m.group_instance_id, m.client_id, m.client_host,
                               std::move(m.metadata), std::move(m.assignment)});
      }
      response.groups.push_back(std::move(out));
      ++g;
    }
    done(EncodeResponse(response, version));
  });
}

// As KafkaApis.handleListGroupsRequest: with DESCRIBE on the cluster every group is listed, else
// only those the principal may DESCRIBE.
void ListGroups(Services& s, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<ListGroupsRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  Version version = ctx.version();
  const bool every_group = AuthorizedOnCluster(s.broker, ctx, AclOperation::kDescribe, kQuiet);
  // v4: only the groups in one of the states named (every group when none is), as Kafka filters.
  std::set<std::string> states(request->states_filter.begin(), request->states_filter.end());
  s.groups.List([version, done, states = std::move(states), every_group, &broker = s.broker,
                 ctx](std::vector<broker::GroupListing> groups) {
    ListGroupsResponse response;
    for (auto& g : groups) {
      if (!states.empty() && !states.contains(g.state)) continue;
      if (!every_group &&
          !AuthorizedOnGroup(broker, ctx, AclOperation::kDescribe, g.group_id, kQuiet)) {
        continue;
      }
      response.groups.push_back(
          {std::move(g.group_id), std::move(g.protocol_type), std::move(g.state)});
    }
    done(EncodeResponse(response, version));
  });
}

// As KafkaApis.handleDeleteGroupsRequest: a group the principal may not DELETE is
// GROUP_AUTHORIZATION_FAILED and left alone; the others go to the coordinator. Answered in the
// request's order.
void DeleteGroups(Services& s, RequestContext ctx, Respond done) {
  auto request = DecodeRequest<DeleteGroupsRequest>(ctx.body, ctx.version());
  if (!request.ok()) return RejectMalformed(ctx, request.status(), done);
  Version version = ctx.version();
  std::vector<std::string> deletable;
  std::vector<bool> refused;
  for (const auto& group : request->groups_names) {
    refused.push_back(!AuthorizedOnGroup(s.broker, ctx, AclOperation::kDelete, group));
    if (!refused.back()) deletable.push_back(group);
  }
  s.groups.Delete(std::move(deletable),
                  [version, done, asked = std::move(request->groups_names),
                   refused = std::move(refused)](
                      std::vector<std::pair<std::string, ErrorCode>> results) {
                    DeleteGroupsResponse response;
                    auto result = results.begin();
                    for (size_t i = 0; i < asked.size(); ++i) {
                      if (refused[i] || result == results.end()) {
                        response.results.push_back(
                            {asked[i], Code(ErrorCode::kGroupAuthorizationFailed)});
                      } else {
                        response.results.push_back({result->first, Code(result->second)});
                        ++result;
                      }
                    }
                    done(EncodeResponse(response, version));
                  });
}

// As Kafka (KafkaApis.handleOffsetDeleteRequest): DELETE on the group, else the top-level
// GROUP_AUTHORIZATION_FAILED alone; READ on each topic, checked before its partitions are looked
// up, else TOPIC_AUTHORIZATION_FAILED for them; a partition the broker does not have is
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
  Version version = ctx.version();
  if (!AuthorizedOnGroup(s.broker, ctx, AclOperation::kDelete, request->group_id)) {
    OffsetDeleteResponse refused;
    refused.error_code = Code(ErrorCode::kGroupAuthorizationFailed);
    return done(EncodeResponse(refused, version));
  }
  std::vector<std::pair<std::string, int32_t>> known;
  auto answer = std::make_shared<OffsetDeleteResponse>();
  for (const auto& t : request->topics) {
    auto& topic = answer->topics.emplace_back(OffsetDeleteResponseTopic{t.name, {}});
    const bool readable = AuthorizedOnTopic(s.broker, ctx, AclOperation::kRead, t.name);
    for (int32_t p : t.partitions) {
      ErrorCode error = ErrorCode::kNone;
      if (!readable) {
        error = ErrorCode::kTopicAuthorizationFailed;
      } else if (s.broker.GetLog(t.name, p).status().code() == StatusCode::kNotFound) {
        error = ErrorCode::kUnknownTopicOrPartition;
      }
      topic.partitions.push_back({p, Code(error)});
      if (error == ErrorCode::kNone) known.emplace_back(t.name, p);
    }
  }
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
