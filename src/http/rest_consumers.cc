// The REST proxy's consumer instances (Confluent REST Proxy API v2, /consumers/...).
//
// Each instance is a real Kafka consumer (client::Consumer over librdkafka) connected to this
// broker's own Kafka listener, so it joins groups, rebalances and commits exactly as any other
// member would. With HttpContext::logins it authenticates there with a delegated login issued
// for the caller that created it, so the Kafka door's ACLs (READ on the group and the topics)
// apply to the caller; a refusal answers 40301. Only that caller, from the address that created
// it (or a caller who may do anything), may use or delete the instance; to anyone else it does
// not exist (40403, and an acl_denied event). Records handed to the HTTP client count as consumed:
// their offsets are stored and committed by POST .../offsets (or in the background when the
// instance was created with "auto.commit.enable": "true"). Calls that wait on Kafka run on a small
// pool of threads, one call at a time per instance; an instance not used for
// consumer.instance.timeout.ms (default 5 min) is closed, and at most --rest-consumer-max-instances
// exist at once (429 beyond).
#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <map>
#include <memory>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <fmt/format.h>

#include "base/base64.h"
#include "base/json.h"
#include "base/log.h"
#include "base/mutex.h"
#include "client/kafka_client.h"
#include "http/api.h"
#include "http/rest_proxy.h"
#include "registry/parsed_schema.h"
#include "registry/wire_format.h"

namespace herald::http {
namespace {

using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

// The embedded format of an instance's records, and its content type.
enum class Format { kBinary, kJson, kAvro, kJsonSchema };
constexpr std::pair<std::string_view, std::string_view> kFormats[] = {
    {"binary", kBinaryV2}, {"json", kJsonV2}, {"avro", kAvroV2}, {"jsonschema", kJsonSchemaV2}};
std::string_view ContentTypeOf(Format f) { return kFormats[static_cast<size_t>(f)].second; }
constexpr int kDefaultRecordsTimeoutMs = 1000;
constexpr int kMaxRecordsTimeoutMs = 30000;
constexpr size_t kDefaultMaxBytes = size_t{64} << 20;

struct Instance {
  std::string group;
  std::string name;
  Format format = Format::kBinary;
  const registry::SchemaRegistry* schemas = nullptr;  // for the avro and jsonschema formats
  std::map<std::string, std::string> properties;  // librdkafka settings from the create call
  // Who created it: only that principal (or a caller who may do anything) may use it. Its
  // consumer authenticates with `login`, issued for that principal (HttpContext::logins).
  std::string owner;
  bool owner_unrestricted = false;  // a bare API key's: the owner is that, not the principal
  std::string owner_host;           // the address it was created from
  std::string login;  // the delegated login's user name, revoked when the instance goes
  Mutex mu;                                  // one call at a time
  std::optional<client::Consumer> consumer GUARDED_BY(mu);  // made on first use
  bool closed GUARDED_BY(mu) = false;  // deleted or expired: calls queued before find it gone
  SteadyClock::time_point last_used GUARDED_BY(mu) = SteadyClock::now();
};

// The instance's consumer, created on first use.
Result<client::Consumer*> ConsumerOf(Instance& instance, const HttpContext& ctx)
    REQUIRES(instance.mu) {
  if (!instance.consumer) {
    client::ClientOptions options;
    options.bootstrap = ctx.kafka_bootstrap;
    options.client_id = fmt::format("rest-proxy-{}", instance.name);
    options.properties = instance.properties;
    client::ConsumerOptions consumer;
    consumer.group_id = instance.group;
    consumer.auto_offset_reset = instance.properties.at("auto.offset.reset");
    consumer.report_partition_eof = false;
    HERALD_ASSIGN_OR_RETURN(auto made, client::Consumer::Create(options, consumer));
    instance.consumer.emplace(std::move(made));
  }
  return &*instance.consumer;
}

Response FromStatus(const Status& s) {
  switch (s.code()) {
    case StatusCode::kNotFound: return ErrorResponse(40401, s.message());
    case StatusCode::kInvalidArgument: return ErrorResponse(42201, s.message());
    case StatusCode::kUnavailable: return ErrorResponse(50302, s.message());
    case StatusCode::kPermissionDenied: return ErrorResponse(40301, s.message());
    default: return ErrorResponse(50001, s.message());
  }
}

Response NoContent() { return TextResponse(bhttp::status::no_content, "", std::string(kRestV2)); }

// [{"topic": t, "partition": p, ("offset": o)}...] from body[field]; nullopt when malformed.
std::optional<std::vector<client::TopicPartition>> PartitionsIn(const json& body,
                                                                std::string_view field,
                                                                bool with_offset) {
  if (!body.is_object() || !body.contains(field) || !body[std::string(field)].is_array()) {
    return std::nullopt;
  }
  std::vector<client::TopicPartition> out;
  for (const auto& e : body[std::string(field)]) {
    if (!e.is_object() || !e.contains("topic") || !e["topic"].is_string() ||
        !e.contains("partition")) {
      return std::nullopt;
    }
    auto partition = JsonInteger<int32_t>(e["partition"]);
    std::optional<int64_t> offset = client::kOffsetInvalid;
    if (with_offset) offset = e.contains("offset") ? JsonInteger<int64_t>(e["offset"]) : std::nullopt;
    if (!partition || !offset) return std::nullopt;
    out.push_back({e["topic"].get<std::string>(), *partition, *offset, {}});
  }
  return out;
}

Response InstanceNotFound() {
  return ErrorResponse(40403, "Consumer instance not found.");
}

// Runs `task` on `pool` as the router runs a route (RunHandler): an exception (a body of the
// wrong shape, say) is answered, never fatal to the process.
void PostGuarded(boost::asio::thread_pool& pool, const Call& call, Reply reply,
                 std::function<void(const Reply&)> task) {
  boost::asio::post(pool, [call, reply = std::move(reply), task = std::move(task)] {
    RunHandler([&task](Call, const Reply& answer) { task(answer); }, call, reply,
               call.identity.request);
  });
}

class Registry {
 public:
  explicit Registry(HttpContext& ctx) : ctx_(ctx) { ScheduleExpiry(); }
  ~Registry() {
    {
      MutexLock lock(mu_);
      stopping_ = true;
    }
    expiry_.cancel();
    pool_.join();
  }

