// The admin API (JSON under /admin): the broker, topics with partitions, configs, sizes and
// offsets, consumer groups with members, assignments, committed offsets and lag per partition,
// and transactional ids with their transactions (state, producer, age, partitions), so that a
// stuck transaction can be found.
#include <algorithm>
#include <charconv>
#include <filesystem>

#include <fmt/format.h>

#include "base/json.h"
#include "base/net.h"
#include "broker/consumer_protocol.h"
#include "broker/transaction_coordinator.h"
#include "http/api.h"
#include "security/scram.h"
#include "security/users.h"

namespace herald::http {
namespace {

using broker::AclOperation;
using broker::ResourceType;
using nlohmann::json;

json PartitionJson(const storage::Log& log, int32_t partition) {
  return {{"partition", partition},         {"start_offset", log.log_start_offset()},
          {"end_offset", log.end_offset()}, {"messages", log.end_offset() - log.log_start_offset()},
          {"size_bytes", log.size_bytes()}, {"segments", log.segment_count()}};
}

json TopicJson(const broker::Broker& broker, const storage::TopicInfo& info, bool detailed) {
  json partitions = json::array();
  uint64_t size = 0;
  int64_t messages = 0;
  for (int32_t p = 0; p < info.partitions; ++p) {
    auto log = broker.GetLog(info.name, p);
    if (!log.ok()) continue;
    json pj = PartitionJson(**log, p);
    size += (*log)->size_bytes();
    messages += pj["messages"].get<int64_t>();
    partitions.push_back(std::move(pj));
  }
  json out = {{"name", info.name},
              {"partitions", info.partitions},
              {"internal", info.name.starts_with("__")},
              {"size_bytes", size},
              {"messages", messages}};
  if (detailed) {
    out["partition_details"] = std::move(partitions);
    out["configs"] = info.config.ToMap();
    out["overrides"] = info.overrides;
  }
  return out;
}

// The topic-partitions in a member's assignment (consumer protocol); empty when it is not one.
json AssignmentJson(ByteView bytes) {
  json out = json::array();
  auto assignment = broker::DecodeConsumerAssignment(bytes);
  if (!assignment) return out;
  for (const auto& topic : *assignment) {
    for (int32_t p : topic.partitions) {
      out.push_back(json{{"topic", topic.topic}, {"partition", p}});
    }
  }
  return out;
}

// `group` without the offsets and lag of topics `identity` may not DESCRIBE, as OffsetFetch
// leaves them out.
broker::GroupOverview Visible(broker::GroupOverview group, const Identity& identity) {
  auto hidden = [&identity](const std::string& topic) {
    return !identity.May(AclOperation::kDescribe, ResourceType::kTopic, topic);
  };
  std::erase_if(group.lag, [&](const auto& lag) { return hidden(lag.topic); });
  std::erase_if(group.offsets, [&](const auto& offset) { return hidden(offset.topic); });
  return group;
}

json GroupJson(const broker::GroupOverview& group, bool detailed) {
  const auto& d = group.description;
  int64_t total = 0;
  json offsets = json::array();
  for (const auto& lag : group.lag) {
    total += lag.lag;
    offsets.push_back({{"topic", lag.topic},
                       {"partition", lag.partition},
                       {"committed_offset", lag.committed},
                       {"end_offset", lag.end_offset},
                       {"lag", lag.lag}});
  }
  json out = {{"group_id", d.group_id},
              {"state", d.state},
              {"protocol_type", d.protocol_type},
              {"members", d.members.size()},
              {"total_lag", total}};
  if (detailed) {
    json members = json::array();
    for (const auto& m : d.members) {
      members.push_back(
          {{"member_id", m.member_id},
           {"group_instance_id", m.group_instance_id ? json(*m.group_instance_id) : json()},
           {"client_id", m.client_id},
           {"client_host", m.client_host},
           {"assignment",
            d.protocol_type == "consumer" ? AssignmentJson(m.assignment) : json::array()}});
    }
    out["protocol"] = d.protocol;
    out["members"] = std::move(members);
    out["offsets"] = std::move(offsets);
  }
  return out;
}

// A refused topic change as an HTTP error: 404, 409, 403 or 422 by its Kafka code.
Response TopicErrorResponse(const broker::TopicError& error, std::string_view topic) {
  using broker::ErrorCode;
  switch (error.code) {
    case ErrorCode::kUnknownTopicOrPartition:
      return ErrorResponse(40401, fmt::format("Topic {} not found.", topic));
    case ErrorCode::kTopicAlreadyExists: return ErrorResponse(40901, error.message);
    case ErrorCode::kTopicAuthorizationFailed: return ErrorResponse(40301, error.message);
    case ErrorCode::kInvalidTopicException:
    case ErrorCode::kInvalidPartitions:
    case ErrorCode::kInvalidConfig:
    case ErrorCode::kInvalidRequest: return ErrorResponse(42202, error.message);
    default: return ErrorResponse(50001, error.message);
  }
}

// The string values of a JSON object of configs (numbers are taken as their text).
std::optional<std::map<std::string, std::string>> ConfigMap(const json& configs) {
  std::map<std::string, std::string> out;
  if (configs.is_null()) return out;
  if (!configs.is_object()) return std::nullopt;
  for (const auto& [key, value] : configs.items()) {
    if (value.is_string()) {
      out[key] = value.get<std::string>();
    } else if (value.is_number_integer() || value.is_boolean()) {
      out[key] = value.dump();
    } else if (value.is_null()) {
      out[key] = "";
    } else {
      return std::nullopt;
    }
  }
  return out;
}

uint64_t DirectoryBytes(const std::string& dir) {
  std::error_code ec;
  uint64_t total = 0;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec)) {
      auto size = it->file_size(size_ec);
      if (!size_ec) total += size;
    }
  }
  return total;
}

