// The schema registry over HTTP: Confluent Schema Registry's API (/subjects, /schemas, /config,
// /mode, /compatibility) on registry::SchemaRegistry. docs/http-api.md has the routes.
//
// With ACLs, a subject is governed by its topic's (registry::TopicOfSubject), as Confluent's
// topic-ACL authorizer does: READ reads it (its versions, lookups, compatibility checks), WRITE
// registers, DELETE deletes versions, DESCRIBE_CONFIGS and ALTER_CONFIGS read and change its
// compatibility level and mode; a schema id is readable with READ on the topic of any subject
// that uses it; the global level and mode are the cluster's configs. /subjects lists the
// subjects the caller may read.
#include <string>
#include <vector>

#include "base/json.h"
#include "http/api.h"
#include "registry/schema_registry.h"

namespace herald::http {
namespace {

using broker::AclOperation;
using broker::ResourceType;
using nlohmann::json;
using registry::RegistryError;
using registry::SchemaRegistry;

constexpr std::string_view kContentType = "application/vnd.schemaregistry.v1+json";

Response Ok(const json& body) {
  return JsonResponse(bhttp::status::ok, body, kContentType);
}

Response Error(const RegistryError& e) {
  Response r = ErrorResponse(static_cast<int>(e.code), e.message);
  r.set(bhttp::field::content_type, kContentType);
  return r;
}

bool Flag(const Call& call, const char* name) {
  return call.Query(name).value_or("") == "true";
}

// {v}: "latest", -1 (also latest) or a version >= 1.
std::optional<registry::VersionRef> VersionOf(const Call& call) {
  const std::string& text = call.Param("version");
  if (text == "latest" || text == "-1") return registry::kLatest;
  auto n = JsonInteger<int32_t>(json::parse(text, nullptr, false));
  if (!n || *n < 1 || std::to_string(*n) != text) return std::nullopt;
  return *n;
}

Response InvalidVersion(const Call& call) {
  return Error({registry::ErrorCode::kInvalidVersion,
                fmt::format("The specified version '{}' is not a valid version id. Allowed "
                            "values are between [1, 2^31-1] and the string \"latest\"",
                            call.Param("version"))});
}

json ReferencesJson(const std::vector<registry::SchemaReference>& refs) {
  json out = json::array();
  for (const auto& r : refs) {
    out.push_back({{"name", r.name}, {"subject", r.subject}, {"version", r.version}});
  }
  return out;
}

// The schema fields of an answer: "schema", and "schemaType" and "references" when not the
// defaults (as Confluent answers).
void AddSchema(json& out, registry::SchemaType type, const std::string& schema,
               const std::vector<registry::SchemaReference>& refs) {
  if (type != registry::SchemaType::kAvro) out["schemaType"] = registry::SchemaTypeName(type);
  if (!refs.empty()) out["references"] = ReferencesJson(refs);
  out["schema"] = schema;
}

json VersionJson(const registry::SubjectVersion& v) {
  json out = {{"subject", v.subject}, {"version", v.version}, {"id", v.id}};
  AddSchema(out, v.type, v.schema, v.references);
  if (v.deleted) out["deleted"] = true;
  return out;
}

// A register, lookup or compatibility body: {"schema", "schemaType"?, "references"?, "id"?,
// "version"?}; nullopt after answering 422.
std::optional<registry::SchemaInput> SchemaInputOf(const Call& call, const Reply& reply) {
  auto body = ParseJsonBody(call, reply);
  if (!body) return std::nullopt;
  auto invalid = [&](std::string message) {
    reply(Error({registry::ErrorCode::kInvalidSchema, std::move(message)}));
    return std::nullopt;
  };
  if (!body->is_object()) return invalid("the body is a JSON object with a \"schema\"");
  registry::SchemaInput in;
  auto schema = body->find("schema");
  if (schema == body->end() || !schema->is_string()) {
    return invalid("the body's \"schema\" is the schema as a string");
  }
  in.schema = schema->get<std::string>();
  if (auto type = body->find("schemaType"); type != body->end() && !type->is_null()) {
    if (type->is_string() && *type == "AVRO") {
      in.type = registry::SchemaType::kAvro;
    } else if (type->is_string() && *type == "JSON") {
      in.type = registry::SchemaType::kJson;
    } else {
      return invalid(fmt::format("unknown schemaType {}; this registry knows AVRO and JSON",
                                 type->dump(-1, ' ', false, json::error_handler_t::replace)));
    }
  }
  if (auto refs = body->find("references"); refs != body->end() && !refs->is_null()) {
    if (!refs->is_array()) return invalid("\"references\" is an array");
    for (const json& r : *refs) {
      auto version = JsonIntegerOr<int32_t>(r, "version", registry::kLatest);
      if (!r.is_object() || !r.contains("name") || !r["name"].is_string() ||
          !r.contains("subject") || !r["subject"].is_string() || !version) {
        return invalid("a reference is {\"name\": string, \"subject\": string, \"version\": int}");
      }
      in.references.push_back(
          {r["name"].get<std::string>(), r["subject"].get<std::string>(), *version});
    }
  }
  for (auto [name, field] : {std::pair{"id", &in.id}, std::pair{"version", &in.version}}) {
    auto it = body->find(name);
    if (it == body->end() || it->is_null()) continue;
    auto n = JsonInteger<int32_t>(*it);
    if (!n) return invalid(fmt::format("\"{}\" is an integer", name));
    *field = *n;
  }
  return in;
}

class RegistryRoutes {
 public:
  explicit RegistryRoutes(SchemaRegistry& registry) : r_(registry) {}