  // Runs `work` on the pool with the instance locked; 40403 when there is no such instance, or
  // it is not the caller's.
  void WithInstance(const Call& call, Reply reply,
                    std::function<Response(Instance&)> work) {
    auto instance = Find(call.Param("group"), call.Param("instance"));
    if (!instance || !MayUse(call.identity, *instance)) {
      reply(InstanceNotFound());
      return;
    }
    PostGuarded(pool_, call, std::move(reply),
                [instance, work = std::move(work)](const Reply& answer) {
                  MutexLock lock(instance->mu);
                  if (instance->closed) {
                    answer(InstanceNotFound());
                    return;
                  }
                  instance->last_used = SteadyClock::now();
                  answer(work(*instance));
                });
  }

  // WithInstance, with the instance's consumer (created on first use).
  void WithConsumer(const Call& call, Reply reply,
                    std::function<Response(client::Consumer&, Instance&)> work) {
    WithInstance(call, std::move(reply), [this, work = std::move(work)](Instance& i) {
      i.mu.AssertHeld();  // WithInstance runs `work` with it held
      auto consumer = ConsumerOf(i, ctx_);
      if (!consumer.ok()) return FromStatus(consumer.status());
      return work(**consumer, i);
    });
  }

  // Whether `caller` may use (or delete) `instance`: its owner from the address that made it
  // (the Kafka door checks the instance's reads with that address), or a caller who may do
  // anything. A refusal is audited as a refused READ on the group.
  static bool MayUse(const Identity& caller, const Instance& instance) {
    if ((caller.principal == instance.owner && caller.unrestricted == instance.owner_unrestricted &&
         caller.host == instance.owner_host) ||
        caller.MayDoAnything()) {
      return true;
    }
    caller.AuditDenial(broker::AclOperation::kRead, broker::ResourceType::kGroup, instance.group);
    return false;
  }

