#include "registry/json_schema.h"

#include <chrono>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace herald::registry::json_schema {
namespace {

using nlohmann::json;

// The schema `text` parses to; a failed parse fails the test and gives `true`.
Schema Parsed(std::string_view text, const std::vector<Reference>& references = {}) {
  Result<Schema> parsed = Schema::Parse(text, references);
  if (!parsed.ok()) {
    ADD_FAILURE() << "parsing " << text << ": " << parsed.status().ToString();
    return std::move(Schema::Parse("true")).value();
  }
  return std::move(parsed).value();
}

// The message of the parse of `text`, which must fail with kInvalidArgument.
std::string ParseError(std::string_view text, const std::vector<Reference>& references = {}) {
  Result<Schema> parsed = Schema::Parse(text, references);
  if (parsed.ok()) {
    ADD_FAILURE() << "parsed although invalid: " << text;
    return "";
  }
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  return parsed.status().message();
}

// "" when `instance` (JSON text) is valid against `schema`, else the failure's message.
std::string Check(const Schema& schema, std::string_view instance) {
  const json value = json::parse(instance);
  const Status status = schema.Validate(value);
  if (status.ok()) return "";
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(status.message().empty());
  return status.message();
}

struct Case {
  const char* instance;
  bool valid;
  const char* message = "";  // a substring of the failure's message
};

void ExpectCases(const Schema& schema, const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    const std::string message = Check(schema, c.instance);
    if (c.valid) {
      EXPECT_EQ(message, "") << schema.text() << " against " << c.instance;
    } else {
      EXPECT_NE(message, "") << schema.text() << " against " << c.instance << " should fail";
      EXPECT_NE(message.find(c.message), std::string::npos)
          << schema.text() << " against " << c.instance << ": \"" << message << "\" lacks \""
          << c.message << "\"";
    }
  }
}

void ExpectCases(std::string_view schema, const std::vector<Case>& cases) {
  ExpectCases(Parsed(schema), cases);
}

// ---- Parsing ---------------------------------------------------------------------------------

