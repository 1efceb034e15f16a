// JSON Schema as the schema registry needs it: parsing (drafts 4, 6 and 7, 2019-09 and 2020-12,
// chosen by `$schema`, draft-07 when it is absent, as Confluent's registry does), the text the
// registry stores, validation of a JSON instance, and Confluent's compatibility rules between two
// schemas (open and closed content models included).
//
// `$ref` resolves within the schema (JSON pointers, `$id` base URIs, `$anchor`), and to the
// schemas given as references (Confluent's schema references: a reference's name is the URI a
// `$ref` uses, such as "customer.json" or "customer.json#/$defs/address"). No reference is ever
// fetched from the network. `$dynamicRef` resolves as `$ref` does (the static scope), which is
// what it means outside meta-schemas. `format` is an annotation and asserts nothing (the default
// of both 2019-09 and 2020-12; draft-07 lets validators choose), so a record never fails on a
// format a producer's library spells differently.
//
// Patterns are ECMA-262-like regular expressions matched with PCRE2 (heap-based, with a match
// limit), so no pattern or instance can overflow the stack or run unbounded.
//
// Thread-safety: a Schema is immutable after Parse; share it freely.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace herald::registry::json_schema {

enum class Draft { kDraft4, kDraft6, kDraft7, kDraft2019_09, kDraft2020_12 };

// A schema this one may `$ref` by `name` (a Confluent schema reference), with its text.
struct Reference {
  std::string name;
  std::string text;
};

class Schema {
 public:
  // Parses a schema's JSON text (an object or a boolean). Errors (kInvalidArgument) say what is
  // wrong where ("/properties/age/minimum: must be a number"): JSON that does not parse or nests
  // deeper than kMaxJsonDepth, an unknown `$schema`, a keyword whose value has the wrong type
  // (a `type` that names no JSON type, a negative `minLength`, a `required` that is not an array
  // of unique strings, a `pattern` that does not compile, ...), a `$ref` that resolves to
  // nothing. Unknown keywords are kept and ignored, as the specification asks.
  static Result<Schema> Parse(std::string_view text, const std::vector<Reference>& references = {});

  // The schema as the registry stores and answers it: the parsed JSON, compact, keys in the
  // order written. Two registrations that differ only in whitespace give the same text.
  const std::string& text() const;

  Draft draft() const;

  // The parsed document (the root schema).
  const nlohmann::json& document() const;

  // OK when `instance` is valid against the schema; otherwise kInvalidArgument naming the first
  // failure by the instance's JSON pointer and the keyword that failed
  // ("/items/2/price: 12.5 is not a multiple of 5 (multipleOf)"). An instance that makes the
  // evaluation nest deeper than a bound (a schema that recurses through `$ref` without consuming
  // the instance) fails the same way instead of exhausting the stack.
  Status Validate(const nlohmann::json& instance) const;

  // The schema node that the `$ref` (or `$dynamicRef`) of `node` names, where `node` is an object
  // inside document() or inside a referenced schema's document, resolved against the base URI in
  // effect at `node`; nullptr when `node` has no reference. (Parse has checked that every
  // reference resolves.)
  const nlohmann::json* Target(const nlohmann::json& node) const;

  struct Impl;
  explicit Schema(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

 private:
  std::shared_ptr<const Impl> impl_;
};

// Why data valid against `writer` may be invalid against `reader`, under the rules of Confluent
// Schema Registry's JSON Schema compatibility check (comparing the writer's schema as the
// original with the reader's as the update): one message per incompatible difference, each
// naming the kind of difference and the path of the schema where it is
// ("#/properties/age: TYPE_NARROWED"; "#/properties/email: PROPERTY_ADDED_TO_CLOSED_CONTENT_MODEL"
// ...). Empty when every difference is compatible.
std::vector<std::string> ReadIncompatibilities(const Schema& reader, const Schema& writer);

}  // namespace herald::registry::json_schema