  // Creates an instance for `caller`; 40902 when the name is taken.
  Response Create(const std::string& group, const json& body, const Identity& caller) {
    static std::atomic<uint64_t> next_id{1};
    auto instance = std::make_shared<Instance>();
    instance->group = group;
    instance->name = body.value("name", fmt::format("rest-consumer-{}", next_id.fetch_add(1)));
    const std::string format = body.value("format", "binary");
    const auto* known = std::find_if(std::begin(kFormats), std::end(kFormats),
                                     [&](const auto& f) { return f.first == format; });
    if (known == std::end(kFormats) ||
        (known >= std::begin(kFormats) + static_cast<int>(Format::kAvro) && !ctx_.registry)) {
      return ErrorResponse(
          42204, fmt::format("Unsupported embedded format '{}': binary, json, avro or jsonschema",
                             format));
    }
    instance->format = static_cast<Format>(known - std::begin(kFormats));
    instance->schemas = ctx_.registry;
    std::string reset = body.value("auto.offset.reset", "latest");
    if (reset == "smallest") reset = "earliest";
    if (reset == "largest") reset = "latest";
    if (reset != "earliest" && reset != "latest" && reset != "none") {
      return ErrorResponse(42204, fmt::format("Invalid auto.offset.reset '{}'", reset));
    }
    instance->properties["auto.offset.reset"] = reset;
    // Confluent's clients send "true"/"false"; a JSON boolean means the same.
    const std::string auto_commit = JsonText(body.value("auto.commit.enable", json("false")));
    instance->properties["enable.auto.commit"] = auto_commit == "true" ? "true" : "false";
    if (body.contains("fetch.min.bytes")) {
      instance->properties["fetch.min.bytes"] = JsonText(body["fetch.min.bytes"]);
    }
    instance->owner = caller.principal;
    instance->owner_unrestricted = caller.unrestricted;
    instance->owner_host = caller.host;
    auto key = std::make_pair(group, instance->name);
    // Refused before the login's key derivation, so that refusals cost nothing.
    if (auto refusal = RefusalToAdd(key)) return *std::move(refusal);
    std::optional<security::DelegatedLogins::Login> login;
    if (ctx_.logins) {
      // Its consumer reads and commits as the caller: the Kafka door applies the caller's ACLs.
      // (A key derivation: outside the registry's lock.)
      login = ctx_.logins->Issue({caller.principal, caller.unrestricted, caller.host});
      instance->login = login->user;
      instance->properties["security.protocol"] = "SASL_PLAINTEXT";
      instance->properties["sasl.mechanisms"] =
          std::string(security::MechanismName(security::DelegatedLogins::kMechanism));
      instance->properties["sasl.username"] = login->user;
      instance->properties["sasl.password"] = login->password;
    }
    MutexLock lock(mu_);
    if (auto refusal = RefusalToAddLocked(key)) {  // made meanwhile
      Revoke(*instance);
      return *std::move(refusal);
    }
    instances_[key] = instance;
    LogInfo("rest_consumer_created", {{"consumer_group", group},
                                      {"instance", instance->name},
                                      {"principal", instance->owner}});
    return JsonResponse(bhttp::status::ok,
                        {{"instance_id", instance->name},
                         {"base_uri", fmt::format("{}/consumers/{}/instances/{}", ctx_.base_uri,
                                                  group, instance->name)}},
                        kRestV2);
  }

  // Removes the instance (the caller closes its consumer on the pool, then revokes its login);
  // null when there is none, or when it is not `caller`'s to remove.
  std::shared_ptr<Instance> Remove(const std::string& group, const std::string& name,
                                   const Identity& caller) {
    MutexLock lock(mu_);
    auto it = instances_.find({group, name});
    if (it == instances_.end()) return nullptr;
    if (!MayUse(caller, *it->second)) return nullptr;
    auto instance = it->second;
    instances_.erase(it);
    return instance;  // the caller closes its consumer, then revokes its login
  }

  // The instance's login no longer authenticates (its consumer's connections keep theirs until
  // they close).
  void Revoke(const Instance& instance) {
    if (ctx_.logins && !instance.login.empty()) ctx_.logins->Revoke(instance.login);
  }

  boost::asio::thread_pool& pool() { return pool_; }
  HttpContext& ctx() { return ctx_; }

 private:
  static std::string JsonText(const json& v) {
    return v.is_string() ? v.get<std::string>() : v.dump();
  }