TEST(JsonSchemaTest, SchemaSelectsTheDraft) {
  const std::pair<const char*, Draft> drafts[] = {
      {R"({})", Draft::kDraft7},
      {R"(true)", Draft::kDraft7},
      {R"({"$schema": "http://json-schema.org/draft-04/schema#"})", Draft::kDraft4},
      {R"({"$schema": "http://json-schema.org/draft-04/schema"})", Draft::kDraft4},
      {R"({"$schema": "https://json-schema.org/draft-06/schema#"})", Draft::kDraft6},
      {R"({"$schema": "http://json-schema.org/draft-07/schema#"})", Draft::kDraft7},
      {R"({"$schema": "https://json-schema.org/draft-07/schema"})", Draft::kDraft7},
      {R"({"$schema": "https://json-schema.org/draft/2019-09/schema"})", Draft::kDraft2019_09},
      {R"({"$schema": "https://json-schema.org/draft/2020-12/schema"})", Draft::kDraft2020_12},
      {R"({"$schema": "http://json-schema.org/draft/2020-12/schema#"})", Draft::kDraft2020_12},
  };
  for (const auto& [text, draft] : drafts) EXPECT_EQ(Parsed(text).draft(), draft) << text;

  EXPECT_NE(ParseError(R"({"$schema": "http://json-schema.org/draft-05/schema#"})")
                .find("/$schema: \"http://json-schema.org/draft-05/schema#\" is not a supported"),
            std::string::npos);
  EXPECT_NE(ParseError(R"({"$schema": "https://example.com/my-meta"})").find("/$schema"),
            std::string::npos);
  EXPECT_NE(ParseError(R"({"$schema": 7})").find("/$schema: must be a string"), std::string::npos);
}

TEST(JsonSchemaTest, TextIsCompactWithKeysInWrittenOrder) {
  const Schema schema = Parsed(R"(
    {
      "type" : "object",
      "properties" : { "zeta" : { "type" : "string" }, "alpha" : { "minimum" : 1.0 } },
      "required" : [ "zeta" ],
      "$id" : "urn:x"
    }
  )");
  EXPECT_EQ(schema.text(),
            R"({"type":"object","properties":{"zeta":{"type":"string"},"alpha":{"minimum":1.0}},)"
            R"("required":["zeta"],"$id":"urn:x"})");
  EXPECT_EQ(Parsed(schema.text()).text(), schema.text());
  EXPECT_EQ(Parsed("  true ").text(), "true");
  EXPECT_EQ(Parsed(R"({"b":1,"a":"\u00e9"})").text(), "{\"b\":1,\"a\":\"\xc3\xa9\"}");
  EXPECT_EQ(schema.document().at("properties").at("alpha").at("minimum"), json(1.0));
  EXPECT_EQ(Parsed(R"({ "a" : 1 })").text(), Parsed(R"({"a":1})").text());
}

TEST(JsonSchemaTest, ParseErrorsNameThePlace) {
  const std::pair<const char*, const char*> errors[] = {
      {R"({)", "not valid JSON"},
      {R"([])", "/: a schema must be an object or a boolean"},
      {R"("string")", "must be an object or a boolean"},
      {R"({"type": "text"})", "/type: \"text\" names no JSON type"},
      {R"({"type": ["string", 5]})", "/type/1: 5 names no JSON type"},
      {R"({"type": 5})", "/type: must be a string or an array of strings"},
      {R"({"properties": {"age": {"minimum": "0"}}})", "/properties/age/minimum: must be a number"},
      {R"({"properties": {"a/b": {"maximum": null}}})",
       "/properties/a~1b/maximum: must be a number"},
      {R"({"minLength": -1})", "/minLength: must be a non-negative integer"},
      {R"({"maxItems": 1.5})", "/maxItems: must be a non-negative integer"},
      {R"({"required": ["a", "a"]})", "/required: must be an array of distinct strings"},
      {R"({"required": "a"})", "/required: must be an array of distinct strings"},
      {R"({"multipleOf": 0})", "/multipleOf: must be a number greater than 0"},
      {R"({"multipleOf": -2})", "/multipleOf: must be a number greater than 0"},
      {R"({"pattern": "a("})", "/pattern: \"a(\" is not a valid regular expression"},
      {R"({"pattern": 5})", "/pattern: must be a string"},
      {R"({"patternProperties": {"[": {}}})", "/patternProperties/[: \"[\" is not a valid"},
      {R"({"allOf": []})", "/allOf: must be a non-empty array of schemas"},
      {R"({"anyOf": [{}, 3]})", "/anyOf/1: must be a schema"},
      {R"({"not": "x"})", "/not: must be a schema"},
      {R"({"items": 5})", "/items: must be a schema or an array of schemas"},
      {R"({"properties": []})", "/properties: must be an object"},
      {R"({"uniqueItems": 1})", "/uniqueItems: must be a boolean"},
      {R"({"enum": 1})", "/enum: must be an array"},
      {R"({"dependencies": {"a": 1}})", "/dependencies/a: must be an array of strings or a schema"},
      {R"({"definitions": {"x": {"minimum": "1"}}})", "/definitions/x/minimum: must be a number"},
      {R"({"$ref": 5})", "/$ref: must be a string"},
      {R"({"$id": 5})", "/$id: must be a string"},
      {R"({"$ref": "#/definitions/missing"})",
       "/$ref: \"#/definitions/missing\" resolves to no schema"},
      {R"({"properties": {"a": {"$ref": "other.json"}}})",
       "/properties/a/$ref: \"other.json\" resolves to no schema"},
      {R"({"$ref": "#nowhere"})", "resolves to no schema"},
      {R"({"$ref": "#/required", "required": ["a"]})", "names a value that is not a schema"},
      {R"({"exclusiveMinimum": true, "minimum": 1})", "/exclusiveMinimum: must be a number"},
      {R"({"$schema": "http://json-schema.org/draft-04/schema#", "exclusiveMaximum": 3})",
       "/exclusiveMaximum: must be a boolean"},
      {R"({"$schema": "https://json-schema.org/draft/2020-12/schema", "items": [{}]})",
       "/items: must be a schema"},
      {R"({"$schema": "https://json-schema.org/draft/2020-12/schema", "$anchor": "1x"})",
       "/$anchor: must be a plain name"},
      {R"({"$schema": "https://json-schema.org/draft/2020-12/schema", "dependentRequired": {"a": [1]}})",
       "/dependentRequired/a: must be an array of distinct strings"},
  };
  for (const auto& [text, message] : errors) {
    const std::string error = ParseError(text);
    EXPECT_NE(error.find(message), std::string::npos) << text << ": \"" << error << "\"";
  }
}

TEST(JsonSchemaTest, UnknownKeywordsAndFormatAreIgnored) {
  ExpectCases(R"({"format": "email", "x-custom": {"minimum": "not checked"}, "title": "T",
                  "description": "d", "default": 5, "examples": [1], "$comment": "c"})",
              {{R"("not an email")", true}, {"12", true}});
  // A keyword of another draft is an unknown keyword, whatever its value.
  ExpectCases(R"({"$schema": "http://json-schema.org/draft-04/schema#", "const": 1,
                  "propertyNames": 5, "contains": false, "if": 3})",
              {{"2", true}, {"[1]", true}});
  ExpectCases(R"({"prefixItems": [false], "dependentRequired": 5})", {{"[1]", true}});
}

TEST(JsonSchemaTest, DocumentDepthIsBounded) {
  std::string deep;
  for (int i = 0; i < 200; ++i) deep += R"({"not":)";
  deep += "{}";
  for (int i = 0; i < 200; ++i) deep += "}";
  EXPECT_NE(ParseError(deep).find("nests deeper than"), std::string::npos);
  std::string deep_array(100000, '[');
  EXPECT_NE(ParseError(deep_array).find("nests deeper than"), std::string::npos);

  // Just within the bound: compiles and validates without recursion trouble.
  std::string nested;
  for (int i = 0; i < 60; ++i) nested += R"({"properties":{"a":)";
  nested += R"({"type":"integer"})";
  for (int i = 0; i < 60; ++i) nested += "}}";
  const Schema schema = Parsed(nested);
  std::string instance, close;
  for (int i = 0; i < 60; ++i) {
    instance += R"({"a":)";
    close += "}";
  }
  EXPECT_EQ(Check(schema, instance + "1" + close), "");
  EXPECT_NE(Check(schema, instance + "\"x\"" + close).find("(type)"), std::string::npos);
}

TEST(JsonSchemaTest, TheNumberOfSubschemasIsBounded) {
  std::string text = R"({"allOf":[)";
  for (int i = 0; i < 100001; ++i) text += i == 0 ? "{}" : ",{}";
  text += "]}";
  EXPECT_NE(ParseError(text).find("more than 100000 subschemas"), std::string::npos);
}

// ---- Validation: keywords --------------------------------------------------------------------

TEST(JsonSchemaTest, BooleanSchemas) {
  ExpectCases("true", {{"1", true}, {"null", true}, {R"({"a":[1]})", true}});
  ExpectCases("false", {{"1", false, "/: no value is valid against false (false)"}});
  ExpectCases(R"({"properties": {"a": false, "b": true}})",
              {{R"({"b": 1})", true},
               {R"({"a": 1})", false, "/: property \"a\" is not allowed (properties)"}});
  ExpectCases(R"({"items": false})",
              {{"[]", true}, {"[1]", false, "item 0 is not allowed (items)"}});
  ExpectCases(R"({"$schema": "http://json-schema.org/draft-04/schema#", "not": true})",
              {{"1", false, "(not)"}});
}

TEST(JsonSchemaTest, Type) {
  ExpectCases(R"({"type": "integer"})", {{"1", true},
                                         {"-5", true},
                                         {"1.0", true},
                                         {"18446744073709551615", true},
                                         {"1e300", true},
                                         {"1.5", false, "/: 1.5 is not of type \"integer\" (type)"},
                                         {"\"1\"", false, "(type)"}});
  ExpectCases(R"({"type": "number"})", {{"1", true}, {"1.5", true}, {"true", false}});
  ExpectCases(
      R"({"type": ["string", "null"]})",
      {{"\"a\"", true}, {"null", true}, {"0", false, R"(0 is not of type ["string","null"])"}});
  ExpectCases(R"({"type": "object"})", {{"{}", true}, {"[]", false}});
  ExpectCases(R"({"type": "array"})", {{"[]", true}, {"{}", false}});
  ExpectCases(R"({"type": "boolean"})", {{"false", true}, {"0", false}});
  ExpectCases(R"({"type": "null"})", {{"null", true}, {"false", false}});
  ExpectCases(R"({"type": []})", {{"null", false}});
}

TEST(JsonSchemaTest, EnumAndConstCompareNumbersByValue) {
  ExpectCases(R"({"enum": [1, "a", null, {"x": [1, 2]}]})",
              {{"1", true},
               {"1.0", true},
               {"\"a\"", true},
               {"null", true},
               {R"({"x": [1.0, 2]})", true},
               {R"({"x": [2, 1]})", false, "is not one of"},
               {"true", false, "/: true is not one of [1,\"a\",null,{\"x\":[1,2]}] (enum)"},
               {"\"b\"", false}});
  ExpectCases(R"({"const": {"a": 1, "b": [false]}})",
              {{R"({"b": [false], "a": 1.0})", true},
               {R"({"a": 1})", false, "is not {\"a\":1,\"b\":[false]} (const)"},
               {R"({"a": 1, "b": [0]})", false}});
  ExpectCases(R"({"const": -1})", {{"-1", true}, {"18446744073709551615", false}, {"-1.0", true}});
  ExpectCases(R"({"const": false})", {{"false", true}, {"0", false}});
  ExpectCases(R"({"const": null})", {{"null", true}, {"0", false}});
}

TEST(JsonSchemaTest, NumberBounds) {
  ExpectCases(R"({"minimum": 1, "maximum": 10})",
              {{"1", true},
               {"10", true},
               {"10.0", true},
               {"0.9999", false, "/: 0.9999 is less than 1 (minimum)"},
               {"11", false, "11 is greater than 10 (maximum)"},
               {"\"ignored for strings\"", true}});
  ExpectCases(R"({"exclusiveMinimum": 1, "exclusiveMaximum": 10.5})",
              {{"1.0001", true},
               {"10", true},
               {"1", false, "1 is not greater than 1 (exclusiveMinimum)"},
               {"10.5", false, "10.5 is not less than 10.5 (exclusiveMaximum)"}});
  // Draft 4: booleans that modify minimum and maximum.
  ExpectCases(
      R"({"$schema": "http://json-schema.org/draft-04/schema#", "minimum": 1,
                  "exclusiveMinimum": true, "maximum": 5, "exclusiveMaximum": false})",
      {{"1.5", true}, {"5", true}, {"1", false, "(exclusiveMinimum)"}, {"6", false, "(maximum)"}});
  // Exact comparisons beyond double precision.
  ExpectCases(
      R"({"maximum": 9007199254740992})",
      {{"9007199254740992", true}, {"9007199254740993", false}, {"9007199254740992.0", true}});
  ExpectCases(R"({"minimum": -9223372036854775808, "maximum": 18446744073709551615})",
              {{"-9223372036854775808", true},
               {"18446744073709551615", true},
               {"-1e19", false},
               {"1e20", false}});
  ExpectCases(R"({"exclusiveMaximum": 0.5})", {{"0", true}, {"1", false}, {"-1", true}});
}

TEST(JsonSchemaTest, MultipleOf) {
  ExpectCases(R"({"multipleOf": 5})",
              {{"10", true},
               {"-15", true},
               {"0", true},
               {"10.0", true},
               {"12.5", false, "/: 12.5 is not a multiple of 5 (multipleOf)"},
               {"7", false}});
  ExpectCases(R"({"multipleOf": 0.1})", {{"0.3", true}, {"19.9", true}, {"0.35", false}});
  ExpectCases(R"({"multipleOf": 0.0001})", {{"0.0075", true}, {"0.00751", false}});
  ExpectCases(R"({"multipleOf": 0.01})", {{"19.99", true}, {"4.015", false}});
  ExpectCases(R"({"multipleOf": 1.5})", {{"4.5", true}, {"35", false}});
  ExpectCases(R"({"multipleOf": 1e-8})", {{"12391239123", true}});
  ExpectCases(R"({"multipleOf": 0.123456789})", {{"1e308", false}});
  ExpectCases(R"({"multipleOf": 3})",
              {{"18446744073709551615", true}, {"18446744073709551614", false}});
}

TEST(JsonSchemaTest, StringLengthsCountCodePoints) {
  ExpectCases(R"({"minLength": 2, "maxLength": 3})",
              {{R"("ab")", true},
               {R"("abc")", true},
               {"\"\xc3\xa9\xc3\xa9\"", true},                  // two 2-byte characters
               {"\"\xf0\x9f\x98\x80\xf0\x9f\x98\x80\"", true},  // two emoji, 8 bytes
               {R"("a")", false, "/: \"a\" is shorter than 2 characters (minLength)"},
               {R"("abcd")", false, "is longer than 3 characters (maxLength)"},
               {"5", true}});
}

TEST(JsonSchemaTest, PatternsSearchUnanchored) {
  ExpectCases(R"({"pattern": "b+c"})",
              {{R"("abbbcd")", true},
               {R"("ac")", false, "/: \"ac\" does not match \"b+c\" (pattern)"},
               {"1", true}});
  ExpectCases(R"({"pattern": "^[a-z]+$"})",
              {{R"("abc")", true}, {R"("abc\n")", false}, {R"("aBc")", false}});
  ExpectCases(R"({"pattern": "^\\u00e9+$"})", {{"\"\xc3\xa9\xc3\xa9\"", true}, {R"("e")", false}});
  ExpectCases(R"({"pattern": "^.$"})", {{"\"\xf0\x9f\x98\x80\"", true}});  // UTF mode
  ExpectCases(R"({"pattern": "^\\p{Lu}"})", {{R"("Abc")", true}, {R"("abc")", false}});
}

TEST(JsonSchemaTest, CatastrophicPatternsHitTheMatchLimitPromptly) {
  const Schema schema = Parsed(R"({"properties": {"s": {"pattern": "^(a+)+$"}}})");
  const std::string instance = R"({"s": ")" + std::string(30, 'a') + R"(!"})";
  const auto start = std::chrono::steady_clock::now();
  const std::string message = Check(schema, instance);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_NE(message.find("/s: matching the pattern \"^(a+)+$\""), std::string::npos) << message;
  EXPECT_NE(message.find("exceeds the match limit (pattern)"), std::string::npos) << message;
  EXPECT_LT(elapsed, std::chrono::seconds(5));
  // Inside `not` the limit still fails the validation instead of counting as a mismatch.
  const Schema negated = Parsed(R"({"not": {"pattern": "^(a+)+$"}})");
  EXPECT_NE(Check(negated, fmt::format("\"{}!\"", std::string(30, 'a'))).find("match limit"),
            std::string::npos);
  EXPECT_EQ(Check(schema, R"({"s": "aaaa"})"), "");
  // Patterns in patternProperties are bounded alike.
  const Schema keys = Parsed(R"({"patternProperties": {"^(a+)+$": true}})");
  EXPECT_NE(Check(keys, fmt::format("{{\"{}!\": 1}}", std::string(30, 'a'))).find("match limit"),
            std::string::npos);
}

TEST(JsonSchemaTest, ItemsBeforeAndAfter2020) {
  // Draft 7 (and 2019-09): `items` as an array is a tuple, `additionalItems` the rest.
  for (const char* draft : {"http://json-schema.org/draft-07/schema#",
                            "https://json-schema.org/draft/2019-09/schema"}) {
    ExpectCases(
        fmt::format(R"({{"$schema": "{}", "items": [{{"type": "integer"}}, {{"type": "string"}}],
                               "additionalItems": false}})",
                    draft),
        {{"[]", true},
         {"[1]", true},
         {R"([1, "a"])", true},
         {R"(["a"])", false, "/0: \"a\" is not of type \"integer\" (type)"},
         {R"([1, "a", null])", false, "/: item 2 is not allowed (additionalItems)"}});
  }
  ExpectCases(R"({"items": {"type": "string"}, "additionalItems": false})",
              {{R"(["a", "b"])", true}, {R"(["a", 2])", false, "/1: 2 is not of type"}});
  ExpectCases(R"({"additionalItems": false})", {{"[1, 2]", true}});
  // 2020-12: `prefixItems` is the tuple, `items` the rest; `additionalItems` is unknown.
  ExpectCases(R"({"$schema": "https://json-schema.org/draft/2020-12/schema",
                  "prefixItems": [{"type": "integer"}, {"type": "string"}], "items": false,
                  "additionalItems": {"type": "integer"}})",
              {{R"([1, "a"])", true},
               {R"([1])", true},
               {R"([1, 2])", false, "/1: 2 is not of type \"string\""},
               {R"([1, "a", 3])", false, "/: item 2 is not allowed (items)"}});
  ExpectCases(R"({"$schema": "https://json-schema.org/draft/2020-12/schema",
                  "items": {"minimum": 0}})",
              {{"[0, 1, 2]", true}, {"[0, -1]", false, "/1: -1 is less than 0 (minimum)"}});
}

TEST(JsonSchemaTest, ArraySizesAndUniqueness) {
  ExpectCases(R"({"minItems": 1, "maxItems": 2})",
              {{"[1]", true},
               {"[]", false, "the array has 0 items, fewer than 1 (minItems)"},
               {"[1,2,3]", false, "the array has 3 items, more than 2 (maxItems)"}});
  ExpectCases(R"({"uniqueItems": true})",
              {{"[1, 2, \"1\", [1], {\"a\": 1}]", true},
               {"[1, 1.0]", false, "/: items 0 and 1 are equal (uniqueItems)"},
               {R"([{"a": 1, "b": 2}, {"b": 2, "a": 1}])", false, "(uniqueItems)"},
               {"[[1], [true]]", true},
               {"[0, false]", true},
               {"[]", true}});
  ExpectCases(R"({"uniqueItems": false})", {{"[1, 1]", true}});
  // Past the size where every pair is compared, a hash groups candidates.
  std::string distinct = "[", duplicate = "[";
  for (int i = 0; i < 1000; ++i) {
    distinct += fmt::format("{}{}", i ? "," : "", i);
    duplicate += fmt::format("{}{}", i ? "," : "", i == 999 ? "500.0" : std::to_string(i));
  }
  distinct += "]";
  duplicate += "]";
  ExpectCases(
      R"({"uniqueItems": true})",
      {{distinct.c_str(), true}, {duplicate.c_str(), false, "items 500 and 999 are equal"}});
}

TEST(JsonSchemaTest, ContainsAndItsBounds) {
  ExpectCases(R"({"contains": {"const": 2}})",
              {{"[1, 2]", true},
               {"[]", false, "/: no item matches the schema (contains)"},
               {"[1, 3]", false, "(contains)"},
               {"{}", true}});
  ExpectCases(
      R"({"$schema": "http://json-schema.org/draft-06/schema#", "contains": {"type": "string"}})",
      {{"[1, \"a\"]", true}, {"[1]", false}});
  // minContains and maxContains are 2019-09 keywords.
  ExpectCases(
      R"({"$schema": "https://json-schema.org/draft/2019-09/schema",
                  "contains": {"type": "integer"}, "minContains": 2, "maxContains": 3})",
      {{"[1, 2]", true},
       {"[1, 2, 3, \"a\"]", true},
       {"[1, \"a\"]", false, "1 items match the schema of contains, fewer than 2 (minContains)"},
       {"[1, 2, 3, 4]", false, "4 items match the schema of contains, more than 3 (maxContains)"}});
  ExpectCases(R"({"$schema": "https://json-schema.org/draft/2020-12/schema",
                  "contains": {"type": "integer"}, "minContains": 0})",
              {{"[]", true}, {"[\"a\"]", true}});
  ExpectCases(R"({"contains": {"type": "integer"}, "minContains": 2, "maxContains": 0})",
              {{"[1]", true}});  // draft 7: unknown keywords
}

