#include "registry/avro.h"

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/varint.h"

namespace herald::registry::avro {
namespace {

// The schema `text` parses to; a failed parse fails the test and gives "null".
Schema Parsed(std::string_view text, const std::vector<std::string>& references = {}) {
  Result<Schema> parsed = Schema::Parse(text, references);
  if (!parsed.ok()) {
    ADD_FAILURE() << "parsing " << text << ": " << parsed.status().ToString();
    return std::move(Schema::Parse(R"("null")")).value();
  }
  return std::move(parsed).value();
}

// The message of the parse of `text`, which must fail with kInvalidArgument.
std::string ParseError(std::string_view text, const std::vector<std::string>& references = {}) {
  Result<Schema> parsed = Schema::Parse(text, references);
  if (parsed.ok()) {
    ADD_FAILURE() << "parsed although invalid: " << text;
    return "";
  }
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  return parsed.status().message();
}

// ---- Parsing -------------------------------------------------------------------------------

TEST(AvroSchemaTest, ParsesPrimitivesInBothForms) {
  const std::pair<const char*, Type> primitives[] = {
      {"null", Type::kNull},   {"boolean", Type::kBoolean}, {"int", Type::kInt},
      {"long", Type::kLong},   {"float", Type::kFloat},     {"double", Type::kDouble},
      {"bytes", Type::kBytes}, {"string", Type::kString},
  };
  for (const auto& [name, type] : primitives) {
    EXPECT_EQ(TypeName(type), name);
    const std::string quoted = std::string("\"") + name + "\"";
    EXPECT_EQ(Parsed(quoted).root().type, type) << name;
    const Schema object = Parsed(std::string(R"({"type": )") + quoted + "}");
    EXPECT_EQ(object.root().type, type) << name;
    EXPECT_EQ(object.text(), quoted);
    EXPECT_EQ(object.CanonicalForm(), quoted);
  }
}

TEST(AvroSchemaTest, NamespacesAreInheritedAndDottedNamesCarryTheirOwn) {
  const Schema schema = Parsed(R"({
    "type": "record", "name": "Order", "namespace": "shop", "aliases": ["OldOrder", "x.Legacy"],
    "fields": [
      {"name": "line", "type": {"type": "record", "name": "Line", "fields": [
        {"name": "sku", "type": "string"}]}},
      {"name": "other", "type": {"type": "record", "name": "ext.Thing", "fields": [
        {"name": "inner", "type": {"type": "enum", "name": "Kind", "symbols": ["A"]}}]}},
      {"name": "global", "type": {"type": "fixed", "name": "G", "namespace": "", "size": 2}},
      {"name": "again", "type": "Line"},
      {"name": "full", "type": "shop.Line"},
      {"name": "kind", "type": "ext.Kind"},
      {"name": "g", "type": "G"}
    ]})");
  const Node& root = schema.root();
  ASSERT_EQ(root.type, Type::kRecord);
  EXPECT_EQ(root.full_name, "shop.Order");
  EXPECT_EQ(root.aliases, (std::vector<std::string>{"shop.OldOrder", "x.Legacy"}));
  ASSERT_EQ(root.fields.size(), 7u);
  EXPECT_EQ(root.fields[0].type->full_name, "shop.Line");
  EXPECT_EQ(root.fields[1].type->full_name, "ext.Thing");
  EXPECT_EQ(root.fields[1].type->fields[0].type->full_name, "ext.Kind");
  EXPECT_EQ(root.fields[2].type->full_name, "G");
  EXPECT_EQ(root.fields[3].type, root.fields[0].type);
  EXPECT_EQ(root.fields[4].type, root.fields[0].type);
  EXPECT_EQ(root.fields[5].type, root.fields[1].type->fields[0].type);
  // "G" is not in namespace "shop": the null namespace is tried next.
  EXPECT_EQ(root.fields[6].type, root.fields[2].type);
}

TEST(AvroSchemaTest, RecursiveRecordsAreCycles) {
  Schema schema = Parsed(R"({"type": "record", "name": "Node", "fields": [
      {"name": "value", "type": "long"},
      {"name": "next", "type": ["null", "Node"], "default": null},
      {"name": "children", "type": {"type": "array", "items": "Node"}, "default": []}]})");
  const Node& root = schema.root();
  ASSERT_EQ(root.fields.size(), 3u);
  ASSERT_EQ(root.fields[1].type->type, Type::kUnion);
  EXPECT_EQ(root.fields[1].type->branches[1], &root);
  EXPECT_EQ(root.fields[2].type->items, &root);
  // Moving the Schema keeps its nodes where they are.
  Schema moved = std::move(schema);
  EXPECT_EQ(moved.root().fields[1].type->branches[1], &moved.root());
}

TEST(AvroSchemaTest, ParsesEnumFixedArrayMapAndUnion) {
  const Schema schema = Parsed(R"({"type": "record", "name": "R", "fields": [
      {"name": "e", "type": {"type": "enum", "name": "Suit", "symbols": ["HEARTS", "SPADES"],
                             "default": "SPADES", "doc": "cards"}},
      {"name": "f", "type": {"type": "fixed", "name": "Md5", "size": 16}},
      {"name": "a", "type": {"type": "array", "items": "int"}},
      {"name": "m", "type": {"type": "map", "values": ["null", "Md5"]}},
      {"name": "u", "type": ["null", "string", "Suit", {"type": "array", "items": "long"}],
       "default": null, "order": "descending", "aliases": ["old_u"]}]})");
  const Node& root = schema.root();
  ASSERT_EQ(root.fields.size(), 5u);
  const Node& suit = *root.fields[0].type;
  EXPECT_EQ(suit.type, Type::kEnum);
  EXPECT_EQ(suit.symbols, (std::vector<std::string>{"HEARTS", "SPADES"}));
  EXPECT_EQ(suit.enum_default, "SPADES");
  EXPECT_EQ(root.fields[1].type->type, Type::kFixed);
  EXPECT_EQ(root.fields[1].type->size, 16);
  EXPECT_EQ(root.fields[2].type->items->type, Type::kInt);
  EXPECT_EQ(root.fields[3].type->values->branches[1], root.fields[1].type);
  const Field& u = root.fields[4];
  ASSERT_EQ(u.type->branches.size(), 4u);
  EXPECT_EQ(u.type->branches[2], &suit);
  EXPECT_EQ(u.type->branches[3]->items->type, Type::kLong);
  ASSERT_TRUE(u.default_value.has_value());
  EXPECT_TRUE(u.default_value->is_null());
  EXPECT_EQ(u.aliases, (std::vector<std::string>{"old_u"}));
  EXPECT_FALSE(root.fields[0].default_value.has_value());
}

TEST(AvroSchemaTest, KeepsValidLogicalTypesAndIgnoresOthers) {
  const Schema schema = Parsed(R"({"type": "record", "name": "R", "fields": [
      {"name": "d", "type": {"type": "int", "logicalType": "date"}},
      {"name": "ts", "type": {"type": "long", "logicalType": "timestamp-millis"}},
      {"name": "dec", "type": {"type": "bytes", "logicalType": "decimal", "precision": 10,
                               "scale": 2}},
      {"name": "fdec", "type": {"type": "fixed", "name": "F", "size": 4,
                                "logicalType": "decimal", "precision": 9}},
      {"name": "id", "type": {"type": "string", "logicalType": "uuid"}},
      {"name": "bad1", "type": {"type": "string", "logicalType": "date"}},
      {"name": "bad2", "type": {"type": "bytes", "logicalType": "decimal"}},
      {"name": "bad3", "type": {"type": "fixed", "name": "G", "size": 4,
                                "logicalType": "decimal", "precision": 10}},
      {"name": "bad4", "type": {"type": "bytes", "logicalType": "decimal", "precision": 2,
                                "scale": 3}},
      {"name": "bad5", "type": {"type": "long", "logicalType": "no-such-type"}}]})");
  const std::vector<Field>& fields = schema.root().fields;
  ASSERT_EQ(fields.size(), 10u);
  const char* expected[] = {
      "date", "timestamp-millis", "decimal", "decimal", "uuid", "", "", "", "", ""};
  for (size_t i = 0; i < fields.size(); ++i) {
    EXPECT_EQ(fields[i].type->logical_type, expected[i]) << fields[i].name;
  }
  // The logical type does not change what the schema is for resolution or the canonical form.
  EXPECT_EQ(Parsed(R"({"type": "int", "logicalType": "date"})").CanonicalForm(), R"("int")");
}

TEST(AvroSchemaTest, AcceptsDefaultsThatMatchTheirTypes) {
  const Schema schema = Parsed(R"({"type": "record", "name": "R", "fields": [
      {"name": "n", "type": "null", "default": null},
      {"name": "b", "type": "boolean", "default": true},
      {"name": "i", "type": "int", "default": -2147483648},
      {"name": "l", "type": "long", "default": 9223372036854775807},
      {"name": "f", "type": "float", "default": 1},
      {"name": "d", "type": "double", "default": 2.5},
      {"name": "by", "type": "bytes", "default": "\u00ff\u0000"},
      {"name": "s", "type": "string", "default": "x"},
      {"name": "fx", "type": {"type": "fixed", "name": "F", "size": 2}, "default": "ab"},
      {"name": "e", "type": {"type": "enum", "name": "E", "symbols": ["A", "B"]}, "default": "B"},
      {"name": "a", "type": {"type": "array", "items": "int"}, "default": [1, 2]},
      {"name": "m", "type": {"type": "map", "values": "long"}, "default": {"k": 3}},
      {"name": "u", "type": ["string", "null"], "default": "first"},
      {"name": "r", "type": {"type": "record", "name": "Sub", "fields": [
          {"name": "x", "type": "int"}, {"name": "y", "type": "string", "default": "dflt"}]},
       "default": {"x": 1}}]})");
  EXPECT_EQ(schema.root().fields.size(), 14u);
  EXPECT_EQ(*schema.root().fields[13].default_value, nlohmann::json::parse(R"({"x": 1})"));
}

struct InvalidCase {
  const char* schema;
  const char* fragment;
};

