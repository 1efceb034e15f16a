// The admin API (JSON under /admin): the broker, topics with partitions, configs, sizes and
// offsets, consumer groups with members, assignments, committed offsets and lag per partition.
#include <algorithm>
#include <charconv>
#include <filesystem>

#include <fmt/format.h>

#include "base/json.h"
#include "http/api.h"
#include "kafka/messages/consumer_protocol.h"
#include "kafka/schema.h"

namespace herald::http {
namespace {

using nlohmann::json;

json PartitionJson(const storage::Log& log, int32_t partition) {
  return {{"partition", partition},         {"start_offset", log.log_start_offset()},
          {"end_offset", log.end_offset()}, {"messages", log.end_offset() - log.log_start_offset()},
          {"size_bytes", log.size_bytes()}, {"segments", log.segment_count()}};
}

json TopicJson(const storage::Engine& engine, const storage::TopicInfo& info, bool detailed) {
  json partitions = json::array();
  uint64_t size = 0;
  int64_t messages = 0;
  for (int32_t p = 0; p < info.partitions; ++p) {
    auto log = engine.GetLog(info.name, p);
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
  if (bytes.size() < 2) return out;
  kafka::Reader r(bytes);
  const int16_t version = r.Int16();
  kafka::ConsumerProtocolAssignment assignment{};
  kafka::Read(r, assignment,
              kafka::Version{std::min<int16_t>(std::max<int16_t>(version, 0), 1), false});
  if (!r.ok()) return out;
  for (const auto& tp : assignment.assigned_partitions) {
    for (int32_t p : tp.partitions) out.push_back({{"topic", tp.topic}, {"partition", p}});
  }
  return out;
}

json GroupJson(const storage::Engine& engine, const broker::GroupOverview& group, bool detailed) {
  const auto& d = group.description;
  int64_t total = 0;
  json offsets = json::array();
  for (const auto& lag : broker::LagOf(group, engine)) {
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

Response StatusError(const Status& s, std::string_view what) {
  switch (s.code()) {
    case StatusCode::kNotFound:
      return ErrorResponse(40401, fmt::format("{}: {}", what, s.message()));
    case StatusCode::kAlreadyExists:
      return ErrorResponse(40901, s.message());
    case StatusCode::kInvalidArgument:
      return ErrorResponse(42202, s.message());
    default:
      return ErrorResponse(50001, s.message());
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

}  // namespace

namespace {

// `handler` run on the broker's admin thread: creating topics and partitions writes and syncs
// files, which must not hold up a network thread.
Handler OnAdminThread(HttpContext& ctx, std::string route, Handler handler) {
  return [&ctx, route = std::move(route), handler = std::move(handler)](Call call, Reply reply) {
    ctx.broker.RunAdmin(
        [&route, &handler, call = std::move(call), reply = std::move(reply)]() mutable {
          RunHandler(handler, std::move(call), reply, route);
        });
  };
}

}  // namespace

void AddAdminRoutes(Router& router, HttpContext& ctx) {
  using bhttp::verb;
  storage::Engine& engine = ctx.broker.engine();

  router.Add(verb::get, "/admin/broker", [&ctx, &engine](Call, Reply reply) {
    std::error_code ec;
    auto space = std::filesystem::space(engine.data_dir(), ec);
    const auto uptime = std::chrono::system_clock::now() - ctx.started;
    reply(JsonResponse(bhttp::status::ok,
                       {{"version", ctx.version},
                        {"cluster_id", ctx.broker.cluster_id()},
                        {"node_id", ctx.broker.options().node_id},
                        {"uptime_seconds", std::chrono::duration<double>(uptime).count()},
                        {"data_dir", engine.data_dir()},
                        {"data_dir_bytes", DirectoryBytes(engine.data_dir())},
                        {"disk_capacity_bytes", ec ? json() : json(space.capacity)},
                        {"disk_available_bytes", ec ? json() : json(space.available)},
                        {"topics", engine.ListTopics().size()},
                        {"kafka_bootstrap", ctx.kafka_bootstrap}}));
  });

  router.Add(verb::get, "/admin/topics", [&engine](Call, Reply reply) {
    json topics = json::array();
    for (const auto& t : engine.ListTopics()) topics.push_back(TopicJson(engine, t, false));
    reply(JsonResponse(bhttp::status::ok, topics));
  });

  router.Add(verb::post, "/admin/topics",
             OnAdminThread(ctx, "POST /admin/topics", [&ctx, &engine](Call call, Reply reply) {
               auto body = ParseJsonBody(call, reply);
               if (!body) return;
               if (!body->is_object() || !body->contains("name") || !(*body)["name"].is_string()) {
                 reply(ErrorResponse(42201, "the body must be an object with a string \"name\""));
                 return;
               }
               const std::string name = (*body)["name"].get<std::string>();
               const auto partitions = JsonIntegerOr<int32_t>(*body, "partitions", 1);
               auto configs = ConfigMap(body->value("configs", json()));
               if (!partitions || !configs) {
                 reply(ErrorResponse(
                     42201, "\"partitions\" must be an integer and \"configs\" an object"));
                 return;
               }
               Status s = ctx.broker.CheckPartitionLimits(*partitions, *partitions);
               if (s.ok()) s = engine.CreateTopic(name, *partitions, *configs);
               if (!s.ok()) {
                 reply(StatusError(s, name));
                 return;
               }
               auto info = engine.DescribeTopic(name);
               if (!info.ok()) {
                 reply(StatusError(info.status(), name));
                 return;
               }
               reply(JsonResponse(bhttp::status::created, TopicJson(engine, *info, true)));
             }));

  router.Add(verb::get, "/admin/topics/{topic}", [&engine](Call call, Reply reply) {
    auto info = engine.DescribeTopic(call.Param("topic"));
    if (!info.ok()) {
      reply(ErrorResponse(40401, fmt::format("Topic {} not found.", call.Param("topic"))));
      return;
    }
    reply(JsonResponse(bhttp::status::ok, TopicJson(engine, *info, true)));
  });

  router.Add(
      verb::patch, "/admin/topics/{topic}",
      OnAdminThread(ctx, "PATCH /admin/topics/{topic}", [&ctx, &engine](Call call, Reply reply) {
        const std::string& name = call.Param("topic");
        auto body = ParseJsonBody(call, reply);
        if (!body) return;
        auto info = engine.DescribeTopic(name);
        if (!info.ok()) {
          reply(ErrorResponse(40401, fmt::format("Topic {} not found.", name)));
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
          reply(
              ErrorResponse(42201, "\"configs\" must be an object and \"partitions\" an integer"));
          return;
        }
        if (!configs->empty()) {
          // Configs given here are changed; the topic's other overrides stay.
          std::map<std::string, std::string> merged = info->overrides;
          for (const auto& [k, v] : *configs) merged[k] = v;
          if (Status s = engine.AlterTopicConfig(name, merged); !s.ok()) {
            reply(StatusError(s, name));
            return;
          }
        }
        if (count && *count != info->partitions) {
          Status s = ctx.broker.CheckPartitionLimits(*count, *count - info->partitions);
          if (s.ok()) s = engine.CreatePartitions(name, *count);
          if (!s.ok()) {
            reply(StatusError(s, name));
            return;
          }
        }
        auto after = engine.DescribeTopic(name);
        if (!after.ok()) {
          reply(StatusError(after.status(), name));
          return;
        }
        reply(JsonResponse(bhttp::status::ok, TopicJson(engine, *after, true)));
      }));

  router.Add(verb::delete_, "/admin/topics/{topic}",
             OnAdminThread(ctx, "DELETE /admin/topics/{topic}", [&engine](Call call, Reply reply) {
               const std::string& name = call.Param("topic");
               if (broker::Broker::IsInternalTopic(name)) {
                 reply(ErrorResponse(40301, fmt::format("{} is an internal topic", name)));
                 return;
               }
               if (Status s = engine.DeleteTopic(name); !s.ok()) {
                 reply(StatusError(s, fmt::format("Topic {}", name)));
                 return;
               }
               reply(TextResponse(bhttp::status::no_content, "", "application/json"));
             }));

  router.Add(verb::get, "/admin/groups", [&ctx, &engine](Call, Reply reply) {
    ctx.groups.Overview(std::nullopt, [&engine, reply = std::move(reply)](
                                          std::vector<broker::GroupOverview> groups) {
      json out = json::array();
      for (const auto& g : groups) out.push_back(GroupJson(engine, g, false));
      reply(JsonResponse(bhttp::status::ok, out));
    });
  });

  router.Add(verb::get, "/admin/groups/{group}", [&ctx, &engine](Call call, Reply reply) {
    const std::string group = call.Param("group");
    ctx.groups.Overview(
        std::vector<std::string>{group},
        [&engine, group, reply = std::move(reply)](std::vector<broker::GroupOverview> groups) {
          const auto& g = groups.front();
          if (g.description.state == "Dead" && g.offsets.empty()) {
            reply(ErrorResponse(40404, fmt::format("Group {} not found.", group)));
            return;
          }
          reply(JsonResponse(bhttp::status::ok, GroupJson(engine, g, true)));
        });
  });

  router.Add(verb::delete_, "/admin/groups/{group}", [&ctx](Call call, Reply reply) {
    const std::string group = call.Param("group");
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
        reply(ErrorResponse(50001, fmt::format("Deleting group {} failed with Kafka error {}.",
                                               group, broker::Code(error))));
      }
    });
  });
}

}  // namespace herald::http