  void Subjects(Call call, Reply reply) {
    const std::string prefix = call.Query("subjectPrefix").value_or("");
    json out = json::array();
    for (auto& s : r_.Subjects(Flag(call, "deleted"))) {
      if (s.starts_with(prefix) && MayRead(call, s)) out.push_back(std::move(s));
    }
    reply(Ok(out));
  }

  void LookUp(Call call, Reply reply) {
    auto in = SchemaInputOf(call, reply);
    if (!in) return;
    auto found = r_.Lookup(call.Param("subject"), *in, Flag(call, "deleted"));
    reply(found.ok() ? Ok(VersionJson(*found)) : Error(found.error()));
  }

  void DeleteSubject(Call call, Reply reply) {
    auto deleted = r_.DeleteSubject(call.Param("subject"), Flag(call, "permanent"));
    reply(deleted.ok() ? Ok(*deleted) : Error(deleted.error()));
  }

  void Versions(Call call, Reply reply) {
    auto versions = r_.Versions(call.Param("subject"), Flag(call, "deleted"));
    reply(versions.ok() ? Ok(*versions) : Error(versions.error()));
  }

  void Register(Call call, Reply reply) {
    auto in = SchemaInputOf(call, reply);
    if (!in) return;
    auto id = r_.Register(call.Param("subject"), *in);
    reply(id.ok() ? Ok({{"id", *id}}) : Error(id.error()));
  }

  void GetVersion(Call call, Reply reply) {
    auto version = VersionOf(call);
    if (!version) return reply(InvalidVersion(call));
    auto v = r_.GetVersion(call.Param("subject"), *version, Flag(call, "deleted"));
    reply(v.ok() ? Ok(VersionJson(*v)) : Error(v.error()));
  }

  void GetVersionSchema(Call call, Reply reply) {
    auto version = VersionOf(call);
    if (!version) return reply(InvalidVersion(call));
    auto v = r_.GetVersion(call.Param("subject"), *version, Flag(call, "deleted"));
    reply(v.ok() ? TextResponse(bhttp::status::ok, v->schema, kContentType) : Error(v.error()));
  }

  void ReferencedBy(Call call, Reply reply) {
    auto version = VersionOf(call);
    if (!version) return reply(InvalidVersion(call));
    auto ids = r_.ReferencedBy(call.Param("subject"), *version);
    reply(ids.ok() ? Ok(*ids) : Error(ids.error()));
  }

  void DeleteVersion(Call call, Reply reply) {
    auto version = VersionOf(call);
    if (!version) return reply(InvalidVersion(call));
    auto v = r_.DeleteVersion(call.Param("subject"), *version, Flag(call, "permanent"));
    reply(v.ok() ? Ok(*v) : Error(v.error()));
  }