TEST(JsonSchemaTest, PropertiesPatternPropertiesAndAdditionalProperties) {
  ExpectCases(R"({"properties": {"name": {"type": "string"}, "a/b": {"type": "integer"}},
                  "patternProperties": {"^x-": {"type": "boolean"}, "e$": {"maxLength": 3}},
                  "additionalProperties": {"type": "null"}})",
              {{R"({"name": "bob", "x-flag": true, "other": null, "a/b": 1})", true},
               {R"({"name": 5})", false, "/name: 5 is not of type \"string\" (type)"},
               {R"({"a/b": "1"})", false, "/a~1b: \"1\" is not of type \"integer\""},
               {R"({"x-flag": 1})", false, "/x-flag: 1 is not of type \"boolean\""},
               // both properties and patternProperties apply
               {R"({"name": "bobby"})", false, "/name: \"bobby\" is longer than 3 characters"},
               {R"({"other": 1})", false, "/other: 1 is not of type \"null\""}});
  ExpectCases(
      R"({"properties": {"a": {}}, "patternProperties": {"^b": {}}, "additionalProperties": false})",
      {{R"({"a": 1, "bc": 2})", true},
       {R"({"a": 1, "c": 2})", false, "/: property \"c\" is not allowed (additionalProperties)"}});
}

