#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "registry/json_schema.h"

namespace herald::registry::json_schema {
namespace {

// The schema `text` parses to, with `other` (when given) as the reference "other.json"; a failed
// parse fails the test and gives the schema true.
Schema CompatParsed(std::string_view text, const char* other = nullptr) {
  std::vector<Reference> references;
  if (other != nullptr) references.push_back({"other.json", other});
  Result<Schema> parsed = Schema::Parse(text, references);
  if (!parsed.ok()) {
    ADD_FAILURE() << "parsing " << text << ": " << parsed.status().ToString();
    return std::move(Schema::Parse("true")).value();
  }
  return std::move(parsed).value();
}

std::string Joined(const std::vector<std::string>& messages) {
  std::string out;
  for (const std::string& message : messages) out += "\n  " + message;
  return out.empty() ? " (none)" : out;
}

bool Mentions(const std::vector<std::string>& messages, std::string_view part) {
  for (const std::string& message : messages) {
    if (message.find(part) != std::string::npos) return true;
  }
  return false;
}

// ---- Evolution cases -------------------------------------------------------------------------

constexpr const char* k2020 = R"("$schema": "https://json-schema.org/draft/2020-12/schema")";
constexpr const char* k2019 = R"("$schema": "https://json-schema.org/draft/2019-09/schema")";

struct EvolutionCase {
  std::string name;
  std::string writer;  // the old schema
  std::string reader;  // the new schema
  // Whether the reader reads all the writer writes (BACKWARD: ReadIncompatibilities(new, old)).
  bool backward;
  // A part of one message of the incompatible direction: BACKWARD's when it is incompatible,
  // otherwise FORWARD's.
  std::string message;
  // Whether the writer's schema reads all the reader's writes (FORWARD: the call swapped).
  bool forward;
  // The text of "other.json" for each side, when it has that reference.
  const char* writer_other = nullptr;
  const char* reader_other = nullptr;
};

std::string Str(std::string_view extra) {
  return fmt::format(R"({{"type": "string"{}}})", extra);
}
std::string Num(std::string_view type, std::string_view extra) {
  return fmt::format(R"({{"type": "{}"{}}})", type, extra);
}
// An object schema with these properties and more keywords.
std::string Obj(std::string_view properties, std::string_view extra = "") {
  return fmt::format(R"({{"type": "object", "properties": {{{}}}{}}})", properties, extra);
}
std::string Arr(std::string_view keywords) {
  return fmt::format(R"({{"type": "array"{}}})", keywords);
}

const std::vector<EvolutionCase>& Cases() {
  static const std::vector<EvolutionCase> cases = {
      // Strings.
      {"max_length_increased", Str(R"(, "maxLength": 5)"), Str(R"(, "maxLength": 10)"), true,
       "#/maxLength: MAX_LENGTH_DECREASED (the reader's maxLength 5 is lower than the writer's "
       "10)",
       false},
      {"max_length_added", Str(""), Str(R"(, "maxLength": 5)"), false,
       "#/maxLength: MAX_LENGTH_ADDED", true},
      {"min_length_increased", Str(R"(, "minLength": 1)"), Str(R"(, "minLength": 3)"), false,
       "#/minLength: MIN_LENGTH_INCREASED", true},
      {"min_length_added", Str(""), Str(R"(, "minLength": 2)"), false,
       "#/minLength: MIN_LENGTH_ADDED", true},
      {"pattern_added", Str(""), Str(R"(, "pattern": "^[a-z]+$")"), false,
       "#/pattern: PATTERN_ADDED", true},
      {"pattern_changed", Str(R"(, "pattern": "^a")"), Str(R"(, "pattern": "^b")"), false,
       "#/pattern: PATTERN_CHANGED", false},
      {"format_changed", Str(R"(, "format": "date")"), Str(R"(, "format": "date-time")"), true, "",
       true},
      // Numbers.
      {"integer_to_number", Num("integer", ""), Num("number", ""), true, "#: TYPE_NARROWED", false},
      {"maximum_decreased", Num("number", R"(, "maximum": 100)"),
       Num("number", R"(, "maximum": 50)"), false, "#/maximum: MAXIMUM_DECREASED", true},
      {"minimum_added", Num("number", ""), Num("number", R"(, "minimum": 0)"), false,
       "#/minimum: MINIMUM_ADDED", true},
      {"exclusive_maximum_increased", Num("number", R"(, "exclusiveMaximum": 10)"),
       Num("number", R"(, "exclusiveMaximum": 20)"), true,
       "#/exclusiveMaximum: EXCLUSIVE_MAXIMUM_DECREASED", false},
      {"exclusive_minimum_added", Num("integer", ""), Num("integer", R"(, "exclusiveMinimum": 0)"),
       false, "#/exclusiveMinimum: EXCLUSIVE_MINIMUM_ADDED", true},
      {"multiple_of_reduced", Num("number", R"(, "multipleOf": 10)"),
       Num("number", R"(, "multipleOf": 5)"), true, "#/multipleOf: MULTIPLE_OF_EXPANDED", false},
      {"multiple_of_changed", Num("number", R"(, "multipleOf": 10)"),
       Num("number", R"(, "multipleOf": 3)"), false, "#/multipleOf: MULTIPLE_OF_CHANGED", false},
      {"multiple_of_fraction_reduced", Num("number", R"(, "multipleOf": 0.5)"),
       Num("number", R"(, "multipleOf": 0.25)"), true, "MULTIPLE_OF_EXPANDED", false},
      // Types.
      {"type_changed", Str(""), Num("number", ""), false,
       "#: TYPE_CHANGED (the writer's string became number)", false},
      {"type_array_extended", Str(""), R"({"type": ["string", "null"]})", true,
       "#: TYPE_CHANGED (the writer's string|null became string)", false},
      {"type_array_narrowed", R"({"type": ["string", "null", "integer"]})",
       R"({"type": ["string", "null"]})", false, "#: SUM_TYPE_NARROWED", true},
      {"true_to_string", "true", Str(""), false, "#: TYPE_CHANGED", true},
      {"false_to_string", "false", Str(""), true, "#: TYPE_CHANGED", false},
      {"object_to_empty", Obj(R"("a": {"type": "string"})"), "{}", true, "#: TYPE_CHANGED", false},
      {"property_true_to_string", Obj(R"("a": true)"), Obj(R"("a": {"type": "string"})"), false,
       "#/properties/a: TYPE_CHANGED", true},
      // Objects: the open content model.
      {"property_added_to_open_content_model", Obj(R"("a": {"type": "string"})"),
       Obj(R"("a": {"type": "string"}, "b": {"type": "integer"})"), false,
       "#/properties/b: PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", true},
      {"property_with_empty_schema_added_to_open_content_model", Obj(R"("a": {"type": "string"})"),
       Obj(R"("a": {"type": "string"}, "b": {"description": "anything"})"), true, "", true},
      {"property_removed_from_open_content_model",
       Obj(R"("a": {"type": "string"}, "b": {"type": "integer"})"),
       Obj(R"("a": {"type": "string"})"), true,
       "#/properties/b: PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", false},
      // Closed.
      {"property_removed_from_closed_content_model",
       Obj(R"("a": {"type": "string"}, "b": {"type": "integer"})",
           R"(, "additionalProperties": false)"),
       Obj(R"("a": {"type": "string"})", R"(, "additionalProperties": false)"), false,
       "#/properties/b: PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL", true},
      {"required_property_added_to_unopen_content_model",
       Obj(R"("a": {"type": "string"})", R"(, "additionalProperties": false)"),
       Obj(R"("a": {"type": "string"}, "b": {"type": "integer"})",
           R"(, "required": ["b"], "additionalProperties": false)"),
       false, "#/properties/b: REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL", false},
      {"required_property_with_default_added_to_unopen_content_model",
       Obj(R"("a": {"type": "string"})", R"(, "additionalProperties": false)"),
       Obj(R"("a": {"type": "string"}, "b": {"type": "integer", "default": 0})",
           R"(, "required": ["b"], "additionalProperties": false)"),
       true, "#/properties/b: PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL", false},
      {"property_with_false_removed_from_closed_content_model",
       Obj(R"("a": {"type": "string"}, "b": false)", R"(, "additionalProperties": false)"),
       Obj(R"("a": {"type": "string"})", R"(, "additionalProperties": false)"), true, "", true},
      {"additional_properties_false_removed",
       Obj(R"("a": {"type": "string"})", R"(, "additionalProperties": false)"),
       Obj(R"("a": {"type": "string"})"), true,
       "#/additionalProperties: ADDITIONAL_PROPERTIES_REMOVED", false},
      {"additional_properties_narrowed", Obj(""),
       Obj("", R"(, "additionalProperties": {"type": "string"})"), false,
       "#/additionalProperties: ADDITIONAL_PROPERTIES_NARROWED", true},
      {"additional_properties_schema_changed",
       Obj("", R"(, "additionalProperties": {"type": "string"})"),
       Obj("", R"(, "additionalProperties": {"type": "integer"})"), false,
       "#/additionalProperties: TYPE_CHANGED", false},
      // Partially open.
      {"property_added_is_covered_by_partially_open_content_model",
       Obj(R"("a": {"type": "string"})", R"(, "additionalProperties": {"type": "string"})"),
       Obj(R"("a": {"type": "string"}, "b": {"type": "string"})",
           R"(, "additionalProperties": {"type": "string"})"),
       true, "", true},
      {"property_added_not_covered_by_partially_open_content_model",
       Obj(R"("a": {"type": "string"})", R"(, "additionalProperties": {"type": "string"})"),
       Obj(R"("a": {"type": "string"}, "b": {"type": "integer"})",
           R"(, "additionalProperties": {"type": "string"})"),
       false, "#/properties/b: PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", false},
      {"property_added_covered_by_pattern_properties",
       R"({"type": "object", "patternProperties": {"^i_": {"type": "integer"}},
           "additionalProperties": false})",
       R"({"type": "object", "properties": {"i_count": {"type": "number"}},
           "patternProperties": {"^i_": {"type": "integer"}}, "additionalProperties": false})",
       true, "#/properties/i_count: PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
       false},
      {"property_added_not_matching_a_pattern",
       R"({"type": "object", "patternProperties": {"^i_": {"type": "integer"}},
           "additionalProperties": false})",
       R"({"type": "object", "properties": {"s_name": {"type": "string"}},
           "patternProperties": {"^i_": {"type": "integer"}}, "additionalProperties": false})",
       true, "#/properties/s_name: PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL", false},
      {"property_added_not_covered_by_ecma_pattern",
       R"({"type": "object", "patternProperties": {"^\\u0069_": {"type": "integer"}},
           "additionalProperties": false})",
       R"({"type": "object", "properties": {"i_n": {"type": "string"}},
           "patternProperties": {"^\\u0069_": {"type": "integer"}},
           "additionalProperties": false})",
       false, "#/properties/i_n: PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
       false},
      {"property_removed_is_covered_by_partially_open_content_model",
       Obj(R"("a": {"type": "string"}, "b": {"type": "string"})",
           R"(, "additionalProperties": false)"),
       Obj(R"("a": {"type": "string"})", R"(, "additionalProperties": {"type": "string"})"), true,
       "#/additionalProperties: ADDITIONAL_PROPERTIES_REMOVED", false},
      {"property_removed_not_covered_by_partially_open_content_model",
       Obj(R"("a": {"type": "string"}, "b": {"type": "integer"})",
           R"(, "additionalProperties": false)"),
       Obj(R"("a": {"type": "string"})", R"(, "additionalProperties": {"type": "string"})"), false,
       "#/properties/b: PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", false},
      // Required, sizes, dependencies.
      {"required_attribute_added", Obj(R"("a": {"type": "string"})"),
       Obj(R"("a": {"type": "string"})", R"(, "required": ["a"])"), false,
       "#/required/a: REQUIRED_ATTRIBUTE_ADDED", true},
      {"required_attribute_with_default_added", Obj(R"("a": {"type": "string"})"),
       Obj(R"("a": {"type": "string", "default": ""})", R"(, "required": ["a"])"), true, "", true},
      {"max_properties_decreased", Obj("", R"(, "maxProperties": 5)"),
       Obj("", R"(, "maxProperties": 3)"), false, "#/maxProperties: MAX_PROPERTIES_DECREASED",
       true},
      {"min_properties_added", Obj(""), Obj("", R"(, "minProperties": 1)"), false,
       "#/minProperties: MIN_PROPERTIES_ADDED", true},
      {"dependency_array_extended", Obj("", R"(, "dependencies": {"a": ["b"]})"),
       Obj("", R"(, "dependencies": {"a": ["b", "c"]})"), false,
       "#/dependencies/a: DEPENDENCY_ARRAY_EXTENDED", true},
      {"dependency_schema_added", Obj(""),
       Obj("", R"(, "dependencies": {"a": {"required": ["b"]}})"), false,
       "#/dependencies/a: DEPENDENCY_SCHEMA_ADDED", true},
      {"dependent_required_added_2019", fmt::format(R"({{{}, "type": "object"}})", k2019),
       fmt::format(R"({{{}, "type": "object", "dependentRequired": {{"a": ["b"]}}}})", k2019),
       false, "#/dependentRequired/a: DEPENDENCY_ARRAY_ADDED", true},
      {"unevaluated_properties_false_added_2020",
       fmt::format(R"({{{}, "type": "object", "properties": {{"a": {{"type": "string"}}}}}})",
                   k2020),
       fmt::format(R"({{{}, "type": "object", "properties": {{"a": {{"type": "string"}}}},
                      "unevaluatedProperties": false}})",
                   k2020),
       false, "#/unevaluatedProperties: UNEVALUATED_PROPERTIES_REMOVED", true},
      {"optional_property_added_under_unevaluated_properties_false_2020",
       fmt::format(R"({{{}, "type": "object", "properties": {{"a": {{"type": "string"}}}},
                      "unevaluatedProperties": false}})",
                   k2020),
       fmt::format(R"({{{}, "type": "object",
                      "properties": {{"a": {{"type": "string"}}, "b": {{"type": "integer"}}}},
                      "unevaluatedProperties": false}})",
                   k2020),
       true, "#/properties/b: PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL", false},
      // Arrays.
      {"items_added", Arr(""), Arr(R"(, "items": {"type": "string"})"), false,
       "#/items: SCHEMA_ADDED", true},
      {"items_type_changed", Arr(R"(, "items": {"type": "string"})"),
       Arr(R"(, "items": {"type": "integer"})"), false, "#/items: TYPE_CHANGED", false},
      {"max_items_decreased", Arr(R"(, "maxItems": 3)"), Arr(R"(, "maxItems": 2)"), false,
       "#/maxItems: MAX_ITEMS_DECREASED", true},
      {"min_items_increased", Arr(R"(, "minItems": 1)"), Arr(R"(, "minItems": 2)"), false,
       "#/minItems: MIN_ITEMS_INCREASED", true},
      {"unique_items_added", Arr(""), Arr(R"(, "uniqueItems": true)"), false,
       "#/uniqueItems: UNIQUE_ITEMS_ADDED", true},
      {"item_added_to_open_content_model", Arr(R"(, "items": [{"type": "string"}])"),
       Arr(R"(, "items": [{"type": "string"}, {"type": "integer"}])"), false,
       "#/items/1: ITEM_ADDED_TO_OPEN_CONTENT_MODEL", true},
      {"item_added_to_closed_content_model",
       Arr(R"(, "items": [{"type": "string"}], "additionalItems": false)"),
       Arr(R"(, "items": [{"type": "string"}, {"type": "integer"}], "additionalItems": false)"),
       true, "#/items/1: ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL", false},
      {"item_added_is_covered_by_partially_open_content_model",
       Arr(R"(, "items": [{"type": "string"}], "additionalItems": {"type": "integer"})"),
       Arr(R"(, "items": [{"type": "string"}, {"type": "integer"}],
              "additionalItems": {"type": "integer"})"),
       true, "", true},
      {"item_added_not_covered_by_partially_open_content_model",
       Arr(R"(, "items": [{"type": "string"}], "additionalItems": {"type": "integer"})"),
       Arr(R"(, "items": [{"type": "string"}, {"type": "string"}],
              "additionalItems": {"type": "integer"})"),
       false, "#/items/1: ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", false},
      {"additional_items_removed", Arr(R"(, "items": [{"type": "string"}])"),
       Arr(R"(, "items": [{"type": "string"}], "additionalItems": false)"), false,
       "#/additionalItems: ADDITIONAL_ITEMS_REMOVED", true},
      {"prefix_items_closed_item_added_2020",
       fmt::format(R"({{{}, "type": "array", "prefixItems": [{{"type": "string"}}],
                      "items": false}})",
                   k2020),
       fmt::format(R"({{{}, "type": "array",
                      "prefixItems": [{{"type": "string"}}, {{"type": "integer"}}],
                      "items": false}})",
                   k2020),
       true, "#/prefixItems/1: ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL", false},
      {"tuple_draft7_vs_prefix_items_2020",
       Arr(R"(, "items": [{"type": "string"}, {"type": "integer"}], "additionalItems": false)"),
       fmt::format(R"({{{}, "type": "array",
                      "prefixItems": [{{"type": "string"}}, {{"type": "integer"}}],
                      "items": false}})",
                   k2020),
       true, "", true},
      {"items_after_prefix_items_narrowed_2020",
       fmt::format(R"({{{}, "type": "array", "prefixItems": [{{"type": "string"}}]}})", k2020),
       fmt::format(R"({{{}, "type": "array", "prefixItems": [{{"type": "string"}}],
                      "items": {{"type": "integer"}}}})",
                   k2020),
       false, "#/items: ADDITIONAL_ITEMS_NARROWED", true},
      // Enums and const.
      {"enum_extended", R"({"enum": ["a", "b"]})", R"({"enum": ["a", "b", "c"]})", true,
       R"(#/enum: ENUM_ARRAY_NARROWED (the reader's enum lacks the writer's "c"))", false},
      {"enum_changed", R"({"enum": ["a", "b"]})", R"({"enum": ["a", "c"]})", false,
       "#/enum: ENUM_ARRAY_CHANGED", false},
      {"enum_with_type_narrowed", Str(R"(, "enum": ["a", "b"])"), Str(R"(, "enum": ["a"])"), false,
       "#/enum: ENUM_ARRAY_NARROWED", true},
      {"enum_removed_from_string", Str(R"(, "enum": ["a"])"), Str(""), true, "#: TYPE_CHANGED",
       false},
      {"const_changed", R"({"const": "x"})", R"({"const": "y"})", false,
       "#/const: ENUM_ARRAY_CHANGED", false},
      // Combined schemas.
      {"one_of_extended", R"({"oneOf": [{"type": "string"}, {"type": "integer"}]})",
       R"({"oneOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]})", true,
       "#: SUM_TYPE_NARROWED", false},
      {"schema_to_one_of_including_it", Str(""),
       R"({"oneOf": [{"type": "string"}, {"type": "null"}]})", true, "#: TYPE_CHANGED", false},
      {"property_to_any_of_including_it", Obj(R"("a": {"type": "integer"})"),
       Obj(R"("a": {"anyOf": [{"type": "null"}, {"type": "number"}]})"), true,
       "#/properties/a: TYPE_CHANGED", false},
      {"any_of_to_one_of", R"({"anyOf": [{"type": "string"}, {"type": "integer"}]})",
       R"({"oneOf": [{"type": "string"}, {"type": "integer"}]})", false,
       "#: COMBINED_TYPE_CHANGED (the writer's anyOf became oneOf)", true},
      {"one_of_to_all_of", R"({"oneOf": [{"type": "string"}, {"type": "integer"}]})",
       R"({"allOf": [{"type": "string"}, {"type": "integer"}]})", false, "#: COMBINED_TYPE_CHANGED",
       false},
      {"all_of_extended", R"({"allOf": [{"type": "string"}]})",
       R"({"allOf": [{"type": "string"}, {"maxLength": 5}]})", false, "#: PRODUCT_TYPE_EXTENDED",
       true},
      {"one_of_subschemas_changed", R"({"oneOf": [{"type": "string"}, {"type": "integer"}]})",
       R"({"oneOf": [{"type": "string"}, {"type": "boolean"}]})", false,
       "#: COMBINED_TYPE_SUBSCHEMAS_CHANGED", false},
      {"one_of_reordered", R"({"oneOf": [{"type": "string"}, {"type": "integer"}]})",
       R"({"oneOf": [{"type": "integer"}, {"type": "string"}]})", true, "", true},
      {"not_narrowed", R"({"not": {"type": "number"}})", R"({"not": {"type": "integer"}})", true,
       "#/not: NOT_TYPE_EXTENDED", false},
      // References.
      {"ref_into_defs_changed",
       fmt::format(R"({{{}, "$defs": {{"a": {{"type": "string"}}}}, "type": "object",
                      "properties": {{"x": {{"$ref": "#/$defs/a"}}}}}})",
                   k2020),
       fmt::format(R"({{{}, "$defs": {{"a": {{"type": "integer"}}}}, "type": "object",
                      "properties": {{"x": {{"$ref": "#/$defs/a"}}}}}})",
                   k2020),
       false, "#/properties/x: TYPE_CHANGED", false},
      {"inline_to_ref", Obj(R"("x": {"type": "string"})"),
       fmt::format(R"({{{}, "$defs": {{"s": {{"type": "string", "maxLength": 10}}}},
                      "type": "object", "properties": {{"x": {{"$ref": "#/$defs/s"}}}}}})",
                   k2020),
       false, "#/properties/x/maxLength: MAX_LENGTH_ADDED", true},
      {"definitions_draft7_vs_defs_2020",
       R"({"definitions": {"a": {"type": "string"}}, "$ref": "#/definitions/a"})",
       fmt::format(R"({{{}, "$defs": {{"a": {{"type": "string"}}}}, "$ref": "#/$defs/a"}})", k2020),
       true, "", true},
      {"ref_with_asserting_sibling_2020",
       fmt::format(R"({{{}, "$defs": {{"s": {{"type": "string"}}}}, "$ref": "#/$defs/s"}})", k2020),
       fmt::format(R"({{{}, "$defs": {{"s": {{"type": "string"}}}}, "$ref": "#/$defs/s",
                      "maxLength": 3}})",
                   k2020),
       false, "#: TYPE_CHANGED", true},
      {"recursive_list_value_extended",
       R"({"definitions": {"node": {"type": "object", "properties": {
             "value": {"type": "integer"}, "next": {"$ref": "#/definitions/node"}}}},
           "$ref": "#/definitions/node"})",
       R"({"definitions": {"node": {"type": "object", "properties": {
             "value": {"type": "number"}, "next": {"$ref": "#/definitions/node"}}}},
           "$ref": "#/definitions/node"})",
       true, "#/properties/value: TYPE_NARROWED", false},
      {"recursive_tree_name_bounded",
       fmt::format(R"({{{}, "$defs": {{"t": {{"type": "object", "properties": {{
                      "name": {{"type": "string"}},
                      "children": {{"type": "array", "items": {{"$ref": "#/$defs/t"}}}}}}}}}},
                      "$ref": "#/$defs/t"}})",
                   k2020),
       fmt::format(R"({{{}, "$defs": {{"t": {{"type": "object", "properties": {{
                      "name": {{"type": "string", "maxLength": 5}},
                      "children": {{"type": "array", "items": {{"$ref": "#/$defs/t"}}}}}}}}}},
                      "$ref": "#/$defs/t"}})",
                   k2020),
       false, "#/properties/name/maxLength: MAX_LENGTH_ADDED", true},
      {"reference_to_other_document_gains_required", Obj(R"("customer": {"$ref": "other.json"})"),
       Obj(R"("customer": {"$ref": "other.json"})"), false,
       "#/properties/customer/required/id: REQUIRED_ATTRIBUTE_ADDED", true,
       R"({"type": "object", "properties": {"id": {"type": "integer"}}})",
       R"({"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]})"},
      {"reference_to_other_document_inlined", Obj(R"("customer": {"$ref": "other.json"})"),
       Obj(R"("customer": {"type": "object", "properties": {"id": {"type": "number"}}})"), true,
       "#/properties/customer/properties/id: TYPE_NARROWED", false,
       R"({"type": "object", "properties": {"id": {"type": "integer"}}})", nullptr},
      // Cosmetic changes.
      {"cosmetic_changes",
       R"({"$id": "https://example.com/a.json", "title": "A", "description": "first",
           "type": "object", "$comment": "c1",
           "properties": {"a": {"type": "string", "default": "x", "format": "email",
                                "examples": ["p@q.r"]}}})",
       R"({"$id": "https://example.com/b.json", "title": "B", "description": "second",
           "type": "object", "$comment": "c2",
           "properties": {"a": {"type": "string", "default": "y", "format": "uri",
                                "title": "the a"}}})",
       true, "", true},
  };
  return cases;
}