TEST(AvroSchemaTest, RejectsInvalidSchemasSayingWhatAndWhere) {
  const InvalidCase cases[] = {
      {R"({"type": "record", "name": "R", "fields": [})", "not valid JSON"},
      {"\"\xff\"", "not valid JSON"},
      {"", "not valid JSON"},
      {R"(42)", "/: a schema must be a type name, an object or an array (a union), not 42"},
      {R"("Foo")", "/: unknown type 'Foo'"},
      {R"({"name": "x"})", "/: the schema object has no 'type'"},
      {R"({"type": {"type": "int"}})", "/type: 'type' must be a type name"},
      {R"({"type": "record", "fields": []})", "/: a record needs a 'name' string"},
      {R"({"type": "record", "name": "R"})", "/: a record needs a 'fields' array"},
      {R"({"type": "record", "name": "1R", "fields": []})", "/name: '1R' is not a valid name"},
      {R"({"type": "record", "name": "a..R", "fields": []})", "'a..R' is not a valid name"},
      {R"({"type": "record", "name": "R", "namespace": "a.-b", "fields": []})",
       "/namespace: 'a.-b' is not a valid namespace"},
      {R"({"type": "record", "name": "int", "fields": []})", "'int' is a primitive type's name"},
      {R"({"type": "record", "name": "R", "aliases": "S", "fields": []})",
       "/aliases: 'aliases' must be an array"},
      {R"({"type": "record", "name": "R", "fields": [{"name": "a", "type": "Later"},
          {"name": "b", "type": {"type": "fixed", "name": "Later", "size": 1}}]})",
       "/fields/0/type: unknown type 'Later'"},
      {R"({"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"},
          {"name": "b", "type": {"type": "record", "name": "R", "fields": []}}]})",
       "/fields/1/type/name: the name 'R' is already defined"},
      {R"({"type": "record", "name": "R", "fields": [{"name": "a"}]})",
       "/fields/0: field 'a' has no 'type'"},
      {R"({"type": "record", "name": "R", "fields": ["int"]})",
       "/fields/0: a field must be an object"},
      {R"({"type": "record", "name": "R", "fields": [{"type": "int"}]})",
       "/fields/0: a field needs a 'name' string"},
      {R"({"type": "record", "name": "R", "fields": [{"name": "a-b", "type": "int"}]})",
       "/fields/0/name: 'a-b' is not a valid field name"},
      {R"({"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"},
          {"name": "a", "type": "long"}]})",
       "/fields/1/name: the record already has a field 'a'"},
      {R"({"type": "record", "name": "R", "fields": [
          {"name": "a", "type": "int", "order": "up"}]})",
       "/fields/0/order: 'order' must be"},
      {R"({"type": "record", "name": "R", "fields": [{"name": "a", "type": "int",
          "default": "1"}]})",
       "/fields/0/default: the default \"1\" of field 'a' is not a valid int"},
      {R"({"type": "record", "name": "R", "fields": [{"name": "a", "type": "int",
          "default": 2147483648}]})",
       "is not a valid int"},
      {R"({"type": "record", "name": "R", "fields": [{"name": "a", "type": "long",
          "default": 1.5}]})",
       "is not a valid long"},
      {R"({"type": "record", "name": "R", "fields": [{"name": "a", "type": ["null", "int"],
          "default": 1}]})",
       "is not a valid union (a union's default is one of its first branch, null)"},
      {R"({"type": "record", "name": "R", "fields": [{"name": "a",
          "type": {"type": "enum", "name": "E", "symbols": ["A"]}, "default": "B"}]})",
       "the default \"B\" of field 'a' is not a valid enum E"},
      {R"({"type": "record", "name": "R", "fields": [{"name": "a",
          "type": {"type": "record", "name": "S", "fields": [{"name": "x", "type": "int"}]},
          "default": {}}]})",
       "is not a valid record S"},
      {R"({"type": "record", "name": "R", "fields": [{"name": "a",
          "type": {"type": "array", "items": "string"}, "default": ["x", 1]}]})",
       "is not a valid array"},
      {R"({"type": "enum", "name": "E", "symbols": ["A", "B", "A"]})",
       "/symbols/2: the symbol 'A' appears twice"},
      {R"({"type": "enum", "name": "E", "symbols": ["A", "1B"]})",
       "/symbols/1: \"1B\" is not a valid symbol"},
      {R"({"type": "enum", "name": "E"})", "/: an enum needs a 'symbols' array"},
      {R"({"type": "enum", "name": "E", "symbols": ["A"], "default": "Z"})",
       "/default: the enum's default \"Z\" is not one of its symbols"},
      {R"(["int", "string", "int"])", "/2: the union already has a branch of type 'int'"},
      {R"([{"type": "fixed", "name": "F", "size": 1}, "F"])",
       "/1: the union already has a branch of type 'F'"},
      {R"([{"type": "array", "items": "int"}, {"type": "array", "items": "long"}])",
       "/1: the union already has a branch of type 'array'"},
      {R"(["null", ["int"]])", "/1: a union may not directly contain another union"},
      {R"({"type": "fixed", "name": "F"})", "/: a fixed needs a 'size'"},
      {R"({"type": "fixed", "name": "F", "size": -1})",
       "/size: the size of a fixed must be an integer from 0 to 2147483647"},
      {R"({"type": "fixed", "name": "F", "size": 1.5})", "the size of a fixed must be"},
      {R"({"type": "fixed", "name": "F", "size": "16"})", "the size of a fixed must be"},
      {R"({"type": "array"})", "/: an array needs 'items'"},
      {R"({"type": "map"})", "/: a map needs 'values'"},
      {R"({"type": "map", "values": "Nope"})", "/values: unknown type 'Nope'"},
      {R"({"type": "array", "items": {"type": "record", "name": "R", "fields": [
          {"name": "a", "type": ["null", ["int"]]}]}})",
       "/items/fields/0/type/1: a union may not directly contain another union"},
  };
  for (const InvalidCase& c : cases) {
    EXPECT_NE(ParseError(c.schema).find(c.fragment), std::string::npos)
        << c.schema << "\n  gave: " << ParseError(c.schema) << "\n  wanted: " << c.fragment;
  }
}

TEST(AvroSchemaTest, RejectsJsonDeeperThanTheBound) {
  const std::string deep = std::string(200, '[') + "\"int\"" + std::string(200, ']');
  EXPECT_NE(ParseError(deep).find("nests deeper than 128 levels"), std::string::npos);
}

TEST(AvroSchemaTest, TextIsCompactInWrittenKeyOrder) {
  const Schema spaced = Parsed(R"(
    {
      "type" : "record",  "namespace": "n", "name" : "R",
      "fields" : [
        { "name" : "a", "type" : { "type" : "int" } },
        { "name" : "b", "type" : [ "null", { "type" : "string" } ], "default" : null },
        { "name" : "c", "type" : { "type" : "array", "items" : { "type" : "long" } } },
        { "name" : "d", "type" : { "type" : "map", "values" : { "type" : "double" } } },
        { "name" : "e", "type" : { "type" : "int", "logicalType" : "date" } },
        { "name" : "f", "type" : { "type" : "record", "name" : "Meta", "fields" : [
            { "name" : "type", "type" : "string" } ] },
          "default" : { "type" : "int" } }
      ]
    })");
  const std::string expected =
      R"({"type":"record","name":"R","namespace":"n","fields":[{"name":"a","type":"int"},)"
      R"({"name":"b","type":["null","string"],"default":null},)"
      R"({"name":"c","type":{"type":"array","items":"long"}},)"
      R"({"name":"d","type":{"type":"map","values":"double"}},)"
      R"({"name":"e","type":{"type":"int","logicalType":"date"}},)"
      R"({"name":"f","type":{"type":"record","name":"Meta","fields":[)"
      R"({"name":"type","type":"string"}]},"default":{"type":"int"}}]})";
  EXPECT_EQ(spaced.text(), expected);
  EXPECT_EQ(Parsed(expected).text(), expected);
  EXPECT_EQ(Parsed(R"( "int" )").text(), R"("int")");
  EXPECT_EQ(Parsed(R"([ {"type": "null"}, "int" ])").text(), R"(["null","int"])");
  // One text for spellings that differ in attribute order and in how names are qualified (as
  // python3-avro writes a schema: explicit nested namespaces, full-name references).
  EXPECT_EQ(Parsed(R"({"type": "record", "name": "A", "namespace": "x", "fields": [
                {"type": {"type": "record", "name": "B", "namespace": "x", "fields": [
                  {"type": {"type": "enum", "name": "E", "namespace": "x", "symbols": ["a"]},
                   "name": "g"}]}, "name": "f"},
                {"type": "x.B", "name": "h"}], "doc": "d"})")
                .text(),
            Parsed(R"({"type":"record","name":"x.A","doc":"d","fields":[{"name":"f","type":
                {"type":"record","name":"B","fields":[{"name":"g","type":{"type":"enum",
                "name":"E","symbols":["a"]}}]}},{"name":"h","type":"B"}]})")
                .text());
  EXPECT_EQ(Parsed(R"({"type":"record","name":"x.A","fields":[{"name":"f","type":{"type":"fixed",
                "size":4,"name":"F","namespace":"y"}},{"name":"g","type":"y.F"}]})")
                .text(),
            R"({"type":"record","name":"A","namespace":"x","fields":[{"name":"f","type":)"
            R"({"type":"fixed","name":"F","namespace":"y","size":4}},{"name":"g","type":"y.F"}]})");
  // Attributes are kept: the text is not the canonical form.
  EXPECT_EQ(Parsed(R"({"type": "enum", "name": "E", "doc": "é", "symbols": ["A"]})").text(),
            R"({"type":"enum","name":"E","doc":"é","symbols":["A"]})");
}

struct CanonicalCase {
  const char* schema;
  const char* canonical;
};

TEST(AvroSchemaTest, CanonicalForm) {
  // The first ones are from the Avro repository's share/test/data/schema-tests.txt.
  const CanonicalCase cases[] = {
      {R"({"type":"null"})", R"("null")"},
      {R"([  ])", R"([])"},
      {R"([ "int" , {"type":"boolean"} ])", R"(["int","boolean"])"},
      {R"({"fields":[], "type":"record", "name":"foo", "namespace":"x.y"})",
       R"({"name":"x.y.foo","type":"record","fields":[]})"},
      {R"({"fields":[], "type":"record", "name":"a.b.foo", "namespace":"x.y"})",
       R"({"name":"a.b.foo","type":"record","fields":[]})"},
      {R"({"fields":[], "type":"record", "name":"foo", "doc":"foo", "aliases":["foo","bar"]})",
       R"({"name":"foo","type":"record","fields":[]})"},
      {R"({ "fields":[{"type":"boolean", "aliases":[], "name":"f1", "default":true},
            {"order":"descending","name":"f2","doc":"Hello","type":"int"}],
            "type":"record", "name":"foo"})",
       R"({"name":"foo","type":"record","fields":[{"name":"f1","type":"boolean"},)"
       R"({"name":"f2","type":"int"}]})"},
      {R"({"namespace":"x.y.z", "type":"enum", "name":"foo", "doc":"foo bar",
           "symbols":["A1", "A2"]})",
       R"({"name":"x.y.z.foo","type":"enum","symbols":["A1","A2"]})"},
      {R"({"namespace":"x.y.z", "type":"fixed", "name":"foo", "doc":"foo bar", "size":32})",
       R"({"name":"x.y.z.foo","type":"fixed","size":32})"},
      {R"({ "items":{"type":"null"}, "type":"array"})", R"({"type":"array","items":"null"})"},
      {R"({ "values":"string", "type":"map"})", R"({"type":"map","values":"string"})"},
      {R"({"name":"PigValue","type":"record",
           "fields":[{"name":"value", "type":["null", "int", "long", "PigValue"]}]})",
       R"({"name":"PigValue","type":"record","fields":[{"name":"value",)"
       R"("type":["null","int","long","PigValue"]}]})"},
      {R"({"type":"record","name":"r","namespace":"a.b",
           "fields":[{"name":"f","type":"int","doc":"x","default":1}]})",
       R"({"name":"a.b.r","type":"record","fields":[{"name":"f","type":"int"}]})"},
      // A named type is written in full once, then by its full name.
      {R"({"type":"record","name":"Pair","namespace":"n","fields":[
           {"name":"a","type":{"type":"fixed","name":"Md5","size":16}},
           {"name":"b","type":"Md5"},
           {"name":"c","type":{"type":"enum","name":"E","namespace":"other","symbols":["X","Y"]}},
           {"name":"d","type":{"type":"array","items":"other.E"}},
           {"name":"e","type":{"type":"map",
                               "values":{"type":"long","logicalType":"timestamp-millis"}}}]})",
       R"({"name":"n.Pair","type":"record","fields":[)"
       R"({"name":"a","type":{"name":"n.Md5","type":"fixed","size":16}},)"
       R"({"name":"b","type":"n.Md5"},)"
       R"({"name":"c","type":{"name":"other.E","type":"enum","symbols":["X","Y"]}},)"
       R"({"name":"d","type":{"type":"array","items":"other.E"}},)"
       R"({"name":"e","type":{"type":"map","values":"long"}}]})"},
      {R"({"type":"record","name":"Outer","namespace":"x","fields":[
           {"name":"in","type":{"type":"record","name":"Inner",
                                "fields":[{"name":"o","type":["null","Outer"]}]}},
           {"name":"again","type":"x.Inner"}]})",
       R"({"name":"x.Outer","type":"record","fields":[{"name":"in","type":{"name":"x.Inner",)"
       R"("type":"record","fields":[{"name":"o","type":["null","x.Outer"]}]}},)"
       R"({"name":"again","type":"x.Inner"}]})"},
  };
  for (const CanonicalCase& c : cases) {
    EXPECT_EQ(Parsed(c.schema).CanonicalForm(), c.canonical) << c.schema;
  }
}

