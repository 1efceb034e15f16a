// libFuzzer target: Avro schemas as the schema registry reads them from clients. The input is a
// schema's text, then (after a NUL byte, when there is one) bytes taken as a binary datum of it.
// A schema that parses must give a text and a canonical form that parse to themselves again, must
// read itself, and must be checked against a fixed schema both ways and against the datum without
// crashing, reading out of bounds or leaking.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "registry/avro.h"

namespace {

using herald::registry::avro::ReadIncompatibilities;
using herald::registry::avro::Schema;

const Schema& Fixed() {
  static const Schema fixed = std::move(Schema::Parse(R"({"type":"record","name":"R","fields":[
      {"name":"a","type":["null","long"],"default":null},
      {"name":"b","type":{"type":"array","items":"string"},"default":[]},
      {"name":"e","type":{"type":"enum","name":"E","symbols":["X","Y"],"default":"X"}}]})"))
                                  .value();
  return fixed;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t nul = input.find('\0');
  const std::string_view text = input.substr(0, nul);
  auto schema = Schema::Parse(text);
  if (!schema.ok()) return 0;
  auto again = Schema::Parse(schema->text());
  if (!again.ok() || again->text() != schema->text() ||
      again->CanonicalForm() != schema->CanonicalForm()) {
    __builtin_trap();  // the stored text must mean the same schema
  }
  auto canonical = Schema::Parse(schema->CanonicalForm());
  if (!canonical.ok() || canonical->CanonicalForm() != schema->CanonicalForm()) __builtin_trap();
  if (!ReadIncompatibilities(*schema, *schema).empty()) __builtin_trap();
  (void)ReadIncompatibilities(*schema, Fixed());
  (void)ReadIncompatibilities(Fixed(), *schema);
  (void)schema->Fingerprint();
  if (nul != std::string_view::npos) {
    const auto* datum = data + nul + 1;
    (void)schema->ValidateDatum(herald::ByteView(datum, size - nul - 1)).ok();
  }
  return 0;
}