class EvolutionTest : public ::testing::TestWithParam<EvolutionCase> {};

TEST_P(EvolutionTest, BackwardAndForward) {
  const EvolutionCase& c = GetParam();
  const Schema writer = CompatParsed(c.writer, c.writer_other);
  const Schema reader = CompatParsed(c.reader, c.reader_other);
  const std::vector<std::string> backward = ReadIncompatibilities(reader, writer);
  const std::vector<std::string> forward = ReadIncompatibilities(writer, reader);
  EXPECT_EQ(backward.empty(), c.backward) << "BACKWARD:" << Joined(backward);
  EXPECT_EQ(forward.empty(), c.forward) << "FORWARD:" << Joined(forward);
  if (!c.message.empty()) {
    ASSERT_FALSE(c.backward && c.forward) << "a message needs an incompatible direction";
    const std::vector<std::string>& messages = c.backward ? forward : backward;
    EXPECT_TRUE(Mentions(messages, c.message))
        << "no message has \"" << c.message << "\":" << Joined(messages);
  }
  for (const std::string& message : backward) {
    EXPECT_EQ(message.rfind('#', 0), 0u) << message;
    EXPECT_NE(message.find(": "), std::string::npos) << message;
    EXPECT_EQ(message.back(), ')') << message;
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, EvolutionTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<EvolutionCase>& param_info) {
                           return param_info.param.name;
                         });