TEST(AvroSchemaTest, FingerprintIsCrc64AvroOfTheCanonicalForm) {
  // The values of the Avro repository's share/test/data/schema-tests.txt (as unsigned).
  EXPECT_EQ(Parsed(R"("null")").Fingerprint(), 0x63dd24e7cc258f8aULL);
  EXPECT_EQ(Parsed(R"("int")").Fingerprint(), 0x7275d51a3f395c8fULL);
  EXPECT_EQ(Parsed(R"({"type": "string"})").Fingerprint(), 0x8f014872634503c7ULL);
  EXPECT_EQ(
      Parsed(R"({"fields":[], "type":"record", "name":"foo", "doc":"Useful info"})").Fingerprint(),
      0xbd0c50c84319be7eULL);
  EXPECT_EQ(Parsed(R"({"name":"PigValue","type":"record",
                       "fields":[{"name":"value", "type":["null", "int", "long", "PigValue"]}]})")
                .Fingerprint(),
            0xe795dc6656b7e95bULL);
  EXPECT_EQ(Parsed(R"({"type":"record","name":"r","namespace":"a.b",
                       "fields":[{"name":"f","type":"int","doc":"x","default":1}]})")
                .Fingerprint(),
            0x6db95fdfa24b93baULL);
}

TEST(AvroSchemaTest, ReferencesProvideNamedTypes) {
  const std::vector<std::string> references = {
      R"({"type": "record", "name": "Address", "namespace": "com.acme",
          "fields": [{"name": "city", "type": "string"}]})",
      R"({"type": "record", "name": "Person", "namespace": "com.acme",
          "fields": [{"name": "home", "type": "Address"}]})",
  };
  const Schema schema = Parsed(R"({"type": "record", "name": "Order", "namespace": "com.acme",
      "fields": [{"name": "buyer", "type": "Person"},
                 {"name": "ship_to", "type": "com.acme.Address"}]})",
                               references);
  const Node& root = schema.root();
  ASSERT_EQ(root.fields.size(), 2u);
  EXPECT_EQ(root.fields[0].type->full_name, "com.acme.Person");
  EXPECT_EQ(root.fields[0].type->fields[0].type, root.fields[1].type);
  EXPECT_EQ(schema.text(),
            R"({"type":"record","name":"Order","namespace":"com.acme","fields":[)"
            R"({"name":"buyer","type":"Person"},{"name":"ship_to","type":"Address"}]})");
  EXPECT_EQ(schema.CanonicalForm(),
            R"({"name":"com.acme.Order","type":"record","fields":[{"name":"buyer","type":)"
            R"({"name":"com.acme.Person","type":"record","fields":[{"name":"home","type":)"
            R"({"name":"com.acme.Address","type":"record","fields":[{"name":"city",)"
            R"("type":"string"}]}}]}},{"name":"ship_to","type":"com.acme.Address"}]})");

  EXPECT_NE(ParseError(R"("com.acme.Person")").find("unknown type 'com.acme.Person'"),
            std::string::npos);
  // Each reference sees only the ones before it.
  EXPECT_NE(ParseError(R"("int")", {references[1], references[0]})
                .find("reference 0: /fields/0/type: unknown type 'Address'"),
            std::string::npos);
  EXPECT_NE(ParseError(R"({"type": "fixed", "name": "com.acme.Address", "size": 1})", references)
                .find("the name 'com.acme.Address' is already defined"),
            std::string::npos);
}

TEST(AvroSchemaTest, ParsingNeverThrowsOnOddInput) {
  const char* odd[] = {
      R"({"type": "record", "name": "R", "fields": {"a": 1}})",
      R"({"type": "record", "name": 7, "fields": []})",
      R"({"type": "enum", "name": "E", "symbols": [1, 2]})",
      R"({"type": "record", "name": "R", "fields": [{"name": "a", "type": "int",
          "aliases": [1]}]})",
      R"({"type": "record", "name": "R", "namespace": 5, "fields": []})",
      R"({"type": "fixed", "name": "F", "size": 1e300})",
      R"({"type": "fixed", "name": "F", "size": 18446744073709551615})",
      R"(null)",
      R"(true)",
      R"({"type": null})",
      R"([{"type": "map", "values": [1]}])",
  };
  for (const char* text : odd) EXPECT_FALSE(Schema::Parse(text).ok()) << text;
}

// A record's default falls back on the defaults of its fields; that ends even when they refer
// to the record itself, and costs no more when the same record type is used many times.
TEST(AvroSchemaTest, DefaultsOfSubFieldsAreCheckedOnce) {
  EXPECT_TRUE(Schema::Parse(R"({"type": "record", "name": "R", "fields": [
                {"name": "r", "type": "R", "default": {}}]})")
                  .ok());
  std::string fields = R"({"name": "t0", "type": {"type": "record", "name": "T0", "fields": [
      {"name": "x", "type": "int", "default": 0}]}, "default": {}})";
  for (int i = 1; i < 64; ++i) {
    fields += fmt::format(
        R"(, {{"name": "t{0}", "type": {{"type": "record", "name": "T{0}", "fields": [
            {{"name": "a", "type": "T{1}", "default": {{}}}},
            {{"name": "b", "type": "T{1}", "default": {{}}}}]}}, "default": {{}}}})",
        i, i - 1);
  }
  const Schema schema = Parsed(R"({"type": "record", "name": "Top", "fields": [)" + fields + "]}");
  EXPECT_EQ(schema.root().fields.size(), 64u);
}

// ---- Compatibility -------------------------------------------------------------------------

struct CompatibilityCase {
  const char* name;
  const char* reader;
  const char* writer;
  bool compatible;
  const char* fragment;  // of one of the messages, when not compatible
};