  // 40902 when the name is taken, 42901 when there are as many instances as the broker keeps.
  std::optional<Response> RefusalToAdd(const std::pair<std::string, std::string>& key) {
    MutexLock lock(mu_);
    ExpireIdle();
    return RefusalToAddLocked(key);
  }
  std::optional<Response> RefusalToAddLocked(const std::pair<std::string, std::string>& key)
      REQUIRES(mu_) {
    if (instances_.contains(key)) {
      return ErrorResponse(40902,
                           "Consumer with specified consumer ID already exists in the "
                           "specified consumer group.");
    }
    if (instances_.size() >= ctx_.limits.max_rest_consumers) {
      return ErrorResponse(42901, fmt::format("{} consumer instances exist, the most this broker "
                                              "keeps (--rest-consumer-max-instances)",
                                              instances_.size()));
    }
    return std::nullopt;
  }

  // Expires idle instances on a timer too, so that an idle instance's login and connections go
  // when nobody calls.
  void ScheduleExpiry() {
    const auto timeout = std::chrono::milliseconds(ctx_.limits.rest_consumer_timeout_ms);
    expiry_.expires_after(std::clamp<std::chrono::milliseconds>(
        timeout / 2, std::chrono::milliseconds(100), std::chrono::milliseconds(30000)));
    expiry_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      MutexLock lock(mu_);
      if (stopping_) return;
      ExpireIdle();
      ScheduleExpiry();
    });
  }

  std::shared_ptr<Instance> Find(const std::string& group, const std::string& name) {
    MutexLock lock(mu_);
    ExpireIdle();
    auto it = instances_.find({group, name});
    return it == instances_.end() ? nullptr : it->second;
  }

  // Drops instances idle for longer than the instance timeout (their consumers close on the
  // pool).
  // An instance in a call (its lock held) is in use, so not idle.
  void ExpireIdle() REQUIRES(mu_) {
    const auto now = SteadyClock::now();
    const auto timeout = std::chrono::milliseconds(ctx_.limits.rest_consumer_timeout_ms);
    for (auto it = instances_.begin(); it != instances_.end();) {
      Instance& instance = *it->second;
      bool idle = false;
      if (instance.mu.TryLock()) {
        idle = now - instance.last_used > timeout;
        instance.mu.Unlock();
      }
      if (idle) {
        LogInfo("rest_consumer_expired",
                {{"consumer_group", it->first.first}, {"instance", it->first.second}});
        boost::asio::post(pool_, [this, instance = it->second] {
          MutexLock lock(instance->mu);
          instance->closed = true;
          instance->consumer.reset();
          Revoke(*instance);  // once its consumer has left its group
        });
        it = instances_.erase(it);
      } else {
        ++it;
      }
    }
  }

  HttpContext& ctx_;
  boost::asio::thread_pool pool_{4};
  boost::asio::steady_timer expiry_{pool_};
  Mutex mu_;
  bool stopping_ GUARDED_BY(mu_) = false;
  std::map<std::pair<std::string, std::string>, std::shared_ptr<Instance>> instances_
      GUARDED_BY(mu_);
};

// The request body's list under `field` (see PartitionsIn); nullopt after answering 42201.
std::optional<std::vector<client::TopicPartition>> PartitionsOf(const Call& call,
                                                                const Reply& reply,
                                                                std::string_view field,
                                                                bool with_offset) {
  auto body = ParseJsonBody(call, reply);
  if (!body) return std::nullopt;
  auto partitions = PartitionsIn(*body, field, with_offset);
  if (!partitions) {
    reply(ErrorResponse(42201, with_offset
                                   ? fmt::format("\"{}\" must list {{topic, partition, offset}}", field)
                                   : fmt::format("\"{}\" must list {{topic, partition}}", field)));
  }
  return partitions;
}

Response DoneOr(const Status& s) { return s.ok() ? NoContent() : FromStatus(s); }

json PartitionsJson(const std::vector<client::TopicPartition>& partitions) {
  json out = json::array();
  for (const auto& tp : partitions) out.push_back({{"topic", tp.topic}, {"partition", tp.partition}});
  return out;
}