// The topic as GET /admin/topics/{topic} shows it to the call's caller, with `status`: its
// configs only with DESCRIBE_CONFIGS on it, as DescribeConfigs.
void ReplyTopic(const broker::Broker& broker, const Call& call, const std::string& name,
                bhttp::status status, const Reply& reply) {
  auto info = broker.DescribeTopic(name);
  if (!info.ok()) {
    reply(TopicErrorResponse({broker::ErrorFor(info.status()), info.status().message()}, name));
    return;
  }
  json topic = TopicJson(broker, *info, true);
  if (!call.identity.May(AclOperation::kDescribeConfigs, ResourceType::kTopic, name)) {
    topic.erase("configs");
    topic.erase("overrides");
  }
  reply(JsonResponse(status, topic));
}

// Identity::MayOnTopicOrCluster; when not, answers 403 and returns false.
bool PermittedOnTopicOrCluster(const Call& call, const Reply& reply, AclOperation operation,
                               const std::string& name) {
  return call.identity.MayOnTopicOrCluster(operation, name) ||
         Permitted(call, reply, operation, ResourceType::kTopic, name);
}

void GetBroker(HttpContext& ctx, Call call, Reply reply) {
  if (!Permitted(call, reply, AclOperation::kDescribe, ResourceType::kCluster,
                 broker::kClusterResourceName)) {
    return;
  }
  const std::string& dir = ctx.broker.data_dir();
  std::error_code ec;
  auto space = std::filesystem::space(dir, ec);
  const auto uptime = std::chrono::system_clock::now() - ctx.started;
  reply(JsonResponse(
      bhttp::status::ok,
      {{"version", ctx.version},
       {"cluster_id", ctx.broker.cluster_id()},
       {"node_id", ctx.broker.options().node_id},
       {"uptime_seconds", std::chrono::duration<double>(uptime).count()},
       {"data_dir", dir},
       {"data_dir_bytes", DirectoryBytes(dir)},
       {"disk_capacity_bytes", ec ? json() : json(space.capacity)},
       {"disk_available_bytes", ec ? json() : json(space.available)},
       {"topics", ctx.broker.ListTopics().size()},
       {"kafka_bootstrap", HostPort{ctx.broker.options().advertised_host,
                                    static_cast<uint16_t>(ctx.broker.options().advertised_port)}
                               .ToString()}}));
}

