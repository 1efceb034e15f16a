#include "cli/registry_schemas.h"

#include <fmt/format.h>

#include "base/json.h"
#include "registry/wire_format.h"

namespace herald::cli {

using nlohmann::json;

Status RegistrySchemas::AddReferences(const json& refs,
                                      std::vector<registry::ReferencedText>& texts, int depth) {
  if (!refs.is_array()) return Status::Ok();
  if (depth > 16) return InvalidArgument("schema references nest deeper than 16");
  for (const json& r : refs) {
    if (!r.is_object() || !r.value("subject", json()).is_string()) continue;
    const std::string target = fmt::format("/subjects/{}/versions/{}",
                                           client::PathSegment(r["subject"].get<std::string>()),
                                           r.value("version", json(-1)).dump());
    HERALD_ASSIGN_OR_RETURN(auto answer, http_.Call("GET", target));
    if (answer.status != 200) {
      return NotFound("the reference {}: {}", r.dump(), answer.ErrorMessage());
    }
    const json version = answer.Json();
    HERALD_RETURN_IF_ERROR(AddReferences(version.value("references", json()), texts, depth + 1));
    texts.push_back({r.value("name", ""), version.value("schema", "")});
  }
  return Status::Ok();
}

Result<std::shared_ptr<const registry::ParsedSchema>> RegistrySchemas::Get(int32_t id) {
  if (auto it = cache_.find(id); it != cache_.end()) return it->second;
  HERALD_ASSIGN_OR_RETURN(auto answer, http_.Call("GET", fmt::format("/schemas/ids/{}", id)));
  if (answer.status != 200) {
    return NotFound("schema id {} is not in the registry at {}: {}", id, "the registry",
                    answer.ErrorMessage());
  }
  const json body = answer.Json();
  const std::string type = body.is_object() ? body.value("schemaType", "AVRO") : "";
  if (type != "AVRO" && type != "JSON") {
    return InvalidArgument("schema id {} is a {} schema: Avro and JSON Schema only", id, type);
  }
  std::vector<registry::ReferencedText> references;
  HERALD_RETURN_IF_ERROR(AddReferences(body.value("references", json()), references, 0));
  auto schema = registry::ParsedSchema::Parse(
      type == "JSON" ? registry::SchemaType::kJson : registry::SchemaType::kAvro,
      body.value("schema", ""), references);
  if (!schema.ok()) return schema.status().WithContext(fmt::format("schema id {}", id));
  auto shared = std::make_shared<const registry::ParsedSchema>(std::move(schema).value());
  cache_[id] = shared;
  return std::shared_ptr<const registry::ParsedSchema>(shared);
}

Result<std::string> RegistrySchemas::EncodeJson(int32_t id, const std::string& value) {
  HERALD_ASSIGN_OR_RETURN(auto schema, Get(id));
  auto parsed = ParseBoundedJson(value);
  if (!parsed) return InvalidArgument("the value is not JSON");
  HERALD_ASSIGN_OR_RETURN(Buffer payload, schema->EncodeJson(*parsed));
  return registry::Frame(id, payload);
}

Result<std::string> RegistrySchemas::Decode(const std::string& bytes) {
  auto framed = registry::Unframe(AsBytes(bytes));
  if (!framed) return InvalidArgument("not framed with a schema id");
  HERALD_ASSIGN_OR_RETURN(auto schema, Get(framed->id));
  HERALD_ASSIGN_OR_RETURN(json decoded, schema->DecodeToJson(framed->payload));
  return decoded.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace herald::cli