TEST(JsonSchemaCompatTest, HasEnoughCases) {
  EXPECT_GE(Cases().size(), 45u);
}

// ---- Identity ------------------------------------------------------------------------------

TEST(JsonSchemaCompatTest, IdenticalSchemasAreCompatible) {
  const char* const kOther = R"({"type": "object", "properties": {"id": {"type": "integer"}}})";
  const std::vector<std::string> texts = {
      "true",
      "false",
      "{}",
      R"({"type": "string", "minLength": 1, "maxLength": 9, "pattern": "^x"})",
      R"({"type": ["integer", "null"], "minimum": 0, "multipleOf": 2})",
      R"({"enum": ["a", 1, null, {"b": [2]}]})",
      R"({"type": "string", "enum": ["a", "b"]})",
      R"({"type": "object", "properties": {"a": {"type": "string"}, "b": false},
          "required": ["a"], "additionalProperties": false, "minProperties": 1,
          "dependencies": {"a": ["b"], "b": {"required": ["a"]}}})",
      R"({"type": "object", "patternProperties": {"^x_": {"type": "integer"}},
          "additionalProperties": {"type": "string"}})",
      R"({"type": "array", "items": [{"type": "string"}], "additionalItems": {"type": "number"},
          "minItems": 1, "uniqueItems": true})",
      R"({"oneOf": [{"type": "string"}, {"type": "integer"}], "not": {"const": 3}})",
      R"({"allOf": [{"type": "object"}, {"required": ["a"]}],
          "anyOf": [{"minProperties": 1}, {"maxProperties": 0}]})",
      R"({"if": {"type": "string"}, "then": {"minLength": 1}, "else": {"type": "number"}})",
      R"({"definitions": {"node": {"type": "object", "properties": {
            "next": {"$ref": "#/definitions/node"}, "v": {"type": "string"}}}},
          "$ref": "#/definitions/node"})",
      R"({"$schema": "https://json-schema.org/draft/2020-12/schema",
          "$defs": {"t": {"type": "object", "properties": {"kids": {"type": "array",
            "prefixItems": [{"$ref": "#/$defs/t"}], "items": {"$ref": "#/$defs/t"}}}}},
          "$ref": "#/$defs/t", "minProperties": 0})",
      R"({"type": "object", "properties": {"c": {"$ref": "other.json"}}})",
  };
  for (const std::string& text : texts) {
    const Schema schema = CompatParsed(text, kOther);
    EXPECT_TRUE(ReadIncompatibilities(schema, schema).empty())
        << text << ":" << Joined(ReadIncompatibilities(schema, schema));
    const Schema again = CompatParsed(text, kOther);
    EXPECT_TRUE(ReadIncompatibilities(again, schema).empty())
        << text << ":" << Joined(ReadIncompatibilities(again, schema));
  }
}