void ListTopics(HttpContext& ctx, Call call, Reply reply) {
  json topics = json::array();
  for (const auto& t : ctx.broker.ListTopics()) {
    if (call.identity.May(AclOperation::kDescribe, ResourceType::kTopic, t.name)) {
      topics.push_back(TopicJson(ctx.broker, t, false));
    }
  }
  reply(JsonResponse(bhttp::status::ok, topics));
}

void GetTopic(HttpContext& ctx, Call call, Reply reply) {
  const std::string& name = call.Param("topic");
  if (!Permitted(call, reply, AclOperation::kDescribe, ResourceType::kTopic, name)) return;
  ReplyTopic(ctx.broker, call, name, bhttp::status::ok, reply);
}

// Body: {"name": …, "partitions": N (default 1), "configs": {…}}.
void CreateTopic(HttpContext& ctx, Call call, Reply reply) {
  auto body = ParseJsonBody(call, reply);
  if (!body) return;
  if (!body->is_object() || !body->contains("name") || !(*body)["name"].is_string()) {
    reply(ErrorResponse(42201, "the body must be an object with a string \"name\""));
    return;
  }
  const std::string name = (*body)["name"].get<std::string>();
  if (!PermittedOnTopicOrCluster(call, reply, AclOperation::kCreate, name)) return;
  const auto partitions = JsonIntegerOr<int32_t>(*body, "partitions", 1);
  auto configs = ConfigMap(body->value("configs", json()));
  if (!partitions || !configs) {
    reply(ErrorResponse(42201, "\"partitions\" must be an integer and \"configs\" an object"));
    return;
  }
  if (auto error = ctx.broker.CreateTopic(name, *partitions, *configs); !error.ok()) {
    reply(TopicErrorResponse(error, name));
    return;
  }
  ReplyTopic(ctx.broker, call, name, bhttp::status::created, reply);
}

// Body: {"configs": {…}} changes those configs (the topic's other overrides stay);
// {"partitions": N} grows the topic to N partitions.
void UpdateTopic(HttpContext& ctx, Call call, Reply reply) {
  const std::string& name = call.Param("topic");
  // Before the topic is looked up, so that a refusal tells nothing of it: some operation on it
  // (the ones needed for each change are checked below).
  if (!call.identity.May(AclOperation::kAlterConfigs, ResourceType::kTopic, name) &&
      !call.identity.May(AclOperation::kAlter, ResourceType::kTopic, name) &&
      !Permitted(call, reply, AclOperation::kDescribe, ResourceType::kTopic, name)) {
    return;
  }
  auto body = ParseJsonBody(call, reply);
  if (!body) return;
  auto info = ctx.broker.DescribeTopic(name);
  if (!info.ok()) {
    reply(TopicErrorResponse({broker::ErrorFor(info.status()), info.status().message()}, name));
    return;
  }
  if (broker::Broker::IsInternalTopic(name)) {
    reply(ErrorResponse(40301, fmt::format("{} is an internal topic", name)));
    return;
  }
  auto configs = ConfigMap(body->is_object() ? body->value("configs", json()) : json());
  // Absent (or null): the partition count stays.
  const json partitions = body->is_object() ? body->value("partitions", json()) : json(0);
  const auto count = JsonInteger<int32_t>(partitions);
  if (!configs || !(partitions.is_null() || count)) {
    reply(ErrorResponse(42201, "\"configs\" must be an object and \"partitions\" an integer"));
    return;
  }
  if (configs->empty() && partitions.is_null()) {
    reply(ErrorResponse(42201, "nothing to change: give \"configs\" or \"partitions\""));
    return;
  }
  // As AlterConfigs and CreatePartitions: ALTER_CONFIGS for configs, ALTER for partitions.
  if (!configs->empty() &&
      !Permitted(call, reply, AclOperation::kAlterConfigs, ResourceType::kTopic, name)) {
    return;
  }
  if (count && *count != info->partitions &&
      !Permitted(call, reply, AclOperation::kAlter, ResourceType::kTopic, name)) {
    return;
  }
  if (!configs->empty()) {
    std::map<std::string, std::string> merged = info->overrides;
    for (const auto& [k, v] : *configs) merged[k] = v;
    if (auto error = ctx.broker.AlterTopicConfig(name, merged); !error.ok()) {
      reply(TopicErrorResponse(error, name));
      return;
    }
  }
  if (count && *count != info->partitions) {
    if (auto error = ctx.broker.CreatePartitions(name, *count); !error.ok()) {
      reply(TopicErrorResponse(error, name));
      return;
    }
  }
  ReplyTopic(ctx.broker, call, name, bhttp::status::ok, reply);
}

