#include "registry/parsed_schema.h"

#include <fmt/format.h>

#include "base/json.h"
#include "registry/avro.h"
#include "registry/json_schema.h"

namespace herald::registry {

std::string_view SchemaTypeName(SchemaType type) {
  return type == SchemaType::kJson ? "JSON" : "AVRO";
}

Result<ParsedSchema> ParsedSchema::Parse(SchemaType type, std::string_view text,
                                         const std::vector<ReferencedText>& references) {
  ParsedSchema out;
  out.type_ = type;
  if (type == SchemaType::kAvro) {
    std::vector<std::string> texts;
    texts.reserve(references.size());
    for (const auto& r : references) texts.push_back(r.text);
    HERALD_ASSIGN_OR_RETURN(avro::Schema schema, avro::Schema::Parse(text, texts));
    out.avro_ = std::make_shared<const avro::Schema>(std::move(schema));
    out.record_name_ = out.avro_->root().full_name;
  } else {
    std::vector<json_schema::Reference> documents;
    documents.reserve(references.size());
    for (const auto& r : references) documents.push_back({r.name, r.text});
    HERALD_ASSIGN_OR_RETURN(json_schema::Schema schema,
                            json_schema::Schema::Parse(text, documents));
    out.json_ = std::make_shared<const json_schema::Schema>(std::move(schema));
    const nlohmann::json& root = out.json_->document();
    if (auto title = root.is_object() ? root.find("title") : root.end();
        title != root.end() && title->is_string()) {
      out.record_name_ = title->get<std::string>();
    }
  }
  return out;
}

const std::string& ParsedSchema::text() const {
  return avro_ ? avro_->text() : json_->text();
}

namespace {

// A JSON Schema payload: UTF-8 JSON text, as Confluent's JSON Schema serializer writes it.
Result<nlohmann::json> JsonPayload(ByteView payload) {
  auto value = ParseBoundedJson(AsString(payload));
  if (!value) {
    return InvalidArgument("the payload is not JSON (or nests deeper than {})", kMaxJsonDepth);
  }
  return std::move(*value);
}

}  // namespace

Status ParsedSchema::Check(ByteView payload) const {
  if (avro_) return avro_->ValidateDatum(payload);
  HERALD_ASSIGN_OR_RETURN(nlohmann::json value, JsonPayload(payload));
  return json_->Validate(value);
}

Result<nlohmann::json> ParsedSchema::DecodeToJson(ByteView payload) const {
  if (avro_) return avro_->DecodeToJson(payload);
  return JsonPayload(payload);
}

Result<Buffer> ParsedSchema::EncodeJson(const nlohmann::json& value) const {
  if (avro_) return avro_->EncodeJson(value);
  HERALD_RETURN_IF_ERROR(json_->Validate(value));
  const std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return Buffer(text.begin(), text.end());
}

std::vector<std::string> ReadIncompatibilities(const ParsedSchema& reader,
                                               const ParsedSchema& writer) {
  if (reader.type() != writer.type()) {
    return {fmt::format("the schema types differ: {} after {}", SchemaTypeName(reader.type()),
                        SchemaTypeName(writer.type()))};
  }
  if (reader.avro()) return avro::ReadIncompatibilities(*reader.avro(), *writer.avro());
  return json_schema::ReadIncompatibilities(*reader.json(), *writer.json());
}

}  // namespace herald::registry