// ---- Messages and bounds -----------------------------------------------------------------------

TEST(JsonSchemaCompatTest, MessageNamesPathTypeAndWhy) {
  const Schema writer =
      CompatParsed(R"({"type": "object", "properties": {"age": {"type": "number"}}})");
  const Schema reader =
      CompatParsed(R"({"type": "object", "properties": {"age": {"type": "integer"}}})");
  EXPECT_EQ(ReadIncompatibilities(reader, writer),
            std::vector<std::string>{
                "#/properties/age: TYPE_NARROWED (the writer allows any number, the reader only "
                "integers)"});
}

TEST(JsonSchemaCompatTest, PropertyNamesAreEscapedInPaths) {
  const Schema writer =
      CompatParsed(R"({"type": "object", "properties": {"a/b~c": {"type": "string"}}})");
  const Schema reader =
      CompatParsed(R"({"type": "object", "properties": {"a/b~c": {"type": "integer"}}})");
  const std::vector<std::string> messages = ReadIncompatibilities(reader, writer);
  EXPECT_TRUE(Mentions(messages, "#/properties/a~1b~0c: TYPE_CHANGED")) << Joined(messages);
}

TEST(JsonSchemaCompatTest, EveryIncompatibleDifferenceIsReported) {
  const Schema writer = CompatParsed(R"({"type": "object", "properties": {
      "a": {"type": "string"}, "b": {"type": "number"}, "c": {"type": "array"}}})");
  const Schema reader = CompatParsed(R"({"type": "object", "properties": {
      "a": {"type": "string", "maxLength": 3}, "b": {"type": "integer"},
      "c": {"type": "array", "maxItems": 2}}, "required": ["a"]})");
  const std::vector<std::string> messages = ReadIncompatibilities(reader, writer);
  EXPECT_EQ(messages.size(), 4u) << Joined(messages);
  EXPECT_TRUE(Mentions(messages, "#/required/a: REQUIRED_ATTRIBUTE_ADDED")) << Joined(messages);
  EXPECT_TRUE(Mentions(messages, "#/properties/a/maxLength: MAX_LENGTH_ADDED")) << Joined(messages);
  EXPECT_TRUE(Mentions(messages, "#/properties/b: TYPE_NARROWED")) << Joined(messages);
  EXPECT_TRUE(Mentions(messages, "#/properties/c/maxItems: MAX_ITEMS_ADDED")) << Joined(messages);
}