TEST(JsonSchemaTest, RequiredPropertyNamesAndPropertyCounts) {
  ExpectCases(R"({"required": ["id", "name"]})",
              {{R"({"id": 1, "name": 2})", true},
               {R"({"id": 1})", false, "/: the required property \"name\" is missing (required)"},
               {"[]", true}});
  ExpectCases(
      R"({"propertyNames": {"pattern": "^[a-z]+$"}})",
      {{R"({"abc": 1})", true},
       {R"({"aBc": 1})", false, "/: the property name \"aBc\" is not valid (propertyNames)"}});
  ExpectCases(R"({"propertyNames": false})", {{"{}", true}, {R"({"a": 1})", false}});
  ExpectCases(R"({"minProperties": 1, "maxProperties": 2})",
              {{R"({"a": 1})", true},
               {"{}", false, "the object has 0 properties, fewer than 1 (minProperties)"},
               {R"({"a": 1, "b": 2, "c": 3})", false, "more than 2 (maxProperties)"}});
}

TEST(JsonSchemaTest, DependenciesBeforeAndAfter2019) {
  // Draft 7: `dependencies`, with names or a schema.
  ExpectCases(R"({"dependencies": {"card": ["billing"], "vip": {"required": ["level"]}}})",
              {{R"({"card": 1, "billing": 2})", true},
               {R"({"billing": 2})", true},
               {R"({"card": 1})", false,
                "/: property \"card\" requires property \"billing\" (dependencies)"},
               {R"({"vip": true})", false, "the required property \"level\" is missing (required)"},
               {R"({"vip": true, "level": 1})", true}});
  // Draft 7 does not know dependentRequired.
  ExpectCases(R"({"dependentRequired": {"card": ["billing"]}})", {{R"({"card": 1})", true}});
  // 2019-09: dependentRequired and dependentSchemas.
  ExpectCases(R"({"$schema": "https://json-schema.org/draft/2019-09/schema",
                  "dependentRequired": {"card": ["billing"]},
                  "dependentSchemas": {"vip": {"properties": {"level": {"minimum": 1}}}}})",
              {{R"({"card": 1, "billing": 2})", true},
               {R"({"card": 1})", false,
                "property \"card\" requires property \"billing\" (dependentRequired)"},
               {R"({"vip": 1, "level": 0})", false, "/level: 0 is less than 1 (minimum)"},
               {R"({"level": 0})", true}});
}