// Cross-checked against the Python port of Java's SchemaCompatibility (avro 1.11).
const CompatibilityCase kCompatibilityCases[] = {
    {"IntToLong", R"("long")", R"("int")", true, ""},
    {"IntToFloat", R"("float")", R"("int")", true, ""},
    {"IntToDouble", R"("double")", R"("int")", true, ""},
    {"LongToFloat", R"("float")", R"("long")", true, ""},
    {"LongToDouble", R"("double")", R"("long")", true, ""},
    {"FloatToDouble", R"("double")", R"("float")", true, ""},
    {"StringToBytes", R"("bytes")", R"("string")", true, ""},
    {"BytesToString", R"("string")", R"("bytes")", true, ""},
    {"SamePrimitive", R"("null")", R"("null")", true, ""},
    {"LongToInt", R"("int")", R"("long")", false,
     "/: reader type int is not compatible with writer type long"},
    {"DoubleToFloat", R"("float")", R"("double")", false,
     "/: reader type float is not compatible with writer type double"},
    {"FloatToLong", R"("long")", R"("float")", false,
     "reader type long is not compatible with writer type float"},
    {"IntToString", R"("string")", R"("int")", false,
     "reader type string is not compatible with writer type int"},
    {"NullToBoolean", R"("boolean")", R"("null")", false,
     "reader type boolean is not compatible with writer type null"},
    {"AddedFieldWithDefault",
     R"({"type":"record","name":"User","fields":[{"name":"id","type":"long"},{"name":"name","type":"string"},{"name":"email","type":"string","default":""}]})",
     R"({"type":"record","name":"User","fields":[{"name":"id","type":"long"},{"name":"name","type":"string"}]})",
     true, ""},
    {"AddedFieldWithoutDefault",
     R"({"type":"record","name":"User","fields":[{"name":"id","type":"long"},{"name":"email","type":"string"}]})",
     R"({"type":"record","name":"User","fields":[{"name":"id","type":"long"},{"name":"name","type":"string"}]})",
     false, "/fields/1: reader field 'email' has no default and the writer has no such field"},
    {"AddedFieldWithNullDefault",
     R"({"type":"record","name":"User","fields":[{"name":"id","type":"long"},{"name":"email","type":["null","string"],"default":null}]})",
     R"({"type":"record","name":"User","fields":[{"name":"id","type":"long"},{"name":"name","type":"string"}]})",
     true, ""},
    {"RemovedField", R"({"type":"record","name":"User","fields":[{"name":"id","type":"long"}]})",
     R"({"type":"record","name":"User","fields":[{"name":"id","type":"long"},{"name":"name","type":"string"}]})",
     true, ""},
    {"FieldPromoted",
     R"({"type":"record","name":"User","fields":[{"name":"id","type":"double"},{"name":"name","type":"string"}]})",
     R"({"type":"record","name":"User","fields":[{"name":"id","type":"long"},{"name":"name","type":"string"}]})",
     true, ""},
    {"FieldTypeChanged",
     R"({"type":"record","name":"User","fields":[{"name":"id","type":"long"},{"name":"name","type":"long"}]})",
     R"({"type":"record","name":"User","fields":[{"name":"id","type":"long"},{"name":"name","type":"string"}]})",
     false, "/fields/1/type: reader type long is not compatible with writer type string"},
    {"RecordRenamed", R"({"type":"record","name":"Person","fields":[{"name":"id","type":"long"}]})",
     R"({"type":"record","name":"User","fields":[{"name":"id","type":"long"},{"name":"name","type":"string"}]})",
     false, "/name: reader name 'Person' does not match writer name 'User'"},
    {"RecordAliasForWriterName",
     R"({"type":"record","name":"Person","fields":[{"name":"id","type":"long"}],"aliases":["User"]})",
     R"({"type":"record","name":"User","fields":[{"name":"id","type":"long"},{"name":"name","type":"string"}]})",
     true, ""},
    {"RecordNamespaceIgnored",
     R"({"type":"record","name":"User","fields":[{"name":"id","type":"long"}],"namespace":"a.v2"})",
     R"({"type":"record","name":"User","fields":[{"name":"id","type":"long"}],"namespace":"a.v1"})",
     true, ""},
    {"FieldAlias",
     R"({"type":"record","name":"User","fields":[{"name":"key","type":"long","aliases":["id"]}]})",
     R"({"type":"record","name":"User","fields":[{"name":"id","type":"long"},{"name":"name","type":"string"}]})",
     true, ""},
    {"FieldRenamedWithoutAlias",
     R"({"type":"record","name":"User","fields":[{"name":"key","type":"long"}]})",
     R"({"type":"record","name":"User","fields":[{"name":"id","type":"long"},{"name":"name","type":"string"}]})",
     false, "/fields/0: reader field 'key' has no default"},
    {"NestedRecordPromotion",
     R"({"type":"record","name":"Outer","fields":[{"name":"inner","type":{"type":"record","name":"Inner","fields":[{"name":"x","type":"long"}]}}]})",
     R"({"type":"record","name":"Outer","fields":[{"name":"inner","type":{"type":"record","name":"Inner","fields":[{"name":"x","type":"int"}]}}]})",
     true, ""},
    {"NestedRecordMismatch",
     R"({"type":"record","name":"Outer","fields":[{"name":"inner","type":{"type":"record","name":"Inner","fields":[{"name":"x","type":"int"}]}}]})",
     R"({"type":"record","name":"Outer","fields":[{"name":"inner","type":{"type":"record","name":"Inner","fields":[{"name":"x","type":"long"}]}}]})",
     false,
     "/fields/0/type/fields/0/type: reader type int is not compatible with writer type long"},
    {"EnumSymbolAdded",
     R"({"type":"enum","name":"Color","symbols":["RED","GREEN","BLUE","PURPLE"]})",
     R"({"type":"enum","name":"Color","symbols":["RED","GREEN","BLUE"]})", true, ""},
    {"EnumSymbolRemoved", R"({"type":"enum","name":"Color","symbols":["RED","GREEN","BLUE"]})",
     R"({"type":"enum","name":"Color","symbols":["RED","GREEN","BLUE","PURPLE"]})", false,
     "/symbols: the reader's enum lacks the writer's symbol 'PURPLE'"},
    {"EnumSymbolRemovedWithDefault",
     R"({"type":"enum","name":"Color","symbols":["RED","GREEN","BLUE","UNKNOWN"],"default":"UNKNOWN"})",
     R"({"type":"enum","name":"Color","symbols":["RED","GREEN","BLUE","PURPLE"]})", true, ""},
    {"EnumRenamed", R"({"type":"enum","name":"Colour","symbols":["RED","GREEN","BLUE"]})",
     R"({"type":"enum","name":"Color","symbols":["RED","GREEN","BLUE"]})", false,
     "/name: reader name 'Colour'"},
    {"UnionReadsBranch", R"(["null","string"])", R"("string")", true, ""},
    {"UnionLacksWriterType", R"(["null","string"])", R"("int")", false,
     "/: the reader's union has no branch that can read the writer's int"},
    {"UnionBranchPromotes", R"(["null","long"])", R"("int")", true, ""},
    {"WriterUnionNotReadable", R"("string")", R"(["null","string"])", false,
     "/: reader type string is not compatible with writer type null"},
    {"UnionWidened", R"(["null","string","int"])", R"(["null","string"])", true, ""},
    {"UnionNarrowed", R"(["null","string"])", R"(["null","string","int"])", false,
     "the reader's union has no branch that can read the writer's int"},
    {"WriterUnionAllPromote", R"("long")", R"(["int","long"])", true, ""},
    {"UnionReordered", R"(["string","null"])", R"(["null","string"])", true, ""},
    {"UnionOfRecords",
     R"(["null",{"type":"record","name":"User","fields":[{"name":"id","type":"long"},{"name":"name","type":"string"}]}])",
     R"({"type":"record","name":"User","fields":[{"name":"id","type":"long"},{"name":"name","type":"string"}]})",
     true, ""},
    {"UnionEnumLacksSymbol",
     R"(["null",{"type":"enum","name":"Color","symbols":["RED","GREEN","BLUE"]}])",
     R"({"type":"enum","name":"Color","symbols":["RED","GREEN","BLUE","PURPLE"]})", false,
     "the reader's union has no branch that can read the writer's enum Color"},
    {"FixedSame", R"({"type":"fixed","name":"Hash","size":16})",
     R"({"type":"fixed","name":"Hash","size":16})", true, ""},
    {"FixedSizeChanged", R"({"type":"fixed","name":"Hash","size":16})",
     R"({"type":"fixed","name":"Hash","size":8})", false,
     "/size: reader size 16 does not match writer size 8"},
    {"FixedRenamed", R"({"type":"fixed","name":"Digest","size":16})",
     R"({"type":"fixed","name":"Hash","size":16})", false,
     "/name: reader name 'Digest' does not match writer name 'Hash'"},
    {"FixedFromBytes", R"({"type":"fixed","name":"Hash","size":16})", R"("bytes")", false,
     "reader type fixed is not compatible with writer type bytes"},
    {"ArrayItemsPromote", R"({"type":"array","items":"long"})", R"({"type":"array","items":"int"})",
     true, ""},
    {"ArrayItemsNarrowed", R"({"type":"array","items":"int"})",
     R"({"type":"array","items":"long"})", false,
     "/items: reader type int is not compatible with writer type long"},
    {"MapValuesPromote", R"({"type":"map","values":"double"})",
     R"({"type":"map","values":"float"})", true, ""},
    {"MapValuesChanged", R"({"type":"map","values":"string"})", R"({"type":"map","values":"int"})",
     false, "/values: reader type string is not compatible with writer type int"},
    {"ArrayFromMap", R"({"type":"array","items":"int"})", R"({"type":"map","values":"int"})", false,
     "/: reader type array is not compatible with writer type map"},
    {"ArrayOfRecordsFieldAdded",
     R"({"type":"array","items":{"type":"record","name":"User","fields":[{"name":"id","type":"long"},{"name":"tags","type":{"type":"array","items":"string"},"default":[]}]}})",
     R"({"type":"array","items":{"type":"record","name":"User","fields":[{"name":"id","type":"long"},{"name":"name","type":"string"}]}})",
     true, ""},
    {"RecursiveSame",
     R"({"type":"record","name":"Node","fields":[{"name":"value","type":"int"},{"name":"next","type":["null","Node"]}]})",
     R"({"type":"record","name":"Node","fields":[{"name":"value","type":"int"},{"name":"next","type":["null","Node"]}]})",
     true, ""},
    {"RecursivePromoted",
     R"({"type":"record","name":"Node","fields":[{"name":"value","type":"long"},{"name":"next","type":["null","Node"]}]})",
     R"({"type":"record","name":"Node","fields":[{"name":"value","type":"int"},{"name":"next","type":["null","Node"]}]})",
     true, ""},
    {"RecursiveNarrowed",
     R"({"type":"record","name":"Node","fields":[{"name":"value","type":"int"},{"name":"next","type":["null","Node"]}]})",
     R"({"type":"record","name":"Node","fields":[{"name":"value","type":"long"},{"name":"next","type":["null","Node"]}]})",
     false, "/fields/0/type: reader type int is not compatible with writer type long"},
    {"RecursiveFieldAddedWithDefault",
     R"({"type":"record","name":"Node","fields":[{"name":"value","type":"long"},{"name":"next","type":["null","Node"]},{"name":"tag","type":"string","default":""}]})",
     R"({"type":"record","name":"Node","fields":[{"name":"value","type":"int"},{"name":"next","type":["null","Node"]}]})",
     true, ""},
    {"RecursiveFieldAddedWithoutDefault",
     R"({"type":"record","name":"Node","fields":[{"name":"value","type":"long"},{"name":"next","type":["null","Node"]},{"name":"tag","type":"string"}]})",
     R"({"type":"record","name":"Node","fields":[{"name":"value","type":"int"},{"name":"next","type":["null","Node"]}]})",
     false, "/fields/2: reader field 'tag' has no default"},
};

class AvroCompatibilityTableTest : public ::testing::TestWithParam<CompatibilityCase> {};

TEST_P(AvroCompatibilityTableTest, ReaderReadsWriterOrSaysWhyNot) {
  const CompatibilityCase& c = GetParam();
  const Schema reader = Parsed(c.reader);
  const Schema writer = Parsed(c.writer);
  const std::vector<std::string> problems = ReadIncompatibilities(reader, writer);
  std::string all;
  for (const std::string& problem : problems) all += problem + "\n";
  if (c.compatible) {
    EXPECT_TRUE(problems.empty()) << all;
    return;
  }
  ASSERT_FALSE(problems.empty());
  EXPECT_NE(all.find(c.fragment), std::string::npos) << all << "wanted: " << c.fragment;
}

INSTANTIATE_TEST_SUITE_P(Table, AvroCompatibilityTableTest,
                         ::testing::ValuesIn(kCompatibilityCases),
                         [](const ::testing::TestParamInfo<CompatibilityCase>& case_info) {
                           return std::string(case_info.param.name);
                         });

TEST(AvroCompatibilityTest, ReportsEachProblemWithTheReaderPath) {
  const Schema reader = Parsed(R"({"type": "record", "name": "Order", "fields": [
      {"name": "id", "type": "int"},
      {"name": "email", "type": "string"},
      {"name": "color", "type": {"type": "enum", "name": "Color", "symbols": ["RED"]}},
      {"name": "lines", "type": {"type": "array", "items": {"type": "record", "name": "Line",
          "fields": [{"name": "qty", "type": "int"}]}}}]})");
  const Schema writer = Parsed(R"({"type": "record", "name": "Order", "fields": [
      {"name": "id", "type": "string"},
      {"name": "color", "type": {"type": "enum", "name": "Color",
                                 "symbols": ["RED", "PURPLE", "BLUE"]}},
      {"name": "lines", "type": {"type": "array", "items": {"type": "record", "name": "Line",
          "fields": [{"name": "qty", "type": "long"}]}}}]})");
  EXPECT_EQ(ReadIncompatibilities(reader, writer),
            (std::vector<std::string>{
                "/fields/0/type: reader type int is not compatible with writer type string",
                "/fields/1: reader field 'email' has no default and the writer has no such field",
                "/fields/2/type/symbols: the reader's enum lacks the writer's symbols 'BLUE', "
                "'PURPLE'",
                "/fields/3/type/items/fields/0/type: reader type int is not compatible with "
                "writer type long",
            }));
  EXPECT_TRUE(ReadIncompatibilities(writer, writer).empty());
}

TEST(AvroCompatibilityTest, RecursiveAndMutuallyRecursiveTypesTerminate) {
  const char* tree_v1 = R"({"type": "record", "name": "Tree", "fields": [
      {"name": "value", "type": "int"},
      {"name": "kids", "type": {"type": "array", "items": {"type": "record", "name": "Edge",
          "fields": [{"name": "to", "type": "Tree"}]}}}]})";
  const char* tree_v2 = R"({"type": "record", "name": "Tree", "fields": [
      {"name": "value", "type": "long"},
      {"name": "kids", "type": {"type": "array", "items": {"type": "record", "name": "Edge",
          "fields": [{"name": "to", "type": "Tree"},
                     {"name": "weight", "type": "double", "default": 1}]}}}]})";
  EXPECT_TRUE(ReadIncompatibilities(Parsed(tree_v2), Parsed(tree_v1)).empty());
  EXPECT_EQ(ReadIncompatibilities(Parsed(tree_v1), Parsed(tree_v2)),
            (std::vector<std::string>{
                "/fields/0/type: reader type int is not compatible with writer type long"}));
}

