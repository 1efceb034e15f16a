// libFuzzer target: JSON Schemas as the schema registry reads them from clients, and instances as
// the broker checks record payloads against them. The input is a schema's text, then (after a
// NUL byte, when there is one) an instance's text. A schema that parses must give a text that
// parses to itself again, must be compatible with itself, and must be compared with a fixed
// schema both ways and validate the instance without crashing, reading out of bounds, leaking
// or recursing without bound.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/json.h"
#include "registry/json_schema.h"

namespace {

using herald::registry::json_schema::ReadIncompatibilities;
using herald::registry::json_schema::Schema;

const Schema& Fixed() {
  static const Schema fixed = std::move(Schema::Parse(R"({"type":"object","properties":{
      "id":{"type":"integer","minimum":0},
      "tags":{"type":"array","items":{"type":"string","maxLength":8}},
      "kind":{"enum":["a","b"]},
      "next":{"$ref":"#"}},"required":["id"],"additionalProperties":false})"))
                                  .value();
  return fixed;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t nul = input.find('\0');
  auto schema = Schema::Parse(input.substr(0, nul));
  if (!schema.ok()) return 0;
  auto again = Schema::Parse(schema->text());
  if (!again.ok() || again->text() != schema->text()) {
    __builtin_trap();  // the stored text must mean the same schema
  }
  if (!ReadIncompatibilities(*schema, *schema).empty()) __builtin_trap();
  (void)ReadIncompatibilities(*schema, Fixed());
  (void)ReadIncompatibilities(Fixed(), *schema);
  if (nul != std::string_view::npos) {
    if (auto instance = herald::ParseBoundedJson(input.substr(nul + 1))) {
      (void)schema->Validate(*instance).ok();
      (void)Fixed().Validate(*instance).ok();
    }
  }
  return 0;
}