TEST(JsonSchemaTest, Combinators) {
  ExpectCases(
      R"({"allOf": [{"type": "integer"}, {"minimum": 3}]})",
      {{"4", true}, {"2", false, "/: 2 is less than 3 (minimum)"}, {"4.5", false, "(type)"}});
  ExpectCases(
      R"({"anyOf": [{"type": "string"}, {"minimum": 3}]})",
      {{"\"a\"", true}, {"4", true}, {"1", false, "/: 1 matches none of the 2 schemas (anyOf)"}});
  ExpectCases(R"({"oneOf": [{"type": "integer"}, {"minimum": 3}]})",
              {{"1", true},
               {"3.5", true},
               {"4", false, "/: 4 matches both schema 0 and schema 1, not exactly one (oneOf)"},
               {"1.5", false, "matches none of the 2 schemas (oneOf)"}});
  ExpectCases(
      R"({"not": {"type": "string"}})",
      {{"1", true}, {"\"a\"", false, "/: \"a\" matches the schema it must not match (not)"}});
  ExpectCases(
      R"({"properties": {"a": {"anyOf": [{"type": "null"}, {"not": {"not": {"type": "integer"}}}]}}})",
      {{R"({"a": null})", true},
       {R"({"a": 1})", true},
       {R"({"a": "x"})", false, "/a: \"x\" matches none"}});
}

TEST(JsonSchemaTest, IfThenElse) {
  const char* schema = R"({"if": {"properties": {"kind": {"const": "card"}}, "required": ["kind"]},
                           "then": {"required": ["number"]}, "else": {"required": ["iban"]}})";
  ExpectCases(schema,
              {{R"({"kind": "card", "number": "1"})", true},
               {R"({"kind": "card"})", false, "the required property \"number\" is missing"},
               {R"({"kind": "bank", "iban": "x"})", true},
               {R"({})", false, "the required property \"iban\" is missing"}});
  ExpectCases(R"({"if": {"type": "string"}, "then": {"minLength": 2}})",
              {{"\"ab\"", true}, {"\"a\"", false, "(minLength)"}, {"1", true}});
  ExpectCases(R"({"then": false, "else": false})", {{"1", true}});  // no `if`: ignored
  ExpectCases(
      R"({"$schema": "http://json-schema.org/draft-06/schema#", "if": false, "else": false})",
      {{"1", true}});  // draft 6 has no if
}

// ---- $ref, $id and anchors -------------------------------------------------------------------

