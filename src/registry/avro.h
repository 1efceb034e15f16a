// Avro schemas as the schema registry needs them: parsing (named types, namespaces, aliases,
// defaults, logical types, references to other schemas' named types), the text the registry
// stores, Avro's Parsing Canonical Form and its CRC-64-AVRO fingerprint, the schema-resolution
// check behind compatibility levels, validation of a binary-encoded datum, and conversion of a
// datum between the binary and the JSON encoding.
//
// The rules are the Avro 1.11 specification's ("Schema Declaration", "Parsing Canonical Form for
// Schemas", "Schema Resolution", "Binary Encoding", "JSON Encoding").
//
// Thread-safety: a Schema is immutable after Parse; share it freely.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/bytes.h"
#include "base/status.h"

namespace herald::registry::avro {

enum class Type {
  kNull,
  kBoolean,
  kInt,
  kLong,
  kFloat,
  kDouble,
  kBytes,
  kString,
  kRecord,
  kEnum,
  kArray,
  kMap,
  kUnion,
  kFixed,
};

// "null", "record", ...
std::string_view TypeName(Type type);

struct Node;

struct Field {
  std::string name;
  const Node* type = nullptr;
  std::optional<nlohmann::json> default_value;  // as written in the schema
  std::vector<std::string> aliases;
};

// One schema node. Named types (record, enum, fixed) exist once per Schema and are referred to
// by pointer wherever their name is used, so recursive records are cycles of pointers.
struct Node {
  Type type = Type::kNull;
  std::string full_name;             // named types: "namespace.name" (no dot: null namespace)
  std::vector<std::string> aliases;  // named types: full names
  std::vector<Field> fields;         // record
  std::vector<std::string> symbols;  // enum
  std::optional<std::string> enum_default;
  const Node* items = nullptr;        // array
  const Node* values = nullptr;       // map
  std::vector<const Node*> branches;  // union
  int64_t size = 0;                   // fixed
  std::string logical_type;           // "" when none
};

class Schema {
 public:
  // Parses a schema's JSON text. `references` are the texts of the schemas whose named types
  // this one may use by name (Confluent's schema references), each parsed with the ones before
  // it. Errors (kInvalidArgument) say what is wrong where: unknown type names, duplicate names,
  // invalid names, a field without a type, a default that does not match its type, an enum
  // with duplicate symbols, a union with a duplicate type or directly nested union, a fixed
  // without a size, JSON that does not parse or nests deeper than kMaxJsonDepth.
  static Result<Schema> Parse(std::string_view text,
                              const std::vector<std::string>& references = {});

  const Node& root() const { return *root_; }

  // The schema as the registry stores and answers it: the parsed JSON, compact, keys in the
  // order written, with {"type": "<primitive>"} and no other attribute written as
  // "<primitive>". Two registrations of the same schema that differ only in whitespace give
  // the same text.
  const std::string& text() const { return text_; }

  // Avro's Parsing Canonical Form (full names, no doc/aliases/defaults, attributes in the
  // specification's order, no whitespace).
  std::string CanonicalForm() const;

  // CRC-64-AVRO (the Rabin fingerprint of the specification) of CanonicalForm().
  uint64_t Fingerprint() const;

  // Empty when the bytes are exactly one datum of this schema in Avro's binary encoding;
  // otherwise what is wrong and where ("/fields/amount: expected a long, the input ended").
  Status ValidateDatum(ByteView datum) const;

  // The datum `bytes` (exactly one, in Avro's binary encoding) as JSON in Avro's JSON encoding:
  // unions as {"<branch type name or full name>": value} (null as null), bytes and fixed as
  // strings of code points 0-255 (one per byte), enums as their symbol, records as objects, maps
  // as objects, floats and doubles as numbers (NaN and the infinities as the strings "NaN",
  // "Infinity", "-Infinity"). Errors (kInvalidArgument) are ValidateDatum's, and a datum that
  // would decode to more than 2^16 JSON values plus 8 per input byte (values that take no bytes,
  // such as nulls, are the main way there).
  Result<nlohmann::json> DecodeToJson(ByteView bytes) const;

  // The JSON value `value` (Avro's JSON encoding, as above) as one datum in the binary encoding;
  // kInvalidArgument naming the path ("/fields/amount: expected a long, got a string") when it
  // does not match the schema. Records: every field, a missing one takes its default (an error
  // when it has none); unknown fields are an error. Integers must fit (int 32-bit, long 64-bit);
  // a float or double accepts any JSON number (a float rounds to the nearest, an infinity beyond
  // its range) and "NaN", "Infinity", "-Infinity". The result passes ValidateDatum.
  Result<Buffer> EncodeJson(const nlohmann::json& value) const;

 private:
  std::vector<std::unique_ptr<Node>> nodes_;  // every node, named or not
  const Node* root_ = nullptr;
  std::string text_;
  std::string canonical_;  // CanonicalForm(), computed by Parse
};

// Why data written with `writer` cannot be read with `reader` under Avro's schema-resolution
// rules: one message per problem, each naming the path of the reader's schema where it is
// ("/fields/amount/type: the reader's long cannot read the writer's string"). Empty when the
// reader can read everything the writer writes.
std::vector<std::string> ReadIncompatibilities(const Schema& reader, const Schema& writer);

}  // namespace herald::registry::avro
