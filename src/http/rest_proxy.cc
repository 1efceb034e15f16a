// The REST proxy: Confluent REST Proxy API v2 over this broker.
//
// Produce (POST /topics/{t}[/partitions/{p}]) appends in-process: the records of one request are
// grouped into one batch per partition, appended durably (as acks=all) and answered with each
// record's partition and offset, in request order. Partitions are chosen as Kafka's producer
// does: the record's own, else murmur2 of the key bytes, else one partition per request, turn
// by turn. Consumer instances (/consumers/...) are in rest_consumers.cc.
#include "http/rest_proxy.h"

#include <atomic>
#include <charconv>
#include <map>

#include <fmt/format.h>

#include "base/base64.h"
#include "base/json.h"
#include "base/mutex.h"
#include "broker/partitioner.h"
#include "http/api.h"
#include "registry/parsed_schema.h"
#include "registry/wire_format.h"
#include "storage/record_batch.h"

namespace herald::http {
namespace {

using broker::AclOperation;
using broker::ResourceType;
using nlohmann::json;

// The schema type of a content type's embedded records; nullopt for binary and json.
std::optional<registry::SchemaType> SchemaTypeOf(std::string_view content_type) {
  if (content_type == kAvroV2) return registry::SchemaType::kAvro;
  if (content_type == kJsonSchemaV2) return registry::SchemaType::kJson;
  return std::nullopt;
}

// The schema of the keys or values of a produce request, from the body's `<part>_schema`
// (registered under the topic's subject, as Confluent's REST proxy does) or `<part>_schema_id`.
struct SchemaPart {
  int32_t id = 0;
  std::shared_ptr<const registry::ParsedSchema> schema;
};

// nullopt when the body names no schema for `part` ("key" or "value"); an error answer when it
// names one that cannot be used or is not of `type`.
Result<std::optional<SchemaPart>> SchemaPartOf(HttpContext& ctx, const Call& call, const json& body,
                                               const std::string& topic, const std::string& part,
                                               registry::SchemaType type, int& error_code) {
  if (!ctx.registry) {
    error_code = 40801;
    return Unavailable("this server has no schema registry");
  }
  std::optional<int32_t> id;
  if (auto it = body.find(part + "_schema_id"); it != body.end() && !it->is_null()) {
    id = JsonInteger<int32_t>(*it);
    if (!id) {
      error_code = 42201;
      return InvalidArgument("{}_schema_id is an integer", part);
    }
  } else if (auto text = body.find(part + "_schema"); text != body.end() && !text->is_null()) {
    if (!text->is_string()) {
      error_code = 42201;
      return InvalidArgument("{}_schema is the schema as a string", part);
    }
    // A registration, as the registry's own route checks it: WRITE on the subject's topic.
    const std::string subject = topic + "-" + part;
    if (!call.identity.May(AclOperation::kWrite, ResourceType::kTopic,
                           registry::TopicOfSubject(subject), broker::OnDenial::kAudit)) {
      error_code = 40301;
      return InvalidArgument("{} may not register a schema under {}; give {}_schema_id",
                             call.identity.principal, subject, part);
    }
    auto registered = ctx.registry->Register(subject, {.type = type, .schema = *text});
    if (!registered.ok()) {
      error_code = 40801;
      return InvalidArgument("Schema registration or lookup failed: {}",
                             registered.error().message);
    }
    id = *registered;
  } else {
    return std::optional<SchemaPart>();
  }
  auto schema = ctx.registry->ParsedById(*id);
  if (!schema.ok()) {
    error_code = 40403;
    return NotFound("Schema {} not found", *id);
  }
  if ((*schema)->type() != type) {
    error_code = 42201;
    return InvalidArgument("schema {} is a {} schema; this content type needs {}", *id,
                           registry::SchemaTypeName((*schema)->type()),
                           registry::SchemaTypeName(type));
  }
  return std::optional<SchemaPart>(SchemaPart{*id, *schema});
}

// One record's key or value as bytes in the request's embedded format (`schema`: the schema of
// that part, when the format is Avro or JSON Schema).
Result<std::optional<std::string>> EmbeddedBytes(const json& field, std::string_view type,
                                                 const std::optional<SchemaPart>& schema,
                                                 std::string_view what) {
  if (field.is_null()) return std::optional<std::string>();
  if (type == kJsonV2) return std::optional<std::string>(field.dump());
  if (SchemaTypeOf(type)) {
    if (!schema) {
      return InvalidArgument("the {} needs a {}_schema or {}_schema_id", what, what, what);
    }
    HERALD_ASSIGN_OR_RETURN(Buffer payload, schema->schema->EncodeJson(field));
    return std::optional<std::string>(registry::Frame(schema->id, payload));
  }
  if (!field.is_string()) return InvalidArgument("the {} must be a base64 string or null", what);
  HERALD_ASSIGN_OR_RETURN(Buffer bytes, Base64Decode(field.get<std::string>()));
  return std::optional<std::string>(std::string(AsString(bytes)));
}

// A produce request's answer, filled as the partitions' appends complete.
struct PendingProduce {
  Mutex mu;
  json offsets;  // one entry per record, in request order
  json key_schema_id;  // the schemas' ids, or null
  json value_schema_id;
  std::map<int32_t, std::vector<size_t>> records_of;  // partition -> indexes of its records
  int outstanding = 0;
  Reply reply;
};

void Produce(HttpContext& ctx, const Call& call, Reply reply, std::optional<int32_t> partition) {
  if (!Permitted(call, reply, AclOperation::kWrite, ResourceType::kTopic, call.Param("topic"))) {
    return;
  }
  const std::string type = call.ContentType();
  const std::optional<registry::SchemaType> schema_type = SchemaTypeOf(type);
  if (type != kJsonV2 && type != kBinaryV2 && !schema_type) {
    reply(ErrorResponse(41501, fmt::format("Content-Type must be {}, {}, {} or {}, not '{}'",
                                           kJsonV2, kBinaryV2, kAvroV2, kJsonSchemaV2, type)));
    return;
  }
  auto body = ParseJsonBody(call, reply);
  if (!body) return;
  if (!body->is_object() || !body->contains("records") || !(*body)["records"].is_array() ||
      (*body)["records"].empty()) {
    reply(ErrorResponse(42201, "the body must be an object with a non-empty \"records\" array"));
    return;
  }
  const std::string& topic = call.Param("topic");
  // Made when missing only for a caller who may create it, as Metadata's auto-creation.
  auto ensured = ctx.broker.EnsureTopic(
      topic, call.identity.MayOnTopicOrCluster(AclOperation::kCreate, topic));
  if (!ensured.ok()) {
    reply(ensured.status().code() == StatusCode::kInvalidArgument
              ? ErrorResponse(42202, ensured.status().message())
              : ErrorResponse(40401, fmt::format("Topic {} not found.", topic)));
    return;
  }
  if (broker::Broker::IsInternalTopic(topic)) {
    // As Kafka answers a Produce to it: INVALID_TOPIC_EXCEPTION.
    reply(ErrorResponse(42202, fmt::format("Cannot append to internal topic {}", topic)));
    return;
  }
  auto info = ctx.broker.DescribeTopic(topic);
  if (!info.ok()) {
    reply(ErrorResponse(40401, fmt::format("Topic {} not found.", topic)));
    return;
  }
  const int32_t partitions = info->partitions;
  if (partition && (*partition < 0 || *partition >= partitions)) {
    reply(ErrorResponse(40402, fmt::format("Partition {} of topic {} not found.", *partition, topic)));
    return;
  }

  std::optional<SchemaPart> key_schema, value_schema;
  if (schema_type) {
    int error_code = 0;
    auto k = SchemaPartOf(ctx, call, *body, topic, "key", *schema_type, error_code);
    auto v = k.ok() ? SchemaPartOf(ctx, call, *body, topic, "value", *schema_type, error_code) : k;
    if (!k.ok() || !v.ok()) {
      reply(ErrorResponse(error_code, (k.ok() ? v.status() : k.status()).message()));
      return;
    }
    key_schema = *k;
    value_schema = *v;
  }
  const json& records = (*body)["records"];
  const int64_t now = ctx.broker.clock().NowMs();
  static std::atomic<uint32_t> next_keyless{0};
  const int32_t keyless = static_cast<int32_t>(next_keyless.fetch_add(1) % static_cast<uint32_t>(partitions));
  std::map<int32_t, std::vector<storage::RecordSpec>> batches;
  auto pending = std::make_shared<PendingProduce>();
  pending->offsets = json::array();
  if (key_schema) pending->key_schema_id = key_schema->id;
  if (value_schema) pending->value_schema_id = value_schema->id;
  for (size_t i = 0; i < records.size(); ++i) {
    const json& record = records[i];
    if (!record.is_object()) {
      reply(ErrorResponse(42201, fmt::format("records[{}] is not an object", i)));
      return;
    }
    auto key = EmbeddedBytes(record.value("key", json()), type, key_schema, "key");
    auto value = EmbeddedBytes(record.value("value", json()), type, value_schema, "value");
    if (!key.ok() || !value.ok()) {
      // 42203: Confluent's "Conversion of JSON to Avro failed" (and to JSON Schema).
      reply(ErrorResponse(
          schema_type ? 42203 : 42205,
          fmt::format("records[{}]: {}", i, (key.ok() ? value.status() : key.status()).message())));
      return;
    }
    int32_t p = keyless;
    if (partition) {
      p = *partition;
    } else if (record.contains("partition") && !record["partition"].is_null()) {
      auto given = JsonInteger<int32_t>(record["partition"]);
      if (!given) {
        reply(ErrorResponse(42201, fmt::format("records[{}].partition is not an integer", i)));
        return;
      }
      p = *given;
      if (p < 0 || p >= partitions) {
        reply(ErrorResponse(40402, fmt::format("Partition {} of topic {} not found.", p, topic)));
        return;
      }
    } else if (key->has_value()) {
      p = broker::PartitionForKey(AsBytes(**key), partitions);
    }
    pending->records_of[p].push_back(i);
    batches[p].push_back({std::move(*key), std::move(*value), now, {}});
    pending->offsets.push_back(json::object());
  }

  pending->reply = std::move(reply);
  pending->outstanding = static_cast<int>(batches.size());
  for (auto& [p, specs] : batches) {
    auto bytes = std::make_shared<Buffer>(storage::BuildBatch(specs));
    auto valid = storage::ValidatedBatch::Check(*bytes);
    const int32_t part = p;
    auto finish = [pending, bytes, part](const Status& status, int64_t base) {
      MutexLock lock(pending->mu);
      const auto& indexes = pending->records_of[part];
      for (size_t n = 0; n < indexes.size(); ++n) {
        json& out = pending->offsets[indexes[n]];
        out["partition"] = part;
        out["offset"] = status.ok() ? json(base + static_cast<int64_t>(n)) : json(-1);
        // Confluent's codes here: 1 = not retriable, 2 = retriable.
        out["error_code"] = status.ok() ? json() : json(status.code() == StatusCode::kNoSpace ? 2 : 1);
        out["error"] = status.ok() ? json() : json(status.message());
      }
      if (--pending->outstanding > 0) return;
      pending->reply(JsonResponse(bhttp::status::ok,
                                  {{"key_schema_id", pending->key_schema_id},
                                   {"value_schema_id", pending->value_schema_id},
                                   {"offsets", std::move(pending->offsets)}},
                                  kRestV2));
    };
    if (!valid.ok()) {
      finish(valid.status(), -1);
      continue;
    }
    ctx.broker.Append(topic, part, *valid, storage::AckLevel::kDurable,
                      [finish](broker::AppendResult r) { finish(r.status, r.info.base_offset); });
  }
}

json PartitionJson(int32_t node, int32_t partition) {
  return {{"partition", partition},
          {"leader", node},
          {"replicas", json::array({{{"broker", node}, {"leader", true}, {"in_sync", true}}})}};
}

// The description of the call's topic, or an answer already sent: 403 without DESCRIBE on it
// (whether or not it exists), 404 when there is none.
std::optional<storage::TopicInfo> FindTopic(HttpContext& ctx, const Call& call,
                                            const Reply& reply) {
  const std::string& topic = call.Param("topic");
  if (!Permitted(call, reply, AclOperation::kDescribe, ResourceType::kTopic, topic)) {
    return std::nullopt;
  }
  auto info = ctx.broker.DescribeTopic(topic);
  if (!info.ok()) {
    reply(ErrorResponse(40401, fmt::format("Topic {} not found.", topic)));
    return std::nullopt;
  }
  return std::move(info).value();
}

// The partition number of the call, or an answer already sent.
std::optional<int32_t> FindPartition(const storage::TopicInfo& info, const Call& call,
                                     const Reply& reply) {
  const std::string& text = call.Param("partition");
  int32_t p = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), p);
  if (ec != std::errc() || end != text.data() + text.size() || p < 0 || p >= info.partitions) {
    reply(ErrorResponse(40402, fmt::format("Partition {} of topic {} not found.", text, info.name)));
    return std::nullopt;
  }
  return p;
}

}  // namespace