void DeleteTopic(HttpContext& ctx, Call call, Reply reply) {
  const std::string& name = call.Param("topic");
  if (!PermittedOnTopicOrCluster(call, reply, AclOperation::kDelete, name)) return;
  if (auto error = ctx.broker.DeleteTopic(name); !error.ok()) {
    reply(TopicErrorResponse(error, name));
    return;
  }
  reply(TextResponse(bhttp::status::no_content, "", "application/json"));
}

// As ListGroups: every group with DESCRIBE on the cluster, else those the caller may DESCRIBE.
void ListGroups(HttpContext& ctx, Call call, Reply reply) {
  ctx.groups.Overview(std::nullopt, [identity = call.identity, reply = std::move(reply)](
                                        std::vector<broker::GroupOverview> groups) {
    const bool all =
        identity.May(AclOperation::kDescribe, ResourceType::kCluster, broker::kClusterResourceName);
    json out = json::array();
    for (const auto& g : groups) {
      if (all ||
          identity.May(AclOperation::kDescribe, ResourceType::kGroup, g.description.group_id)) {
        out.push_back(GroupJson(Visible(g, identity), false));
      }
    }
    reply(JsonResponse(bhttp::status::ok, out));
  });
}

void GetGroup(HttpContext& ctx, Call call, Reply reply) {
  const std::string group = call.Param("group");
  if (!Permitted(call, reply, AclOperation::kDescribe, ResourceType::kGroup, group)) return;
  ctx.groups.Overview(
      std::vector<std::string>{group}, [group, identity = call.identity, reply = std::move(reply)](
                                           std::vector<broker::GroupOverview> groups) {
        const auto& g = groups.front();
        if (g.description.state == "Dead" && g.offsets.empty()) {
          reply(ErrorResponse(40404, fmt::format("Group {} not found.", group)));
          return;
        }
        reply(JsonResponse(bhttp::status::ok, GroupJson(Visible(g, identity), true)));
      });
}

void DeleteGroup(HttpContext& ctx, Call call, Reply reply) {
  const std::string group = call.Param("group");
  if (!Permitted(call, reply, AclOperation::kDelete, ResourceType::kGroup, group)) return;
  ctx.groups.Delete({group}, [group, reply = std::move(reply)](
                                 std::vector<std::pair<std::string, broker::ErrorCode>> results) {
    using broker::ErrorCode;
    const ErrorCode error = results.empty() ? ErrorCode::kNone : results.front().second;
    if (error == ErrorCode::kNone) {
      reply(TextResponse(bhttp::status::no_content, "", "application/json"));
    } else if (error == ErrorCode::kGroupIdNotFound) {
      reply(ErrorResponse(40404, fmt::format("Group {} not found.", group)));
    } else if (error == ErrorCode::kNonEmptyGroup) {
      reply(ErrorResponse(40902, fmt::format("Group {} has active members.", group)));
    } else {
      reply(ErrorResponse(50001, fmt::format("Deleting group {} failed with Kafka error {}.", group,
                                             broker::Code(error))));
    }
  });
}