TEST(JsonSchemaCompatTest, MutuallyRecursiveSchemasTerminate) {
  // a -> b -> a in the writer; the reader spells the same recursion with period 4.
  const Schema writer = CompatParsed(R"({"definitions": {
      "a": {"type": "object", "properties": {"b": {"$ref": "#/definitions/b"}}},
      "b": {"type": "object", "properties": {"a": {"$ref": "#/definitions/a"}}}},
      "$ref": "#/definitions/a"})");
  const Schema reader = CompatParsed(R"({"definitions": {
      "a": {"type": "object", "properties": {"b": {"$ref": "#/definitions/b"}}},
      "b": {"type": "object", "properties": {"a": {"$ref": "#/definitions/a2"}}},
      "a2": {"type": "object", "properties": {"b": {"$ref": "#/definitions/b2"}}},
      "b2": {"type": "object", "properties": {"a": {"$ref": "#/definitions/a"}}}},
      "$ref": "#/definitions/a"})");
  EXPECT_TRUE(ReadIncompatibilities(reader, writer).empty())
      << Joined(ReadIncompatibilities(reader, writer));
  EXPECT_TRUE(ReadIncompatibilities(writer, reader).empty())
      << Joined(ReadIncompatibilities(writer, reader));
  // A change deep in the recursion is found.
  const Schema narrowed = CompatParsed(R"({"definitions": {
      "a": {"type": "object", "properties": {"b": {"$ref": "#/definitions/b"}}},
      "b": {"type": "object", "properties": {"a": {"$ref": "#/definitions/a2"}}},
      "a2": {"type": "object", "properties": {"b": {"$ref": "#/definitions/b2"}},
             "additionalProperties": false},
      "b2": {"type": "object", "properties": {"a": {"$ref": "#/definitions/a"}}}},
      "$ref": "#/definitions/a"})");
  const std::vector<std::string> messages = ReadIncompatibilities(narrowed, writer);
  EXPECT_TRUE(Mentions(messages,
                       "#/properties/b/properties/a/additionalProperties: "
                       "ADDITIONAL_PROPERTIES_REMOVED"))
      << Joined(messages);
}