// An embedded key or value: base64 for the binary format, parsed JSON for the json format (bytes
// that are not JSON come back as a string), the framed payload decoded to JSON for the avro and
// jsonschema formats (kInvalidArgument when the bytes are not framed with an id of a schema of
// the format's type, or do not decode).
Result<json> Embedded(const std::optional<std::string>& bytes, const Instance& instance) {
  if (!bytes) return json();
  if (instance.format == Format::kBinary) return json(Base64Encode(AsBytes(*bytes)));
  if (instance.format == Format::kJson) {
    auto parsed = ParseBoundedJson(*bytes);
    return parsed ? std::move(*parsed) : json(*bytes);
  }
  auto framed = registry::Unframe(AsBytes(*bytes));
  if (!framed) return InvalidArgument("the record is not framed with a schema id");
  auto schema = instance.schemas->ParsedById(framed->id);
  if (!schema.ok()) return InvalidArgument("{}", schema.error().message);
  const auto type =
      instance.format == Format::kAvro ? registry::SchemaType::kAvro : registry::SchemaType::kJson;
  if ((*schema)->type() != type) {
    return InvalidArgument("schema {} is a {} schema, not {}", framed->id,
                           registry::SchemaTypeName((*schema)->type()),
                           registry::SchemaTypeName(type));
  }
  return (*schema)->DecodeToJson(framed->payload);
}

// GET .../records: what arrives within `timeout` ms, up to `max_bytes` of keys and values.
Response ReadRecords(client::Consumer& consumer, const Instance& instance, int timeout_ms,
                     size_t max_bytes) {
  json records = json::array();
  size_t bytes = 0;
  const auto deadline = SteadyClock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                      SteadyClock::now());
    // Once something arrived, take only what is already there.
    const int wait = records.empty() ? static_cast<int>(std::max<int64_t>(left.count(), 0)) : 0;
    auto event = consumer.Poll(wait);
    if (!event.ok()) {
      if (!records.empty()) break;
      return FromStatus(event.status());
    }
    if (event->kind != client::Consumer::Event::Kind::kMessage) {
      if (!records.empty() || SteadyClock::now() >= deadline) break;
      continue;
    }
    const client::Message& m = event->message;
    auto key = Embedded(m.key, instance);
    auto value = key.ok() ? Embedded(m.value, instance) : key;
    if (!key.ok() || !value.ok()) {
      // As Confluent's proxy: a record that does not deserialize fails the read.
      return ErrorResponse(50002, fmt::format("Error deserializing {} offset {} of partition {}: {}",
                                              m.topic, m.offset, m.partition,
                                              (key.ok() ? value : key).status().message()));
    }
    records.push_back({{"topic", m.topic},
                       {"key", std::move(*key)},
                       {"value", std::move(*value)},
                       {"partition", m.partition},
                       {"offset", m.offset}});
    consumer.MarkProcessed(m.topic, m.partition, m.offset).IgnoreError();
    bytes += (m.key ? m.key->size() : 0) + (m.value ? m.value->size() : 0);
    if (bytes >= max_bytes) break;
  }
  return JsonResponse(bhttp::status::ok, records, ContentTypeOf(instance.format));
}

// POST /consumers/{group}: body {"name", "format", "auto.offset.reset", ...}.
void CreateInstance(Registry& registry, Call call, Reply reply) {
  json body = json::object();
  if (!call.request->body().empty()) {
    auto parsed = ParseJsonBody(call, reply);
    if (!parsed) return;
    body = std::move(*parsed);
  }
  if (!body.is_object()) {
    reply(ErrorResponse(42201, "the body must be a JSON object"));
    return;
  }
  // The Kafka door will ask READ on the group for everything the instance does: asked here too,
  // so that a caller who may not consume from the group cannot hold instances.
  if (!call.identity.May(broker::AclOperation::kRead, broker::ResourceType::kGroup,
                         call.Param("group"), broker::OnDenial::kAudit)) {
    reply(ErrorResponse(40301, fmt::format("Not authorized to read group '{}'.",
                                           call.Param("group"))));
    return;
  }
  // Off the I/O thread: a delegated login costs a key derivation.
  PostGuarded(registry.pool(), call, std::move(reply),
              [&registry, call, body = std::move(body)](const Reply& answer) {
                answer(registry.Create(call.Param("group"), body, call.identity));
              });
}

void DeleteInstance(Registry& registry, Call call, Reply reply) {
  auto instance = registry.Remove(call.Param("group"), call.Param("instance"), call.identity);
  if (!instance) {
    reply(InstanceNotFound());
    return;
  }
  boost::asio::post(registry.pool(), [&registry, instance, reply = std::move(reply)] {
    MutexLock lock(instance->mu);
    instance->closed = true;
    if (instance->consumer) instance->consumer->Close().IgnoreError();
    instance->consumer.reset();
    registry.Revoke(*instance);  // once its consumer has left its group
    reply(NoContent());
  });
}