TEST(JsonSchemaTest, RefSiblingsAreIgnoredUntil2019) {
  const char* body = R"("definitions": {"int": {"type": "integer"}}, "$ref": "#/definitions/int",
                        "minimum": 10)";
  ExpectCases(fmt::format("{{{}}}", body), {{"5", true}, {"5.5", false, "(type)"}});
  ExpectCases(fmt::format(R"({{"$schema": "http://json-schema.org/draft-04/schema#", {}}})", body),
              {{"5", true}});
  ExpectCases(
      fmt::format(R"({{"$schema": "https://json-schema.org/draft/2019-09/schema", {}}})", body),
      {{"15", true}, {"5", false, "/: 5 is less than 10 (minimum)"}, {"15.5", false, "(type)"}});
  ExpectCases(
      fmt::format(R"({{"$schema": "https://json-schema.org/draft/2020-12/schema", {}}})", body),
      {{"15", true}, {"5", false, "(minimum)"}});
}

TEST(JsonSchemaTest, RecursiveRefValidatesATree) {
  const Schema schema = Parsed(R"({
    "$defs": {"node": {"type": "object", "required": ["value"],
                       "properties": {"value": {"type": "integer"},
                                      "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}},
                       "additionalProperties": false}},
    "$ref": "#/$defs/node"})");
  ExpectCases(
      schema,
      {{R"({"value": 1})", true},
       {R"({"value": 1, "children": [{"value": 2}, {"value": 3, "children": [{"value": 4}]}]})",
        true},
       {R"({"value": 1, "children": [{"value": 2}, {"value": 3, "children": [{"value": "x"}]}]})",
        false, "/children/1/children/0/value: \"x\" is not of type \"integer\" (type)"},
       {R"({"value": 1, "children": [{"valu": 2}]})", false,
        "/children/0: the required property \"value\" is missing"}});
  // The whole schema by "#".
  ExpectCases(R"({"properties": {"next": {"$ref": "#"}, "n": {"type": "integer"}}})",
              {{R"({"n": 1, "next": {"n": 2, "next": {"n": 3}}})", true},
               {R"({"n": 1, "next": {"n": 2, "next": {"n": "3"}}})", false, "/next/next/n:"}});
}

TEST(JsonSchemaTest, RefRecursionWithoutProgressIsBounded) {
  for (const char* text :
       {R"({"$ref": "#"})",
        R"({"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": "#"})",
        R"({"definitions": {"a": {"$ref": "#/definitions/b"}, "b": {"$ref": "#/definitions/a"}},
                               "$ref": "#/definitions/a"})",
        R"({"not": {"$ref": "#"}})", R"({"anyOf": [{"$ref": "#"}, true]})"}) {
    const Schema schema = Parsed(text);
    EXPECT_NE(Check(schema, "1").find("/: the schema nests deeper than 512 while validating"),
              std::string::npos)
        << text;
  }
}

TEST(JsonSchemaTest, ExponentialEvaluationIsBounded) {
  // Each level applies the next twice: 2^60 evaluations unless bounded.
  std::string text = R"({"$defs": {)";
  for (int i = 0; i < 60; ++i) {
    text += fmt::format(
        R"("d{}": {{"allOf": [{{"$ref": "#/$defs/d{}"}}, {{"$ref": "#/$defs/d{}"}}]}},)", i, i + 1,
        i + 1);
  }
  text += R"("d60": true}, "$ref": "#/$defs/d0"})";
  const Schema schema = Parsed(text);
  EXPECT_NE(Check(schema, "1").find("validating takes more than"), std::string::npos);
}

TEST(JsonSchemaTest, IdsChangeTheBaseUri) {
  const Schema schema = Parsed(R"({
    "$id": "http://example.com/root.json",
    "definitions": {
      "a": {"$id": "#foo", "type": "integer"},
      "b": {"$id": "other.json", "definitions": {"x": {"$id": "#bar", "type": "string"}},
            "type": "object", "properties": {"x": {"$ref": "#bar"}}},
      "c": {"$id": "t/inner.json", "type": "boolean"}
    },
    "properties": {
      "foo": {"$ref": "#foo"},
      "other": {"$ref": "other.json"},
      "bar": {"$ref": "other.json#bar"},
      "abs": {"$ref": "http://example.com/other.json#/properties/x"},
      "inner": {"$ref": "t/inner.json"},
      "ptr": {"$ref": "#/definitions/a"}
    }})");
  ExpectCases(
      schema,
      {{R"({"foo": 1, "other": {"x": "s"}, "bar": "t", "abs": "u", "inner": true, "ptr": 2})",
        true},
       {R"({"foo": "1"})", false, "/foo: \"1\" is not of type \"integer\""},
       {R"({"other": {"x": 1}})", false, "/other/x: 1 is not of type \"string\""},
       {R"({"bar": 1})", false, "/bar:"},
       {R"({"abs": 1})", false, "/abs:"},
       {R"({"inner": 1})", false, "/inner:"},
       {R"({"ptr": 1.5})", false, "/ptr:"}});
  // Draft 4 spells it `id`.
  ExpectCases(R"({"$schema": "http://json-schema.org/draft-04/schema#",
                  "definitions": {"a": {"id": "#pos", "minimum": 0}},
                  "items": {"$ref": "#pos"}})",
              {{"[1]", true}, {"[-1]", false, "/0: -1 is less than 0"}});
  // Before 2019-09, a `$id` beside `$ref` does not change the base the `$ref` resolves against.
  ExpectCases(R"({"$id": "http://localhost/base/",
                  "definitions": {"foo": {"$id": "http://localhost/foo.json", "type": "string"},
                                  "base_foo": {"$id": "foo.json", "type": "number"}},
                  "allOf": [{"$id": "http://localhost/", "$ref": "foo.json"}]})",
              {{"1", true}, {"\"a\"", false, "(type)"}});
}

TEST(JsonSchemaTest, AnchorsAndPointers) {
  ExpectCases(R"({"$schema": "https://json-schema.org/draft/2020-12/schema",
                  "$defs": {"pos": {"$anchor": "positive", "exclusiveMinimum": 0},
                            "dyn": {"$dynamicAnchor": "meta", "type": "string"}},
                  "properties": {"a": {"$ref": "#positive"}, "d": {"$dynamicRef": "#meta"}}})",
              {{R"({"a": 1, "d": "x"})", true},
               {R"({"a": 0})", false, "/a: 0 is not greater than 0 (exclusiveMinimum)"},
               {R"({"d": 1})", false, "/d: 1 is not of type \"string\""}});
  ExpectCases(R"({"$schema": "https://json-schema.org/draft/2019-09/schema",
                  "$id": "https://example.com/tree", "$recursiveAnchor": true,
                  "properties": {"n": {"type": "integer"}, "kids": {"items": {"$recursiveRef": "#"}}}})",
              {{R"({"n": 1, "kids": [{"n": 2}]})", true},
               {R"({"kids": [{"n": "2"}]})", false, "/kids/0/n:"}});
  // Pointer escapes: ~1 is '/', ~0 is '~', and the fragment is percent-decoded.
  ExpectCases(R"({"definitions": {"a/b": {"type": "integer"}, "c~d": {"type": "string"},
                                  "e f": {"type": "boolean"}, "%": {"type": "null"}},
                  "properties": {"1": {"$ref": "#/definitions/a~1b"}, "2": {"$ref": "#/definitions/c~0d"},
                                 "3": {"$ref": "#/definitions/e%20f"}, "4": {"$ref": "#/definitions/%25"}}})",
              {{R"({"1": 1, "2": "x", "3": true, "4": null})", true},
               {R"({"1": "x"})", false, "(type)"},
               {R"({"2": 1})", false, "(type)"},
               {R"({"3": 1})", false, "(type)"},
               {R"({"4": 1})", false, "(type)"}});
  // A pointer into arrays, and into a place no keyword makes a schema.
  ExpectCases(R"({"$defs": {"list": {"allOf": [{"type": "integer"}]}},
                  "x-lib": {"positive": {"minimum": 1}},
                  "properties": {"a": {"$ref": "#/$defs/list/allOf/0"}, "b": {"$ref": "#/x-lib/positive"}}})",
              {{R"({"a": 1, "b": 1})", true},
               {R"({"a": 1.5})", false, "/a: 1.5 is not of type \"integer\""},
               {R"({"b": 0})", false, "/b: 0 is less than 1 (minimum)"}});
  ExpectCases(R"({"x-lib": {"positive": {"minimum": 1}},
                  "properties": {"a": {"$ref": "#/allOf/0"}}, "allOf": [{}],
                  "items": {"$ref": "#/x-lib/positive"}})",
              {{"[1, 2]", true}, {"[0]", false, "/0: 0 is less than 1 (minimum)"}});
}