  void SchemaById(Call call, Reply reply, bool raw) {
    auto id = IdOf(call);
    if (!id) return reply(Error({registry::ErrorCode::kSchemaNotFound, "Schema not found"}));
    auto schema = r_.GetSchema(*id);
    if (!schema.ok()) return reply(Error(schema.error()));
    if (!MayReadSchema(call, reply, *id)) return;
    if (raw) return reply(TextResponse(bhttp::status::ok, schema->schema, kContentType));
    json out = json::object();
    AddSchema(out, schema->type, schema->schema, schema->references);
    reply(Ok(out));
  }

  void IdSubjects(Call call, Reply reply, bool with_versions) {
    auto id = IdOf(call);
    if (!id) return reply(Error({registry::ErrorCode::kSchemaNotFound, "Schema not found"}));
    auto uses = r_.SubjectVersionsOf(*id, Flag(call, "deleted"));
    if (!uses.ok()) return reply(Error(uses.error()));
    if (!MayReadSchema(call, reply, *id)) return;
    json out = json::array();
    for (const auto& [subject, version] : *uses) {
      if (!MayRead(call, subject)) continue;
      if (with_versions) {
        out.push_back({{"subject", subject}, {"version", version}});
      } else if (out.empty() || out.back() != subject) {
        out.push_back(subject);
      }
    }
    reply(Ok(out));
  }

  void Types(Call, Reply reply) { reply(Ok(json::array({"JSON", "AVRO"}))); }

  void Compatibility(Call call, Reply reply, bool one_version) {
    registry::VersionRef version = registry::kLatest;
    if (one_version) {
      auto v = VersionOf(call);
      if (!v) return reply(InvalidVersion(call));
      version = *v;
    }
    auto in = SchemaInputOf(call, reply);
    if (!in) return;
    auto problems = r_.CheckCompatibility(call.Param("subject"), version, *in);
    if (!problems.ok()) return reply(Error(problems.error()));
    json out = {{"is_compatible", problems->empty()}};
    if (Flag(call, "verbose")) out["messages"] = *problems;
    reply(Ok(out));
  }

  void GetConfig(Call call, Reply reply, bool subject) {
    if (!subject) {
      return reply(
          Ok({{"compatibilityLevel", registry::CompatibilityName(r_.GlobalCompatibility())}}));
    }
    auto level = r_.SubjectCompatibility(call.Param("subject"));
    if (!level && !Flag(call, "defaultToGlobal")) {
      return reply(Error({registry::ErrorCode::kSubjectCompatibilityNotConfigured,
                          fmt::format("Subject '{}' does not have subject-level compatibility "
                                      "configured",
                                      call.Param("subject"))}));
    }
    reply(Ok({{"compatibilityLevel",
               registry::CompatibilityName(level.value_or(r_.GlobalCompatibility()))}}));
  }

  void PutConfig(Call call, Reply reply, bool subject) {
    auto body = ParseJsonBody(call, reply);
    if (!body) return;
    auto field = body->is_object() ? body->find("compatibility") : body->end();
    auto level = field != body->end() && field->is_string()
                     ? registry::ParseCompatibility(field->get<std::string>())
                     : std::nullopt;
    if (!level) {
      return reply(Error({registry::ErrorCode::kInvalidCompatibilityLevel,
                          "Invalid compatibility level. Valid values are none, backward, "
                          "forward, full, backward_transitive, forward_transitive, and "
                          "full_transitive"}));
    }
    auto set = r_.SetCompatibility(SubjectOf(call, subject), *level);
    reply(set.ok() ? Ok({{"compatibility", registry::CompatibilityName(*level)}})
                   : Error(set.error()));
  }

  void DeleteConfig(Call call, Reply reply, bool subject) {
    auto old = r_.DeleteCompatibility(SubjectOf(call, subject));
    reply(old.ok() ? Ok({{"compatibilityLevel", registry::CompatibilityName(*old)}})
                   : Error(old.error()));
  }