// Body {"topics": [...]} or {"topic_pattern": "..."}.
void Subscribe(Registry& registry, Call call, Reply reply) {
  auto body = ParseJsonBody(call, reply);
  if (!body) return;
  std::vector<std::string> topics;
  if (body->is_object() && body->contains("topics") && (*body)["topics"].is_array()) {
    for (const auto& t : (*body)["topics"]) {
      if (!t.is_string()) {
        reply(ErrorResponse(42201, "\"topics\" must be an array of names"));
        return;
      }
      topics.push_back(t.get<std::string>());
    }
  } else if (body->is_object() && body->contains("topic_pattern") &&
             (*body)["topic_pattern"].is_string()) {
    // librdkafka takes a leading '^' as a regular expression.
    topics.push_back("^" + (*body)["topic_pattern"].get<std::string>());
  }
  if (topics.empty()) {
    reply(ErrorResponse(42201, "give \"topics\" or \"topic_pattern\""));
    return;
  }
  registry.WithConsumer(call, std::move(reply), [topics](client::Consumer& c, Instance&) {
    return DoneOr(c.Subscribe(topics));
  });
}

void GetSubscription(Registry& registry, Call call, Reply reply) {
  registry.WithConsumer(call, std::move(reply), [](client::Consumer& c, Instance&) {
    auto topics = c.Subscription();
    if (!topics.ok()) return FromStatus(topics.status());
    return JsonResponse(bhttp::status::ok, {{"topics", *topics}}, kRestV2);
  });
}

void Unsubscribe(Registry& registry, Call call, Reply reply) {
  registry.WithConsumer(call, std::move(reply),
                        [](client::Consumer& c, Instance&) { return DoneOr(c.Unsubscribe()); });
}

// Body {"partitions": [{"topic", "partition"}, ...]}.
void Assign(Registry& registry, Call call, Reply reply) {
  auto partitions = PartitionsOf(call, reply, "partitions", false);
  if (!partitions) return;
  // Start where the group committed, else per auto.offset.reset.
  for (auto& tp : *partitions) tp.offset = client::kOffsetStored;
  registry.WithConsumer(call, std::move(reply),
                        [partitions = *partitions](client::Consumer& c, Instance&) {
                          return DoneOr(c.Assign(partitions));
                        });
}

void GetAssignments(Registry& registry, Call call, Reply reply) {
  registry.WithConsumer(call, std::move(reply), [](client::Consumer& c, Instance&) {
    auto assigned = c.Assignment();
    if (!assigned.ok()) return FromStatus(assigned.status());
    return JsonResponse(bhttp::status::ok, {{"partitions", PartitionsJson(*assigned)}}, kRestV2);
  });
}

// Seeks: to the offsets given (`where` kOffsetInvalid), or to the beginning or end of the
// partitions given.
void Seek(Registry& registry, int64_t where, Call call, Reply reply) {
  const bool absolute = where == client::kOffsetInvalid;
  auto positions = PartitionsOf(call, reply, absolute ? "offsets" : "partitions", absolute);
  if (!positions) return;
  if (!absolute) {
    for (auto& tp : *positions) tp.offset = where;
  }
  registry.WithConsumer(call, std::move(reply),
                        [positions = *positions](client::Consumer& c, Instance&) {
                          return DoneOr(c.Seek(positions));
                        });
}

// ?timeout=ms&max_bytes=n; the embedded format the instance was made with.
void GetRecords(Registry& registry, Call call, Reply reply) {
  int timeout_ms = kDefaultRecordsTimeoutMs;
  size_t max_bytes = kDefaultMaxBytes;
  if (auto t = call.Query("timeout")) std::from_chars(t->data(), t->data() + t->size(), timeout_ms);
  if (auto m = call.Query("max_bytes")) std::from_chars(m->data(), m->data() + m->size(), max_bytes);
  timeout_ms = std::clamp(timeout_ms, 0, kMaxRecordsTimeoutMs);
  const std::string accept(call.request->base()[bhttp::field::accept]);
  registry.WithConsumer(
      call, std::move(reply), [timeout_ms, max_bytes, accept](client::Consumer& c, Instance& i) {
        // An Accept naming another embedded format is refused, as Confluent does.
        const bool names_other = std::any_of(
            std::begin(kFormats), std::end(kFormats), [&](const auto& f) {
              return f.second != ContentTypeOf(i.format) &&
                     accept.find(f.second) != std::string::npos;
            });
        if (names_other) {
          return ErrorResponse(40601,
                               "The requested embedded data format does not match the "
                               "deserializer for this consumer instance");
        }
        return ReadRecords(c, i, timeout_ms, std::max<size_t>(max_bytes, 1));
      });
}