TEST(JsonSchemaTest, ReferencesResolveByName) {
  const std::vector<Reference> references = {
      {"customer.json", R"({"type": "object", "required": ["name"],
                           "properties": {"name": {"type": "string"}, "address": {"$ref": "address.json"}},
                           "$defs": {"id": {"type": "integer", "minimum": 1}}})"},
      {"address.json", R"({"$schema": "https://json-schema.org/draft/2020-12/schema",
                          "type": "object", "properties": {"zip": {"pattern": "^[0-9]{5}$"}}})"},
      {"other", R"({"$id": "https://example.com/schemas/money", "type": "number",
                   "$defs": {"cents": {"multipleOf": 0.01}}})"},
  };
  const Schema schema = Parsed(R"({
    "properties": {
      "buyer": {"$ref": "customer.json"},
      "buyerId": {"$ref": "customer.json#/$defs/id"},
      "price": {"$ref": "https://example.com/schemas/money"},
      "cents": {"$ref": "https://example.com/schemas/money#/$defs/cents"}
    }})",
                               references);
  ExpectCases(schema,
              {{R"({"buyer": {"name": "a", "address": {"zip": "12345"}}, "buyerId": 3,
                           "price": 1.5, "cents": 1.25})",
                true},
               {R"({"buyer": {}})", false, "/buyer: the required property \"name\" is missing"},
               {R"({"buyer": {"name": "a", "address": {"zip": "1234"}}})", false,
                "/buyer/address/zip: \"1234\" does not match \"^[0-9]{5}$\" (pattern)"},
               {R"({"buyerId": 0})", false, "/buyerId: 0 is less than 1"},
               {R"({"price": "1"})", false, "/price:"},
               {R"({"cents": 1.255})", false, "(multipleOf)"}});

  // A root with a `$id` still reaches a reference by the name it was given.
  const Schema with_id = Parsed(
      R"({"$id": "https://example.com/order.json", "properties": {"c": {"$ref": "customer.json"}}})",
      references);
  EXPECT_NE(Check(with_id, R"({"c": {"name": 1}})").find("/c/name:"), std::string::npos);

  // Errors in references name them.
  EXPECT_NE(ParseError(R"({"$ref": "bad.json"})", {{"bad.json", R"({"minimum": "x"})"}})
                .find("bad.json#/minimum: must be a number"),
            std::string::npos);
  EXPECT_NE(
      ParseError(R"({"$ref": "bad.json"})", {{"bad.json", R"({)"}}).find("reference \"bad.json\""),
      std::string::npos);
  EXPECT_NE(ParseError(R"({"$ref": "customer.json#/$defs/nope"})", references)
                .find("resolves to no schema"),
            std::string::npos);
}

TEST(JsonSchemaTest, TargetNamesTheResolvedNode) {
  const std::vector<Reference> references = {
      {"ref.json", R"({"$defs": {"x": {"type": "string"}}})"}};
  const Schema schema = Parsed(R"({"$defs": {"a": {"type": "integer"}},
                                   "properties": {"p": {"$ref": "#/$defs/a"}, "q": {"$ref": "ref.json#/$defs/x"},
                                                  "r": {"type": "null"}, "s": {"$ref": "#"}}})",
                               references);
  const json& document = schema.document();
  const json& properties = document.at("properties");
  EXPECT_EQ(schema.Target(properties.at("p")), &document.at("$defs").at("a"));
  const json* q = schema.Target(properties.at("q"));
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(*q, json::parse(R"({"type": "string"})"));
  EXPECT_EQ(schema.Target(properties.at("r")), nullptr);
  EXPECT_EQ(schema.Target(document), nullptr);
  EXPECT_EQ(schema.Target(properties.at("s")), &document);
  const json copy = properties.at("p");
  EXPECT_EQ(schema.Target(copy), nullptr);  // by address
}

// ---- Unevaluated -----------------------------------------------------------------------------