  void GetMode(Call call, Reply reply, bool subject) {
    if (!subject) return reply(Ok({{"mode", registry::ModeName(r_.GlobalMode())}}));
    auto mode = r_.SubjectMode(call.Param("subject"));
    if (!mode && !Flag(call, "defaultToGlobal")) {
      return reply(Error({registry::ErrorCode::kSubjectModeNotConfigured,
                          fmt::format("Subject '{}' does not have subject-level mode configured",
                                      call.Param("subject"))}));
    }
    reply(Ok({{"mode", registry::ModeName(mode.value_or(r_.GlobalMode()))}}));
  }

  void PutMode(Call call, Reply reply, bool subject) {
    auto body = ParseJsonBody(call, reply);
    if (!body) return;
    auto field = body->is_object() ? body->find("mode") : body->end();
    auto mode = field != body->end() && field->is_string()
                    ? registry::ParseMode(field->get<std::string>())
                    : std::nullopt;
    if (!mode) {
      return reply(Error({registry::ErrorCode::kInvalidMode,
                          "Invalid mode. Valid values are READWRITE, READONLY and IMPORT"}));
    }
    auto set = r_.SetMode(SubjectOf(call, subject), *mode, Flag(call, "force"));
    reply(set.ok() ? Ok({{"mode", registry::ModeName(*mode)}}) : Error(set.error()));
  }

  void DeleteMode(Call call, Reply reply) {
    auto old = r_.DeleteMode(call.Param("subject"));
    reply(old.ok() ? Ok({{"mode", registry::ModeName(*old)}}) : Error(old.error()));
  }

 private:
  static bool MayRead(const Call& call, std::string_view subject) {
    return call.identity.May(AclOperation::kRead, ResourceType::kTopic,
                             registry::TopicOfSubject(subject));
  }
  // Whether the caller may read schema `id`: READ on the topic of a subject that uses it, deleted
  // versions included; answers 403 when not (audited as a refusal on the first such topic).
  bool MayReadSchema(const Call& call, const Reply& reply, int32_t id) const {
    auto uses = r_.SubjectVersionsOf(id, true);
    if (uses.ok()) {
      for (const auto& use : *uses) {
        if (MayRead(call, use.first)) return true;
      }
      if (!uses->empty()) {
        call.identity.AuditDenial(AclOperation::kRead, ResourceType::kTopic,
                                  registry::TopicOfSubject(uses->front().first));
      }
    }
    reply(ErrorResponse(40301, fmt::format("{} may not read schema {}: it may read the topic of "
                                           "no subject that uses it",
                                           call.identity.principal, id)));
    return false;
  }
  static std::optional<int32_t> IdOf(const Call& call) {
    auto n = JsonInteger<int32_t>(json::parse(call.Param("id"), nullptr, false));
    if (!n || *n < 1) return std::nullopt;
    return n;
  }
  static std::optional<std::string> SubjectOf(const Call& call, bool subject) {
    return subject ? std::optional<std::string>(call.Param("subject")) : std::nullopt;
  }

