// ParsedSchema: a registered schema of either type (Avro or JSON Schema), parsed with what it
// references, and what the registry's users do with the payload of a record framed with its id:
// check it (the broker's validation), decode it to JSON (REST proxy consumers, `herald consume
// --decode`) and encode it from JSON (REST proxy produce, `herald produce --value-schema-id`).
//
// Payloads are each type's as Confluent's serializers write them: Avro's binary encoding of one
// datum, or a JSON Schema instance as UTF-8 JSON text.
//
// Thread-safety: immutable after Parse; share it freely.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/bytes.h"
#include "base/status.h"

namespace herald::registry {

namespace avro {
class Schema;
}
namespace json_schema {
class Schema;
}

enum class SchemaType { kAvro, kJson };
std::string_view SchemaTypeName(SchemaType type);  // "AVRO", "JSON"

// A schema that another one references: the name it is referred to by, and its text.
struct ReferencedText {
  std::string name;
  std::string text;
};

class ParsedSchema {
 public:
  // Parses `text` as a schema of `type`. `references` are what it may use, each after what it
  // references itself (Avro: their named types; JSON Schema: documents a `$ref` names by
  // `name`). Errors (kInvalidArgument) are the type's parser's.
  static Result<ParsedSchema> Parse(SchemaType type, std::string_view text,
                                    const std::vector<ReferencedText>& references);

  SchemaType type() const { return type_; }
  // The text the registry stores: equal for two registrations that differ only in whitespace.
  const std::string& text() const;

  // The name RecordNameStrategy gives the schema's subject: an Avro record's (enum's, fixed's)
  // full name, a JSON Schema's `title`; empty when it has none.
  std::string_view RecordName() const { return record_name_; }

  // OK when `payload` is exactly one datum (Avro) or one valid JSON instance (JSON Schema) of
  // the schema; otherwise kInvalidArgument saying what is wrong where.
  Status Check(ByteView payload) const;
  // The payload as JSON (Avro's JSON encoding for Avro); Check's errors.
  Result<nlohmann::json> DecodeToJson(ByteView payload) const;
  // `value` (Avro's JSON encoding for Avro) as a payload; kInvalidArgument naming the path when
  // it does not match the schema.
  Result<Buffer> EncodeJson(const nlohmann::json& value) const;

  // Null unless the schema is of that type.
  const avro::Schema* avro() const { return avro_.get(); }
  const json_schema::Schema* json() const { return json_.get(); }

 private:
  SchemaType type_ = SchemaType::kAvro;
  std::shared_ptr<const avro::Schema> avro_;
  std::shared_ptr<const json_schema::Schema> json_;
  std::string record_name_;  // found once by Parse: validation asks for it per record
};

// Why data written with `writer` may not be read with `reader`: Avro's schema-resolution rules,
// or Confluent's JSON Schema compatibility rules. Empty when it always can.
std::vector<std::string> ReadIncompatibilities(const ParsedSchema& reader,
                                               const ParsedSchema& writer);

}  // namespace herald::registry