// The transaction, with the partitions of the topics `identity` may DESCRIBE (as
// DescribeTransactions answers).
json TransactionJson(const std::string& id, const broker::TxnMetadata& txn, int64_t now_ms,
                     const Identity& identity) {
  json partitions = json::array();
  for (const auto& [topic, indexes] : txn.partitions) {
    if (!identity.May(AclOperation::kDescribe, ResourceType::kTopic, topic)) continue;
    for (int32_t p : indexes) partitions.push_back({{"topic", topic}, {"partition", p}});
  }
  const bool open = !broker::IsSettled(txn.state);
  return {{"transactional_id", id},
          {"state", broker::TxnStateName(txn.state)},
          {"producer_id", txn.producer_id},
          {"producer_epoch", txn.producer_epoch},
          {"timeout_ms", txn.timeout_ms},
          {"started_ms", open && txn.started_ms >= 0 ? json(txn.started_ms) : json(nullptr)},
          {"age_ms", open && txn.started_ms >= 0 ? json(now_ms - txn.started_ms) : json(nullptr)},
          {"partitions", std::move(partitions)}};
}

// ?state=NAME (Kafka's state names) keeps those of that state; ?open=true those begun and not
// yet complete.
void ListTransactions(HttpContext& ctx, Call call, Reply reply) {
  if (ctx.txns == nullptr || !ctx.txns->offline().ok()) {
    return reply(ErrorResponse(50301, "The transaction coordinator is not available."));
  }
  const auto state = call.Query("state");
  const bool open_only = call.Query("open").value_or("false") == "true";
  const int64_t now = ctx.broker.clock().NowMs();
  json out = json::array();
  for (const auto& [id, txn] : ctx.txns->List()) {
    if (state && broker::TxnStateName(txn.state) != *state) continue;
    if (open_only && broker::IsSettled(txn.state)) continue;
    if (!call.identity.May(AclOperation::kDescribe, ResourceType::kTransactionalId, id)) continue;
    out.push_back(TransactionJson(id, txn, now, call.identity));
  }
  reply(JsonResponse(bhttp::status::ok, out));
}

void GetTransaction(HttpContext& ctx, Call call, Reply reply) {
  if (ctx.txns == nullptr || !ctx.txns->offline().ok()) {
    return reply(ErrorResponse(50301, "The transaction coordinator is not available."));
  }
  const std::string id = call.Param("id");
  if (!Permitted(call, reply, AclOperation::kDescribe, ResourceType::kTransactionalId, id)) return;
  auto txn = ctx.txns->Describe(id);
  if (!txn) return reply(ErrorResponse(40405, fmt::format("Transactional id {} not found.", id)));
  reply(JsonResponse(bhttp::status::ok,
                     TransactionJson(id, *txn, ctx.broker.clock().NowMs(), call.identity)));
}

// The SCRAM users: GET lists them ({"user", "credentials": [{"mechanism", "iterations"}]}), as
// DescribeUserScramCredentials (DESCRIBE on the cluster); PUT sets a user's credentials from a
// password, DELETE removes them, as AlterUserScramCredentials (ALTER on the cluster).
json UserJson(const std::string& user, const std::map<security::ScramMechanism, int32_t>& creds) {
  json credentials = json::array();
  for (const auto& [mechanism, iterations] : creds) {
    credentials.push_back(
        {{"mechanism", security::MechanismName(mechanism)}, {"iterations", iterations}});
  }
  return {{"user", user}, {"credentials", std::move(credentials)}};
}