  SchemaRegistry& r_;
};

}  // namespace

void AddRegistryRoutes(Router& router, SchemaRegistry& registry) {
  using bhttp::verb;
  auto routes = std::make_shared<RegistryRoutes>(registry);
  auto bind = [routes](void (RegistryRoutes::*method)(Call, Reply)) -> Handler {
    return [routes, method](Call call, Reply reply) {
      ((*routes).*method)(std::move(call), std::move(reply));
    };
  };
  auto bind_flag = [routes](void (RegistryRoutes::*method)(Call, Reply, bool),
                            bool flag) -> Handler {
    return [routes, method, flag](Call call, Reply reply) {
      ((*routes).*method)(std::move(call), std::move(reply), flag);
    };
  };
  // A route on the subject in its path, for callers that may do `operation` on its topic; one
  // on the global level or mode, for those that may do it on the cluster.
  auto on_subject = [](AclOperation operation, Handler handler) {
    return Requiring(
        operation, ResourceType::kTopic,
        [](const Call& call) {
          return std::string(registry::TopicOfSubject(call.Param("subject")));
        },
        std::move(handler));
  };
  auto on_cluster = [](AclOperation operation, Handler handler) {
    return Requiring(
        operation, ResourceType::kCluster,
        [](const Call&) { return std::string(broker::kClusterResourceName); }, std::move(handler));
  };
  auto add = [&router](verb method, const std::string& pattern, Handler handler) {
    router.Add(method, pattern, std::move(handler), Access::kAuthenticated);
  };
  constexpr auto kRead = AclOperation::kRead;
  const std::string subject = "/subjects/{subject}";
  const std::string version = subject + "/versions/{version}";
  add(verb::get, "/subjects", bind(&RegistryRoutes::Subjects));  // filtered
  add(verb::post, subject, on_subject(kRead, bind(&RegistryRoutes::LookUp)));
  add(verb::delete_, subject,
      on_subject(AclOperation::kDelete, bind(&RegistryRoutes::DeleteSubject)));
  add(verb::get, subject + "/versions", on_subject(kRead, bind(&RegistryRoutes::Versions)));
  add(verb::post, subject + "/versions",
      on_subject(AclOperation::kWrite, bind(&RegistryRoutes::Register)));
  add(verb::get, version, on_subject(kRead, bind(&RegistryRoutes::GetVersion)));
  add(verb::delete_, version,
      on_subject(AclOperation::kDelete, bind(&RegistryRoutes::DeleteVersion)));
  add(verb::get, version + "/schema", on_subject(kRead, bind(&RegistryRoutes::GetVersionSchema)));
  add(verb::get, version + "/referencedby", on_subject(kRead, bind(&RegistryRoutes::ReferencedBy)));
  // Checked by the schema's subjects.
  add(verb::get, "/schemas/ids/{id}", bind_flag(&RegistryRoutes::SchemaById, false));
  add(verb::get, "/schemas/ids/{id}/schema", bind_flag(&RegistryRoutes::SchemaById, true));
  add(verb::get, "/schemas/ids/{id}/subjects", bind_flag(&RegistryRoutes::IdSubjects, false));
  add(verb::get, "/schemas/ids/{id}/versions", bind_flag(&RegistryRoutes::IdSubjects, true));
  add(verb::get, "/schemas/types", bind(&RegistryRoutes::Types));
  add(verb::post, "/compatibility" + subject + "/versions",
      on_subject(kRead, bind_flag(&RegistryRoutes::Compatibility, false)));
  add(verb::post, "/compatibility" + version,
      on_subject(kRead, bind_flag(&RegistryRoutes::Compatibility, true)));
  constexpr auto kDescribeConfigs = AclOperation::kDescribeConfigs;
  constexpr auto kAlterConfigs = AclOperation::kAlterConfigs;
  auto on_config = [&](bool with_subject, AclOperation operation, Handler handler) {
    return with_subject ? on_subject(operation, std::move(handler))
                        : on_cluster(operation, std::move(handler));
  };
  for (auto [path, with_subject] :
       {std::pair{"/config", false}, std::pair{"/config/{subject}", true}}) {
    add(verb::get, path,
        on_config(with_subject, kDescribeConfigs,
                  bind_flag(&RegistryRoutes::GetConfig, with_subject)));
    add(verb::put, path,
        on_config(with_subject, kAlterConfigs,
                  bind_flag(&RegistryRoutes::PutConfig, with_subject)));
    add(verb::delete_, path,
        on_config(with_subject, kAlterConfigs,
                  bind_flag(&RegistryRoutes::DeleteConfig, with_subject)));
  }
  add(verb::get, "/mode", on_cluster(kDescribeConfigs, bind_flag(&RegistryRoutes::GetMode, false)));
  add(verb::put, "/mode", on_cluster(kAlterConfigs, bind_flag(&RegistryRoutes::PutMode, false)));
  add(verb::get, "/mode/{subject}",
      on_subject(kDescribeConfigs, bind_flag(&RegistryRoutes::GetMode, true)));
  add(verb::put, "/mode/{subject}",
      on_subject(kAlterConfigs, bind_flag(&RegistryRoutes::PutMode, true)));
  add(verb::delete_, "/mode/{subject}",
      on_subject(kAlterConfigs, bind(&RegistryRoutes::DeleteMode)));
}

}  // namespace herald::http