TEST(JsonSchemaTest, UnevaluatedProperties) {
  const char* v2020 = R"("$schema": "https://json-schema.org/draft/2020-12/schema")";
  ExpectCases(
      fmt::format(R"({{{}, "properties": {{"a": true}}, "unevaluatedProperties": false}})", v2020),
      {{R"({"a": 1})", true},
       {R"({"a": 1, "b": 2})", false, "/: property \"b\" is not allowed (unevaluatedProperties)"}});
  // allOf branches contribute.
  ExpectCases(
      fmt::format(
          R"({{{}, "allOf": [{{"properties": {{"a": true}}}}, {{"patternProperties": {{"^x": true}}}}],
                               "properties": {{"b": true}}, "unevaluatedProperties": false}})",
          v2020),
      {{R"({"a": 1, "b": 2, "xy": 3})", true},
       {R"({"a": 1, "c": 3})", false, "\"c\" is not allowed"}});
  // Only the anyOf branches that pass contribute.
  ExpectCases(
      fmt::format(
          R"({{{}, "anyOf": [{{"properties": {{"a": {{"type": "integer"}}}}, "required": ["a"]}},
                                            {{"properties": {{"b": true}}, "required": ["b"]}}],
                               "unevaluatedProperties": false}})",
          v2020),
      {{R"({"a": 1})", true},
       {R"({"a": 1, "b": 1})", true},
       {R"({"a": "x", "b": 1})", false, "property \"a\" is not allowed"},
       {R"({"b": 1, "c": 1})", false, "property \"c\" is not allowed"}});
  // oneOf: the branch that passes.
  ExpectCases(
      fmt::format(R"({{{}, "oneOf": [{{"properties": {{"a": true}}, "required": ["a"]}},
                                            {{"properties": {{"b": true}}, "required": ["b"]}}],
                               "unevaluatedProperties": false}})",
                  v2020),
      {{R"({"a": 1})", true}, {R"({"b": 1})", true}, {R"({"b": 1, "a2": 1})", false, "\"a2\""}});
  // if/then/else: `if` contributes when it passes, then the branch taken.
  ExpectCases(
      fmt::format(
          R"({{{}, "if": {{"properties": {{"kind": {{"const": "a"}}}}, "required": ["kind"]}},
                               "then": {{"properties": {{"x": true}}}}, "else": {{"properties": {{"y": true}}}},
                               "unevaluatedProperties": false}})",
          v2020),
      {{R"({"kind": "a", "x": 1})", true},
       {R"({"y": 1})", true},
       {R"({"kind": "a", "y": 1})", false, "property \"y\" is not allowed"},
       {R"({"kind": "b", "y": 1})", false, "property \"kind\" is not allowed"}});
  // $ref and dependentSchemas contribute; `not` does not.
  ExpectCases(
      fmt::format(
          R"({{{}, "$defs": {{"base": {{"properties": {{"a": true}}}}}}, "$ref": "#/$defs/base",
                               "dependentSchemas": {{"a": {{"properties": {{"b": true}}}}}},
                               "not": {{"properties": {{"c": false}}, "required": ["c"]}},
                               "unevaluatedProperties": false}})",
          v2020),
      {{R"({"a": 1, "b": 2})", true},
       {R"({"b": 2})", false, "property \"b\" is not allowed"},
       {R"({"a": 1, "d": 1})", false, "property \"d\" is not allowed"}});
  // Cousins do not see each other, nested unevaluatedProperties evaluates everything.
  ExpectCases(
      fmt::format(
          R"({{{}, "allOf": [{{"properties": {{"a": true}}}}, {{"unevaluatedProperties": false}}]}})",
          v2020),
      {{R"({})", true}, {R"({"a": 1})", false, "property \"a\" is not allowed"}});
  ExpectCases(
      fmt::format(
          R"({{{}, "allOf": [{{"unevaluatedProperties": true}}], "unevaluatedProperties": false}})",
          v2020),
      {{R"({"anything": 1})", true}});
  // A schema: checks what is left, with the instance's pointer.
  ExpectCases(
      fmt::format(
          R"({{{}, "properties": {{"a": true}}, "unevaluatedProperties": {{"type": "string"}}}})",
          v2020),
      {{R"({"a": 1, "b": "s"})", true},
       {R"({"a": 1, "b": 2})", false, "/b: 2 is not of type \"string\""}});
  // additionalProperties sees only its own schema's properties; unevaluatedProperties sees more.
  ExpectCases(
      fmt::format(
          R"({{{}, "allOf": [{{"properties": {{"a": true}}}}], "additionalProperties": false}})",
          v2020),
      {{R"({"a": 1})", false, "property \"a\" is not allowed (additionalProperties)"}});
  // 2019-09 knows it; draft 7 does not.
  ExpectCases(
      R"({"$schema": "https://json-schema.org/draft/2019-09/schema", "unevaluatedProperties": false})",
      {{R"({"a": 1})", false}, {R"({})", true}});
  ExpectCases(R"({"unevaluatedProperties": false})", {{R"({"a": 1})", true}});
}

TEST(JsonSchemaTest, UnevaluatedItems) {
  ExpectCases(R"({"$schema": "https://json-schema.org/draft/2020-12/schema",
                  "prefixItems": [{"type": "integer"}], "unevaluatedItems": false})",
              {{"[1]", true}, {"[1, 2]", false, "/: item 1 is not allowed (unevaluatedItems)"}});
  ExpectCases(R"({"$schema": "https://json-schema.org/draft/2020-12/schema",
                  "allOf": [{"prefixItems": [true, true]}], "unevaluatedItems": {"type": "string"}})",
              {{"[1, 2, \"a\"]", true}, {"[1, 2, 3]", false, "/2: 3 is not of type \"string\""}});
  // 2020-12: items that match `contains` are evaluated; in 2019-09 they are not.
  ExpectCases(
      R"({"$schema": "https://json-schema.org/draft/2020-12/schema",
                  "contains": {"type": "string"}, "unevaluatedItems": {"type": "integer"}})",
      {{"[\"a\", 1, \"b\"]", true}, {"[\"a\", 1.5]", false, "/1: 1.5 is not of type \"integer\""}});
  ExpectCases(R"({"$schema": "https://json-schema.org/draft/2019-09/schema",
                  "contains": {"type": "string"}, "unevaluatedItems": {"type": "integer"}})",
              {{"[1]", false, "(contains)"},
               {"[\"a\", 1]", false, "/0: \"a\" is not of type \"integer\""}});
  ExpectCases(R"({"$schema": "https://json-schema.org/draft/2019-09/schema",
                  "items": [true], "additionalItems": {"type": "integer"}, "unevaluatedItems": false})",
              {{"[\"a\", 1, 2]", true}});
  ExpectCases(R"({"$schema": "https://json-schema.org/draft/2019-09/schema",
                  "anyOf": [{"items": [true, true]}, {"items": [true]}], "unevaluatedItems": false})",
              {{"[1, 2]", true}, {"[1, 2, 3]", false, "item 2 is not allowed (unevaluatedItems)"}});
}

// ---- Messages and sharing --------------------------------------------------------------------

TEST(JsonSchemaTest, FailuresNameTheInstancePointerAndKeyword) {
  const Schema schema = Parsed(
      R"({"properties": {"items": {"items": {"properties": {"price": {"multipleOf": 5}}}}}})");
  EXPECT_EQ(Check(schema, R"({"items": [{"price": 5}, {"price": 10}, {"price": 12.5}]})"),
            "/items/2/price: 12.5 is not a multiple of 5 (multipleOf)");
  const Schema keys =
      Parsed(R"({"properties": {"a/b": {"properties": {"c~d": {"type": "string"}}}}})");
  EXPECT_EQ(Check(keys, R"({"a/b": {"c~d": 1}})"),
            "/a~1b/c~0d: 1 is not of type \"string\" (type)");
  const Schema root = Parsed(R"({"type": "object"})");
  EXPECT_EQ(Check(root, "[]"), "/: [] is not of type \"object\" (type)");
  // Long values are abbreviated.
  const Schema short_string = Parsed(R"({"maxLength": 1})");
  EXPECT_LT(Check(short_string, "\"" + std::string(1000, 'x') + "\"").size(), 200u);
}

TEST(JsonSchemaTest, ASchemaIsSharedByThreads) {
  const Schema schema = Parsed(R"({"type": "array", "items": {"type": "object", "required": ["id"],
                                   "properties": {"id": {"pattern": "^[a-f0-9]+$"}}}, "uniqueItems": true})");
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const json good = json::parse(fmt::format(R"([{{"id": "ab{}"}}, {{"id": "{}"}}])", i, t));
        const json bad = json::parse(R"([{"id": "xyz"}])");
        if (!schema.Validate(good).ok() || schema.Validate(bad).ok()) ++failures[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(failures[t], 0);
}

}  // namespace
}  // namespace herald::registry::json_schema