bool HaveUsers(const HttpContext& ctx, const Reply& reply) {
  if (ctx.users != nullptr) return true;
  reply(ErrorResponse(50301, "SCRAM users are not kept by this broker."));
  return false;
}

void ListUsers(HttpContext& ctx, Call call, Reply reply) {
  if (!Permitted(call, reply, AclOperation::kDescribe, ResourceType::kCluster,
                 broker::kClusterResourceName) ||
      !HaveUsers(ctx, reply)) {
    return;
  }
  json out = json::array();
  for (const auto& [user, credentials] : ctx.users->List()) {
    out.push_back(UserJson(user, credentials));
  }
  reply(JsonResponse(bhttp::status::ok, out));
}

// The mechanisms a body's or query's "mechanism" names: that one, or both when it is absent;
// nullopt after answering 422 for another.
std::optional<std::vector<security::ScramMechanism>> MechanismsOf(
    const std::optional<std::string>& name, const Reply& reply) {
  if (!name) return std::vector{security::ScramMechanism::kSha256, security::ScramMechanism::kSha512};
  if (auto m = security::MechanismNamed(*name)) return std::vector{*m};
  reply(ErrorResponse(42201, fmt::format("unknown SCRAM mechanism '{}': SCRAM-SHA-256 or "
                                         "SCRAM-SHA-512",
                                         *name)));
  return std::nullopt;
}

// Body: {"password", "mechanism"? (default: both), "iterations"? (4096-16384, default 4096)}.
void PutUser(HttpContext& ctx, Call call, Reply reply) {
  if (!Permitted(call, reply, AclOperation::kAlter, ResourceType::kCluster,
                 broker::kClusterResourceName) ||
      !HaveUsers(ctx, reply)) {
    return;
  }
  auto body = ParseJsonBody(call, reply);
  if (!body) return;
  if (!body->is_object() || !body->contains("password") || !(*body)["password"].is_string() ||
      (body->contains("mechanism") && !(*body)["mechanism"].is_string())) {
    reply(ErrorResponse(42201, "the body must be an object with a string \"password\" (and "
                               "optionally \"mechanism\" and \"iterations\")"));
    return;
  }
  // Checked before any key derivation: their cost grows with the iterations.
  const auto iterations = JsonIntegerOr<int32_t>(*body, "iterations", security::kMinIterations);
  if (!iterations || *iterations < security::kMinIterations ||
      *iterations > security::kMaxIterations) {
    reply(ErrorResponse(42201, fmt::format("\"iterations\" must be an integer from {} to {}",
                                           security::kMinIterations, security::kMaxIterations)));
    return;
  }
  if ((*body)["password"].get_ref<const std::string&>().empty()) {
    reply(ErrorResponse(42201, "\"password\" must not be empty"));
    return;
  }
  auto mechanisms = MechanismsOf(body->contains("mechanism")
                                     ? std::optional((*body)["mechanism"].get<std::string>())
                                     : std::nullopt,
                                 reply);
  if (!mechanisms) return;
  const std::string& user = call.Param("user");
  const std::string password = (*body)["password"].get<std::string>();
  std::vector<security::UserStore::Change> changes;
  for (auto mechanism : *mechanisms) {
    changes.push_back({user, mechanism, security::NewCredential(mechanism, password, *iterations)});
  }
  if (Status s = ctx.users->Apply(changes); !s.ok()) {
    reply(s.code() == StatusCode::kInvalidArgument ? ErrorResponse(42201, s.message())
                                                   : ErrorResponse(50001, s.message()));
    return;
  }
  // The user's credentials now, those this call did not set included.
  std::map<security::ScramMechanism, int32_t> now;
  for (auto mechanism : {security::ScramMechanism::kSha256, security::ScramMechanism::kSha512}) {
    if (auto c = ctx.users->Find(user, mechanism)) now[mechanism] = c->iterations;
  }
  reply(JsonResponse(bhttp::status::ok, UserJson(user, now)));
}