TEST(JsonSchemaCompatTest, DeepWalksAreBounded) {
  // The writer recurses with period 1, the reader through 200 distinct definitions: the pairs
  // compared never repeat before the walk is 128 deep.
  std::string definitions;
  for (int i = 0; i < 200; ++i) {
    if (i > 0) definitions += ", ";
    definitions += fmt::format(
        R"("d{}": {{"type": "object", "properties": {{"next": {{"$ref": "#/definitions/d{}"}}}}}})",
        i, (i + 1) % 200);
  }
  const Schema writer = CompatParsed(R"({"definitions": {"n": {"type": "object", "properties": {
      "next": {"$ref": "#/definitions/n"}}}}, "$ref": "#/definitions/n"})");
  const Schema reader = CompatParsed(
      fmt::format(R"({{"definitions": {{{}}}, "$ref": "#/definitions/d0"}})", definitions));
  const std::vector<std::string> messages = ReadIncompatibilities(reader, writer);
  ASSERT_EQ(messages.size(), 1u) << Joined(messages);
  EXPECT_TRUE(messages[0].ends_with(
      ": NOT_COMPARED (the schemas nest deeper than 128 levels; not compared further)"))
      << messages[0];
}

TEST(JsonSchemaCompatTest, LargeCombinationsFinish) {
  // oneOf x oneOf compares pairwise; equal branches are compared once each.
  std::string branches;
  for (int i = 0; i < 60; ++i) {
    if (i > 0) branches += ", ";
    branches += fmt::format(
        R"({{"type": "object", "properties": {{"k": {{"const": {}}}, "v": {{"oneOf": [
            {{"type": "string"}}, {{"type": "integer", "minimum": {}}}]}}}}, "required": ["k"]}})",
        i, i);
  }
  const Schema writer = CompatParsed(fmt::format(R"({{"oneOf": [{}]}})", branches));
  const Schema reader =
      CompatParsed(fmt::format(R"({{"oneOf": [{}, {{"type": "null"}}]}})", branches));
  EXPECT_TRUE(ReadIncompatibilities(reader, writer).empty());
  const std::vector<std::string> narrowed = ReadIncompatibilities(writer, reader);
  EXPECT_TRUE(Mentions(narrowed, "#: SUM_TYPE_NARROWED")) << Joined(narrowed);
}

}  // namespace
}  // namespace herald::registry::json_schema