// Body {"offsets": [...]} commits those; no body commits everything handed out.
void CommitOffsets(Registry& registry, Call call, Reply reply) {
  std::optional<std::vector<client::TopicPartition>> offsets;
  if (!call.request->body().empty()) {
    offsets = PartitionsOf(call, reply, "offsets", true);
    if (!offsets) return;
  }
  registry.WithConsumer(call, std::move(reply), [offsets](client::Consumer& c, Instance&) {
    Status s = Status::Ok();
    if (offsets && !offsets->empty()) {
      // Confluent's offsets are the last consumed ones; Kafka commits the next.
      auto next = *offsets;
      for (auto& tp : next) tp.offset += 1;
      s = c.CommitOffsets(next);
    } else {
      s = c.Commit();  // everything handed out so far
    }
    return s.ok() ? TextResponse(bhttp::status::ok, "", std::string(kRestV2)) : FromStatus(s);
  });
}

void GetCommittedOffsets(Registry& registry, Call call, Reply reply) {
  auto partitions = PartitionsOf(call, reply, "partitions", false);
  if (!partitions) return;
  registry.WithConsumer(
      call, std::move(reply), [partitions = *partitions](client::Consumer& c, Instance&) {
        auto committed = c.Committed(partitions);
        if (!committed.ok()) return FromStatus(committed.status());
        json out = json::array();
        for (const auto& tp : *committed) {
          // Kafka's committed offset (the next to consume), as Confluent answers;
          // partitions without a commit are left out.
          if (tp.offset < 0) continue;
          out.push_back({{"topic", tp.topic},
                         {"partition", tp.partition},
                         {"offset", tp.offset},
                         {"metadata", ""}});
        }
        return JsonResponse(bhttp::status::ok, {{"offsets", out}}, kRestV2);
      });
}

}  // namespace

void AddRestConsumerRoutes(Router& router, HttpContext& ctx) {
  using bhttp::verb;
  // Lives as long as the routes that hold it.
  auto registry = std::make_shared<Registry>(ctx);
  auto bind = [registry](void (*handler)(Registry&, Call, Reply)) -> Handler {
    return [registry, handler](Call call, Reply reply) {
      handler(*registry, std::move(call), std::move(reply));
    };
  };
  auto seek = [registry](int64_t where) -> Handler {
    return [registry, where](Call call, Reply reply) {
      Seek(*registry, where, std::move(call), std::move(reply));
    };
  };
  // With delegated logins any authenticated caller may have instances: the Kafka door applies
  // its ACLs to what they read and commit. Without, they read as the broker's own anonymous
  // client, so only callers who may do anything may have them.
  const Access access = ctx.logins ? Access::kAuthenticated : Access::kAdministrator;
  const std::string instance = "/consumers/{group}/instances/{instance}";
  router.Add(verb::post, "/consumers/{group}", bind(CreateInstance), access);
  router.Add(verb::delete_, instance, bind(DeleteInstance), access);
  router.Add(verb::post, instance + "/subscription", bind(Subscribe), access);
  router.Add(verb::get, instance + "/subscription", bind(GetSubscription), access);
  router.Add(verb::delete_, instance + "/subscription", bind(Unsubscribe), access);
  router.Add(verb::post, instance + "/assignments", bind(Assign), access);
  router.Add(verb::get, instance + "/assignments", bind(GetAssignments), access);
  router.Add(verb::post, instance + "/positions", seek(client::kOffsetInvalid), access);
  router.Add(verb::post, instance + "/positions/beginning", seek(client::kOffsetBeginning),
             access);
  router.Add(verb::post, instance + "/positions/end", seek(client::kOffsetEnd), access);
  router.Add(verb::get, instance + "/records", bind(GetRecords), access);
  router.Add(verb::post, instance + "/offsets", bind(CommitOffsets), access);
  router.Add(verb::get, instance + "/offsets", bind(GetCommittedOffsets), access);
}

}  // namespace herald::http