TEST(AvroCompatibilityTest, AmbiguousFieldAliasIsAProblem) {
  const Schema reader = Parsed(R"({"type": "record", "name": "R", "fields": [
      {"name": "a", "type": "int", "aliases": ["b"]}]})");
  const Schema writer = Parsed(R"({"type": "record", "name": "R", "fields": [
      {"name": "a", "type": "int"}, {"name": "b", "type": "int"}]})");
  EXPECT_EQ(
      ReadIncompatibilities(reader, writer),
      (std::vector<std::string>{"/fields/0: reader field 'a' matches more than one writer field"}));
}

TEST(AvroCompatibilityTest, SchemasFromReferencesResolveLikeInlineOnes) {
  const std::vector<std::string> v1 = {
      R"({"type": "enum", "name": "Status", "symbols": ["NEW", "DONE"]})"};
  const std::vector<std::string> v2 = {
      R"({"type": "enum", "name": "Status", "symbols": ["NEW", "DONE", "LOST"]})"};
  const char* main = R"({"type": "record", "name": "Job", "fields": [
      {"name": "status", "type": "Status"}]})";
  EXPECT_TRUE(ReadIncompatibilities(Parsed(main, v2), Parsed(main, v1)).empty());
  EXPECT_EQ(ReadIncompatibilities(Parsed(main, v1), Parsed(main, v2)),
            (std::vector<std::string>{
                "/fields/0/type/symbols: the reader's enum lacks the writer's symbol 'LOST'"}));
}

// Each reader/writer pair is compared once, and the messages are bounded: a type used 2^63
// times over (records of two fields of the record before) costs no more than its definition.
TEST(AvroCompatibilityTest, ManyUsesOfOneTypeAreComparedOnce) {
  const auto doubling = [](const char* leaf) {
    std::string fields = fmt::format(
        R"({{"name": "t0", "type": {{"type": "record", "name": "T0", "fields": [
            {{"name": "x", "type": "{}"}}]}}}})",
        leaf);
    for (int i = 1; i < 64; ++i) {
      fields += fmt::format(
          R"(, {{"name": "t{0}", "type": {{"type": "record", "name": "T{0}", "fields": [
              {{"name": "a", "type": "T{1}"}}, {{"name": "b", "type": "T{1}"}}]}}}})",
          i, i - 1);
    }
    return R"({"type": "record", "name": "Top", "fields": [)" + fields + "]}";
  };
  const Schema ints = Parsed(doubling("int"));
  const Schema longs = Parsed(doubling("long"));
  EXPECT_TRUE(ReadIncompatibilities(longs, ints).empty());
  const std::vector<std::string> problems = ReadIncompatibilities(ints, longs);
  ASSERT_FALSE(problems.empty());
  EXPECT_LE(problems.size(), 100u);
  EXPECT_EQ(problems[0],
            "/fields/0/type/fields/0/type: reader type int is not compatible with "
            "writer type long");
}

// ---- Datum validation ----------------------------------------------------------------------

// Bytes written one value at a time, as Avro's binary encoding lays them out.
class Encoder {
 public:
  Encoder& Long(int64_t value) {
    PutVarlong(bytes_, value);
    return *this;
  }
  Encoder& Raw(std::initializer_list<uint8_t> bytes) {
    bytes_.insert(bytes_.end(), bytes);
    return *this;
  }
  Encoder& String(std::string_view text) {
    Long(static_cast<int64_t>(text.size()));
    bytes_.insert(bytes_.end(), text.begin(), text.end());
    return *this;
  }
  const Buffer& bytes() const { return bytes_; }
  Buffer Without(size_t trailing) const { return {bytes_.begin(), bytes_.end() - trailing}; }

 private:
  Buffer bytes_;
};

constexpr const char* kPayment = R"({"type": "record", "name": "Payment", "fields": [
    {"name": "id", "type": "long"},
    {"name": "payer", "type": "string"},
    {"name": "amount", "type": "double"},
    {"name": "rate", "type": "float"},
    {"name": "paid", "type": "boolean"},
    {"name": "tags", "type": {"type": "array", "items": "string"}},
    {"name": "attrs", "type": {"type": "map", "values": "int"}},
    {"name": "state", "type": {"type": "enum", "name": "State", "symbols": ["OPEN", "SHUT"]}},
    {"name": "hash", "type": {"type": "fixed", "name": "Hash", "size": 4}},
    {"name": "note", "type": ["null", "string"]},
    {"name": "blob", "type": "bytes"}]})";

Encoder ValidPayment() {
  Encoder e;
  e.Long(-3).String("ann");                                                // id, payer
  e.Raw({0, 0, 0, 0, 0, 0, 0xf0, 0x3f});                                   // amount: 1.0
  e.Raw({0, 0, 0x80, 0x3f});                                               // rate: 1.0f
  e.Raw({1});                                                              // paid
  e.Long(2).String("a").String("b").Long(-1).Long(2).String("c").Long(0);  // tags: 2 blocks
  e.Long(1).String("k").Long(-150).Long(0);                                // attrs
  e.Long(1);                                                               // state: SHUT
  e.Raw({1, 2, 3, 4});                                                     // hash
  e.Long(1).String("hi");                // note: the string branch
  e.String(std::string("\x00\xff", 2));  // blob
  return e;
}

TEST(AvroDatumTest, AcceptsAWellFormedDatum) {
  const Schema schema = Parsed(kPayment);
  const Status status = schema.ValidateDatum(ValidPayment().bytes());
  EXPECT_TRUE(status.ok()) << status.ToString();
}

TEST(AvroDatumTest, RefusesTruncatedInputNamingThePath) {
  const Schema schema = Parsed(kPayment);
  const Buffer full = ValidPayment().bytes();
  for (size_t size = 0; size < full.size(); ++size) {
    const Status status = schema.ValidateDatum(ByteView(full.data(), size));
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << size;
  }
  EXPECT_EQ(schema.ValidateDatum(ByteView(full.data(), 1)).message(),
            "/fields/payer: expected a string's length, the input ended");
  EXPECT_EQ(schema.ValidateDatum(ByteView(full.data(), 8)).message(),
            "/fields/amount: expected a double (8 bytes), only 3 bytes are left");
  EXPECT_EQ(schema.ValidateDatum(ValidPayment().Without(1)).message(),
            "/fields/blob: a bytes length 2 exceeds the 1 bytes left");
}

TEST(AvroDatumTest, RefusesTrailingBytes) {
  Encoder e = ValidPayment();
  e.Raw({0, 0});
  EXPECT_EQ(Parsed(kPayment).ValidateDatum(e.bytes()).message(),
            "/: the input goes on for 2 more bytes after the datum");
  EXPECT_EQ(Parsed(R"("null")").ValidateDatum(Encoder().Raw({0}).bytes()).message(),
            "/: the input goes on for 1 more bytes after the datum");
}

TEST(AvroDatumTest, RefusesBadUnionAndEnumIndexes) {
  const Schema schema = Parsed(R"({"type": "record", "name": "R", "fields": [
      {"name": "u", "type": ["null", "string"]},
      {"name": "e", "type": {"type": "enum", "name": "E", "symbols": ["A", "B"]}}]})");
  EXPECT_TRUE(schema.ValidateDatum(Encoder().Long(0).Long(1).bytes()).ok());
  EXPECT_EQ(schema.ValidateDatum(Encoder().Long(2).Long(0).bytes()).message(),
            "/fields/u: the union index 2 is out of range (2 branches)");
  EXPECT_EQ(schema.ValidateDatum(Encoder().Long(-1).Long(0).bytes()).message(),
            "/fields/u: the union index -1 is out of range (2 branches)");
  EXPECT_EQ(schema.ValidateDatum(Encoder().Long(0).Long(2).bytes()).message(),
            "/fields/e: the enum index 2 is out of range (2 symbols)");
}

TEST(AvroDatumTest, ChecksIntegerEncodings) {
  const Schema int_schema = Parsed(R"("int")");
  const Schema long_schema = Parsed(R"("long")");
  EXPECT_TRUE(int_schema.ValidateDatum(Encoder().Long(INT32_MIN).bytes()).ok());
  EXPECT_TRUE(int_schema.ValidateDatum(Encoder().Long(INT32_MAX).bytes()).ok());
  EXPECT_EQ(int_schema.ValidateDatum(Encoder().Long(int64_t{INT32_MAX} + 1).bytes()).message(),
            "/: an int overflows 32 bits");
  EXPECT_EQ(int_schema.ValidateDatum(Encoder().Raw({0x80, 0x80}).bytes()).message(),
            "/: expected an int, the input ended");
  EXPECT_TRUE(long_schema.ValidateDatum(Encoder().Long(INT64_MIN).bytes()).ok());
  EXPECT_TRUE(long_schema.ValidateDatum(Encoder().Long(INT64_MAX).bytes()).ok());
  const auto eleven_bytes =
      Encoder().Raw({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x81, 0x00});
  EXPECT_EQ(long_schema.ValidateDatum(eleven_bytes.bytes()).message(),
            "/: a long overflows 64 bits");
  const Schema boolean = Parsed(R"("boolean")");
  EXPECT_TRUE(boolean.ValidateDatum(Encoder().Raw({1}).bytes()).ok());
  EXPECT_EQ(boolean.ValidateDatum(Encoder().Raw({2}).bytes()).message(),
            "/: a boolean must be 0 or 1, not 2");
  EXPECT_EQ(Parsed(R"("float")").ValidateDatum(Encoder().Raw({1, 2}).bytes()).message(),
            "/: expected a float (4 bytes), only 2 bytes are left");
}

TEST(AvroDatumTest, RefusesInvalidUtf8Strings) {
  EXPECT_EQ(Parsed(R"("string")").ValidateDatum(Encoder().String("a\xff").bytes()).message(),
            "/: the string is not valid UTF-8");
  EXPECT_TRUE(Parsed(R"("bytes")").ValidateDatum(Encoder().String("a\xff").bytes()).ok());
  const Schema map = Parsed(R"({"type": "map", "values": "string"})");
  EXPECT_EQ(
      map.ValidateDatum(Encoder().Long(1).String("\xc0\x80").String("v").Long(0).bytes()).message(),
      "/: the string is not valid UTF-8");
  EXPECT_EQ(
      map.ValidateDatum(Encoder().Long(1).String("key").String("\xed\xa0\x80").Long(0).bytes())
          .message(),
      "/values/key: the string is not valid UTF-8");
}

TEST(AvroDatumTest, HugeBlockCountsStopWhenTheInputEnds) {
  const Schema longs = Parsed(R"({"type": "array", "items": "long"})");
  const int64_t huge = int64_t{1} << 62;
  EXPECT_EQ(longs.ValidateDatum(Encoder().Long(huge).Long(1).Long(2).bytes()).message(),
            "/items/2: expected a long, the input ended");
  EXPECT_EQ(longs.ValidateDatum(Encoder().Long(-huge).Long(3).Long(1).bytes()).message(),
            "/: the block's size in bytes 3 exceeds the 1 bytes left");
  EXPECT_EQ(longs.ValidateDatum(Encoder().Long(INT64_MIN).bytes()).message(),
            "/: the block count -9223372036854775808 is out of range");
  const Schema map = Parsed(R"({"type": "map", "values": "null"})");
  EXPECT_EQ(map.ValidateDatum(Encoder().Long(huge).String("a").bytes()).message(),
            "/: expected a string's length, the input ended");
  // Values that take no bytes are all alike: a huge count of them is read at once.
  const Schema nulls = Parsed(R"({"type": "array", "items": "null"})");
  EXPECT_TRUE(nulls.ValidateDatum(Encoder().Long(huge).Long(huge).Long(0).bytes()).ok());
}

