// `herald schema register|get|list|check|delete|config`: the schema registry of a running
// `herald serve` (or any Confluent-compatible registry), over its HTTP API (docs/http-api.md).
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/json.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "client/http_client.h"

namespace herald::cli {
namespace {

using client::HttpClient;
using nlohmann::json;

constexpr const char* kContentType = "application/vnd.schemaregistry.v1+json";

constexpr const char* kSchemaHelp =
    "Talks to herald serve's HTTP port (--url, default http://localhost:8080, or HERALD_URL; "
    "--api-key or HERALD_API_KEY when the server wants one), where the schema registry answers "
    "Confluent's API.";

struct SchemaOptions {
  HttpFlags flags;
  std::string subject;
  // register and check
  std::optional<std::string> schema;
  std::string file;
  std::string type = "AVRO";
  std::vector<std::string> references;  // name=subject:version
  // get, check, delete
  std::string version = "latest";
  std::optional<int32_t> id;
  // list and delete
  bool deleted = false;
  bool permanent = false;
  // config
  std::optional<std::string> level;
};

// GET/POST/PUT/DELETE `target`: the answer's JSON, or why not.
Result<json> Call(const SchemaOptions& o, const std::string& method, const std::string& target,
                  const std::string& body = "") {
  HttpClient http(o.flags.http);
  HERALD_ASSIGN_OR_RETURN(auto answer, http.Call(method, target, body, kContentType));
  if (answer.status < 200 || answer.status > 299) return AnswerError(answer);
  return answer.Json();
}

std::string SubjectPath(const std::string& subject) {
  return "/subjects/" + client::PathSegment(subject);
}

// {"schema", "schemaType", "references"} from --schema or --file, --type and --reference.
Result<json> SchemaBody(const SchemaOptions& o) {
  std::string text;
  if (o.schema) {
    text = *o.schema;
  } else if (!o.file.empty()) {
    std::ifstream in(o.file);
    if (!in) return NotFound("cannot read {}", o.file);
    std::stringstream all;
    all << in.rdbuf();
    text = all.str();
  } else {
    return InvalidArgument("give the schema with --schema TEXT or --file PATH");
  }
  json body = {{"schema", text}};
  if (o.type != "AVRO") body["schemaType"] = o.type;
  json refs = json::array();
  for (const std::string& r : o.references) {
    const size_t eq = r.find('=');
    const size_t colon = r.rfind(':');
    auto version = colon == std::string::npos || colon < eq
                       ? std::nullopt
                       : JsonInteger<int32_t>(json::parse(r.substr(colon + 1), nullptr, false));
    if (eq == std::string::npos || !version) {
      return InvalidArgument("--reference is NAME=SUBJECT:VERSION, not '{}'", r);
    }
    refs.push_back({{"name", r.substr(0, eq)},
                    {"subject", r.substr(eq + 1, colon - eq - 1)},
                    {"version", *version}});
  }
  if (!refs.empty()) body["references"] = std::move(refs);
  return body;
}

// A schema's text, indented (keys in their order) when it is JSON.
std::string Pretty(const std::string& schema) {
  if (JsonDepth(schema) > kMaxJsonDepth) return schema;
  auto parsed = nlohmann::ordered_json::parse(schema, nullptr, false);
  return parsed.is_discarded()
             ? schema
             : parsed.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

int Print(const SchemaOptions& o, const json& answer, const std::string& text) {
  std::cout << (o.flags.json() ? DumpJson(answer) : text) << "\n";
  return kExitOk;
}

int RunRegister(const SchemaOptions& o) {
  auto body = SchemaBody(o);
  if (!body.ok()) return UsageError(body.status().message());
  auto answer = Call(o, "POST", SubjectPath(o.subject) + "/versions", body->dump());
  if (!answer.ok()) return Fail(answer.status());
  return Print(
      o, *answer,
      fmt::format("registered under '{}': schema id {}", o.subject, answer->value("id", -1)));
}

int RunGet(const SchemaOptions& o) {
  if (o.id) {
    auto answer = Call(o, "GET", fmt::format("/schemas/ids/{}", *o.id));
    if (!answer.ok()) return Fail(answer.status());
    return Print(o, *answer,
                 fmt::format("schema id {} ({})\n{}", *o.id, answer->value("schemaType", "AVRO"),
                             Pretty(answer->value("schema", ""))));
  }
  if (o.subject.empty()) return UsageError("give a SUBJECT or --id");
  auto answer = Call(o, "GET",
                     SubjectPath(o.subject) + "/versions/" + client::PathSegment(o.version) +
                         (o.deleted ? "?deleted=true" : ""));
  if (!answer.ok()) return Fail(answer.status());
  return Print(o, *answer,
               fmt::format("subject '{}' version {}: schema id {} ({}){}\n{}", o.subject,
                           answer->value("version", -1), answer->value("id", -1),
                           answer->value("schemaType", "AVRO"),
                           answer->value("deleted", false) ? ", deleted" : "",
                           Pretty(answer->value("schema", ""))));
}

int RunSchemaList(const SchemaOptions& o) {
  const std::string query = o.deleted ? "?deleted=true" : "";
  auto answer = Call(
      o, "GET", (o.subject.empty() ? "/subjects" : SubjectPath(o.subject) + "/versions") + query);
  if (!answer.ok()) return Fail(answer.status());
  if (o.flags.json()) return Print(o, *answer, "");
  for (const json& item : *answer) {
    std::cout << (item.is_string() ? item.get<std::string>() : DumpJson(item)) << "\n";
  }
  return kExitOk;
}

int RunCheck(const SchemaOptions& o) {
  auto body = SchemaBody(o);
  if (!body.ok()) return UsageError(body.status().message());
  auto answer = Call(o, "POST",
                     "/compatibility" + SubjectPath(o.subject) + "/versions/" +
                         client::PathSegment(o.version) + "?verbose=true",
                     body->dump());
  if (!answer.ok()) return Fail(answer.status());
  const bool compatible = answer->value("is_compatible", false);
  if (o.flags.json()) {
    Print(o, *answer, "");
  } else {
    std::cout << fmt::format("{} with '{}' version {}\n",
                             compatible ? "compatible" : "NOT compatible", o.subject, o.version);
    for (const json& m : answer->value("messages", json::array())) {
      std::cout << "  " << (m.is_string() ? m.get<std::string>() : DumpJson(m)) << "\n";
    }
  }
  return compatible ? kExitOk : kExitFailure;
}

int RunSchemaDelete(const SchemaOptions& o) {
  std::string target = SubjectPath(o.subject);
  if (o.version != "all") target += "/versions/" + client::PathSegment(o.version);
  if (o.permanent) target += "?permanent=true";
  auto answer = Call(o, "DELETE", target);
  if (!answer.ok()) return Fail(answer.status());
  return Print(o, *answer,
               fmt::format("deleted '{}' version(s) {}{}", o.subject, DumpJson(*answer),
                           o.permanent ? " for good" : " (soft: --permanent removes them)"));
}

int RunConfig(const SchemaOptions& o) {
  const std::string target =
      o.subject.empty() ? "/config" : "/config/" + client::PathSegment(o.subject);
  if (o.level) {
    auto answer = Call(o, "PUT", target, json{{"compatibility", *o.level}}.dump());
    if (!answer.ok()) return Fail(answer.status());
    return Print(o, *answer,
                 fmt::format("compatibility of {}: {}",
                             o.subject.empty() ? "the registry" : "'" + o.subject + "'",
                             answer->value("compatibility", "")));
  }
  auto answer = Call(o, "GET", target + (o.subject.empty() ? "" : "?defaultToGlobal=true"));
  if (!answer.ok()) return Fail(answer.status());
  return Print(o, *answer,
               fmt::format("compatibility of {}: {}",
                           o.subject.empty() ? "the registry" : "'" + o.subject + "'",
                           answer->value("compatibilityLevel", "")));
}

void AddSchemaSource(CLI::App* command, SchemaOptions& o) {
  auto* text = command->add_option("--schema", o.schema, "The schema's text");
  command->add_option("--file", o.file, "A file holding the schema")->excludes(text);
  command->add_option("--type", o.type, "AVRO or JSON (PROTOBUF is not served yet)")
      ->check(CLI::IsMember({"AVRO", "JSON", "PROTOBUF"}))
      ->capture_default_str();
  command->add_option("--reference", o.references,
                      "A schema it uses: NAME=SUBJECT:VERSION (repeatable)");
}

}  // namespace

void RegisterSchema(CLI::App& app) {
  auto* schema = app.add_subcommand("schema", "The schema registry of a running herald serve");
  schema->footer(kSchemaHelp);
  schema->require_subcommand(1);
  auto add = [&](const char* name, const char* help, int (*run)(const SchemaOptions&)) {
    auto o = std::make_shared<SchemaOptions>();
    auto* command = schema->add_subcommand(name, help);
    AddHttpFlags(command, o->flags);
    command->callback([o, run] { SetExitCode(run(*o)); });
    return std::make_pair(command, o);
  };
  auto [reg, ro] = add("register", "Register a schema under SUBJECT; prints its id", RunRegister);
  reg->add_option("subject", ro->subject, "Subject (TOPIC-value, TOPIC-key, ...)")->required();
  AddSchemaSource(reg, *ro);

  auto [get, go] = add("get", "Show SUBJECT's version (latest by default), or --id N", RunGet);
  get->add_option("subject", go->subject, "Subject");
  get->add_option("--version", go->version, "A version number or latest")->capture_default_str();
  get->add_option("--id", go->id, "A schema id (instead of a subject)");
  get->add_flag("--deleted", go->deleted, "Soft-deleted versions too");

  auto [list, lo] = add("list", "List subjects, or SUBJECT's versions", RunSchemaList);
  list->add_option("subject", lo->subject, "Subject whose versions to list");
  list->add_flag("--deleted", lo->deleted, "Soft-deleted ones too");

  auto [check, co] =
      add("check", "Check a schema against SUBJECT under its compatibility level (exit 1: not)",
          RunCheck);
  check->add_option("subject", co->subject, "Subject")->required();
  check->add_option("--version", co->version, "Against this version, or latest")
      ->capture_default_str();
  AddSchemaSource(check, *co);

  auto [del, dop] = add("delete", "Delete SUBJECT (--version all) or one version", RunSchemaDelete);
  del->add_option("subject", dop->subject, "Subject")->required();
  dop->version = "all";
  del->add_option("--version", dop->version, "A version number, latest, or all")
      ->capture_default_str();
  del->add_flag("--permanent", dop->permanent, "Remove soft-deleted versions for good");

  auto [config, cfo] = add(
      "config", "Show or --set the compatibility level (of SUBJECT or the registry)", RunConfig);
  config->add_option("subject", cfo->subject, "Subject (none: the registry's level)");
  config->add_option("--set", cfo->level,
                     "NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, "
                     "FULL_TRANSITIVE");
}

}  // namespace herald::cli