// ?mechanism=M removes that credential; without it, every credential of the user.
void DeleteUser(HttpContext& ctx, Call call, Reply reply) {
  if (!Permitted(call, reply, AclOperation::kAlter, ResourceType::kCluster,
                 broker::kClusterResourceName) ||
      !HaveUsers(ctx, reply)) {
    return;
  }
  const std::string& user = call.Param("user");
  const auto named = call.Query("mechanism");
  auto mechanisms = MechanismsOf(named, reply);
  if (!mechanisms) return;
  std::vector<security::UserStore::Change> changes;
  for (auto mechanism : *mechanisms) {
    if (named || ctx.users->Find(user, mechanism)) changes.push_back({user, mechanism, {}});
  }
  Status s = changes.empty() ? NotFound("no credential") : ctx.users->Apply(changes);
  if (s.code() == StatusCode::kNotFound) {
    reply(ErrorResponse(40406, fmt::format("User {} has no {} credential.", user,
                                           named ? *named : "SCRAM")));
  } else if (!s.ok()) {
    reply(ErrorResponse(50001, s.message()));
  } else {
    reply(TextResponse(bhttp::status::no_content, "", "application/json"));
  }
}

using AdminHandler = void (*)(HttpContext&, Call, Reply);

Handler Bind(HttpContext& ctx, AdminHandler handler) {
  return [&ctx, handler](Call call, Reply reply) { handler(ctx, std::move(call), std::move(reply)); };
}

// `handler` run on the broker's admin thread: creating topics and partitions writes and syncs
// files, which must not hold up a network thread.
Handler OnAdminThread(HttpContext& ctx, std::string route, AdminHandler handler) {
  return [&ctx, route = std::move(route), handler = Bind(ctx, handler)](Call call, Reply reply) {
    ctx.broker.RunAdmin(
        [&route, &handler, call = std::move(call), reply = std::move(reply)]() mutable {
          RunHandler(handler, std::move(call), reply, route);
        });
  };
}

}  // namespace

void AddAdminRoutes(Router& router, HttpContext& ctx) {
  using bhttp::verb;
  // Each handler checks what the Kafka request it stands for checks.
  auto add = [&router](verb method, std::string_view pattern, Handler handler) {
    router.Add(method, pattern, std::move(handler), Access::kAuthenticated);
  };
  add(verb::get, "/admin/broker", Bind(ctx, GetBroker));
  add(verb::get, "/admin/topics", Bind(ctx, ListTopics));
  add(verb::post, "/admin/topics", OnAdminThread(ctx, "POST /admin/topics", CreateTopic));
  add(verb::get, "/admin/topics/{topic}", Bind(ctx, GetTopic));
  add(verb::patch, "/admin/topics/{topic}",
      OnAdminThread(ctx, "PATCH /admin/topics/{topic}", UpdateTopic));
  add(verb::delete_, "/admin/topics/{topic}",
      OnAdminThread(ctx, "DELETE /admin/topics/{topic}", DeleteTopic));
  add(verb::get, "/admin/groups", Bind(ctx, ListGroups));
  add(verb::get, "/admin/groups/{group}", Bind(ctx, GetGroup));
  add(verb::delete_, "/admin/groups/{group}", Bind(ctx, DeleteGroup));
  add(verb::get, "/admin/transactions", Bind(ctx, ListTransactions));
  add(verb::get, "/admin/transactions/{id}", Bind(ctx, GetTransaction));
  add(verb::get, "/admin/users", Bind(ctx, ListUsers));
  add(verb::put, "/admin/users/{user}", OnAdminThread(ctx, "PUT /admin/users/{user}", PutUser));
  add(verb::delete_, "/admin/users/{user}",
      OnAdminThread(ctx, "DELETE /admin/users/{user}", DeleteUser));
}

}  // namespace herald::http