TEST(AvroDatumTest, NegativeBlockCountsCarryTheirSize) {
  const Schema ints = Parsed(R"({"type": "array", "items": "int"})");
  EXPECT_TRUE(ints.ValidateDatum(Encoder().Long(-2).Long(2).Long(1).Long(-1).Long(0).bytes()).ok());
  EXPECT_EQ(
      ints.ValidateDatum(Encoder().Long(-2).Long(3).Long(1).Long(-1).Raw({0, 0}).bytes()).message(),
      "/: the block's size says 3 bytes, its items take 2");
  EXPECT_EQ(ints.ValidateDatum(Encoder().Long(-1).Long(-1).Long(1).Long(0).bytes()).message(),
            "/: the block's size in bytes -1 is negative");
}

TEST(AvroDatumTest, FixedNeedsItsSize) {
  const Schema fixed = Parsed(R"({"type": "fixed", "name": "F", "size": 3})");
  EXPECT_TRUE(fixed.ValidateDatum(Encoder().Raw({1, 2, 3}).bytes()).ok());
  EXPECT_EQ(fixed.ValidateDatum(Encoder().Raw({1, 2}).bytes()).message(),
            "/: expected fixed F (3 bytes), only 2 bytes are left");
}

TEST(AvroDatumTest, BoundsNesting) {
  const Schema list = Parsed(R"({"type": "record", "name": "Node", "fields": [
      {"name": "next", "type": ["null", "Node"]}]})");
  const auto chain = [](int length) {
    Encoder e;
    for (int i = 1; i < length; ++i) e.Long(1);
    e.Long(0);
    return e;
  };
  EXPECT_TRUE(list.ValidateDatum(chain(100).bytes()).ok());
  const Status deep = list.ValidateDatum(chain(1000).bytes());
  EXPECT_NE(deep.message().find("the datum nests deeper than 128 levels"), std::string::npos)
      << deep.ToString();
  // A record that contains itself has no finite value.
  const Schema endless = Parsed(R"({"type": "record", "name": "R", "fields": [
      {"name": "r", "type": "R"}]})");
  EXPECT_NE(endless.ValidateDatum({}).message().find("nests deeper"), std::string::npos);
}

// Values that take no bytes are not read: a schema that nests records of nulls 2^63 times over
// costs no more to validate than its bytes.
TEST(AvroDatumTest, ValuesThatTakeNoBytesCostNothing) {
  std::string fields = R"({"name": "t0", "type": {"type": "record", "name": "T0", "fields": [
      {"name": "n", "type": "null"}, {"name": "f", "type": {"type": "fixed", "name": "Z",
                                                            "size": 0}}]}})";
  for (int i = 1; i < 64; ++i) {
    fields += fmt::format(
        R"(, {{"name": "t{0}", "type": {{"type": "record", "name": "T{0}", "fields": [
            {{"name": "a", "type": "T{1}"}}, {{"name": "b", "type": "T{1}"}}]}}}})",
        i, i - 1);
  }
  fields += R"(, {"name": "many", "type": {"type": "array", "items": "T63"}})";
  fields += R"(, {"name": "last", "type": "int"})";
  const Schema schema = Parsed(R"({"type": "record", "name": "Top", "fields": [)" + fields + "]}");
  EXPECT_TRUE(schema.ValidateDatum(Encoder().Long(int64_t{1} << 62).Long(0).Long(7).bytes()).ok());
  EXPECT_EQ(schema.ValidateDatum(Encoder().Long(3).Long(0).bytes()).message(),
            "/fields/last: expected an int, the input ended");
}

// ---- The JSON encoding ---------------------------------------------------------------------

nlohmann::json Json(std::string_view text) {
  return nlohmann::json::parse(text);
}

std::string Hex(ByteView bytes) {
  std::string out;
  for (const uint8_t byte : bytes) out += fmt::format("{:02x}", byte);
  return out;
}

// `value` encoded by `schema`: the bytes must be a valid datum that decodes back to `value`.
Buffer RoundTrip(const Schema& schema, const nlohmann::json& value) {
  Result<Buffer> encoded = schema.EncodeJson(value);
  if (!encoded.ok()) {
    ADD_FAILURE() << "encoding " << value.dump() << ": " << encoded.status().ToString();
    return {};
  }
  const Status valid = schema.ValidateDatum(*encoded);
  EXPECT_TRUE(valid.ok()) << value.dump() << ": " << valid.ToString();
  Result<nlohmann::json> decoded = schema.DecodeToJson(*encoded);
  if (!decoded.ok()) {
    ADD_FAILURE() << "decoding " << value.dump() << ": " << decoded.status().ToString();
  } else {
    EXPECT_EQ(decoded->dump(), value.dump());
  }
  return std::move(encoded).value();
}

// The JSON `bytes` decode to; a failure fails the test and gives null.
nlohmann::json Decoded(const Schema& schema, ByteView bytes) {
  Result<nlohmann::json> decoded = schema.DecodeToJson(bytes);
  if (!decoded.ok()) {
    ADD_FAILURE() << "decoding " << Hex(bytes) << ": " << decoded.status().ToString();
    return nullptr;
  }
  return std::move(decoded).value();
}

// The message of encoding `value`, which must fail with kInvalidArgument.
std::string EncodeError(const Schema& schema, const nlohmann::json& value) {
  Result<Buffer> encoded = schema.EncodeJson(value);
  if (encoded.ok()) {
    ADD_FAILURE() << "encoded although invalid: " << value.dump();
    return "";
  }
  EXPECT_EQ(encoded.status().code(), StatusCode::kInvalidArgument);
  return encoded.status().message();
}

// The message of decoding `bytes`, which must fail with kInvalidArgument.
std::string DecodeError(const Schema& schema, ByteView bytes) {
  Result<nlohmann::json> decoded = schema.DecodeToJson(bytes);
  if (decoded.ok()) {
    ADD_FAILURE() << "decoded although invalid: " << Hex(bytes);
    return "";
  }
  EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument);
  return decoded.status().message();
}

TEST(AvroJsonCodecTest, Primitives) {
  const Schema null = Parsed(R"("null")");
  EXPECT_EQ(Hex(RoundTrip(null, nullptr)), "");
  const Schema boolean = Parsed(R"("boolean")");
  EXPECT_EQ(Hex(RoundTrip(boolean, true)), "01");
  EXPECT_EQ(Hex(RoundTrip(boolean, false)), "00");
  const Schema int_schema = Parsed(R"("int")");
  EXPECT_EQ(Hex(RoundTrip(int_schema, -3)), "05");
  EXPECT_EQ(Hex(RoundTrip(int_schema, 64)), "8001");
  EXPECT_EQ(Hex(RoundTrip(int_schema, INT32_MIN)), "ffffffff0f");
  EXPECT_EQ(Hex(RoundTrip(int_schema, INT32_MAX)), "feffffff0f");
  const Schema long_schema = Parsed(R"("long")");
  EXPECT_EQ(Hex(RoundTrip(long_schema, INT64_MIN)), "ffffffffffffffffff01");
  EXPECT_EQ(Hex(RoundTrip(long_schema, INT64_MAX)), "feffffffffffffffff01");
  EXPECT_EQ(Decoded(long_schema, Encoder().Long(-150).bytes()), -150);
  const Schema string = Parsed(R"("string")");
  EXPECT_EQ(Hex(RoundTrip(string, "h\u00e9\u2713")), "0c68c3a9e29c93");
  EXPECT_EQ(Hex(RoundTrip(string, "")), "00");
  EXPECT_EQ(Decoded(string, Encoder().String("ann").bytes()), "ann");
  // A logical type is its underlying type in the JSON encoding.
  EXPECT_EQ(Hex(RoundTrip(Parsed(R"({"type": "long", "logicalType": "timestamp-millis"})"),
                          1700000000000)),
            "80a0abfef962");
}

TEST(AvroJsonCodecTest, FloatsAndDoubles) {
  const Schema float_schema = Parsed(R"("float")");
  const Schema double_schema = Parsed(R"("double")");
  EXPECT_EQ(Hex(RoundTrip(float_schema, 1.5)), "0000c03f");
  EXPECT_EQ(Hex(RoundTrip(double_schema, 1.0)), "000000000000f03f");
  EXPECT_EQ(Hex(RoundTrip(double_schema, -0.1)), "9a9999999999b9bf");
  // A float reads as its shortest decimal form, which encodes to the same float.
  EXPECT_EQ(Hex(RoundTrip(float_schema, 0.1)), "cdcccc3d");
  EXPECT_EQ(Decoded(float_schema, Encoder().Raw({0xcd, 0xcc, 0xcc, 0x3d}).bytes()).dump(), "0.1");
  EXPECT_EQ(Decoded(float_schema, Encoder().Raw({0, 0, 0x80, 0x3f}).bytes()).dump(), "1.0");
  // Any JSON number: an integer becomes the float or double of its value.
  EXPECT_EQ(Hex(*float_schema.EncodeJson(3)), "00004040");
  EXPECT_EQ(Hex(*double_schema.EncodeJson(-2)), "00000000000000c0");
  EXPECT_EQ(Decoded(double_schema, *double_schema.EncodeJson(uint64_t{1} << 63)).dump(),
            "9.223372036854776e+18");
  // NaN and the infinities are strings; a number beyond float's range is an infinity.
  for (const char* special : {"NaN", "Infinity", "-Infinity"}) {
    RoundTrip(float_schema, special);
    RoundTrip(double_schema, special);
  }
  EXPECT_EQ(Hex(*float_schema.EncodeJson("NaN")), "0000c07f");
  EXPECT_EQ(Hex(*double_schema.EncodeJson("-Infinity")), "000000000000f0ff");
  EXPECT_EQ(Hex(*float_schema.EncodeJson(1e300)), "0000807f");
  EXPECT_EQ(Hex(*float_schema.EncodeJson(-1e39)), "000080ff");
  EXPECT_EQ(Hex(*float_schema.EncodeJson(3.4028235e38)), "ffff7f7f");
  EXPECT_EQ(Decoded(float_schema, *float_schema.EncodeJson(1e300)), "Infinity");
  EXPECT_EQ(EncodeError(double_schema, "1.5"), "/: expected a double, got a string");
  EXPECT_EQ(EncodeError(float_schema, true), "/: expected a float, got a boolean");
}