void AddRestProxyRoutes(Router& router, HttpContext& ctx) {
  using bhttp::verb;
  // Each route checks what its Kafka request would need: DESCRIBE on a topic to see it (the
  // list holds the topics the caller may describe), WRITE to produce.
  auto add = [&router](verb method, std::string_view pattern, Handler handler) {
    router.Add(method, pattern, std::move(handler), Access::kAuthenticated);
  };
  add(verb::get, "/brokers", [&ctx](Call, Reply reply) {
    reply(JsonResponse(bhttp::status::ok, {{"brokers", {ctx.broker.options().node_id}}}, kRestV2));
  });
  add(verb::get, "/topics", [&ctx](Call call, Reply reply) {
    json names = json::array();
    for (const auto& t : ctx.broker.ListTopics()) {
      if (t.name.starts_with("__")) continue;
      if (call.identity.May(AclOperation::kDescribe, ResourceType::kTopic, t.name)) {
        names.push_back(t.name);
      }
    }
    reply(JsonResponse(bhttp::status::ok, names, kRestV2));
  });
  add(verb::get, "/topics/{topic}", [&ctx](Call call, Reply reply) {
    auto info = FindTopic(ctx, call, reply);
    if (!info) return;
    json partitions = json::array();
    for (int32_t p = 0; p < info->partitions; ++p)
      partitions.push_back(PartitionJson(ctx.broker.options().node_id, p));
    // The configs only with DESCRIBE_CONFIGS on the topic, as DescribeConfigs.
    const bool configs =
        call.identity.May(AclOperation::kDescribeConfigs, ResourceType::kTopic, info->name);
    reply(JsonResponse(bhttp::status::ok,
                       {{"name", info->name},
                        {"configs", configs ? json(info->config.ToMap()) : json::object()},
                        {"partitions", std::move(partitions)}},
                       kRestV2));
  });
  add(verb::get, "/topics/{topic}/partitions", [&ctx](Call call, Reply reply) {
    auto info = FindTopic(ctx, call, reply);
    if (!info) return;
    json partitions = json::array();
    for (int32_t p = 0; p < info->partitions; ++p)
      partitions.push_back(PartitionJson(ctx.broker.options().node_id, p));
    reply(JsonResponse(bhttp::status::ok, partitions, kRestV2));
  });
  add(verb::get, "/topics/{topic}/partitions/{partition}", [&ctx](Call call, Reply reply) {
    auto info = FindTopic(ctx, call, reply);
    if (!info) return;
    auto p = FindPartition(*info, call, reply);
    if (!p) return;
    reply(JsonResponse(bhttp::status::ok, PartitionJson(ctx.broker.options().node_id, *p), kRestV2));
  });
  add(verb::get, "/topics/{topic}/partitions/{partition}/offsets", [&ctx](Call call, Reply reply) {
    auto info = FindTopic(ctx, call, reply);
    if (!info) return;
    auto p = FindPartition(*info, call, reply);
    if (!p) return;
    auto log = ctx.broker.GetLog(info->name, *p);
    if (!log.ok()) {
      reply(log.status().code() == StatusCode::kNotFound
                ? ErrorResponse(40402, log.status().message())
                : ErrorResponse(50003, log.status().message()));
      return;
    }
    reply(JsonResponse(
        bhttp::status::ok,
        {{"beginning_offset", (*log)->log_start_offset()}, {"end_offset", (*log)->end_offset()}},
        kRestV2));
  });
  add(verb::post, "/topics/{topic}",
      [&ctx](Call call, Reply reply) { Produce(ctx, call, std::move(reply), std::nullopt); });
  add(verb::post, "/topics/{topic}/partitions/{partition}", [&ctx](Call call, Reply reply) {
    const std::string& text = call.Param("partition");
    int32_t p = -1;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), p);
    if (ec != std::errc() || end != text.data() + text.size()) {
      reply(ErrorResponse(40402, fmt::format("Partition {} not found.", text)));
      return;
    }
    Produce(ctx, call, std::move(reply), p);
  });
  AddRestConsumerRoutes(router, ctx);
}

}  // namespace herald::http