TEST(AvroJsonCodecTest, BytesAndFixedAreStringsOfCodePointsUpTo255) {
  const Schema bytes = Parsed(R"("bytes")");
  const Buffer encoded = RoundTrip(bytes, Json(R"("\u0000a\u007f\u0080\u00ff")"));
  EXPECT_EQ(Hex(encoded), "0a00617f80ff");
  const nlohmann::json decoded =
      Decoded(bytes, Encoder().String(std::string("\x00\xff", 2)).bytes());
  EXPECT_EQ(decoded, Json(R"("\u0000\u00ff")"));
  EXPECT_EQ(decoded.dump(), "\"\\u0000\xc3\xbf\"");  // valid UTF-8 whatever the bytes
  EXPECT_EQ(Hex(RoundTrip(bytes, "")), "00");

  const Schema fixed = Parsed(R"({"type": "fixed", "name": "F", "namespace": "n", "size": 4})");
  EXPECT_EQ(Hex(RoundTrip(fixed, Json(R"("\u0000\u007f\u0080\u00ff")"))), "007f80ff");
  EXPECT_EQ(Decoded(fixed, Encoder().Raw({1, 2, 3, 0xfe}).bytes()),
            Json(R"("\u0001\u0002\u0003\u00fe")"));
  EXPECT_EQ(EncodeError(fixed, "abc"), "/: fixed n.F takes 4 bytes, got 3");
  EXPECT_EQ(EncodeError(fixed, Json(R"("\u00ff\u00ff\u00ff\u00ff\u00ff")")),
            "/: fixed n.F takes 4 bytes, got 5");
  EXPECT_EQ(EncodeError(fixed, 7), "/: expected fixed n.F (a string), got an integer");
  const Schema empty = Parsed(R"({"type": "fixed", "name": "Z", "size": 0})");
  EXPECT_EQ(Hex(RoundTrip(empty, "")), "");

  EXPECT_NE(EncodeError(bytes, Json(R"("\u0100")")).find("code points U+0000 to U+00FF"),
            std::string::npos);
  EXPECT_NE(EncodeError(fixed, "ab\u2713").find("code points U+0000 to U+00FF"), std::string::npos);
  // Overlong and broken forms are not code points.
  EXPECT_NE(EncodeError(bytes, std::string("\xc0\x80")).find("code points"), std::string::npos);
  EXPECT_NE(EncodeError(bytes, std::string("\xc3")).find("code points"), std::string::npos);
  EXPECT_EQ(EncodeError(bytes, Json("[1, 2]")), "/: expected bytes (a string), got an array");
}

TEST(AvroJsonCodecTest, RecordsArraysMapsEnumsAndUnions) {
  const Schema schema = Parsed(kPayment);
  const nlohmann::json payment = Json(R"({
      "id": -3, "payer": "ann", "amount": 1.0, "rate": 1.0, "paid": true,
      "tags": ["a", "b", "c"], "attrs": {"k": -150}, "state": "SHUT",
      "hash": "\u0001\u0002\u0003\u0004", "note": {"string": "hi"}, "blob": "\u0000\u00ff"})");
  // Two blocks in the hand-encoded datum, one in what EncodeJson writes.
  EXPECT_EQ(Decoded(schema, ValidPayment().bytes()), payment);
  const Buffer encoded = RoundTrip(schema, payment);
  Encoder expected;
  expected.Long(-3).String("ann").Raw({0, 0, 0, 0, 0, 0, 0xf0, 0x3f}).Raw({0, 0, 0x80, 0x3f});
  expected.Raw({1}).Long(3).String("a").String("b").String("c").Long(0);
  expected.Long(1).String("k").Long(-150).Long(0).Long(1).Raw({1, 2, 3, 4});
  expected.Long(1).String("hi").String(std::string("\x00\xff", 2));
  EXPECT_EQ(Hex(encoded), Hex(expected.bytes()));

  nlohmann::json empty = payment;
  empty["tags"] = nlohmann::json::array();
  empty["attrs"] = nlohmann::json::object();
  empty["note"] = nullptr;
  empty["state"] = "OPEN";
  RoundTrip(schema, empty);
}

TEST(AvroJsonCodecTest, NestedRecords) {
  const Schema schema = Parsed(R"({"type": "record", "name": "Order", "namespace": "shop",
      "fields": [
        {"name": "customer", "type": {"type": "record", "name": "Customer", "fields": [
          {"name": "name", "type": "string"},
          {"name": "address", "type": {"type": "record", "name": "Address", "fields": [
            {"name": "city", "type": "string"}, {"name": "zip", "type": ["null", "int"]}]}}]}},
        {"name": "lines", "type": {"type": "array", "items": {"type": "record", "name": "Line",
          "fields": [{"name": "sku", "type": "string"}, {"name": "qty", "type": "int"}]}}},
        {"name": "by_day", "type": {"type": "map", "values": {"type": "array", "items": "Line"}}},
        {"name": "billing", "type": ["null", "Address"]}]})");
  const nlohmann::json order = Json(R"({
      "customer": {"name": "Zoë", "address": {"city": "Oslo", "zip": {"int": 150}}},
      "lines": [{"sku": "a", "qty": 1}, {"sku": "b", "qty": 2}],
      "by_day": {"mon": [{"sku": "c", "qty": 3}], "tue": []},
      "billing": {"shop.Address": {"city": "Bergen", "zip": null}}})");
  const Buffer encoded = RoundTrip(schema, order);
  Encoder expected;
  expected.String("Zoë").String("Oslo").Long(1).Long(150);
  expected.Long(2).String("a").Long(1).String("b").Long(2).Long(0);
  expected.Long(2).String("mon").Long(1).String("c").Long(3).Long(0).String("tue").Long(0).Long(0);
  expected.Long(1).String("Bergen").Long(0);
  EXPECT_EQ(Hex(encoded), Hex(expected.bytes()));
  EXPECT_EQ(EncodeError(schema, Json(R"({"customer": {"name": "x", "address": {"city": 5,
                "zip": null}}, "lines": [], "by_day": {}, "billing": null})")),
            "/fields/customer/fields/address/fields/city: expected a string, got an integer");
  EXPECT_EQ(EncodeError(schema, Json(R"({"customer": {"name": "x", "address": {"city": "c",
                "zip": null}}, "lines": [{"sku": "a", "qty": 1}, {"sku": "b", "qty": "2"}],
                "by_day": {}, "billing": null})")),
            "/fields/lines/items/1/fields/qty: expected an int, got a string");
  EXPECT_EQ(EncodeError(schema, Json(R"({"customer": {"name": "x", "address": {"city": "c",
                "zip": null}}, "lines": [], "by_day": {"wed": [{"sku": "a"}]}, "billing": null})")),
            "/fields/by_day/values/wed/items/0/fields/qty: the field is missing and has no "
            "default");
}

TEST(AvroJsonCodecTest, RecursiveRecords) {
  const Schema list = Parsed(R"({"type": "record", "name": "Node", "namespace": "ll", "fields": [
      {"name": "value", "type": "int"}, {"name": "next", "type": ["null", "Node"]}]})");
  const nlohmann::json three = Json(R"({"value": 1, "next": {"ll.Node": {"value": 2,
      "next": {"ll.Node": {"value": 3, "next": null}}}}})");
  EXPECT_EQ(Hex(RoundTrip(list, three)), "020204020600");
  EXPECT_EQ(Decoded(list, Encoder().Long(7).Long(0).bytes()),
            Json(R"({"value": 7, "next": null})"));
  const Schema tree = Parsed(R"({"type": "record", "name": "Tree", "fields": [
      {"name": "label", "type": "string"},
      {"name": "children", "type": {"type": "array", "items": "Tree"}}]})");
  RoundTrip(tree, Json(R"({"label": "root", "children": [
      {"label": "a", "children": []},
      {"label": "b", "children": [{"label": "c", "children": []}]}]})"));
}

TEST(AvroJsonCodecTest, UnionBranchesAreNamedByTypeOrFullName) {
  const Schema schema = Parsed(R"(["null", "string", "int", "bytes",
      {"type": "record", "name": "R", "namespace": "a.b", "fields": [{"name": "x", "type": "int"}]},
      {"type": "enum", "name": "E", "symbols": ["ONE", "TWO"]},
      {"type": "fixed", "name": "F", "namespace": "a", "size": 1},
      {"type": "array", "items": "long"}, {"type": "map", "values": "boolean"}])");
  EXPECT_EQ(Hex(RoundTrip(schema, nullptr)), "00");
  EXPECT_EQ(Hex(RoundTrip(schema, Json(R"({"string": "x"})"))), "020278");
  EXPECT_EQ(Hex(RoundTrip(schema, Json(R"({"int": -1})"))), "0401");
  EXPECT_EQ(Hex(RoundTrip(schema, Json(R"({"bytes": "\u00ff"})"))), "0602ff");
  EXPECT_EQ(Hex(RoundTrip(schema, Json(R"({"a.b.R": {"x": 2}})"))), "0804");
  EXPECT_EQ(Hex(RoundTrip(schema, Json(R"({"E": "TWO"})"))), "0a02");
  EXPECT_EQ(Hex(RoundTrip(schema, Json(R"({"a.F": "z"})"))), "0c7a");
  EXPECT_EQ(Hex(RoundTrip(schema, Json(R"({"array": [1, 2]})"))), "0e04020400");
  EXPECT_EQ(Hex(RoundTrip(schema, Json(R"({"map": {"t": true}})"))), "100202740100");
  EXPECT_EQ(Decoded(schema, Encoder().Long(4).Long(-2).bytes()), Json(R"({"a.b.R": {"x": -2}})"));
  // The null branch may also be named.
  EXPECT_EQ(Hex(*schema.EncodeJson(Json(R"({"null": null})"))), "00");

  EXPECT_EQ(EncodeError(schema, Json(R"({"R": {"x": 2}})")),
            "/: 'R' is not a branch of the union (null, string, int, bytes, a.b.R, E, a.F, array, "
            "map)");
  EXPECT_NE(EncodeError(schema, Json(R"({"long": 1})")).find("'long' is not a branch"),
            std::string::npos);
  EXPECT_NE(EncodeError(schema, "x").find("expected an object naming one branch of the union"),
            std::string::npos);
  EXPECT_NE(EncodeError(schema, Json(R"({"string": "x", "int": 1})")).find("an object with 2 keys"),
            std::string::npos);
  EXPECT_EQ(EncodeError(schema, Json(R"({"int": "1"})")), "/: expected an int, got a string");
  const Schema required = Parsed(R"({"type": "record", "name": "T", "fields": [
      {"name": "u", "type": ["string", "long"]}]})");
  EXPECT_EQ(EncodeError(required, Json(R"({"u": null})")),
            "/fields/u: null is not a branch of the union (string, long)");
  EXPECT_EQ(DecodeError(required, Encoder().Long(2).Long(0).bytes()),
            "/fields/u: the union index 2 is out of range (2 branches)");
}

TEST(AvroJsonCodecTest, Enums) {
  const Schema schema = Parsed(R"({"type": "enum", "name": "Suit", "namespace": "cards",
      "symbols": ["HEARTS", "SPADES", "CLUBS"], "default": "CLUBS"})");
  EXPECT_EQ(Hex(RoundTrip(schema, "HEARTS")), "00");
  EXPECT_EQ(Hex(RoundTrip(schema, "CLUBS")), "04");
  EXPECT_EQ(Decoded(schema, Encoder().Long(1).bytes()), "SPADES");
  EXPECT_EQ(EncodeError(schema, "DIAMONDS"), "/: 'DIAMONDS' is not a symbol of enum cards.Suit");
  EXPECT_EQ(EncodeError(schema, 1), "/: expected enum cards.Suit (a symbol), got an integer");
  EXPECT_EQ(DecodeError(schema, Encoder().Long(3).bytes()),
            "/: the enum index 3 is out of range (3 symbols)");
}

TEST(AvroJsonCodecTest, MissingFieldsTakeTheirDefaults) {
  const Schema schema = Parsed(R"({"type": "record", "name": "D", "namespace": "d", "fields": [
      {"name": "given", "type": "int"},
      {"name": "i", "type": "int", "default": 7},
      {"name": "l", "type": "long", "default": -1},
      {"name": "f", "type": "float", "default": 0.5},
      {"name": "d", "type": "double", "default": 2},
      {"name": "flag", "type": "boolean", "default": true},
      {"name": "s", "type": "string", "default": "dflt"},
      {"name": "b", "type": "bytes", "default": "\u0000\u00ff"},
      {"name": "fx", "type": {"type": "fixed", "name": "Two", "size": 2}, "default": "\u00ab\u0001"},
      {"name": "e", "type": {"type": "enum", "name": "E", "symbols": ["A", "B"]}, "default": "B"},
      {"name": "opt", "type": ["null", "string"], "default": null},
      {"name": "first", "type": ["string", "null"], "default": "x"},
      {"name": "rec_in_union", "type": [{"type": "record", "name": "P", "fields": [
          {"name": "p", "type": ["int", "null"], "default": 3}]}, "null"], "default": {}},
      {"name": "arr", "type": {"type": "array", "items": ["long", "null"]}, "default": [1, 2]},
      {"name": "m", "type": {"type": "map", "values": "bytes"}, "default": {"k": "\u00e9"}},
      {"name": "sub", "type": {"type": "record", "name": "Sub", "fields": [
          {"name": "x", "type": "int"}, {"name": "y", "type": "string", "default": "why"}]},
       "default": {"x": 1, "ignored": 0}}]})");
  const nlohmann::json filled = Json(R"({
      "given": 5, "i": 7, "l": -1, "f": 0.5, "d": 2.0, "flag": true, "s": "dflt",
      "b": "\u0000\u00ff", "fx": "\u00ab\u0001", "e": "B", "opt": null, "first": {"string": "x"},
      "rec_in_union": {"d.P": {"p": {"int": 3}}}, "arr": [{"long": 1}, {"long": 2}],
      "m": {"k": "\u00e9"}, "sub": {"x": 1, "y": "why"}})");
  Result<Buffer> encoded = schema.EncodeJson(Json(R"({"given": 5})"));
  ASSERT_TRUE(encoded.ok()) << encoded.status().ToString();
  EXPECT_TRUE(schema.ValidateDatum(*encoded).ok());
  EXPECT_EQ(Decoded(schema, *encoded), filled);
  EXPECT_EQ(Hex(*encoded), Hex(RoundTrip(schema, filled)));
  // Given fields are used as given.
  nlohmann::json given = filled;
  given["opt"] = Json(R"({"string": "o"})");
  given["sub"] = Json(R"({"x": 9, "y": "z"})");
  RoundTrip(schema, given);

  EXPECT_EQ(EncodeError(schema, Json(R"({"i": 1})")),
            "/fields/given: the field is missing and has no default");
  EXPECT_EQ(EncodeError(schema, Json(R"({"given": 1, "sub": {"y": "a"}})")),
            "/fields/sub/fields/x: the field is missing and has no default");
  EXPECT_EQ(EncodeError(schema, Json(R"({"given": 1, "extra": 2})")),
            "/: record d.D has no field 'extra'");
  EXPECT_EQ(EncodeError(schema, Json(R"({"given": 1, "sub": {"x": 1, "z": 2}})")),
            "/fields/sub: record d.Sub has no field 'z'");
  EXPECT_EQ(EncodeError(schema, Json("[]")), "/: expected record d.D (an object), got an array");
}

TEST(AvroJsonCodecTest, WrongTypesAndRangesNameThePath) {
  const Schema schema = Parsed(kPayment);
  nlohmann::json payment = Decoded(schema, ValidPayment().bytes());
  const auto with = [&](const char* field, nlohmann::json value) {
    nlohmann::json changed = payment;
    changed[field] = std::move(value);
    return EncodeError(schema, changed);
  };
  EXPECT_EQ(with("amount", "12"), "/fields/amount: expected a double, got a string");
  EXPECT_EQ(with("id", 1.5), "/fields/id: expected a long, got the number 1.5");
  EXPECT_EQ(with("id", std::numeric_limits<uint64_t>::max()),
            "/fields/id: 18446744073709551615 is out of range for a long");
  EXPECT_EQ(with("paid", 1), "/fields/paid: expected a boolean, got an integer");
  EXPECT_EQ(with("payer", nullptr), "/fields/payer: expected a string, got null");
  EXPECT_EQ(with("tags", Json(R"(["a", 2])")),
            "/fields/tags/items/1: expected a string, got an integer");
  EXPECT_EQ(with("attrs", Json(R"({"k": 2147483648})")),
            "/fields/attrs/values/k: 2147483648 is out of range for an int");
  EXPECT_EQ(with("attrs", Json(R"({"k": -2147483649})")),
            "/fields/attrs/values/k: -2147483649 is out of range for an int");
  EXPECT_EQ(with("attrs", Json("[]")), "/fields/attrs: expected a map (an object), got an array");
  EXPECT_EQ(with("state", "GONE"), "/fields/state: 'GONE' is not a symbol of enum State");
  EXPECT_EQ(with("hash", "\u0001"), "/fields/hash: fixed Hash takes 4 bytes, got 1");
  EXPECT_EQ(with("note", "hi"),
            "/fields/note: expected an object naming one branch of the union (null, string), got "
            "a string");
  EXPECT_EQ(with("note", Json(R"({"int": 1})")),
            "/fields/note: 'int' is not a branch of the union (null, string)");
  // Strings built in memory may hold anything; the encoding holds only valid UTF-8.
  EXPECT_EQ(with("payer", std::string("a\xff")), "/fields/payer: the string is not valid UTF-8");
  nlohmann::json bad_key = payment;
  bad_key["attrs"] = nlohmann::json::object({{std::string("\xff"), 1}});
  EXPECT_EQ(EncodeError(schema, bad_key), "/fields/attrs: a key is not valid UTF-8");
}

TEST(AvroJsonCodecTest, RefusesWhatValidateDatumRefuses) {
  const Schema schema = Parsed(kPayment);
  const Buffer full = ValidPayment().bytes();
  for (size_t size = 0; size < full.size(); ++size) {
    const ByteView prefix(full.data(), size);
    EXPECT_EQ(DecodeError(schema, prefix), schema.ValidateDatum(prefix).message()) << size;
  }
  EXPECT_EQ(DecodeError(schema, ByteView(full.data(), 8)),
            "/fields/amount: expected a double (8 bytes), only 3 bytes are left");
  EXPECT_EQ(DecodeError(schema, ValidPayment().Without(1)),
            "/fields/blob: a bytes length 2 exceeds the 1 bytes left");
  Encoder trailing = ValidPayment();
  trailing.Raw({0});
  EXPECT_EQ(DecodeError(schema, trailing.bytes()),
            "/: the input goes on for 1 more bytes after the datum");
  EXPECT_EQ(DecodeError(Parsed(R"("string")"), Encoder().String("a\xff").bytes()),
            "/: the string is not valid UTF-8");
  EXPECT_EQ(DecodeError(Parsed(R"({"type": "map", "values": "int"})"),
                        Encoder().Long(1).String("\xc0\x80").Long(1).Long(0).bytes()),
            "/: the string is not valid UTF-8");
  EXPECT_EQ(DecodeError(Parsed(R"("boolean")"), Encoder().Raw({2}).bytes()),
            "/: a boolean must be 0 or 1, not 2");
  EXPECT_EQ(DecodeError(Parsed(R"("int")"), Encoder().Long(int64_t{INT32_MAX} + 1).bytes()),
            "/: an int overflows 32 bits");
  const Schema ints = Parsed(R"({"type": "array", "items": "int"})");
  EXPECT_EQ(
      Decoded(ints, Encoder().Long(-2).Long(2).Long(1).Long(-1).Long(1).Long(7).Long(0).bytes()),
      Json("[1, -1, 7]"));
  EXPECT_EQ(DecodeError(ints, Encoder().Long(-2).Long(3).Long(1).Long(-1).Raw({0, 0}).bytes()),
            "/: the block's size says 3 bytes, its items take 2");
  // A map key given twice keeps its last value.
  EXPECT_EQ(Decoded(Parsed(R"({"type": "map", "values": "int"})"),
                    Encoder().Long(2).String("k").Long(1).String("k").Long(2).Long(0).bytes()),
            Json(R"({"k": 2})"));
}

TEST(AvroJsonCodecTest, BoundsWorkOnHostileInput) {
  const int64_t huge = int64_t{1} << 62;
  const Schema longs = Parsed(R"({"type": "array", "items": "long"})");
  EXPECT_EQ(DecodeError(longs, Encoder().Long(huge).Long(1).Long(2).bytes()),
            "/items/2: expected a long, the input ended");
  // Values that take no bytes are limited by the size of the document they make.
  const Schema nulls = Parsed(R"({"type": "array", "items": "null"})");
  EXPECT_NE(DecodeError(nulls, Encoder().Long(huge).Long(0).bytes()).find("decodes to more than"),
            std::string::npos);
  EXPECT_EQ(Decoded(nulls, Encoder().Long(3).Long(0).bytes()), Json("[null, null, null]"));
  std::string fields = R"({"name": "t0", "type": {"type": "record", "name": "T0", "fields": [
      {"name": "n", "type": "null", "default": null}]}, "default": {}})";
  for (int i = 1; i < 64; ++i) {
    fields += fmt::format(
        R"(, {{"name": "t{0}", "type": {{"type": "record", "name": "T{0}", "fields": [
            {{"name": "a", "type": "T{1}", "default": {{}}}},
            {{"name": "b", "type": "T{1}", "default": {{}}}}]}}, "default": {{}}}})",
        i, i - 1);
  }
  const Schema exponential =
      Parsed(R"({"type": "record", "name": "Top", "fields": [)" + fields + "]}");
  EXPECT_TRUE(exponential.ValidateDatum({}).ok());
  EXPECT_NE(DecodeError(exponential, {}).find("decodes to more than 65536 JSON values"),
            std::string::npos);
  // Defaults that expand exponentially stop at their limit.
  EXPECT_NE(
      EncodeError(exponential, nlohmann::json::object()).find("the defaults of missing fields"),
      std::string::npos);

  // Nesting is bounded as ValidateDatum bounds it.
  const Schema list = Parsed(R"({"type": "record", "name": "Node", "fields": [
      {"name": "next", "type": ["null", "Node"]}]})");
  Encoder deep;
  for (int i = 1; i < 1000; ++i) deep.Long(1);
  deep.Long(0);
  EXPECT_NE(DecodeError(list, deep.bytes()).find("the datum nests deeper than 128 levels"),
            std::string::npos);
  nlohmann::json chain = Json(R"({"next": null})");
  for (int i = 0; i < 200; ++i) chain = nlohmann::json{{"next", {{"Node", std::move(chain)}}}};
  EXPECT_NE(EncodeError(list, chain).find("the datum nests deeper than 128 levels"),
            std::string::npos);
  // A record whose default contains itself has no finite value.
  const Schema endless = Parsed(R"({"type": "record", "name": "R", "fields": [
      {"name": "r", "type": "R", "default": {}}]})");
  EXPECT_NE(EncodeError(endless, nlohmann::json::object()).find("nests deeper"), std::string::npos);
  EXPECT_NE(DecodeError(endless, {}).find("nests deeper"), std::string::npos);
}

}  // namespace
}  // namespace herald::registry::avro
